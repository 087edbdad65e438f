import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// One Postgres server per test process (a throwaway `EmbeddedCluster`, or the server in
/// `NEONHUB_TEST_DATABASE_URL`) and one fresh database per test, so tests run in parallel.
enum TestDatabase {
    static var logger: Logger { ThrowawayPostgres.logger }

    /// Whether the server is an external one (`NEONHUB_TEST_DATABASE_URL`).
    static var isExternal: Bool { ThrowawayPostgres.isExternal }

    /// Creates a fresh database, runs `body` with it, and drops it (external servers only).
    static func with<T>(_ body: (TestDB) async throws -> T) async throws -> T {
        let database = try await create()
        do {
            let value = try await body(database)
            await drop(database)
            return value
        } catch {
            await drop(database)
            throw error
        }
    }

    /// DROP DATABASE waits for a checkpoint: keep it off the cooperative pool.
    private static func drop(_ database: TestDB) async {
        guard isExternal else { return }
        _ = try? await blocking { database.drop() }
    }

    static func create() async throws -> TestDB {
        // The first call starts the cluster (seconds): do it off the cooperative pool so
        // that other tests keep running meanwhile.
        try await blocking {
            let name = try ThrowawayPostgres.createDatabase()
            return TestDB(base: try ThrowawayPostgres.baseConnectionString(), name: name)
        }
    }
}

/// A fresh database on the test server.
struct TestDB: Sendable {
    let base: String
    let name: String

    func connect(_ options: PostgresConnectionOptions = .init()) throws -> PostgresConnection {
        var options = options
        options.database = name
        return try PostgresConnection(connectionString: base, options: options)
    }

    func pool(_ configuration: PostgresPoolConfiguration = .init()) -> PostgresPool {
        var configuration = configuration
        configuration.database = name
        return PostgresPool(connectionString: base, configuration: configuration, logger: TestDatabase.logger)
    }

    func drop() {
        guard let admin = try? PostgresConnection(connectionString: base) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)")
    }
}

/// The directory of the repository's `Migrations/`.
let repositoryMigrations = ThrowawayPostgres.migrationsDirectory
