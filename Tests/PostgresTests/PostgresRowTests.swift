import Foundation
import Testing

@testable import Postgres

@Suite struct PostgresRowTests {
    struct Document: Codable, Equatable, Sendable {
        var title: String
        var tags: [String]
    }

    @Test func decodesEveryTypeFromLiterals() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let rows = try connection.query(
                """
                SELECT 42::int8 AS i8, 7::int4 AS i4, 3::int2 AS i2, 3.25::float8 AS d, 'NaN'::float8 AS nan,
                       true AS t, false AS f, 'héllo ✓' AS s,
                       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
                       '2026-11-22 10:00:00.123456+00'::timestamptz AS ts,
                       '2026-11-22 12:00:00+02'::timestamptz AS ts2,
                       '\\x00ff10'::bytea AS bin, ''::bytea AS empty,
                       '{"title":"x","tags":["a","b"]}'::jsonb AS j,
                       NULL::int8 AS n, NULL::jsonb AS nj
                """)
            let row = try #require(rows.first)
            #expect(try row.decode("i8", as: Int.self) == 42)
            #expect(try row.decode("i8", as: Int64.self) == 42)
            #expect(try row.decode("i4", as: Int32.self) == 7)
            #expect(try row.decode("i2", as: Int.self) == 3)
            #expect(try row.decode("d", as: Double.self) == 3.25)
            #expect(try row.decode("nan", as: Double.self).isNaN)
            #expect(try row.decode("t", as: Bool.self) == true)
            #expect(try row.decode("f", as: Bool.self) == false)
            #expect(try row.decode("s", as: String.self) == "héllo ✓")
            #expect(try row.decode("u", as: UUID.self) == UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
            let timestamp = try row.decode("ts", as: Date.self)
            #expect(abs(timestamp.timeIntervalSince1970 - 1_795_341_600.123456) < 1e-6)
            #expect(try row.decode("ts2", as: Date.self).timeIntervalSince1970 == 1_795_341_600)
            #expect(try row.decode("bin", as: [UInt8].self) == [0x00, 0xff, 0x10])
            #expect(try row.decode("bin", as: Data.self) == Data([0x00, 0xff, 0x10]))
            #expect(try row.decode("empty", as: [UInt8].self) == [])
            #expect(try row.decodeJSON("j", as: Document.self) == Document(title: "x", tags: ["a", "b"]))
            #expect(try row.decode("j", as: PostgresJSON<Document>.self).value == Document(title: "x", tags: ["a", "b"]))
            #expect(try row.decode("n", as: Int?.self) == nil)
            #expect(try row.decode("i8", as: Int?.self) == 42)
            #expect(try row.decodeJSON("nj", as: Document?.self) == nil)
            #expect(try row.decode(0, as: Int.self) == 42)
            #expect(row.isNull("n"))
            #expect(row.columns.names.first == "i8")
            #expect(row.columns.types[9] == .timestamptz)
        }
    }

    @Test func roundTripsBoundValues() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            try connection.executeScript(
                """
                CREATE TABLE everything (
                    i8 bigint, i4 integer, d double precision, b boolean, s text, u uuid,
                    ts timestamptz, bin bytea, j jsonb, n bigint
                )
                """)
            let id = UUID()
            let date = Date(timeIntervalSince1970: 1_795_341_600.654321)
            let bytes: [UInt8] = [0, 1, 2, 0xfe, 0xff, 0x5c, 0x27]
            let document = Document(title: "quote ' and \" and \\", tags: ["ünï"])
            let missing: Int? = nil
            let inserted = try connection.execute(
                """
                INSERT INTO everything VALUES (
                    \(Int64.max), \(Int32.min), \(-1.5e300), \(true), \("it's; DROP TABLE everything; --"), \(id),
                    \(date), \(bytes), \(.json(document)), \(missing))
                """)
            #expect(inserted == 1)
            let row = try #require(try connection.query("SELECT * FROM everything").first)
            #expect(try row.decode("i8", as: Int64.self) == .max)
            #expect(try row.decode("i4", as: Int32.self) == .min)
            #expect(try row.decode("d", as: Double.self) == -1.5e300)
            #expect(try row.decode("b", as: Bool.self))
            #expect(try row.decode("s", as: String.self) == "it's; DROP TABLE everything; --")
            #expect(try row.decode("u", as: UUID.self) == id)
            #expect(abs(try row.decode("ts", as: Date.self).timeIntervalSince1970 - date.timeIntervalSince1970) < 1e-6)
            #expect(try row.decode("bin", as: [UInt8].self) == bytes)
            #expect(try row.decodeJSON("j", as: Document.self) == document)
            #expect(try row.decode("n", as: Int64?.self) == nil)
            // Binding Data and matching on it.
            let matches = try connection.query("SELECT count(*) AS c FROM everything WHERE bin = \(Data(bytes))")
            #expect(try matches.first?.decode("c", as: Int.self) == 1)
        }
    }

    @Test func nullAndMismatchErrorsNameTheColumn() async throws {
        try await TestDatabase.with { db in
            let connection = try db.connect()
            let row = try #require(
                try connection.query(
                    "SELECT NULL::int8 AS missing_count, 'abc'::text AS label, 5::int4 AS small, 'x'::text AS notjson, 99999999999::int8 AS big"
                ).first)
            let nullError = #expect(throws: PostgresDecodingError.self) { try row.decode("missing_count", as: Int.self) }
            #expect(nullError?.reason == .unexpectedNull)
            #expect(nullError?.column == "missing_count")
            #expect(nullError?.description.contains("missing_count") == true)
            #expect(nullError?.description.contains("Int") == true)

            let mismatch = #expect(throws: PostgresDecodingError.self) { try row.decode("label", as: Int.self) }
            #expect(mismatch?.reason == .typeMismatch)
            #expect(mismatch?.description.contains("label") == true)
            #expect(mismatch?.description.contains("abc") == false)

            #expect(throws: PostgresDecodingError.self) { try row.decode("small", as: Bool.self) }
            #expect(throws: PostgresDecodingError.self) { try row.decode("label", as: UUID.self) }
            #expect(throws: PostgresDecodingError.self) { try row.decode("label", as: Date.self) }
            #expect(throws: PostgresDecodingError.self) { try row.decode("label", as: [UInt8].self) }
            #expect(throws: PostgresDecodingError.self) { try row.decode("big", as: Int32.self) }
            let json = #expect(throws: PostgresDecodingError.self) { try row.decodeJSON("notjson", as: Document.self) }
            #expect(json?.column == "notjson")
            let nullJSON = #expect(throws: PostgresDecodingError.self) { try row.decodeJSON("missing_count", as: Document.self) }
            #expect(nullJSON?.reason == .unexpectedNull)
            let missing = #expect(throws: PostgresDecodingError.self) { try row.decode("nope", as: String.self) }
            #expect(missing?.reason == .missingColumn)
            #expect(throws: PostgresDecodingError.self) { try row.decode(17, as: String.self) }
        }
    }
}
