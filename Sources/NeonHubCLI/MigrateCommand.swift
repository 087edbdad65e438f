import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres

/// `neonhub migrate`: applies pending migrations (to `DATABASE_URL`, or the embedded cluster).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations and exit.")

    func run() throws {
        let config = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "neonhub.migrate")
        let database = try Database(databaseURL: config.databaseURL, poolSize: 1, metrics: NeonHubMetrics(),
                                    health: HealthMonitor(version: NeonHubVersion.current), logger: logger)
        defer { database.close() }
        do {
            let connection = try PostgresConnection(connectionString: database.connectionString)
            defer { connection.close() }
            let applied = try Migrator(directory: Database.migrationsDirectory(config), logger: logger).migrate(on: connection)
            print(applied.isEmpty ? "migrations: up to date" : "migrations applied: " + applied.map(\.fileName).joined(separator: ", "))
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
