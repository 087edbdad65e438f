import Foundation
import Testing

@testable import NeonHub

/// The fast encoder must say what `JSONEncoder` says (as JSON values), streaming the common
/// shapes and falling back to its tree for the rest.
@Suite struct FastJSONEncoderTests {
    struct Inner: Encodable { let name: String; let tags: [String]; let score: Double? }
    struct Outer: Encodable {
        let id: UUID
        let at: Date
        let count: Int
        let ratio: Double
        let flag: Bool
        let missing: String?
        let inner: Inner
        let list: [Inner]
        let nested: [[Int]]
        let raw: JSONValue
        let map: [String: Int]
    }

    static func foundationJSON<T: Encodable>(_ value: T) throws -> JSONValue {
        let foundation = JSONEncoder()
        foundation.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return try JSONValue.parse(Array(try foundation.encode(value)))
    }

    @Test func matchesFoundation() throws {
        let value = Outer(
            id: UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!, at: Date(timeIntervalSince1970: 1_735_689_600.25), count: 42, ratio: 0.125,
            flag: true, missing: nil, inner: Inner(name: "a \"quoted\" name\n", tags: ["x", "y"], score: nil),
            list: [Inner(name: "b", tags: [], score: 2.5)], nested: [[1, 2], []], raw: .object(["k": .array([.null, .bool(false)])]),
            map: ["z": 1, "a": 2])
        let fast = try JSONValue.parse(try FastJSONEncoder.encode(value))
        #expect(fast == (try Self.foundationJSON(value)))
        #expect(fast["at"] == .string("2025-01-01T00:00:00.250Z"))
        #expect(fast["missing"] == nil)
    }

    /// A type whose nested containers are written out of order (legal Codable, not streamable).
    struct Interleaved: Encodable {
        enum Keys: String, CodingKey { case a, b, c, x }
        func encode(to encoder: any Encoder) throws {
            var top = encoder.container(keyedBy: Keys.self)
            var first = top.nestedContainer(keyedBy: Keys.self, forKey: .a)
            var second = top.nestedUnkeyedContainer(forKey: .b)
            try second.encode(1)
            try first.encode("late", forKey: .x)  // `a` is written to after `b` was opened
            try second.encode(2)
            try top.encode(true, forKey: .c)
        }
    }

    class Base: Encodable {
        var id = 7
    }

    final class Derived: Base {
        var extra = "e"
        enum Keys: String, CodingKey { case extra }
        override func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(extra, forKey: .extra)
            try super.encode(to: c.superEncoder())
        }
    }

    struct Empty: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct Ordered: Encodable {
        let zeta: Int
        let alpha: String
        let middle: [Empty]
    }

    @Test func streamsCommonShapesWithoutTheTree() throws {
        let value = Outer(
            id: UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!, at: Date(timeIntervalSince1970: 0), count: -3, ratio: 1e300,
            flag: false, missing: "here", inner: Inner(name: "", tags: [], score: -0.5), list: [], nested: [[]], raw: .null, map: [:])
        let streamed = try JSONStreamEncoder.encode(value)  // throws Unsupported if it fell back
        #expect(try JSONValue.parse(streamed) == Self.foundationJSON(value))
    }

    @Test func membersKeepDeclarationOrderAndEmptyValuesAreObjects() throws {
        let text = String(decoding: try JSONStreamEncoder.encode(Ordered(zeta: 1, alpha: "a", middle: [Empty(), Empty()])), as: UTF8.self)
        #expect(text == #"{"zeta":1,"alpha":"a","middle":[{},{}]}"#)
    }

    @Test func escapesStringsByteForByte() throws {
        let tricky = "quote\" backslash\\ newline\n tab\t cr\r bell\u{07} nul-free é 🚀 end"
        let text = String(decoding: try FastJSONEncoder.encode(["s": tricky]), as: UTF8.self)
        #expect(text == #"{"s":"quote\" backslash\\ newline\n tab\t cr\r bell\u0007 nul-free é 🚀 end"}"#)
        #expect(try JSONValue.parse(Array(text.utf8))["s"] == .string(tricky))
        #expect(JSONValue.object(["s": .string(tricky)]).jsonText == text)  // one escaper for both writers
        #expect(
            JSONValue.array([.number(3), .number(-0.5), .number(1e300), .number(.infinity), .bool(true), .null]).jsonText
                == "[3,-0.5,1e+300,null,true,null]")
    }

    @Test func shapesAStreamCannotFollowFallBackToTheTree() throws {
        #expect(throws: JSONStreamEncoder.Unsupported.self) { try JSONStreamEncoder.encode(Interleaved()) }
        let interleaved = try JSONValue.parse(try FastJSONEncoder.encode(Interleaved()))
        #expect(interleaved == .object(["a": .object(["x": .string("late")]), "b": .array([.number(1), .number(2)]), "c": .bool(true)]))

        #expect(throws: JSONStreamEncoder.Unsupported.self) { try JSONStreamEncoder.encode(Derived()) }
        let derived = try JSONValue.parse(try FastJSONEncoder.encode(Derived()))
        #expect(derived == (try Self.foundationJSON(Derived())))
        #expect(derived["super"]?["id"] == .number(7))
    }
}
