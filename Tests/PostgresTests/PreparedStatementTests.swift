import Foundation
import Testing

@testable import Postgres

/// Statements are prepared once per connection (as `pgbench -M prepared` does), in plain
/// calls and in pipelines, and a failed or aborted preparation is never taken as done.
@Suite struct PreparedStatementTests {
    /// Our statements the server holds for this connection (by text), from `pg_prepared_statements`.
    private func serverStatements(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'neonhub_%' ORDER BY prepare_time, name")
            .map { try $0.decode("statement", as: String.self) }
    }

    @Test func aStatementIsPreparedOnceAndReused() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY, label text)")
            for n in 1...3 {
                #expect(try connection.execute("INSERT INTO items VALUES (\(n), \("item \(n)"))") == 1)
            }
            let inserts = try serverStatements(connection).filter { $0.hasPrefix("INSERT") }
            #expect(inserts == ["INSERT INTO items VALUES ($1, $2)"])
            #expect(try connection.query("SELECT label FROM items WHERE n = \(2)").first?.decode("label", as: String.self) == "item 2")
        }
    }

    @Test func theSameTextWithOtherParameterTypesIsAnotherStatement() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            // Had the first (bigint) statement been reused, binding "seven" to it would fail.
            #expect(try connection.query("SELECT \(7)::text AS t").first?.decode("t", as: String.self) == "7")
            #expect(try connection.query("SELECT \("seven")::text AS t").first?.decode("t", as: String.self) == "seven")
            #expect(try serverStatements(connection).filter { $0 == "SELECT $1::text AS t" }.count == 2)
        }
    }

    @Test func aPipelinePreparesEachNewStatementOnceInTheSameRoundTrip() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            let first = try connection.pipelineTransaction([
                "INSERT INTO items VALUES (\(1))",
                "INSERT INTO items VALUES (\(2))",
                "SELECT count(*) AS c FROM items",
            ])
            #expect(try first[2].rows.first?.decode("c", as: Int.self) == 2)
            let before = try serverStatements(connection)
            #expect(before.filter { $0.hasPrefix("INSERT") }.count == 1)
            _ = try connection.pipelineTransaction(["INSERT INTO items VALUES (\(3))", "SELECT count(*) AS c FROM items"])
            #expect(try serverStatements(connection) == before)  // nothing prepared again
            #expect(try connection.query("SELECT count(*) AS c FROM items").first?.decode("c", as: Int.self) == 3)
        }
    }

    @Test func aFailedPreparationIsReportedAndNotRemembered() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let plain = #expect(throws: PostgresError.self) { try connection.query("SELEC \(1)") }
            #expect(plain?.code == "42601")
            let piped = #expect(throws: PostgresError.self) {
                try connection.pipeline(["SELECT \(1) AS one", "SELEC \(2)", "SELECT \(3) AS three"])
            }
            #expect(piped?.code == "42601")
            #expect(piped?.failedStatementIndex == 1)
            #expect(try serverStatements(connection).allSatisfy { !$0.hasPrefix("SELEC ") })
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.query("SELECT \(3) AS three").first?.decode("three", as: Int.self) == 3)
        }
    }

    @Test func aPreparationAbortedByAnEarlierFailureIsPreparedAgainLater() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            try connection.execute("INSERT INTO items VALUES (\(1))")
            _ = #expect(throws: PostgresError.self) {
                try connection.pipelineTransaction(["INSERT INTO items VALUES (\(1))", "SELECT n * \(10) AS tenfold FROM items"])
            }
            // The SELECT's preparation was skipped with the aborted pipeline: it must not be taken as prepared.
            #expect(try connection.query("SELECT n * \(10) AS tenfold FROM items").first?.decode("tenfold", as: Int.self) == 10)
            #expect(try serverStatements(connection).contains("SELECT n * $1 AS tenfold FROM items"))
        }
    }

    @Test func beyondCapacityStatementsRunUnnamed() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let extra = 3
            for i in 0..<(PreparedStatementCache.capacity + extra) {
                let sum = try connection.query(PostgresQuery(unsafeSQL: "SELECT \(i) + $1::int AS s", binds: [1.postgresBind])).first?.decode(
                    "s", as: Int.self)
                #expect(sum == i + 1)
            }
            #expect(connection.statements.count == PreparedStatementCache.capacity)
            #expect(try serverStatements(connection).count == PreparedStatementCache.capacity)
        }
    }
}

extension PreparedStatementTests {
    @Test func statementsTheServerLostArePreparedAgain() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            #expect(try connection.query("SELECT \(1) + 1 AS two").first?.decode("two", as: Int.self) == 2)
            try connection.executeScript("DEALLOCATE ALL")  // behind the cache's back, like DISCARD ALL
            #expect(try connection.query("SELECT \(1) + 1 AS two").first?.decode("two", as: Int.self) == 2)
        }
    }

    @Test func aChangedTableGetsAFreshPlan() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int); INSERT INTO items VALUES (1)")
            #expect(try connection.query("SELECT * FROM items WHERE n = \(1)").first?.decode("n", as: Int.self) == 1)
            try connection.executeScript("ALTER TABLE items ADD COLUMN label text DEFAULT 'one'")
            // The cached plan no longer fits (0A000): forgotten, prepared again, answered.
            let row = try connection.query("SELECT * FROM items WHERE n = \(1)").first
            #expect(try row?.decode("label", as: String.self) == "one")
            // In a pipeline the error reaches the caller once; the next call works.
            try connection.executeScript("ALTER TABLE items ADD COLUMN extra int DEFAULT 7")
            _ = #expect(throws: PostgresError.self) { try connection.pipeline(["SELECT * FROM items WHERE n = \(1)"]) }
            #expect(try connection.pipeline(["SELECT * FROM items WHERE n = \(1)"]).first?.rows.first?.decode("extra", as: Int.self) == 7)
        }
    }

    /// Found by a review: a plan invalidated inside a transaction emptied the cache and its
    /// name counter, but the server kept `neonhub_1…`: the rollback, prepared as `neonhub_1`,
    /// failed with "already exists". Names are never reused on a connection.
    @Test func aPlanInvalidatedInsideATransactionRollsBackAndTheConnectionGoesOn() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int); INSERT INTO items VALUES (1)")
            #expect(try connection.query("SELECT * FROM items WHERE n = \(1)").first?.decode("n", as: Int.self) == 1)
            #expect(try connection.query("SELECT count(*) AS c FROM items WHERE n > \(0)").first?.decode("c", as: Int.self) == 1)
            try connection.executeScript("ALTER TABLE items ADD COLUMN label text DEFAULT 'one'")
            _ = #expect(throws: PostgresError.self) {
                try connection.withTransaction { try $0.query("SELECT * FROM items WHERE n = \(1)") }
            }
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.query("SELECT * FROM items WHERE n = \(1)").first?.decode("label", as: String.self) == "one")
            #expect(
                try connection.withTransaction { try $0.query("SELECT count(*) AS c FROM items WHERE n > \(0)") }.first?.decode("c", as: Int.self)
                    == 1)
            // What the server kept through the rollback is dropped once outside it: each text once.
            let held = try serverStatements(connection)
            #expect(Set(held).count == held.count, "\(held)")
        }
    }
}
