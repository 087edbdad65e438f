import Foundation

/// Decodes any `Decodable` straight from a `JSONValue` tree, with the semantics of
/// `JSONDecoder` (default key strategy) and the procedures' date strategy: ISO 8601 with or
/// without fractional seconds. No re-serialization, no second parse.
///
/// Integers decode only from integral numbers in range, `Bool` only from booleans, `String`
/// only from strings; every error carries the coding path of the offending value.
public enum JSONValueDecoder {
    /// Decodes `type` from `value`.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding.decode(type, from: value, parent: nil, key: nil)
    }
}

/// The machinery behind `JSONValueDecoder`.
private enum JSONValueDecoding {
    /// A coding key for a position in an array (named like JSONDecoder's: "Index 3").
    struct IndexKey: CodingKey {
        let intValue: Int?
        let stringValue: String
        init(index: Int) {
            intValue = index
            stringValue = "Index \(index)"
        }
        init?(intValue: Int) { self.init(index: intValue) }
        init?(stringValue: String) { nil }
    }

    /// A plain string key (for `super`).
    struct NameKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// One step of the coding path. Paths are only materialised when something asks for them
    /// (errors, mostly), so decoding builds no key arrays.
    final class Node {
        let parent: Node?
        let key: (any CodingKey)?

        init(parent: Node?, key: (any CodingKey)?) {
            self.parent = parent
            self.key = key
        }

        var codingPath: [any CodingKey] {
            var keys: [any CodingKey] = []
            var node: Node? = self
            while let current = node {
                if let key = current.key { keys.append(key) }
                node = current.parent
            }
            return keys.reversed()
        }
    }

    static func path(_ parent: Node?, _ key: (any CodingKey)?) -> [any CodingKey] {
        var path = parent?.codingPath ?? []
        if let key { path.append(key) }
        return path
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) -> DecodingError {
        if value == .null {
            return .valueNotFound(type, .init(codingPath: path(parent, key), debugDescription: "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(
            type, .init(codingPath: path(parent, key), debugDescription: "Expected to decode \(type) but found \(describe(value)) instead."))
    }

    static func corrupted(_ message: String, _ parent: Node?, _ key: (any CodingKey)?) -> DecodingError {
        .dataCorrupted(.init(codingPath: path(parent, key), debugDescription: message))
    }

    // MARK: Scalars

    static func bool(_ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, value, parent, key) }
        return b
    }

    static func string(_ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, value, parent, key) }
        return s
    }

    static func double(_ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) throws -> Double {
        guard case .number(let n) = value else { throw mismatch(Double.self, value, parent, key) }
        return n
    }

    static func float(_ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) throws -> Float {
        guard case .number(let n) = value else { throw mismatch(Float.self, value, parent, key) }
        let f = Float(n)
        guard f.isFinite else { throw corrupted("Number \(value.jsonText) does not fit in Float.", parent, key) }
        return f
    }

    static func integer<I: FixedWidthInteger>(_ value: JSONValue, _ type: I.Type, _ parent: Node?, _ key: (any CodingKey)?) throws -> I {
        guard case .number(let n) = value else { throw mismatch(type, value, parent, key) }
        guard let i = I(exactly: n) else { throw corrupted("Number \(value.jsonText) does not fit in \(type).", parent, key) }
        return i
    }

    static func date(_ value: JSONValue, _ parent: Node?, _ key: (any CodingKey)?) throws -> Date {
        let text = try string(value, parent, key)
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        throw corrupted("Expected an ISO 8601 date-time", parent, key)
    }

    // MARK: Any value

    /// Decodes `type` from `value`, which sits at `key` under `parent`. Types JSONDecoder treats
    /// specially (dates, URLs, data, decimals) get the same treatment; common scalars and
    /// `JSONValue` itself skip building a decoder.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, parent: Node?, key: (any CodingKey)?) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self { return try string(value, parent, key) as! T }
        if T.self == Int.self { return try integer(value, Int.self, parent, key) as! T }
        if T.self == Double.self { return try double(value, parent, key) as! T }
        if T.self == Bool.self { return try bool(value, parent, key) as! T }
        if T.self == Date.self { return try date(value, parent, key) as! T }
        if T.self == URL.self {
            guard let url = URL(string: try string(value, parent, key)) else { throw corrupted("Invalid URL string.", parent, key) }
            return url as! T
        }
        if T.self == Data.self {
            guard let data = Data(base64Encoded: try string(value, parent, key)) else {
                throw corrupted("Encountered Data is not valid Base64.", parent, key)
            }
            return data as! T
        }
        if T.self == Decimal.self {
            let n = try double(value, parent, key)
            return (Decimal(string: value.jsonText, locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(n)) as! T
        }
        let node = (parent == nil && key == nil) ? nil : Node(parent: parent, key: key)
        return try T(from: ValueDecoder(value: value, node: node))
    }

    // MARK: Decoder

    struct ValueDecoder: Decoder {
        let value: JSONValue
        /// Where `value` sits (nil: the root).
        let node: Node?

        var codingPath: [any CodingKey] { node?.codingPath ?? [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let object) = value else { throw mismatch([String: Any].self, value, node, nil) }
            return KeyedDecodingContainer(Keyed<Key>(object: object, node: node))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let array) = value else { throw mismatch([Any].self, value, node, nil) }
            return Unkeyed(array: array, node: node)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            Single(value: value, node: node)
        }
    }

    // MARK: Single value

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let node: Node?

        var codingPath: [any CodingKey] { node?.codingPath ?? [] }

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try bool(value, node, nil) }
        func decode(_ type: String.Type) throws -> String { try string(value, node, nil) }
        func decode(_ type: Double.Type) throws -> Double { try double(value, node, nil) }
        func decode(_ type: Float.Type) throws -> Float { try float(value, node, nil) }
        func decode(_ type: Int.Type) throws -> Int { try integer(value, type, node, nil) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(value, type, node, nil) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(value, type, node, nil) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(value, type, node, nil) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(value, type, node, nil) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(value, type, node, nil) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(value, type, node, nil) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(value, type, node, nil) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(value, type, node, nil) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(value, type, node, nil) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            // The value keeps this container's path: hand the same node on.
            if node == nil { return try JSONValueDecoding.decode(type, from: value, parent: nil, key: nil) }
            return try JSONValueDecoding.decode(type, from: value, parent: node?.parent, key: node?.key)
        }
    }

    // MARK: Keyed

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let node: Node?

        var codingPath: [any CodingKey] { node?.codingPath ?? [] }
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        func value(_ key: Key) throws -> JSONValue {
            guard let value = object[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key,
                    .init(
                        codingPath: codingPath,
                        debugDescription: "No value associated with key \(key.stringValue)."))
            }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try bool(value(key), node, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try string(value(key), node, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try double(value(key), node, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try float(value(key), node, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(value(key), type, node, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(value(key), type, node, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(value(key), type, node, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(value(key), type, node, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(value(key), type, node, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(value(key), type, node, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(value(key), type, node, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(value(key), type, node, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(value(key), type, node, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(value(key), type, node, key) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoding.decode(type, from: value(key), parent: node, key: key)
        }

        /// Absent or null: nil (one lookup instead of the default's three).
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = object[key.stringValue], value != .null else { return nil }
            return try JSONValueDecoding.decode(type, from: value, parent: node, key: key)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: value(key), node: Node(parent: node, key: key)).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try ValueDecoder(value: value(key), node: Node(parent: node, key: key)).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            let key = NameKey(stringValue: "super")
            return ValueDecoder(value: object[key.stringValue] ?? .null, node: Node(parent: node, key: key))
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            ValueDecoder(value: object[key.stringValue] ?? .null, node: Node(parent: node, key: key))
        }
    }

    // MARK: Unkeyed

    struct Unkeyed: UnkeyedDecodingContainer {
        let array: [JSONValue]
        let node: Node?
        private(set) var currentIndex = 0

        init(array: [JSONValue], node: Node?) {
            self.array = array
            self.node = node
        }

        var codingPath: [any CodingKey] { node?.codingPath ?? [] }
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        /// The next element (not consumed), or valueNotFound at the end.
        func peek(_ type: Any.Type) throws -> JSONValue {
            guard currentIndex < array.count else {
                throw DecodingError.valueNotFound(
                    type,
                    .init(
                        codingPath: codingPath + [IndexKey(index: currentIndex)],
                        debugDescription: "Unkeyed container is at end."))
            }
            return array[currentIndex]
        }

        /// Decodes the next element with `body` (given the element, its key and this
        /// container's node), moving on only when it succeeds.
        mutating func next<T>(_ type: T.Type, _ body: (JSONValue, IndexKey, Node?) throws -> T) throws -> T {
            let value = try peek(type)
            let result = try body(value, IndexKey(index: currentIndex), node)
            currentIndex += 1
            return result
        }

        mutating func decodeNil() throws -> Bool {
            guard try peek(Any?.self) == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try bool($0, $2, $1) } }
        mutating func decode(_ type: String.Type) throws -> String { try next(type) { try string($0, $2, $1) } }
        mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try double($0, $2, $1) } }
        mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { try float($0, $2, $1) } }
        mutating func decode(_ type: Int.Type) throws -> Int { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) { try integer($0, type, $2, $1) } }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try next(type) { try JSONValueDecoding.decode(type, from: $0, parent: $2, key: $1) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next(KeyedDecodingContainer<NestedKey>.self) { try ValueDecoder(value: $0, node: Node(parent: $2, key: $1)).container(keyedBy: type) }
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next((any UnkeyedDecodingContainer).self) { try ValueDecoder(value: $0, node: Node(parent: $2, key: $1)).unkeyedContainer() }
        }

        mutating func superDecoder() throws -> any Decoder {
            try next((any Decoder).self) { ValueDecoder(value: $0, node: Node(parent: $2, key: $1)) }
        }
    }
}
