public import Foundation
public import Logging
import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The one PostgreSQL server of a test process — a throwaway `EmbeddedCluster` started on
/// first use and deleted at exit, or the server in `NEONHUB_TEST_DATABASE_URL` — and a fresh
/// database per test, so that tests run in parallel without seeing each other's rows.
public enum ThrowawayPostgres {
    /// Quiet: errors only.
    public static let logger: Logger = {
        var logger = Logger(label: "neonhub-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Whether the server is an external one, whose test databases must be dropped; a
    /// throwaway cluster is deleted as a whole at exit.
    public static let isExternal = !(ProcessInfo.processInfo.environment["NEONHUB_TEST_DATABASE_URL"] ?? "").isEmpty

    /// The repository's `Migrations/`.
    public static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations", isDirectory: true)

    private static let cluster = Mutex<EmbeddedCluster?>(nil)
    private static let counter = Atomic<Int>(0)

    /// The server's connection string (database `postgres`), starting the cluster on first use.
    /// Blocking (seconds on first use): call it off the cooperative pool.
    public static func baseConnectionString() throws -> String { try server.get() }

    private static let server: Result<String, EmbeddedClusterError> = {
        if let url = ProcessInfo.processInfo.environment["NEONHUB_TEST_DATABASE_URL"], !url.isEmpty {
            return .success(url)
        }
        do {
            let started = try EmbeddedCluster.throwaway(logger: logger, settings: ["max_connections": "1000"])
            cluster.withLock { $0 = started }
            atexit { ThrowawayPostgres.stop() }
            try started.start()
            // Hundreds of tests connect at once on a two-core CI machine: a backend fork can
            // take longer than the library's 2 s default there, which is a slow machine, not
            // a failure under test. The connection string's `connect_timeout` wins.
            return .success(started.connectionString(database: "postgres") + " connect_timeout=30")
        } catch let error as EmbeddedClusterError {
            return .failure(error)
        } catch {
            return .failure(EmbeddedClusterError("\(error)"))
        }
    }()

    /// Creates an empty database and returns its name. Blocking.
    public static func createDatabase() throws -> String {
        let base = try baseConnectionString()
        let name = "t_\(getpid())_\(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
        let admin = try PostgresConnection(connectionString: base)
        defer { admin.close() }
        _ = try admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return name
    }

    /// A connection string to a new, empty database. Blocking.
    public static func freshDatabase() throws -> String {
        connectionString(database: try createDatabase())
    }

    /// A connection string to a new, empty database, made off the cooperative pool. What an
    /// async test calls: `CREATE DATABASE` can take seconds on a loaded machine, and a test
    /// blocking one of the pool's two threads (a CI machine's two cores) on it stalls every
    /// other task of the process meanwhile: heartbeats missed a whole lease, and requests
    /// timed out, in the full suite.
    public static func freshDatabase() async throws -> String {
        try await blocking { try freshDatabase() }
    }

    /// The connection string of `database` on the test server.
    public static func connectionString(database: String) -> String {
        let base = (try? baseConnectionString()) ?? ""
        if base.hasPrefix("postgres"), var components = URLComponents(string: base) {
            components.path = "/" + database
            return components.string ?? base
        }
        return base + " dbname=\(database)"  // libpq takes the last value of a repeated keyword
    }

    /// Drops a test database on an external server (a throwaway cluster goes whole at exit).
    /// Blocking: DROP DATABASE waits for a checkpoint.
    public static func dropIfExternal(_ database: String) {
        guard isExternal, let admin = try? PostgresConnection(connectionString: try baseConnectionString()) else { return }
        defer { admin.close() }
        _ = try? admin.execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"))
    }

    private static func stop() {
        let running = cluster.withLock { current in
            defer { current = nil }
            return current
        }
        try? running?.stop()
    }
}

/// Runs blocking work (process launches, long libpq calls) off the cooperative pool, on a
/// private serial queue, which gets its own thread.
@discardableResult
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "neonhub.tests.blocking").async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// A new empty directory under /tmp, which the postgres user can enter.
public func makeTemporaryDirectory(_ prefix: String = "neonhub-test") throws -> URL {
    let url = URL(fileURLWithPath: "/tmp/\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    _ = chmod(url.path, 0o755)
    return url
}
