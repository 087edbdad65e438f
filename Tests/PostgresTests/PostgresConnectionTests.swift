import Foundation
import Synchronization
import Testing

@testable import Postgres

@Suite struct PostgresConnectionTests {
    struct Boom: Error {}

    @Test func transactionCommitsAndRollsBack() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int)")
            let committed = try connection.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES (\(1))")
                #expect(connection.transactionStatus == .inTransaction)
                return try connection.execute("INSERT INTO items VALUES (\(2))")
            }
            #expect(committed == 1)
            #expect(throws: Boom.self) {
                try connection.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (\(3))")
                    throw Boom()
                }
            }
            #expect(connection.transactionStatus == .idle)
            let rows = try connection.query("SELECT n FROM items ORDER BY n")
            #expect(try rows.map { try $0.decode("n", as: Int.self) } == [1, 2])
        }
    }

    @Test func swallowedStatementErrorMakesCommitFail() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    _ = try? connection.execute("INSERT INTO items VALUES (1)")
                }
            }
            #expect(error?.code == "25P02")
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.query("SELECT * FROM items").isEmpty)
        }
    }

    @Test func statementTimeoutCancelsLongQueries() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect(.init(statementTimeout: .milliseconds(200)))
            let start = ContinuousClock.now
            let error = #expect(throws: PostgresError.self) { try connection.query("SELECT pg_sleep(30)") }
            #expect(error?.isQueryCanceled == true)
            #expect(ContinuousClock.now - start < .seconds(20), "cancelled well before pg_sleep(30) ends")
            let setting = try connection.query("SHOW statement_timeout").first?.decode(0, as: String.self)
            #expect(setting == "200ms")
        }
    }

    @Test func sessionIsUTCAndISO() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let row = try #require(try connection.query("SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds").first)
            #expect(try row.decode("tz", as: String.self) == "UTC")
            #expect(try row.decode("ds", as: String.self).hasPrefix("ISO"))
        }
    }

    /// Found by a review: over TCP, a database host that vanished mid-query held the waiting
    /// thread and its pool slot until the kernel gave up (15 minutes to 2 hours).
    @Test func connectionsAskForTCPKeepalivesAndAUserTimeout() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            #expect(connection.connectionOption("keepalives") == "1")
            #expect(connection.connectionOption("keepalives_idle") == "30")
            #expect(connection.connectionOption("keepalives_count") == "3")
            #expect(connection.connectionOption("tcp_user_timeout") == "60000")
        }
    }

    @Test func observerSeesEveryStatement() async throws {
        try await TestDatabase.with { db in
            let calls = Mutex<[Bool]>([])
            let connection = try db.connect(
                .init(observer: { seconds, ok in
                    #expect(seconds >= 0)
                    calls.withLock { $0.append(ok) }
                }))
            calls.withLock { $0.removeAll() }  // drop the session setup
            try connection.query("SELECT 1")
            _ = try? connection.query("SELECT broken(")
            _ = try connection.pipeline(["SELECT 1", "SELECT 2"])
            _ = try? connection.pipelineTransaction(["SELECT 1", "SELECT 1/0"])
            #expect(calls.withLock { $0 } == [true, false, true, false, true])  // last: the ROLLBACK
        }
    }

    @Test func closedConnectionThrows() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            connection.close()
            connection.close()
            #expect(!connection.isConnected)
            let error = #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
            #expect(error?.kind == .connectionLost)
        }
    }

    @Test func emptyAndMultiStatementScripts() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE a (n int); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);")
            #expect(try connection.query("SELECT * FROM a").count == 2)
            let result = try connection.run("UPDATE a SET n = n + 1")
            #expect(result.affectedRows == 2)
            #expect(result.commandTag == "UPDATE 2")
        }
    }

    @Test func textWithANulByteIsRefusedBeforeSending() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let nul = "abc\u{0}def"
            let plain = #expect(throws: PostgresError.self) { try connection.query("SELECT \(nul)::text AS t") }
            #expect(plain?.kind == .protocol)
            #expect(plain?.description.contains("NUL") == true)
            let piped = #expect(throws: PostgresError.self) { try connection.pipeline(["SELECT \(1) AS one", "SELECT \(nul)::text AS t"]) }
            #expect(piped?.kind == .protocol)
            // Nothing was sent: the connection is idle and works.
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.query("SELECT \("after")::text AS t").first?.decode("t", as: String.self) == "after")
        }
    }
}
