import Foundation
import Testing

@testable import Postgres

/// A server that goes away mid-request: the backend terminates itself
/// (`pg_terminate_backend(pg_backend_pid())` sends 57P01, then closes the socket), which is
/// what a client sees when the postmaster dies under it. Never a `.protocol` error.
@Suite struct PostgresConnectionLossTests {
    private static let goodbye: PostgresQuery = "SELECT pg_terminate_backend(pg_backend_pid())"

    private func count(_ db: TestDB) throws -> Int {
        let connection = try db.connect()
        defer { connection.close() }
        return try connection.query("SELECT count(*) AS c FROM items").first?.decode("c", as: Int.self) ?? -1
    }

    @Test func goingAwaySQLStatesAreConnectionFailures() {
        for code in ["08000", "08003", "08006", "57P01", "57P02", "57P03"] {
            #expect(PostgresError.isConnectionFailure(sqlState: code), "\(code)")
        }
        for code in ["57014", "23505", "40001", "42601", "53300"] {
            #expect(!PostgresError.isConnectionFailure(sqlState: code), "\(code)")
        }
    }

    @Test func pipelineLostBeforeItsSyncIsConnectionLost() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let error = #expect(throws: PostgresError.self) {
                try connection.pipeline(["SELECT 1 AS one", Self.goodbye])
            }
            #expect(error?.kind == .connectionLost)
            // The sync that would commit the implicit transaction was sent: unknown.
            #expect(error?.isCommitOutcomeUnknown == true)
            #expect(error?.description.contains("commit outcome unknown") == true)
            #expect(!connection.isConnected)
            #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        }
    }

    @Test func pipelineTransactionLostBeforeCommitKeepsNothing() async throws {
        try await TestDatabase.with { db in
            let setup = try db.connect()
            try setup.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            let connection = try db.connect()
            let error = #expect(throws: PostgresError.self) {
                try connection.pipelineTransaction(["INSERT INTO items VALUES (\(1))", Self.goodbye])
            }
            #expect(error?.kind == .connectionLost)
            #expect(error?.isCommitOutcomeUnknown == true)
            #expect(!connection.isConnected)
            #expect(try count(db) == 0)
        }
    }

    /// A COMMIT that dies in a deferred trigger: its answer never comes.
    @Test func lostCommitIsFlaggedOutcomeUnknown() async throws {
        try await TestDatabase.with { db in
            let setup = try db.connect()
            try setup.executeScript(
                """
                CREATE TABLE items (n int PRIMARY KEY);
                CREATE FUNCTION goodbye() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER goodbye AFTER INSERT ON items DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION goodbye();
                """)
            let connection = try db.connect()
            let error = #expect(throws: PostgresError.self) {
                try connection.withTransaction { try $0.execute("INSERT INTO items VALUES (\(1))") }
            }
            #expect(error?.kind == .connectionLost)
            #expect(error?.isCommitOutcomeUnknown == true)
            #expect(!connection.isConnected)

            let pipelined = try db.connect()
            let pipelineError = #expect(throws: PostgresError.self) {
                try pipelined.pipelineTransaction(["INSERT INTO items VALUES (\(2))"])
            }
            #expect(pipelineError?.kind == .connectionLost)
            #expect(pipelineError?.isCommitOutcomeUnknown == true)
            #expect(try count(db) == 0)
        }
    }

    /// Issue #19 exactly: the server said goodbye (57P01) and closed while the connection sat
    /// idle, and nothing read it before the next request. The goodbye arrives as the first
    /// statement's error, libpq aborts the rest itself, and the socket is closed where the
    /// sync should be — which was reported as "pipeline did not end with a sync".
    @Test func requestOnAConnectionWhoseServerAlreadyLeftIsConnectionLost() async throws {
        try await TestDatabase.with { db in
            let admin = try db.connect()
            try admin.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            for usePipeline in [true, false] {
                let connection = try db.connect()
                let pid = try connection.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self) ?? 0
                try admin.query("SELECT pg_terminate_backend(\(pid), 5000)")
                let error = #expect(throws: PostgresError.self) {
                    if usePipeline {
                        _ = try connection.pipelineTransaction(["INSERT INTO items VALUES (\(1))", "INSERT INTO items VALUES (\(2))"])
                    } else {
                        try connection.execute("INSERT INTO items VALUES (\(1))")
                    }
                }
                #expect(error?.kind == .connectionLost, "\(String(describing: error))")
                #expect(!connection.isConnected)
            }
            #expect(try count(db) == 0)
        }
    }

    @Test func lostSingleStatementClosesTheConnection() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let error = #expect(throws: PostgresError.self) { try connection.query(Self.goodbye) }
            #expect(error?.kind == .connectionLost)
            #expect(error?.isCommitOutcomeUnknown == false)
            #expect(!connection.isConnected)
        }
    }

    @Test func lostPipelineInsideACallersTransactionIsNotAnUnknownCommit() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.execute("BEGIN")
            let error = #expect(throws: PostgresError.self) { try connection.pipeline(["SELECT 1 AS one", Self.goodbye]) }
            #expect(error?.kind == .connectionLost)
            #expect(error?.isCommitOutcomeUnknown == false)
        }
    }

    @Test func poolReplacesALostConnection() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(PostgresPoolConfiguration(size: 1))
            defer { pool.shutdown() }
            await #expect(throws: PostgresError.self) { try await pool.pipelineTransaction(["SELECT 1 AS one", Self.goodbye]) }
            do {
                _ = try await pool.query(Self.goodbye)
                Issue.record("the backend should have gone away")
            } catch let error as PostgresError {
                #expect(error.kind == .connectionLost)
            }
            let rows = try await pool.query("SELECT 1 AS ok")
            #expect(try rows.first?.decode("ok", as: Int.self) == 1)
            #expect(await pool.ping())
        }
    }
}
