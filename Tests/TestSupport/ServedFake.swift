// Not a provider fake: the lifecycle the fakes share. Each conforming fake cites its own
// provider's API reference in its header, e.g. DatabricksFake
// (https://docs.databricks.com/api/workspace/statementexecution).

/// A provider fake answered by its own `FakeProviderServer`: starting it, stopping it and the
/// requests it saw are the server's. A fake conforms and keeps only what is its own (its routes,
/// state and knobs, and the `baseURL` naming the host it stands for).
public protocol ServedFake: AnyObject, Sendable {
    /// The loopback server that answers as the provider.
    var server: FakeProviderServer { get }
}

extension ServedFake {
    /// Starts listening on an ephemeral loopback port.
    public func start() throws { try server.start() }

    /// Stops listening and waits until every connection is closed.
    public func stop() { server.stop() }

    /// Like `stop()`, without blocking the cooperative pool while waiting.
    public func stopWithoutBlocking() async { await server.stopWithoutBlocking() }

    /// Every request received, in order.
    public var requests: [FakeProviderServer.RecordedRequest] { server.requests }

    /// Starts the fake, runs `body` with a client of its loopback server, and stops it whether
    /// `body` returned or threw: what a fake's own tests drive it with.
    public func withClient<T>(_ body: (HTTPTestClient) async throws -> T) async throws -> T {
        try start()
        return try await server.serving { try await body(HTTPTestClient(baseURL: server.baseURL)) }
    }
}
