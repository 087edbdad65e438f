import Foundation
import Logging
@testable import NeonHub

/// Starts a NeonHub server on an ephemeral loopback port for one test.
func withTestApp<T>(_ configure: (inout AppConfig) -> Void = { _ in }, procedures: (ProcedureRegistry) -> Void = { _ in },
                   _ body: (NeonHubServer, HTTPTestClient) async throws -> T) async throws -> T {
    var config = AppConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.useDatabase = false
    configure(&config)
    let server = try NeonHubServer(config: config, logger: Logger(label: "test"))
    procedures(server.registry)
    try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    return try await body(server, HTTPTestClient(baseURL: "http://127.0.0.1:\(server.port)"))
}

/// A JWT secret for tests (32+ bytes).
let testJWTSecret = "test-secret-0123456789-abcdefghijklmnop"

/// A bearer token for `tenant` signed with `testJWTSecret`.
func testToken(tenant: String = "tenant-a", role: Role = .user, subject: String = "user-1") -> String {
    JWTSigner.hs256(subject: subject, tenantID: tenant, role: role, ttl: 3600, secret: testJWTSecret)
}
