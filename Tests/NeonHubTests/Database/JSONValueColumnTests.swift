import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `json` and `jsonb` columns decode into `JSONValue` through our parser: every JSON type,
/// NULL only where optional, and text that is not JSON as an error.
@Suite struct JSONValueColumnTests {
    @Test func jsonAndJsonbColumnsDecodeToTheSameValue() async throws {
        let pool = PostgresPool(
            connectionString: try await blocking { try ThrowawayPostgres.freshDatabase() }, configuration: .init(size: 1),
            logger: Logger(label: "test"))
        defer { pool.shutdown() }
        let document = #"{"name": "Zoë \u2603", "n": -1.5e2, "ok": true, "none": null, "list": [1, "two", {"three": 3}]}"#
        let row = try #require(
            try await pool.query(
                "SELECT \(document)::jsonb AS b, \(document)::json AS j, NULL::jsonb AS missing, 'null'::jsonb AS json_null, 'not json'::text AS bad"
            ).first)
        let expected: JSONValue = .object([
            "name": .string("Zoë ☃"), "n": .number(-150), "ok": .bool(true), "none": .null,
            "list": .array([.number(1), .string("two"), .object(["three": .number(3)])]),
        ])
        #expect(try row.decode("b", as: JSONValue.self) == expected)
        #expect(try row.decode("j", as: JSONValue.self) == expected)
        #expect(try row.decode("missing", as: JSONValue?.self) == nil)
        // JSON's own null is a value, not SQL NULL: a stored `null` output reads back as `null`.
        #expect(try row.decode("json_null", as: JSONValue?.self) == .some(.null))
        #expect(throws: PostgresDecodingError.self) { try row.decode("missing", as: JSONValue.self) }
        #expect(throws: PostgresDecodingError.self) { try row.decode("bad", as: JSONValue.self) }
    }

    /// Found by a review: a provider's answer carrying U+0000 (our parser accepts `\u0000`)
    /// made the job's outcome impossible to write — Postgres refuses it in `jsonb` — so the job
    /// was reclaimed and its action repeated. It is stored as U+FFFD; the rest is kept.
    @Test func aNULInAValueIsStoredAsTheReplacementCharacter() async throws {
        let pool = PostgresPool(
            connectionString: try await blocking { try ThrowawayPostgres.freshDatabase() }, configuration: .init(size: 1),
            logger: Logger(label: "test"))
        defer { pool.shutdown() }
        var text = #"{"message": "a\u0000b", "k\u0000": ["\\u0000"]}"#
        let value = try text.withUTF8 { try JSONParser.parse($0) }
        #expect(value["message"] == .string("a\u{0}b"))
        let row = try #require(try await pool.query("SELECT \(value)::jsonb AS v").first)
        #expect(try row.decode("v", as: JSONValue.self) == .object(["message": .string("a\u{FFFD}b"), "k\u{FFFD}": .array([.string(#"\u0000"#)])]))
        #expect(value.jsonText.contains(#"\u0000"#))  // responses keep JSON's own escape
    }
}
