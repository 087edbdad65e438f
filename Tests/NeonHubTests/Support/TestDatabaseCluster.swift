import Foundation
import Logging
import Postgres
import Synchronization

/// One throwaway PostgreSQL cluster for the NeonHub end-to-end tests of this process, with a
/// fresh database per test (`NEONHUB_TEST_DATABASE_URL` uses an existing server instead).
enum TestDatabaseCluster {
    private static let shared = Mutex<(cluster: EmbeddedCluster?, base: String?)>((nil, nil))
    private static let counter = Atomic<Int>(0)

    static let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Migrations").path

    /// A connection string to a new, empty database.
    static func freshDatabase() throws -> String {
        let base: String = try shared.withLock { state in
            if let base = state.base { return base }
            if let url = ProcessInfo.processInfo.environment["NEONHUB_TEST_DATABASE_URL"], !url.isEmpty {
                state.base = url
                return url
            }
            let cluster = try EmbeddedCluster.throwaway(logger: Logger(label: "neonhub-tests"))
            let url = try cluster.start()
            state.cluster = cluster
            state.base = url
            atexit { TestDatabaseCluster.stop() }
            return url
        }
        let name = "nh_\(getpid())_\(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
        let admin = try PostgresConnection(connectionString: base)
        defer { admin.close() }
        _ = try admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        if base.hasPrefix("postgres"), var components = URLComponents(string: base) {
            components.path = "/" + name
            return components.string ?? base
        }
        return base + " dbname=\(name)"  // libpq takes the last value of a repeated keyword
    }

    static func stop() {
        shared.withLock { state in
            try? state.cluster?.stop()
            state.cluster = nil
        }
    }
}
