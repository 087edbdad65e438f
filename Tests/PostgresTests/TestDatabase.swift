import Foundation
import Logging
import Synchronization
import Testing

@testable import Postgres

/// One Postgres server per test process (a throwaway `EmbeddedCluster`, or the server in
/// `NEONHUB_TEST_DATABASE_URL`) and one fresh database per test, so tests run in parallel.
enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .error
        return logger
    }()

    /// The shared throwaway cluster, stopped (and deleted) at exit.
    private static let sharedCluster = Mutex<EmbeddedCluster?>(nil)

    /// The server's base connection string, started on first use.
    static let server: Result<String, EmbeddedClusterError> = {
        if let url = ProcessInfo.processInfo.environment["NEONHUB_TEST_DATABASE_URL"], !url.isEmpty {
            return .success(url)
        }
        do {
            let cluster = try EmbeddedCluster.throwaway(logger: logger, settings: ["max_connections": "300"])
            sharedCluster.withLock { $0 = cluster }
            atexit { TestDatabase.stopSharedCluster() }
            try cluster.start()
            return .success(cluster.connectionString(database: "postgres"))
        } catch let error as EmbeddedClusterError {
            return .failure(error)
        } catch {
            return .failure(EmbeddedClusterError("\(error)"))
        }
    }()

    private static func stopSharedCluster() {
        let cluster = sharedCluster.withLock { cluster in
            defer { cluster = nil }
            return cluster
        }
        try? cluster?.stop()
    }

    /// Whether the server is an external one (`NEONHUB_TEST_DATABASE_URL`), whose test
    /// databases must be dropped; a throwaway cluster is deleted as a whole at exit.
    static let isExternal = !(ProcessInfo.processInfo.environment["NEONHUB_TEST_DATABASE_URL"] ?? "").isEmpty

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
        let base = try await blocking { try server.get() }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await blocking {
            let admin = try PostgresConnection(connectionString: base)
            try admin.execute("CREATE DATABASE \(unescaped: name)")
        }
        return TestDB(base: base, name: String(name))
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

/// Runs blocking work (process launches, long libpq calls) off the cooperative pool. On
/// Linux that pool is libdispatch's global queue, so use a private serial queue, which
/// gets its own thread.
@discardableResult
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "neonhub.tests.blocking").async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// The directory of the repository's `Migrations/`.
let repositoryMigrations = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Migrations", isDirectory: true)

/// A new empty directory under /tmp, accessible to the postgres user.
func makeTemporaryDirectory(_ prefix: String = "neonhub-test") throws -> URL {
    let url = URL(fileURLWithPath: "/tmp/\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    _ = chmod(url.path, 0o755)
    return url
}
