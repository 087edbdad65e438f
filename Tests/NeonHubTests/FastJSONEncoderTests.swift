import Foundation
import Testing
@testable import NeonHub

/// The fast encoder must say what `JSONEncoder` says (as JSON values).
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

    @Test func matchesFoundation() throws {
        let value = Outer(id: UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!, at: Date(timeIntervalSince1970: 1_735_689_600.25), count: 42, ratio: 0.125,
                          flag: true, missing: nil, inner: Inner(name: "a \"quoted\" name\n", tags: ["x", "y"], score: nil),
                          list: [Inner(name: "b", tags: [], score: 2.5)], nested: [[1, 2], []], raw: .object(["k": .array([.null, .bool(false)])]),
                          map: ["z": 1, "a": 2])
        let fast = try JSONValue.parse(Array(try FastJSONEncoder.encode(value)))
        let foundation = JSONEncoder()
        foundation.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        let reference = try JSONValue.parse(Array(try foundation.encode(value)))
        #expect(fast == reference)
        #expect(fast["at"] == .string("2025-01-01T00:00:00.250Z"))
        #expect(fast["missing"] == nil)
    }
}
