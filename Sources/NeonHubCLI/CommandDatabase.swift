import Foundation
import Logging
import NeonHub
import Postgres

/// The database of a short-lived command: a small pool on `DATABASE_URL`, or on the embedded
/// cluster of the working folder. A cluster that was already running (a server is using it)
/// is left running at the end; one this command started is stopped again.
final class CommandDatabase: Sendable {
    let pool: PostgresPool
    private let startedCluster: EmbeddedCluster?

    /// Opens the pool; blocking (it may start the embedded cluster), so off the cooperative pool.
    static func open(config: AppConfig, poolSize: Int = 2, logger: Logger) async throws -> CommandDatabase {
        try await runOnOwnThread { try CommandDatabase(config: config, poolSize: poolSize, logger: logger) }
    }

    private init(config: AppConfig, poolSize: Int, logger: Logger) throws {
        var connectionString = config.databaseURL
        var started: EmbeddedCluster?
        if connectionString == nil {
            let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            let cluster = try Database.embeddedCluster(workingDirectory: working, logger: logger)
            connectionString = try cluster.start()
            started = cluster
        }
        pool = PostgresPool(connectionString: connectionString ?? "", configuration: PostgresPoolConfiguration(size: poolSize), logger: logger)
        startedCluster = started
    }

    /// Closes the pool and releases the embedded cluster: stopped if this command started it
    /// and no server attached meanwhile (`EmbeddedCluster.release`).
    func close() async {
        _ = try? await runOnOwnThread { [pool, startedCluster] in
            pool.shutdown()
            try startedCluster?.release()
        }
    }
}
