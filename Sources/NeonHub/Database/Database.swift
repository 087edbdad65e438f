public import Foundation
public import Logging
public import Postgres
import Prometheus

/// The database as the server uses it: the connection pool, the embedded cluster it owns
/// when `DATABASE_URL` is unset, migrations at start and the `/health` monitor.
public final class Database: Sendable {
    /// The shared pool (blocking libpq calls run on its own threads).
    public let pool: PostgresPool
    /// The libpq connection string in use (never logged: it may hold a password).
    public let connectionString: String
    private let cluster: EmbeddedCluster?
    private let monitor: DatabaseHealthMonitor
    private let logger: Logger

    /// Where the embedded cluster lives, relative to the working folder.
    public static let embeddedDirectory = ".neonhub/postgres"

    /// Opens the database: starts (or reuses) the embedded cluster when `databaseURL` is nil.
    public init(
        databaseURL: String?, poolSize: Int, metrics: NeonHubMetrics, health: HealthMonitor, logger: Logger,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws {
        self.logger = logger
        if let databaseURL {
            cluster = nil
            connectionString = databaseURL
        } else {
            let embedded = try Self.embeddedCluster(workingDirectory: workingDirectory, logger: logger)
            logger.info("starting the embedded PostgreSQL cluster", metadata: ["directory": "\(embedded.directory.path)"])
            connectionString = try embedded.start()
            cluster = embedded
        }
        let histogram = metrics.dbQueryDuration
        pool = PostgresPool(
            connectionString: connectionString,
            configuration: PostgresPoolConfiguration(size: poolSize, observer: { seconds, _ in histogram.record(seconds) }),
            logger: logger)
        monitor = DatabaseHealthMonitor(connectionString: connectionString, health: health, logger: logger)
        monitor.start()
    }

    /// The project's embedded cluster: `<workingDirectory>/.neonhub/postgres`, or the folder it
    /// was moved to because the `postgres` user cannot reach the project (logged once).
    public static func embeddedCluster(workingDirectory: URL, logger: Logger) throws -> EmbeddedCluster {
        let preferred = workingDirectory.appendingPathComponent(embeddedDirectory, isDirectory: true)
        let placement = try EmbeddedClusterPlacement.resolve(preferred: preferred)
        if let reason = placement.relocationReason { logger.notice("\(reason)") }
        return EmbeddedCluster(directory: placement.directory, logger: logger)
    }

    /// Stops the monitor, closes the pool and stops the embedded cluster if this process
    /// launched it (one that attached to a running cluster leaves it running).
    public func close() {
        monitor.stop()
        pool.shutdown()
        if let cluster {
            do { try cluster.release() } catch { logger.error("could not stop the embedded cluster: \(error)") }
        }
    }

    /// The migrations folder of a configuration (relative paths from the working folder).
    public static func migrationsDirectory(_ config: AppConfig) -> URL {
        URL(fileURLWithPath: config.migrationsDirectory, isDirectory: true)
    }
}
