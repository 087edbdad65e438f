import Foundation
import Testing

@testable import Postgres

/// A cursor reads a row's columns in the order they were selected.
@Suite struct PostgresRowCursorTests {
    @Test func readsTheColumnsInOrderAndThrowsPastTheLast() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let rows = try connection.query("SELECT 7::int4 AS n, NULL::text AS t, 'x' AS s, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u")
            var cursor = PostgresRowCursor(try #require(rows.first))
            #expect(try cursor.next("n", as: Int.self) == 7)
            #expect(try cursor.next("t", as: String?.self) == nil)
            #expect(try cursor.next("s", as: String.self) == "x")
            #expect(try cursor.next("u", as: UUID.self) == UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
            #expect(throws: PostgresDecodingError.self) { try cursor.next("u", as: UUID.self) }
        }
    }

    /// A NULL where the reader wants a value, or text of another type, is the same error as
    /// when the column is read by name.
    @Test func aNullOrAMismatchThrowsNamingTheColumn() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let row = try #require(try connection.query("SELECT NULL::int8 AS missing, 'word' AS word").first)
            var cursor = PostgresRowCursor(row)
            #expect(throws: PostgresDecodingError.self) { try cursor.next("missing", as: Int.self) }
            do {
                _ = try cursor.next("word", as: Int.self)
                Issue.record("text read as an integer")
            } catch let error as PostgresDecodingError {
                #expect(error.column == "word")
            }
        }
    }
}
