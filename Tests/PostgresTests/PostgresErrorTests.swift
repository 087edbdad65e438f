import Foundation
import Testing

@testable import Postgres

@Suite struct PostgresErrorTests {
    @Test func uniqueViolationDoesNotLeakValues() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript("CREATE TABLE users (email text CONSTRAINT users_email_key UNIQUE)")
            let secret = "s3cret-person@example.com"
            try connection.execute("INSERT INTO users VALUES (\(secret))")
            let error = #expect(throws: PostgresError.self) {
                try connection.execute("INSERT INTO users VALUES (\(secret))")
            }
            #expect(error?.kind == .server)
            #expect(error?.code == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.constraintName == "users_email_key")
            #expect(error?.tableName == "users")
            #expect(error?.description.contains(secret) == false)
            #expect(error.map { "\($0)" }?.contains(secret) == false)
            #expect(error?.debugDescription.contains(secret) == true)  // detail, for debugging only
            // The connection is still usable.
            #expect(try connection.query("SELECT count(*) AS c FROM users").first?.decode("c", as: Int.self) == 1)
        }
    }

    @Test func syntaxAndDataErrors() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let syntax = #expect(throws: PostgresError.self) { try connection.query("SELEC 1") }
            #expect(syntax?.code == "42601")
            #expect(syntax?.isSyntaxError == true)
            #expect(syntax?.sql == "SELEC 1")

            let secret = "tok_live_8f7a6d5c"
            let data = #expect(throws: PostgresError.self) { try connection.query("SELECT \(secret)::int AS n") }
            #expect(data?.code == "22P02")
            #expect(data?.isDataException == true)
            #expect(data?.description.contains(secret) == false)
            #expect(data?.description.contains("invalid input syntax") == true)

            let missingTable = #expect(throws: PostgresError.self) { try connection.query("SELECT * FROM nope") }
            #expect(missingTable?.code == "42P01")
        }
    }

    @Test func unreachableServerFailsFastAsUnavailable() throws {
        let start = ContinuousClock.now
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(connectionString: "host=/tmp/neonhub-no-such-dir port=5999 user=postgres dbname=x")
        }
        #expect(error?.kind == .unavailable)
        #expect(ContinuousClock.now - start < .seconds(30), "no hang")
    }

    @Test func redactsQuotedValues() {
        #expect(
            PostgresError.redactingQuotedValues(#"invalid input syntax for type uuid: "abc""#)
                == #"invalid input syntax for type uuid: "…""#)
    }
}
