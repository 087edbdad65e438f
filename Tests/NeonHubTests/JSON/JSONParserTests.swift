import Foundation
import Testing

@testable import NeonHub

/// The strict parser must agree with Foundation on valid JSON and reject everything RFC 8259
/// does not allow.
@Suite struct JSONParserTests {
    /// What Foundation's JSONDecoder makes of a text (the previous implementation of `parse`).
    static func foundation(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static let corpus: [String] = [
        #"{"a":{"b":[1,2,{"c":null}],"d":true,"e":false},"f":"g","h":[]}"#,
        #"[[],[[]],{},{"":""},[{"x":[{"y":{}}]}]]"#,
        "  {\"k\" : [ 1 , 2 ] ,\"l\":{ }\t}  \r\n",
        #"["\"","\\","\/","\b","\f","\n","\r","\t","\u0041","\u00e9","\u20ac","\ud83d\ude80","\u0000"]"#,
        #""plain ascii and é, 中文, 🚀 raw""#,
        #"[0,-0,1e3,1E3,1e+3,1e-3,1.5E-2,-1.25,0.1,123456789012,-9007199254740993,9007199254740993]"#,
        #"[12345678901234567890123,1.7976931348623157e308,2.2250738585072014e-308,5e-324,999999999999999999,-1000000000000000000]"#,
        #"[3.141592653589793,0.30000000000000004,1e21,100,1.0,-0.0]"#,
        "true", "false", "null", "42", #""""#, "[]", "{}",
        #"{"nested":{"deeper":{"deepest":[true,[false,[null]]]}}}"#,
    ]

    @Test(arguments: corpus.indices)
    func agreesWithFoundation(index: Int) throws {
        let text = Self.corpus[index]
        let parsed = try JSONValue.parse(Array(text.utf8))
        #expect(parsed == (try Self.foundation(text)))
        // The same through the non-contiguous path.
        #expect(try JSONValue.parse(Array(text.utf8).lazy.map { $0 }) == parsed)
    }

    @Test func decodesEscapesAndNumbersExactly() throws {
        let strings = try JSONValue.parse(Array(Self.corpus[3].utf8))
        #expect(strings == .array(["\"", "\\", "/", "\u{08}", "\u{0C}", "\n", "\r", "\t", "A", "é", "€", "🚀", "\u{0}"].map { .string($0) }))
        #expect(try JSONValue.parse(Array(#""\uD83D\uDE80x""#.utf8)) == .string("🚀x"))

        guard case .array(let numbers) = try JSONValue.parse(Array(Self.corpus[5].utf8)) else { Issue.record("not an array"); return }
        let expected: [Double] = [
            0, -0.0, 1000, 1000, 1000, 0.001, 0.015, -1.25, 0.1, 123_456_789_012, -9_007_199_254_740_992, 9_007_199_254_740_992,
        ]
        #expect(numbers == expected.map { .number($0) })
        guard case .number(let negativeZero) = numbers[1] else { Issue.record("not a number"); return }
        #expect(negativeZero.sign == .minus)
        #expect(try JSONValue.parse(Array("9007199254740991".utf8)) == .number(9_007_199_254_740_991))
        #expect(try JSONValue.parse(Array("-123456789012345678".utf8)) == .number(Double(-123_456_789_012_345_678 as Int64)))
        #expect(try JSONValue.parse(Array("0.1".utf8)) == .number(0.1))
        #expect(try JSONValue.parse(Array("1e-400".utf8)) == .number(0))
        // Duplicate keys: the last one wins (Foundation keeps the first).
        #expect(try JSONValue.parse(Array(#"{"dup":1,"dup":2}"#.utf8)) == .object(["dup": .number(2)]))
        // Data and String views take the contiguous path.
        #expect(try JSONValue.parse(Data("[1]".utf8)) == .array([.number(1)]))
        #expect(try JSONValue.parse("[1]".utf8) == .array([.number(1)]))
    }

    static let malformed: [[UInt8]] =
        [
            "01", "-01", "+1", "1.", ".5", "1e", "1e+", "1E-", "-", "--1", "0x10", "1.e3", "[1,]", "[,1]", "[1 2]", #"{"a":1,}"#, "{a:1}",
            #"{"a" 1}"#, #"{"a":}"#, #"{,"a":1}"#, #"{"a":1 "b":2}"#, "'x'", #""\x""#, #""\u12""#, #""\u12G4""#, #""\ud800""#,
            #""\ud800x""#, #""\ud800\u0041""#, #""\udc00""#, #""\ude80\ud83d""#, "\"a\nb\"", "\"a\tb\"", "\"\u{1F}\"", "nul", "truex", "True",
            "nulll", "[1] 2", "{} {}", "", " \n\t\r ", "[", "{", "[1", #"{"a":1"#, #"{"a""#, #""abc"#, #""abc\""#, "]", "}", "NaN",
            "Infinity", "-Infinity", "1e400", "-1e400", "\u{FEFF}1", "\u{0B}1", "\u{0C}1", "\u{A0}1", "[1]\u{0}",
        ].map { Array($0.utf8) } + [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x5B, 0x80, 0x5D],
        ]

    @Test(arguments: malformed.indices)
    func rejectsMalformed(index: Int) {
        let bytes = Self.malformed[index]
        #expect(throws: JSONParseError.self, "\(bytes)") { try JSONValue.parse(bytes) }
    }

    @Test func reportsOffsetsAndReasons() {
        func error(_ text: String) -> JSONParseError? {
            do { _ = try JSONParser.parse(Array(text.utf8)); return nil } catch { return error }
        }
        #expect(error("[1,]")?.offset == 3)
        #expect(error(#"{"a":1,}"#)?.offset == 7)
        #expect(error("01")?.offset == 1)
        #expect(error(#"["ok","\q"]"#)?.offset == 7)
        #expect(error("")?.reason == "unexpected end of input")
        #expect(error("[1] 2").map { "\($0)" } == "Invalid JSON at byte 4: unexpected content after the value")
    }

    @Test func limitsNesting() throws {
        func nested(_ depth: Int, open: String, close: String) -> [UInt8] {
            Array((String(repeating: open, count: depth) + String(repeating: close, count: depth)).utf8)
        }
        var value = try JSONValue.parse(nested(512, open: "[", close: "]"))
        var depth = 0
        while case .array(let items) = value {
            depth += 1
            value = items.first ?? .null
        }
        #expect(depth == 512)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(nested(513, open: "[", close: "]")) }
        func objects(_ depth: Int) -> [UInt8] {
            Array((String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)).utf8)
        }
        #expect(try JSONValue.parse(objects(512))["a"]?["a"] != nil)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(objects(513)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(("[" + String(decoding: objects(512), as: UTF8.self) + "]").utf8)) }
        // Far too deep: an error, never a stack overflow.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(repeating: UInt8(ascii: "["), count: 1_000_000)) }
    }

    @Test func tokenSegmentsUseTheStrictParser() throws {
        #expect(try JSONValue.object(fromJSON: Array(#"{"sub":"u1","n":1}"#.utf8)) == ["sub": .string("u1"), "n": .number(1)])
        #expect(throws: AuthError.self) { try JSONValue.object(fromJSON: Array(#"{"sub":"u1",}"#.utf8)) }
        #expect(throws: AuthError.self) { try JSONValue.object(fromJSON: Array("[1]".utf8)) }
    }

    @Test func jsonTextEscapesLikeJSON() throws {
        let value = JSONValue.object([
            "b": .string("quote \" backslash \\ newline \n tab \t bell \u{7} é 🚀"), "a": .array([.number(1.5), .number(2), .bool(true), .null]),
        ])
        let text = value.jsonText
        #expect(text.hasPrefix(#"{"a":[1.5,2,true,null],"b":"#))
        #expect(try JSONValue.parse(Array(text.utf8)) == value)
    }
}

/// Decoding straight from a `JSONValue` tree must match `JSONDecoder` (with the procedures'
/// date strategy), errors and their coding paths included.
@Suite struct JSONValueDecoderTests {
    static let foundationDecoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Expected an ISO 8601 date-time"))
        }
        return d
    }()

    struct Inner: Decodable, Equatable { let name: String; let tags: [String]; let score: Double? }
    enum Color: String, Decodable { case red, green }
    struct Payload: Decodable, Equatable {
        let id: UUID
        let at: Date
        let atWhole: Date
        let count: Int
        let big: Int64
        let small: UInt8
        let ratio: Double
        let single: Float
        let flag: Bool
        let missing: String?
        let explicitNull: Int?
        let inner: Inner
        let optionalInner: Inner?
        let list: [Inner]
        let nested: [[Int]]
        let raw: JSONValue
        let rawList: [JSONValue]
        let map: [String: Int]
        let byID: [Int: String]
        let url: URL
        let color: Color
        let maybe: [String?]
    }

    static let payloadJSON = #"""
        {"id":"3F2504E0-4F89-11D3-9A0C-0305E82C3301","at":"2025-01-01T00:00:00.250Z","atWhole":"2025-06-30T12:34:56Z",
         "count":-42,"big":9007199254740991,"small":255,"ratio":0.125,"single":1.5,"flag":true,"explicitNull":null,
         "inner":{"name":"a \"q\"","tags":["x","y"],"score":null},"optionalInner":{"name":"o","tags":[]},
         "list":[{"name":"b","tags":[],"score":2.5}],"nested":[[1,2],[]],"raw":{"k":[null,false,1.5,"s"]},"rawList":[1,"two",{}],
         "map":{"z":1,"a":2},"byID":{"1":"one","22":"twenty-two"},"url":"https://example.com/a?b=c","color":"green",
         "maybe":["a",null,"c"],"ignored":{"deep":[1]}}
        """#

    @Test func decodesLikeJSONDecoder() throws {
        let tree = try JSONValue.parse(Array(Self.payloadJSON.utf8))
        let ours = try JSONValueDecoder.decode(Payload.self, from: tree)
        let theirs = try Self.foundationDecoder.decode(Payload.self, from: Data(Self.payloadJSON.utf8))
        #expect(ours == theirs)
        #expect(ours.at == Date(timeIntervalSince1970: 1_735_689_600.25))
        #expect(ours.atWhole == Date(timeIntervalSince1970: 1_751_286_896))
        #expect(ours.id == UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
        #expect(ours.url.host() == "example.com")
        #expect(ours.raw == tree["raw"])
        #expect(ours.missing == nil && ours.explicitNull == nil && ours.inner.score == nil)
        #expect(ours.byID == [1: "one", 22: "twenty-two"])
    }

    @Test func decodesTopLevelValues() throws {
        let tree = JSONValue.object(["a": .array([.number(1)])])
        #expect(try JSONValueDecoder.decode(JSONValue.self, from: tree) == tree)
        #expect(try JSONValueDecoder.decode([String: [Int]].self, from: tree) == ["a": [1]])
        #expect(try JSONValueDecoder.decode(String.self, from: .string("s")) == "s")
        #expect(try JSONValueDecoder.decode(Int?.self, from: .null) == nil)
        #expect(try JSONValueDecoder.decode(Date.self, from: .string("1970-01-01T00:00:01.5Z")) == Date(timeIntervalSince1970: 1.5))
        #expect(try JSONValueDecoder.decode(Data.self, from: .string("AQID")) == Data([1, 2, 3]))
    }

    /// Uses every container operation by hand.
    struct Manual: Decodable, Equatable {
        enum Keys: String, CodingKey { case list, obj, sup, n, x, absent, deep }
        var keys: [String] = []
        var hasX = false
        var hasAbsent = false
        var nIsNil = false
        var ints: [Int?] = []
        var count: Int?
        var objValue = ""
        var supValue = ""
        var superValue: Int?
        var deep: [[String]] = []
        var tailNil = false

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            keys = c.allKeys.map(\.stringValue).sorted()
            hasX = c.contains(.x)
            hasAbsent = c.contains(.absent)
            nIsNil = try c.decodeNil(forKey: .n)
            var u = try c.nestedUnkeyedContainer(forKey: .list)
            count = u.count
            while !u.isAtEnd {
                if try u.decodeNil() { ints.append(nil) } else { ints.append(try u.decode(Int.self)) }
            }
            do { tailNil = try u.decodeNil() } catch DecodingError.valueNotFound { tailNil = false }
            let o = try c.nestedContainer(keyedBy: Keys.self, forKey: .obj)
            objValue = try o.decode(String.self, forKey: .x)
            supValue = try String(from: try c.superDecoder(forKey: .sup))
            superValue = try Int?(from: try c.superDecoder())
            var d = try c.nestedUnkeyedContainer(forKey: .deep)
            while !d.isAtEnd {
                var inner = try d.nestedUnkeyedContainer()
                var row: [String] = []
                while !inner.isAtEnd { row.append(try inner.decode(String.self)) }
                deep.append(row)
            }
        }
    }

    @Test func containerOperationsMatchJSONDecoder() throws {
        let text = #"{"list":[1,null,3],"obj":{"x":"ox"},"sup":"s","n":null,"x":0,"super":7,"deep":[["a"],[],["b","c"]]}"#
        let ours = try JSONValueDecoder.decode(Manual.self, from: try JSONValue.parse(Array(text.utf8)))
        #expect(ours == (try JSONDecoder().decode(Manual.self, from: Data(text.utf8))))
        #expect(ours.ints == [1, nil, 3] && ours.count == 3 && ours.superValue == 7 && ours.deep == [["a"], [], ["b", "c"]])
        #expect(ours.keys == ["deep", "list", "n", "obj", "sup", "x"] && ours.hasX && !ours.hasAbsent && ours.nIsNil)
    }

    // MARK: Errors

    struct Leaf: Decodable { let name: String }
    struct Tree: Decodable { let leaves: [Leaf]; let top: Leaf }
    struct Numbers: Decodable { let count: Int?; let small: UInt8?; let flag: Bool?; let when: Date?; let text: String?; let leaf: Leaf? }
    struct Required: Decodable { let count: Int; let leaf: Leaf }

    enum Kind: Equatable {
        case keyNotFound(String)
        case typeMismatch, valueNotFound, dataCorrupted
    }

    /// The error kind and its full path (the missing key appended, as `describe` does).
    static func failure<T: Decodable>(_ type: T.Type, _ text: String, foundation: Bool = false) -> (Kind, String)? {
        do {
            if foundation {
                _ = try foundationDecoder.decode(type, from: Data(text.utf8))
            } else {
                _ = try JSONValueDecoder.decode(type, from: try JSONValue.parse(Array(text.utf8)))
            }
            return nil
        } catch let error as DecodingError {
            func join(_ path: [any CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
            switch error {
            case .keyNotFound(let key, let context): return (.keyNotFound(key.stringValue), join(context.codingPath + [key]))
            case .typeMismatch(_, let context): return (.typeMismatch, join(context.codingPath))
            case .valueNotFound(_, let context): return (.valueNotFound, join(context.codingPath))
            case .dataCorrupted(let context): return (.dataCorrupted, join(context.codingPath))
            @unknown default: return nil
            }
        } catch {
            return nil
        }
    }

    static let errorCases: [(text: String, kind: Kind, path: String)] = [
        (#"{"leaves":[{"name":"a"},{}],"top":{"name":"t"}}"#, .keyNotFound("name"), "leaves.Index 1.name"),
        (#"{"leaves":[],"top":{"nom":"t"}}"#, .keyNotFound("name"), "top.name"),
        (#"{"leaves":[]}"#, .keyNotFound("top"), "top"),
        (#"{"leaves":[{"name":5}],"top":{"name":"t"}}"#, .typeMismatch, "leaves.Index 0.name"),
        (#"{"leaves":[null],"top":{"name":"t"}}"#, .valueNotFound, "leaves.Index 0"),
        (#"{"leaves":{},"top":{"name":"t"}}"#, .typeMismatch, "leaves"),
        (#"{"leaves":[],"top":{"name":null}}"#, .valueNotFound, "top.name"),
        (#"{"leaves":[],"top":null}"#, .valueNotFound, "top"),
    ]

    @Test(arguments: errorCases.indices)
    func errorPathsMatchJSONDecoder(index: Int) throws {
        let (text, kind, path) = Self.errorCases[index]
        let ours = try #require(Self.failure(Tree.self, text))
        #expect(ours.0 == kind)
        #expect(ours.1 == path)
        let theirs = try #require(Self.failure(Tree.self, text, foundation: true))
        #expect(theirs.1 == ours.1)
    }

    static let scalarFailures: [(text: String, kind: Kind?, path: String)] = [
        (#"{"count":"5"}"#, .typeMismatch, "count"),
        (#"{"count":1.5}"#, nil, "count"),
        (#"{"count":1e300}"#, nil, "count"),
        (#"{"small":300}"#, nil, "small"),
        (#"{"small":-1}"#, nil, "small"),
        (#"{"count":true}"#, .typeMismatch, "count"),
        (#"{"flag":1}"#, .typeMismatch, "flag"),
        (#"{"flag":"true"}"#, .typeMismatch, "flag"),
        (#"{"text":1}"#, .typeMismatch, "text"),
        (#"{"when":"yesterday"}"#, .dataCorrupted, "when"),
        (#"{"when":0}"#, .typeMismatch, "when"),
        (#"{"leaf":[]}"#, .typeMismatch, "leaf"),
        (#"{"leaf":{"name":false}}"#, .typeMismatch, "leaf.name"),
    ]

    @Test(arguments: scalarFailures.indices)
    func rejectsWrongScalars(index: Int) throws {
        let (text, kind, path) = Self.scalarFailures[index]
        let ours = try #require(Self.failure(Numbers.self, text))
        if let kind { #expect(ours.0 == kind) } else { #expect(ours.0 == .dataCorrupted || ours.0 == .typeMismatch) }
        #expect(ours.1 == path)
        #expect(Self.failure(Numbers.self, text, foundation: true) != nil)  // Foundation refuses it too
    }

    @Test func acceptsIntegralNumbersAndNullForOptionals() throws {
        let value = try JSONValueDecoder.decode(
            Numbers.self, from: try JSONValue.parse(Array(#"{"count":3.0,"small":0,"flag":false,"text":null}"#.utf8)))
        #expect(value.count == 3 && value.small == 0 && value.flag == false && value.text == nil && value.leaf == nil)
        #expect(Self.failure(Required.self, #"{"count":null,"leaf":{"name":"x"}}"#)! == (.valueNotFound, "count"))
        #expect(Self.failure(Required.self, #"{"count":1,"leaf":null}"#)! == (.valueNotFound, "leaf"))
    }

    struct Input: RPCInput {
        static let schema = JSONSchema.any
        let inner: Leaf
        let count: Int
    }

    @Test func decodeInputDescribesDecodingErrors() {
        func message(_ value: JSONValue) -> String? {
            do { _ = try Procedure.decodeInput(Input.self, value); return nil } catch let error as RPCError { return error.message } catch {
                return "\(error)"
            }
        }
        #expect(message(.object(["inner": .object([:]), "count": .number(1)])) == "Invalid input: inner.name: Required")
        #expect(message(.object(["inner": .object(["name": .string("n")])])) == "Invalid input: count: Required")
        #expect(message(.object(["inner": .object(["name": .number(1)]), "count": .number(1)]))?.hasPrefix("Invalid input: inner.name: ") == true)
        #expect(message(.object(["inner": .object(["name": .string("n")]), "count": .number(1)])) == nil)
    }
}
