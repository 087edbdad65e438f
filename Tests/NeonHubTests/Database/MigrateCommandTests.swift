import Foundation
import Logging
import NeonHub
import TestSupport
import Testing

@testable import NeonHubCLI
@testable import Postgres

/// `neonhub migrate status|validate`, run as the real binary against a throwaway database:
/// pending and drift make `validate` exit 1, a clean database exits 0; `status --json` says why.
@Suite struct MigrateCommandTests {
    /// `.build/<config>/neonhub`, next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("neonhub")
    }

    struct Outcome { var status: Int32; var output: String; var errors: String }

    /// Runs `neonhub <arguments>` with `DATABASE_URL` and `MIGRATIONS_DIR` set.
    static func run(_ arguments: [String], database: String, migrations: URL) throws -> Outcome {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database
        environment["MIGRATIONS_DIR"] = migrations.path
        environment["LOG_FORMAT"] = "json"
        let result = try ProcessRunner.run(binary, arguments, environment: environment)
        return Outcome(status: result.status, output: result.standardOutput, errors: result.standardError)
    }

    @Test func validateFailsOnPendingAndDriftAndPassesWhenClean() async throws {
        let name = try await blocking { try ThrowawayPostgres.createDatabase() }
        defer { ThrowawayPostgres.dropIfExternal(name) }
        let url = ThrowawayPostgres.connectionString(database: name)
        let folder = try makeTemporaryDirectory("neonhub-migrate-command")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("CREATE TABLE one (n int);".utf8).write(to: folder.appendingPathComponent("0001_one.sql"))

        try await blocking {
            // Pending: nothing applied yet.
            let pending = try Self.run(["migrate", "validate"], database: url, migrations: folder)
            #expect(pending.status == 1, "\(pending.errors)")
            #expect(pending.output.contains("pending: 1 (one)"))
            let table = try Self.run(["migrate", "status"], database: url, migrations: folder)
            #expect(table.status == 0)
            #expect(table.output.contains("0001     one   pending"))

            // `neonhub migrate` still applies (the default subcommand); then validate passes.
            let apply = try Self.run(["migrate"], database: url, migrations: folder)
            #expect(apply.status == 0, "\(apply.errors)")
            #expect(apply.output.contains("migrations applied: 0001_one.sql"))
            let clean = try Self.run(["migrate", "validate"], database: url, migrations: folder)
            #expect(clean.status == 0, "\(clean.errors)")
            #expect(clean.output.contains("1 applied, none pending, no drift"))

            // Drift: the applied file changed.
            try Data("CREATE TABLE one (n bigint);".utf8).write(to: folder.appendingPathComponent("0001_one.sql"))
            let drift = try Self.run(["migrate", "validate"], database: url, migrations: folder)
            #expect(drift.status == 1)
            #expect(drift.output.contains("drift: 1 (one)"))
            let json = try Self.run(["migrate", "status", "--json"], database: url, migrations: folder)
            #expect(json.status == 0)
            let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            #expect(decoded?["clean"] as? Bool == false)
            #expect(decoded?["drifted"] as? Int == 1)
            let first = (decoded?["migrations"] as? [[String: Any]])?.first
            #expect(first?["state"] as? String == "drifted")
            #expect(first?["fileChecksum"] as? String != first?["appliedChecksum"] as? String)
            #expect(first?["appliedAt"] is String)
        }
    }

    /// `neonhub bench queue` migrates from `MIGRATIONS_DIR` as every other command does (it
    /// read `./Migrations` whatever the variable said).
    @Test func benchQueueMigratesFromMigrationsDir() async throws {
        let name = try await blocking { try ThrowawayPostgres.createDatabase() }
        defer { ThrowawayPostgres.dropIfExternal(name) }
        let url = ThrowawayPostgres.connectionString(database: name)
        let folder = try makeTemporaryDirectory("neonhub-bench-migrations")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("CREATE TABLE from_migrations_dir (n int);".utf8).write(to: folder.appendingPathComponent("0001_marker.sql"))
        try await blocking {
            // The folder's one migration has no queue tables: the benchmark stops once it has
            // migrated and looks for jobs, and the marker table shows which folder it read.
            let bench = try Self.run(["bench", "queue", "--jobs", "1", "--workers", "1"], database: url, migrations: folder)
            #expect(bench.status != 0)
            #expect(bench.errors.contains("publish_jobs"), "\(bench.errors)")
        }
        let pool = PostgresPool(connectionString: url, configuration: PostgresPoolConfiguration(size: 1), logger: Logger(label: "test"))
        defer { pool.shutdown() }
        let tables = try await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'from_migrations_dir'")
        #expect(try tables.first?.decode("n", as: Int.self) == 1)
    }

    @Test func reportRendersEveryStateAndExitCodes() {
        let files = [
            Migration(version: 1, name: "a", sql: "A"), Migration(version: 2, name: "b", sql: "B"),
            Migration(version: 3, name: "c", sql: "C"),
        ]
        let status = MigrationStatus(
            files: files,
            applied: [
                (1, "a", files[0].checksum, Date(timeIntervalSince1970: 86_400)), (2, "b", "0123456789abcdef", nil), (9, "gone", "ff", nil),
            ])
        #expect(MigrationReport.exitCode(status) == 1)
        #expect(MigrationReport.exitCode(MigrationStatus(files: [files[0]], applied: [(1, "a", files[0].checksum, nil)])) == 0)
        let table = MigrationReport.table(status)
        #expect(table.hasPrefix("VERSION  NAME  STATE"))
        #expect(table.contains("1970-01-02T00:00:00Z"))
        #expect(table.contains("(applied 0123456789ab)"))
        #expect(table.hasSuffix("1 applied, 1 pending, 1 drifted, 1 missing_file"))
        let verdict = MigrationReport.verdict(status).split(separator: "\n")
        #expect(verdict.count == 3)
        #expect(verdict.last?.hasPrefix("missing file: 9 (gone)") == true)
        #expect(MigrationReport.json(status).jsonText.contains(#""missingFile":1"#))
    }
}
