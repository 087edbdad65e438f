import Dispatch
public import HTTPCore

/// Runs `body` against `handler` served by our own `HTTPCore` on an ephemeral loopback port
/// (`http://127.0.0.1:<port>`), stopping the server afterwards, also when `body` throws.
public func withLoopbackServer<T>(_ handler: any HTTPHandler, _ body: (_ baseURL: String) async throws -> T) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 1)
    configuration.shutdownGrace = .milliseconds(200)
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    do {
        let result = try await body("http://127.0.0.1:\(server.port)")
        await stopOffThePool(server)
        return result
    } catch {
        await stopOffThePool(server)
        throw error
    }
}

/// Shuts a server down and waits for it without blocking the cooperative pool.
public func stopOffThePool(_ server: HTTPServer) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
            server.shutdown()
            server.waitUntilStopped()
            done.resume()
        }
    }
}
