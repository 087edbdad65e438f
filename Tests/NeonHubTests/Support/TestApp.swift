import Foundation
import Logging
@testable import NeonHub

/// Starts a NeonHub server on an ephemeral loopback port for one test.
func withTestApp<T>(_ configure: (inout AppConfig) -> Void = { _ in }, _ body: (NeonHubServer, HTTPTestClient) async throws -> T) async throws -> T {
    var config = AppConfig()
    config.host = "127.0.0.1"
    config.port = 0
    configure(&config)
    let server = NeonHubServer(config: config, logger: Logger(label: "test"))
    try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    return try await body(server, HTTPTestClient(baseURL: "http://127.0.0.1:\(server.port)"))
}
