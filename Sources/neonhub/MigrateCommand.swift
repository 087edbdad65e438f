import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres

/// `neonhub migrate`: applies pending migrations (to `DATABASE_URL`, or the embedded cluster).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        let config = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "neonhub.migrate")
        let database = try Database(databaseURL: config.databaseURL, poolSize: 1, metrics: NeonHubMetrics(),
                                    health: HealthMonitor(version: NeonHubVersion.current), logger: logger)
        defer { database.close() }
        do {
            let applied = try await database.migrate(directory: Database.migrationsDirectory(config))
            print(applied.isEmpty ? "migrations: up to date" : "migrations applied: " + applied.map(\.fileName).joined(separator: ", "))
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
