import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres

/// `neonhub migrate [apply|status|validate]`: applies pending migrations (the default), or
/// compares the files with `schema_migrations` (to `DATABASE_URL`, or the embedded cluster).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations, or report their status.",
        subcommands: [ApplyCommand.self, StatusCommand.self, ValidateCommand.self],
        defaultSubcommand: ApplyCommand.self)

    /// Opens the configured database (starting the embedded cluster when `DATABASE_URL` is
    /// unset) and runs `body` with one connection and the migrator of the configured folder.
    static func withConnection<T>(_ body: (PostgresConnection, Migrator) throws -> T) throws -> T {
        let config = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "neonhub.migrate")
        let database = try Database(
            databaseURL: config.databaseURL, poolSize: 1, metrics: NeonHubMetrics(),
            health: HealthMonitor(version: NeonHubVersion.current), logger: logger)
        defer { database.close() }
        do {
            let connection = try PostgresConnection(connectionString: database.connectionString)
            defer { connection.close() }
            return try body(connection, Migrator(directory: Database.migrationsDirectory(config), logger: logger))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// `neonhub migrate` / `neonhub migrate apply`: applies the pending migrations.
    struct ApplyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "apply", abstract: "Apply pending database migrations and exit.")

        func run() throws {
            try MigrateCommand.withConnection { connection, migrator in
                let applied = try migrator.migrate(on: connection)
                print(applied.isEmpty ? "migrations: up to date" : "migrations applied: " + applied.map(\.fileName).joined(separator: ", "))
            }
        }
    }

    /// `neonhub migrate status [--json]`: every migration, applied, pending, drifted or
    /// missing its file. Exits 0 whatever it finds (use `validate` to gate on it).
    struct StatusCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "List applied and pending migrations and checksum drift.")

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let status = try MigrateCommand.withConnection { connection, migrator in try migrator.status(on: connection) }
            print(json ? MigrationReport.json(status).jsonText : MigrationReport.table(status))
        }
    }

    /// `neonhub migrate validate [--json]`: exits 1 when a migration is pending, drifted or
    /// missing its file; 0 when the database matches the files exactly.
    struct ValidateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "validate", abstract: "Exit non-zero on checksum drift or a pending migration.")

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let status = try MigrateCommand.withConnection { connection, migrator in try migrator.status(on: connection) }
            print(json ? MigrationReport.json(status).jsonText : MigrationReport.verdict(status))
            throw ExitCode(MigrationReport.exitCode(status))
        }
    }
}

/// Renders a `MigrationStatus` for people (a table, a verdict) and machines (JSON).
enum MigrationReport {
    /// 0 when the database matches the files, 1 otherwise.
    static func exitCode(_ status: MigrationStatus) -> Int32 { status.isClean ? 0 : 1 }

    /// One line per problem, or that everything is applied.
    static func verdict(_ status: MigrationStatus) -> String {
        guard !status.isClean else { return "migrations: \(status.entries.count) applied, none pending, no drift" }
        return status.entries.compactMap { entry -> String? in
            let label = "\(entry.version) (\(entry.name))"
            switch entry.state {
            case .applied: return nil
            case .pending: return "pending: \(label) is not applied (run `neonhub migrate`)"
            case .drifted: return "drift: \(label) changed after it was applied (restore the file or add a new migration)"
            case .missingFile: return "missing file: \(label) is applied but has no file in the migrations folder"
            }
        }.joined(separator: "\n")
    }

    /// A fixed-width table: version, name, state, applied at, checksum (first 12 hex digits).
    static func table(_ status: MigrationStatus) -> String {
        var rows = [["VERSION", "NAME", "STATE", "APPLIED AT", "CHECKSUM"]]
        for entry in status.entries {
            let checksum = (entry.fileChecksum ?? entry.appliedChecksum).map { String($0.prefix(12)) } ?? "-"
            let recorded = entry.state == .drifted ? " (applied \(entry.appliedChecksum.map { String($0.prefix(12)) } ?? "-"))" : ""
            rows.append([
                String(format: "%04d", entry.version), entry.name, entry.state.rawValue,
                entry.appliedAt.map(iso8601) ?? "-", checksum + recorded,
            ])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let counts = [MigrationStatus.State.applied, .pending, .drifted, .missingFile].map { "\(status.entries(in: $0).count) \($0.rawValue)" }
        return (lines + ["", counts.joined(separator: ", ")]).joined(separator: "\n")
    }

    /// `{"clean": Bool, "applied": N, "pending": N, "drifted": N, "missingFile": N, "migrations": [...]}`.
    static func json(_ status: MigrationStatus) -> JSONValue {
        let migrations: [JSONValue] = status.entries.map { entry in
            .object([
                "version": .number(Double(entry.version)), "name": .string(entry.name), "state": .string(entry.state.rawValue),
                "fileChecksum": entry.fileChecksum.map(JSONValue.string) ?? .null,
                "appliedChecksum": entry.appliedChecksum.map(JSONValue.string) ?? .null,
                "appliedAt": entry.appliedAt.map { .string(iso8601($0)) } ?? .null,
            ])
        }
        return .object([
            "clean": .bool(status.isClean),
            "applied": .number(Double(status.entries(in: .applied).count)),
            "pending": .number(Double(status.entries(in: .pending).count)),
            "drifted": .number(Double(status.entries(in: .drifted).count)),
            "missingFile": .number(Double(status.entries(in: .missingFile).count)),
            "migrations": .array(migrations),
        ])
    }

    private static func iso8601(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
