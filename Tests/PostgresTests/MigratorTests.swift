import Foundation
import TestSupport
import Testing

@testable import Postgres

@Suite struct MigratorTests {
    private func write(_ files: [String: String]) throws -> URL {
        let directory = try makeTemporaryDirectory("neonhub-migrations")
        for (name, sql) in files {
            try Data(sql.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test func appliesTheRepositoryMigrationsOnce() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let migrator = Migrator(directory: repositoryMigrations, logger: TestDatabase.logger)
            let files = try migrator.loadMigrations()
            #expect(files.first?.fileName == "0001_agent_runs_and_content.sql")
            let applied = try migrator.migrate(on: connection)
            #expect(applied.map(\.version) == files.map(\.version))
            #expect(try migrator.migrate(on: connection).isEmpty)
            let tables = try connection.query(
                """
                SELECT count(*) AS c FROM information_schema.tables WHERE table_schema = 'public'
                AND table_name IN ('agent_runs', 'tool_executions', 'agent_run_metrics', 'content_drafts')
                """)
            #expect(try tables.first?.decode("c", as: Int.self) == 4)
            let recorded = try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            #expect(try recorded.first?.decode("checksum", as: String.self) == files.first?.checksum)
            #expect(try recorded.first?.decode("name", as: String.self) == "agent_runs_and_content")

            // The schema accepts a run with its children, and enforces its checks.
            let runID = UUID()
            _ = try connection.pipelineTransaction([
                "INSERT INTO agent_runs (id, tenant_id, agent, status, idempotency_key) VALUES (\(runID), 't1', 'writer', 'running', 'k1')",
                "INSERT INTO tool_executions (run_id, tenant_id, tool, status, started_at) VALUES (\(runID), 't1', 'search', 'succeeded', now())",
                "INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES (\(runID), 't1', 'tokens', 12, 'count')",
                "INSERT INTO content_drafts (tenant_id, run_id, title, content) VALUES ('t1', \(runID), 'T', 'C')",
            ])
            let duplicate = #expect(throws: PostgresError.self) {
                try connection.execute(
                    "INSERT INTO agent_runs (tenant_id, agent, status, idempotency_key) VALUES ('t1', 'writer', 'queued', 'k1')")
            }
            #expect(duplicate?.isUniqueViolation == true)
            let badStatus = #expect(throws: PostgresError.self) {
                try connection.execute("INSERT INTO agent_runs (tenant_id, agent, status) VALUES ('t1', 'writer', 'exploded')")
            }
            #expect(badStatus?.isCheckViolation == true)
            try connection.execute("DELETE FROM agent_runs WHERE id = \(runID)")
            #expect(try connection.query("SELECT 1 FROM tool_executions").isEmpty)
            let draft = try connection.query("SELECT run_id, status FROM content_drafts").first
            #expect(try draft?.decode("run_id", as: UUID?.self) == nil)
            #expect(try draft?.decode("status", as: String.self) == "draft")
        }
    }

    @Test func detectsChangedMigrations() async throws {
        try await TestDatabase.with { db in
            let directory = try write(["0001_first.sql": "CREATE TABLE a (n int);", "0002_second.sql": "CREATE TABLE b (n int);"])
            defer { try? FileManager.default.removeItem(at: directory) }
            let connection = try db.connect()
            let migrator = Migrator(directory: directory, logger: TestDatabase.logger)
            #expect(try migrator.migrate(on: connection).count == 2)
            try Data("CREATE TABLE b (n bigint);".utf8).write(to: directory.appendingPathComponent("0002_second.sql"))
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(on: connection) }
            #expect(error == .checksumMismatch(version: 2, name: "second"))
            #expect(error?.description.contains("second") == true)
        }
    }

    @Test func rejectsBadFileNamesAndDuplicates() throws {
        let badName = try write(["0001_ok.sql": "SELECT 1;", "002_bad.sql": "SELECT 1;", "README.md": "ignored"])
        defer { try? FileManager.default.removeItem(at: badName) }
        #expect(throws: MigrationError.invalidFileName("002_bad.sql")) {
            try Migrator(directory: badName, logger: TestDatabase.logger).loadMigrations()
        }
        let upper = try write(["0001_Upper.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(at: upper) }
        #expect(throws: MigrationError.invalidFileName("0001_Upper.sql")) {
            try Migrator(directory: upper, logger: TestDatabase.logger).loadMigrations()
        }
        let duplicate = try write(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(at: duplicate) }
        #expect(throws: MigrationError.duplicateVersion(1)) {
            try Migrator(directory: duplicate, logger: TestDatabase.logger).loadMigrations()
        }
        #expect(throws: MigrationError.self) {
            try Migrator(directory: URL(fileURLWithPath: "/nonexistent-migrations"), logger: TestDatabase.logger)
                .loadMigrations()
        }
    }

    @Test func failedMigrationIsRolledBackAndNotRecorded() async throws {
        try await TestDatabase.with { db in
            let directory = try write([
                "0001_good.sql": "CREATE TABLE good (n int);",
                "0002_bad.sql": "CREATE TABLE half (n int); SELECT * FROM missing_table;",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            let connection = try db.connect()
            let migrator = Migrator(directory: directory, logger: TestDatabase.logger)
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(on: connection) }
            guard case .migrationFailed(let version, _, _) = error else {
                Issue.record("expected migrationFailed, got \(String(describing: error))")
                return
            }
            #expect(version == 2)
            #expect(try connection.query("SELECT version FROM schema_migrations").count == 1)
            #expect(try connection.query("SELECT to_regclass('half') IS NULL AS gone").first?.decode("gone", as: Bool.self) == true)
        }
    }

    /// A database that goes away mid-migration is not a failed migration: the caller (the
    /// server's start-up) must see the connection error to retry later.
    @Test func lostConnectionIsRethrownAsItIs() async throws {
        try await TestDatabase.with { db in
            let directory = try write([
                "0001_good.sql": "CREATE TABLE good (n int);",
                "0002_goodbye.sql": "CREATE TABLE half (n int); SELECT pg_terminate_backend(pg_backend_pid());",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            let migrator = Migrator(directory: directory, logger: TestDatabase.logger)
            let error = #expect(throws: PostgresError.self) { try migrator.migrate(on: try db.connect()) }
            #expect(error?.kind == .connectionLost)
            let connection = try db.connect()
            #expect(try connection.query("SELECT version FROM schema_migrations").count == 1)
            #expect(try connection.query("SELECT to_regclass('half') IS NULL AS gone").first?.decode("gone", as: Bool.self) == true)
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        try await TestDatabase.with { db in
            let directory = try write([
                "0001_slow.sql": "CREATE TABLE slow (n int); SELECT pg_sleep(0.3);",
                "0002_more.sql": "CREATE TABLE more (n int); INSERT INTO more VALUES (1);",
                "0003_last.sql": "ALTER TABLE more ADD COLUMN m int;",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            let migrator = Migrator(directory: directory, logger: TestDatabase.logger)
            let first = db.pool(.init(size: 1))
            let second = db.pool(.init(size: 1))
            defer {
                first.shutdown()
                second.shutdown()
            }
            async let a = migrator.migrate(using: first)
            async let b = migrator.migrate(using: second)
            let (appliedA, appliedB) = try await (a, b)
            #expect(appliedA.count + appliedB.count == 3)
            #expect(appliedA.isEmpty || appliedB.isEmpty)
            let rows = try await first.query("SELECT version, count(*) AS c FROM schema_migrations GROUP BY version ORDER BY version")
            #expect(try rows.map { try $0.decode("version", as: Int.self) } == [1, 2, 3])
            #expect(try rows.allSatisfy { try $0.decode("c", as: Int.self) == 1 })
            #expect(try await first.query("SELECT * FROM more").count == 1)
        }
    }
}
