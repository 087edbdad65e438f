import Foundation
import Testing

@testable import Postgres

@Suite struct PostgresPipelineTests {
    private func count(_ connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*) AS c FROM items").first?.decode("c", as: Int.self) ?? -1
    }

    @Test func batchSucceeds() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY, label text)")
            let results = try connection.pipeline([
                "INSERT INTO items VALUES (\(1), \("one"))",
                "INSERT INTO items VALUES (\(2), \("two")) RETURNING n",
                "SELECT label FROM items ORDER BY n",
            ])
            #expect(results.count == 3)
            #expect(results[0].affectedRows == 1)
            #expect(try results[1].rows.first?.decode("n", as: Int.self) == 2)
            #expect(try results[2].rows.map { try $0.decode("label", as: String.self) } == ["one", "two"])
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.pipeline([]).isEmpty)
        }
    }

    @Test func failureInTheMiddleReportsIndexAndAbortsTheRest() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try connection.pipeline([
                    "INSERT INTO items VALUES (\(1))",
                    "INSERT INTO items VALUES (\(1))",
                    "INSERT INTO items VALUES (\(3))",
                ])
            }
            #expect(error?.failedStatementIndex == 1)
            #expect(error?.isUniqueViolation == true)
            #expect(error?.description.contains("pipeline statement 1") == true)
            // One implicit transaction: nothing of the batch remains, and the connection works.
            #expect(try count(connection) == 0)
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.pipeline(["INSERT INTO items VALUES (\(5))"]).first?.affectedRows == 1)
        }
    }

    @Test func pipelineTransactionCommitsOrRollsBackEverything() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE items (n int PRIMARY KEY)")
            let results = try connection.pipelineTransaction([
                "INSERT INTO items VALUES (\(1))",
                "INSERT INTO items VALUES (\(2)) RETURNING n",
            ])
            #expect(results.count == 2)
            #expect(try results[1].rows.first?.decode("n", as: Int.self) == 2)

            let error = #expect(throws: PostgresError.self) {
                try connection.pipelineTransaction([
                    "INSERT INTO items VALUES (\(10))",
                    "INSERT INTO items VALUES (\(11))",
                    "INSERT INTO items VALUES (\("not a number"))",
                    "INSERT INTO items VALUES (\(12))",
                ])
            }
            #expect(error?.failedStatementIndex == 2)
            #expect(error?.code == "22P02")
            #expect(connection.transactionStatus == .idle)
            #expect(try count(connection) == 2)
            // Usable afterwards, in and out of pipeline mode.
            #expect(try connection.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
            #expect(try connection.pipelineTransaction(["INSERT INTO items VALUES (\(3))"]).count == 1)
            #expect(try count(connection) == 3)
        }
    }

    @Test func encodingErrorsAreThrownBeforeSending() async throws {
        struct Bad: Encodable {
            func encode(to encoder: any Encoder) throws {
                throw EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "no"))
            }
        }
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let error = #expect(throws: PostgresError.self) {
                try connection.pipeline(["SELECT 1", "SELECT \(.json(Bad()))::jsonb"])
            }
            #expect(error?.kind == .protocol)
            #expect(connection.isConnected)
            #expect(try connection.query("SELECT 1").count == 1)
        }
    }
}
