import Foundation
import Testing

@testable import NeonHub

/// A finished job's row is written member by member: it must be the JSON a parser (ours and
/// Foundation's) reads back as the same object, with nil members left out.
@Suite struct JSONObjectBytesTests {
    @Test func membersReadBackAsTheObjectWithNilsLeftOut() throws {
        var object = JSONObjectBytes(capacity: 8)
        object.add("name", "quote \" backslash \\ newline \n tab \t ✓")
        object.add("count", 42)
        object.add("negative", -7)
        object.add("final", true)
        object.add("refund", false)
        object.add("missingText", nil as String?)
        object.add("missingNumber", nil as Int?)
        object.add("missingJSON", nil as JSONValue?)
        object.add("nested", JSONValue.object(["b": .array([.number(1), .null]), "a": .string("x")]))
        object.add("null", JSONValue.null)
        let bytes = object.finish()
        let parsed = try JSONValue.parse(bytes)
        #expect(
            parsed
                == .object([
                    "name": .string("quote \" backslash \\ newline \n tab \t ✓"), "count": .number(42), "negative": .number(-7),
                    "final": .bool(true), "refund": .bool(false),
                    "nested": .object(["b": .array([.number(1), .null]), "a": .string("x")]), "null": .null,
                ]))
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(foundation.count == 7)
        #expect(foundation["missingText"] == nil)
    }

    @Test func anEmptyObjectIsTwoBraces() {
        var object = JSONObjectBytes()
        #expect(object.finish() == Array("{}".utf8))
    }

    /// Postgres refuses `\u0000` in `jsonb`; a provider's error text carrying one must not make
    /// the outcome impossible to write.
    @Test func aNULInATextOrNestedValueIsWrittenAsTheReplacementCharacter() throws {
        var object = JSONObjectBytes()
        object.add("message", "before\u{0}after")
        object.add("error", JSONValue.object(["detail": .string("x\u{0}y")]))
        let bytes = object.finish()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\\u0000"))
        #expect(
            try JSONValue.parse(bytes)
                == .object(["message": .string("before\u{FFFD}after"), "error": .object(["detail": .string("x\u{FFFD}y")])]))
    }
}
