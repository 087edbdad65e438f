import Foundation
import TestSupport
import Testing

@testable import Postgres

/// `Migrator.status`: applied, pending, drifted and missing-file migrations, read without
/// changing the database.
@Suite struct MigrationStatusTests {
    private func write(_ files: [String: String]) throws -> URL {
        let directory = try makeTemporaryDirectory("neonhub-migration-status")
        for (name, sql) in files {
            try Data(sql.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test func aNeverMigratedDatabaseHasEveryFilePendingAndIsLeftUntouched() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let migrator = Migrator(directory: repositoryMigrations, logger: TestDatabase.logger)
            let status = try migrator.status(on: connection)
            let files = try migrator.loadMigrations()
            #expect(status.entries.map(\.version) == files.map(\.version))
            #expect(status.entries.allSatisfy { $0.state == .pending && $0.appliedAt == nil && $0.appliedChecksum == nil })
            #expect(!status.isClean)
            // Reading the status creates nothing: no schema_migrations table.
            let table = try connection.query("SELECT to_regclass('schema_migrations') IS NULL AS absent")
            #expect(try table.first?.decode("absent", as: Bool.self) == true)
        }
    }

    @Test func cleanAfterMigratingThenDriftPendingAndMissingFilesAreReported() async throws {
        try await TestDatabase.with { db in
            let directory = try write(["0001_first.sql": "CREATE TABLE a (n int);", "0002_second.sql": "CREATE TABLE b (n int);"])
            defer { try? FileManager.default.removeItem(at: directory) }
            let connection = try db.connect()
            let migrator = Migrator(directory: directory, logger: TestDatabase.logger)
            #expect(try migrator.migrate(on: connection).count == 2)

            let clean = try migrator.status(on: connection)
            #expect(clean.isClean)
            #expect(clean.entries.map(\.state) == [.applied, .applied])
            #expect(clean.entries.allSatisfy { $0.appliedAt != nil && $0.fileChecksum == $0.appliedChecksum })

            // Drift: an applied file edited. Pending: a new file. Missing: an applied file deleted.
            try Data("CREATE TABLE b (n bigint);".utf8).write(to: directory.appendingPathComponent("0002_second.sql"))
            try Data("CREATE TABLE c (n int);".utf8).write(to: directory.appendingPathComponent("0003_third.sql"))
            try FileManager.default.removeItem(at: directory.appendingPathComponent("0001_first.sql"))
            let dirty = try migrator.status(on: connection)
            #expect(!dirty.isClean)
            #expect(dirty.entries.map(\.version) == [1, 2, 3])
            #expect(dirty.entries.map(\.state) == [.missingFile, .drifted, .pending])
            let drifted = try #require(dirty.entries(in: .drifted).first)
            #expect(drifted.name == "second")
            #expect(drifted.fileChecksum == SHA256.hexDigest("CREATE TABLE b (n bigint);".utf8))
            #expect(drifted.appliedChecksum == SHA256.hexDigest("CREATE TABLE b (n int);".utf8))
            #expect(dirty.entries(in: .missingFile).first?.name == "first")
            #expect(dirty.entries(in: .pending).first?.appliedAt == nil)
        }
    }

    @Test func comparesFilesWithRowsWithoutADatabase() {
        let files = [Migration(version: 1, name: "a", sql: "SELECT 1;"), Migration(version: 2, name: "b", sql: "SELECT 2;")]
        let rows: [(version: Int, name: String, checksum: String, appliedAt: Date?)] = [
            (2, "b", files[1].checksum, Date(timeIntervalSince1970: 0)), (1, "a", files[0].checksum, nil),
        ]
        let status = MigrationStatus(files: files, applied: rows)
        #expect(status.isClean)
        #expect(MigrationStatus(files: files, applied: [rows[0]]).entries(in: .pending).map(\.version) == [1])
        #expect(MigrationStatus(files: [], applied: rows).entries(in: .missingFile).map(\.version) == [1, 2])
        #expect(MigrationStatus(files: [], applied: []).isClean)
    }
}
