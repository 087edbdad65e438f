import Foundation
import Logging
import Synchronization
import TestSupport

@testable import NeonHub

/// Starts a NeonHub server on an ephemeral loopback port for one test.
func withTestApp<T>(
    _ configure: (inout AppConfig) -> Void = { _ in }, agents: [any Agent] = [], jobHandlers: [JobKind: any JobHandler] = [:],
    procedures: @escaping @Sendable (ProcedureRegistry) -> Void = { _ in }, logger: Logger = Logger(label: "test"),
    _ body: (NeonHubServer, HTTPTestClient) async throws -> T
) async throws -> T {
    var config = AppConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.useDatabase = false
    config.workers = 0  // queue tests turn workers on
    configure(&config)
    let server = try await NeonHubServer.launch(config: config, additions: .init(agents: agents, jobHandlers: jobHandlers), logger: logger) {
        procedures($0.registry)
    }
    do {
        let result = try await body(server, HTTPTestClient(baseURL: "http://127.0.0.1:\(server.port)"))
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A JWT secret for tests (32+ bytes).
let testJWTSecret = "test-secret-0123456789-abcdefghijklmnop"

/// A bearer token for `tenant` signed with `testJWTSecret`.
func signedToken(tenant: String = "tenant-a", role: Role = .user, subject: String = "user-1") -> String {
    JWTSigner.hs256(subject: subject, tenantID: tenant, role: role, ttl: 3600, secret: testJWTSecret)
}

/// Like `withTestApp`, on a fresh database of the test cluster, migrated, with bearer auth on.
func withDatabaseApp(
    agents: [any Agent] = [], jobHandlers: [JobKind: any JobHandler] = [:], databaseURL: String? = nil, logger: Logger = Logger(label: "test"),
    _ configure: @escaping (inout AppConfig) -> Void = { _ in },
    _ body: (NeonHubServer, HTTPTestClient) async throws -> Void
) async throws {
    let url: String
    if let databaseURL { url = databaseURL } else { url = try await ThrowawayPostgres.freshDatabase() }
    try await withTestApp(
        {
            $0.useDatabase = true
            $0.databaseURL = url
            $0.migrationsDirectory = ThrowawayPostgres.migrationsDirectory.path
            $0.jwtSecret = testJWTSecret
            configure(&$0)
        }, agents: agents, jobHandlers: jobHandlers, logger: logger
    ) { server, client in
        try await waitUntilMigrated(server)
        try await body(server, client)
    }
}

/// Waits (up to two minutes) for the migrations a server applies at start: on a loaded machine
/// its first connection may time out, and it then retries them in the background while it
/// already listens (answering 503), which a test's first call must not meet.
private func waitUntilMigrated(_ server: NeonHubServer) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    while server.health.snapshot()["migrations"] != nil {
        guard ContinuousClock.now < deadline else { throw MigrationsPending() }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// The test server's migrations were still pending after two minutes.
struct MigrationsPending: Error {}

/// A clock for time-based state machines, advanced by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex(0.0)
    /// The current reading.
    var now: Double { seconds.withLock { $0 } }
    /// Moves the clock forward.
    func advance(_ s: Double) { seconds.withLock { $0 += s } }
}
