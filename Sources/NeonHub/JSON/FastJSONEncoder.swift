import Foundation

/// Encodes `Encodable` values to JSON (dates as ISO 8601 with milliseconds, UUIDs and URLs as
/// strings), several times cheaper than Foundation's `JSONEncoder` for the small objects
/// procedures return, which matters on the hot path of every call. Values are streamed
/// straight to bytes (`JSONStreamEncoder`); the rare shapes a stream cannot follow go through
/// a `JSONValue` tree instead (keys sorted).
enum FastJSONEncoder {
    /// The JSON bytes of `value`, after `prefix` (which saves the caller a copy).
    static func encode<T: Encodable>(_ value: T, after prefix: [UInt8] = []) throws -> [UInt8] {
        do {
            return try JSONStreamEncoder.encode(value, after: prefix)
        } catch is JSONStreamEncoder.Unsupported {
            var out = prefix
            JSONValue.write(try toJSONValue(value), into: &out)
            return out
        }
    }

    /// The value as a `JSONValue` tree.
    static func toJSONValue<T: Encodable>(_ value: T) throws -> JSONValue {
        if let special = special(value) { return special }
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.root.value
    }

    /// Types with a fixed JSON form, for both encoders (checked by metatype: no dynamic casts
    /// on the hot path).
    static func special<T: Encodable>(_ value: T) -> JSONValue? {
        if T.self == JSONValue.self { return (value as! JSONValue) }
        if T.self == Date.self { return .string((value as! Date).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))) }
        if T.self == UUID.self { return .string((value as! UUID).uuidString) }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        return nil
    }
}

/// A node of the tree being built (reference type, so nested containers fill it in place).
final class JSONNode {
    enum Storage {
        case value(JSONValue)
        case object([String: JSONNode])
        case array([JSONNode])
    }
    var storage: Storage = .value(.null)

    var value: JSONValue {
        switch storage {
        case .value(let v): return v
        case .object(let members): return .object(members.mapValues(\.value))
        case .array(let items): return .array(items.map(\.value))
        }
    }
}

private final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let root: JSONNode

    init(codingPath: [any CodingKey], node: JSONNode = JSONNode()) {
        self.codingPath = codingPath
        self.root = node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = root.storage {} else { root.storage = .object([:]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: root, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = root.storage {} else { root.storage = .array([]) }
        return UnkeyedContainer(node: root, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: root, codingPath: codingPath) }
}

private func encodeChild<T: Encodable>(_ value: T, into node: JSONNode, path: [any CodingKey]) throws {
    if let special = FastJSONEncoder.special(value) {
        node.storage = .value(special)
        return
    }
    try value.encode(to: TreeEncoder(codingPath: path, node: node))
}

private func number<T: BinaryInteger>(_ v: T) -> JSONValue { .number(Double(v)) }

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ value: JSONValue) {
        let child = JSONNode()
        child.storage = .value(value)
        set(key, child)
    }

    private func set(_ key: Key, _ child: JSONNode) { set(key.stringValue, child) }

    private func set(_ key: String, _ child: JSONNode) {
        guard case .object(var members) = node.storage else { return }
        node.storage = .value(.null)  // keep `members` uniquely referenced while mutating
        members[key] = child
        node.storage = .object(members)
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .number(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .number(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, number(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = JSONNode()
        try encodeChild(value, into: child, path: codingPath + [key])
        set(key, child)
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }  // absent optionals are omitted, like JSONEncoder
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode()
        child.storage = .object([:])
        set(key, child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONNode()
        child.storage = .array([])
        set(key, child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    /// The encoder for `super` under the key "super" (which the `Key` type need not have).
    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        set("super", child)
        return TreeEncoder(codingPath: codingPath + [JSONIndexKey(stringValue: "super")!], node: child)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONNode()
        set(key, child)
        return TreeEncoder(codingPath: codingPath + [key], node: child)
    }
}

/// The coding key of an array element (its index), for coding paths.
struct JSONIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) { stringValue = String(index); intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = Int(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = node.storage { return items.count }
        return 0
    }

    private func append(_ child: JSONNode) {
        guard case .array(var items) = node.storage else { return }
        node.storage = .value(.null)
        items.append(child)
        node.storage = .array(items)
    }

    private func append(_ value: JSONValue) {
        let child = JSONNode()
        child.storage = .value(value)
        append(child)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.number(value)) }
    mutating func encode(_ value: Float) throws { append(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { append(number(value)) }
    mutating func encode(_ value: Int8) throws { append(number(value)) }
    mutating func encode(_ value: Int16) throws { append(number(value)) }
    mutating func encode(_ value: Int32) throws { append(number(value)) }
    mutating func encode(_ value: Int64) throws { append(number(value)) }
    mutating func encode(_ value: UInt) throws { append(number(value)) }
    mutating func encode(_ value: UInt8) throws { append(number(value)) }
    mutating func encode(_ value: UInt16) throws { append(number(value)) }
    mutating func encode(_ value: UInt32) throws { append(number(value)) }
    mutating func encode(_ value: UInt64) throws { append(number(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = JSONNode()
        try encodeChild(value, into: child, path: codingPath + [JSONIndexKey(count)])
        append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode()
        child.storage = .object([:])
        append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [JSONIndexKey(count - 1)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONNode()
        child.storage = .array([])
        append(child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [JSONIndexKey(count - 1)])
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        append(child)
        return TreeEncoder(codingPath: codingPath + [JSONIndexKey(count - 1)], node: child)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.storage = .value(.null) }
    mutating func encode(_ value: Bool) throws { node.storage = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { node.storage = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { node.storage = .value(.number(value)) }
    mutating func encode(_ value: Float) throws { node.storage = .value(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: Int8) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: Int16) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: Int32) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: Int64) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: UInt) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: UInt8) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: UInt16) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: UInt32) throws { node.storage = .value(number(value)) }
    mutating func encode(_ value: UInt64) throws { node.storage = .value(number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeChild(value, into: node, path: codingPath) }
}
