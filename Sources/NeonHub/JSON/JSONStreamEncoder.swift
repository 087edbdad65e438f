import Foundation

/// Writes an `Encodable` value straight to JSON bytes, members in the order the value encodes
/// them (declaration order for synthesized conformances), with no intermediate tree.
///
/// `Encodable` has no "container finished" call, so containers are closed lazily: writing to a
/// container closes every container opened after it, and a value's containers are closed when
/// its `encode(to:)` returns. Shapes a stream cannot follow — writing to a container after it
/// was closed, asking one encoder for two containers, `superEncoder` — throw `Unsupported`, and
/// `FastJSONEncoder` then uses its tree encoder instead. A key encoded twice is written twice;
/// JSON parsers (`JSON.parse`, `JSONDecoder`) keep the last, as `JSONEncoder` would.
enum JSONStreamEncoder {
    /// A shape the stream cannot follow (see the type's documentation).
    struct Unsupported: Error {}

    /// The JSON bytes of `value`, after `prefix`.
    static func encode<T: Encodable>(_ value: T, after prefix: [UInt8] = []) throws -> [UInt8] {
        let state = StreamState(prefix: prefix)
        try state.encodeValue(value, path: [])
        return state.out
    }
}

/// The shared output and the stack of open containers.
private final class StreamState {
    /// One open container.
    struct Frame {
        var id: Int
        /// Whether it has a member yet (the next one needs a comma).
        var hasMember: Bool
        /// `}` or `]`.
        var closer: UInt8
    }

    var out: [UInt8]
    /// Open containers, innermost last.
    var open: [Frame] = []
    var nextID = 0
    /// Whether the current value wrote anything (set by every write of a value start).
    var wrote = false

    /// Starts the output with `prefix` (e.g. an envelope's opening), so the caller need not copy.
    init(prefix: [UInt8] = []) {
        out = prefix
        out.reserveCapacity(prefix.count + 128)
        open.reserveCapacity(4)
    }

    /// Encodes one value at the current position, closing the containers it opened.
    func encodeValue<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
        let depth = open.count
        wrote = false
        if try writeSpecial(value) {
            wrote = true
            return
        }
        let encoder = StreamEncoder(state: self, codingPath: path)
        try value.encode(to: encoder)
        if !wrote {  // encoded nothing: JSONEncoder writes an empty object
            out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            wrote = true
        }
        close(downTo: depth)
    }

    /// Strings, and the types with a fixed JSON form (`FastJSONEncoder.special`).
    func writeSpecial<T: Encodable>(_ value: T) throws -> Bool {
        if T.self == String.self {
            JSONBytes.writeString(value as! String, into: &out)
        } else if let fixed = FastJSONEncoder.special(value) {
            JSONValue.write(fixed, into: &out)
        } else {
            return false
        }
        return true
    }

    /// Opens a container at the current position and returns its id.
    func openContainer(_ opener: UInt8, closer: UInt8) -> Int {
        out.append(opener)
        wrote = true
        nextID += 1
        open.append(Frame(id: nextID, hasMember: false, closer: closer))
        return nextID
    }

    /// Closes every container above `depth`.
    func close(downTo depth: Int) {
        while open.count > depth {
            out.append(open.removeLast().closer)
        }
    }

    /// Makes `id` the innermost open container and starts its next member (comma, key).
    func beginMember(of id: Int, key: String?) throws {
        if open.last?.id != id {
            guard let index = open.lastIndex(where: { $0.id == id }) else { throw JSONStreamEncoder.Unsupported() }
            close(downTo: index + 1)
        }
        let top = open.count - 1
        if open[top].hasMember { out.append(UInt8(ascii: ",")) } else { open[top].hasMember = true }
        if let key {
            JSONBytes.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
        }
    }

    func writeLiteral(_ text: String) {
        out.append(contentsOf: text.utf8)
        wrote = true
    }

    func writeInteger<I: BinaryInteger>(_ value: I) { writeLiteral(String(value)) }

    func writeDouble(_ value: Double) {
        JSONBytes.writeNumber(value, into: &out)
        wrote = true
    }

    func writeString(_ value: String) {
        JSONBytes.writeString(value, into: &out)
        wrote = true
    }
}

/// The encoder handed to one value's `encode(to:)`: it may give out one container.
private final class StreamEncoder: Encoder {
    let state: StreamState
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    /// The container given out (keyed or unkeyed), so that asking again returns the same one.
    private var given: (id: Int, keyed: Bool)?
    private var usedSingleValue = false

    init(state: StreamState, codingPath: [any CodingKey]) {
        self.state = state
        self.codingPath = codingPath
    }

    private func containerID(keyed: Bool) -> Int? {
        if let given { return given.keyed == keyed ? given.id : nil }
        if usedSingleValue || state.wrote { return nil }
        let id = state.openContainer(keyed ? UInt8(ascii: "{") : UInt8(ascii: "["), closer: keyed ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        given = (id, keyed)
        return id
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(StreamKeyedContainer<Key>(state: state, id: containerID(keyed: true), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        StreamUnkeyedContainer(state: state, id: containerID(keyed: false), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        let valid = given == nil && !usedSingleValue && !state.wrote
        usedSingleValue = true
        return StreamSingleContainer(state: state, valid: valid, codingPath: codingPath)
    }
}

private struct StreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: StreamState
    /// nil: this container could not be given out as a stream (every write throws).
    let id: Int?
    let codingPath: [any CodingKey]

    private func begin(_ key: Key) throws {
        guard let id else { throw JSONStreamEncoder.Unsupported() }
        try state.beginMember(of: id, key: key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { try begin(key); state.writeLiteral("null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try begin(key); state.writeLiteral(value ? "true" : "false") }
    mutating func encode(_ value: String, forKey key: Key) throws { try begin(key); state.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try begin(key); state.writeDouble(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try begin(key); state.writeDouble(Double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try begin(key); state.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        try state.encodeValue(value, path: codingPath + [key])
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }  // absent optionals are omitted, like JSONEncoder
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested: Int? = (try? begin(key)) == nil ? nil : state.openContainer(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))
        return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(state: state, id: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested: Int? = (try? begin(key)) == nil ? nil : state.openContainer(UInt8(ascii: "["), closer: UInt8(ascii: "]"))
        return StreamUnkeyedContainer(state: state, id: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { UnsupportedEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { UnsupportedEncoder(codingPath: codingPath + [key]) }
}

private struct StreamUnkeyedContainer: UnkeyedEncodingContainer {
    let state: StreamState
    let id: Int?
    let codingPath: [any CodingKey]
    private(set) var count = 0

    init(state: StreamState, id: Int?, codingPath: [any CodingKey]) {
        self.state = state
        self.id = id
        self.codingPath = codingPath
    }

    private mutating func begin() throws {
        guard let id else { throw JSONStreamEncoder.Unsupported() }
        try state.beginMember(of: id, key: nil)
        count += 1
    }

    mutating func encodeNil() throws { try begin(); state.writeLiteral("null") }
    mutating func encode(_ value: Bool) throws { try begin(); state.writeLiteral(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { try begin(); state.writeString(value) }
    mutating func encode(_ value: Double) throws { try begin(); state.writeDouble(value) }
    mutating func encode(_ value: Float) throws { try begin(); state.writeDouble(Double(value)) }
    mutating func encode(_ value: Int) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try begin(); state.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try state.encodeValue(value, path: codingPath + [JSONIndexKey(count - 1)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested: Int? = (try? begin()) == nil ? nil : state.openContainer(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))
        return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(state: state, id: nested, codingPath: codingPath + [JSONIndexKey(count - 1)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested: Int? = (try? begin()) == nil ? nil : state.openContainer(UInt8(ascii: "["), closer: UInt8(ascii: "]"))
        return StreamUnkeyedContainer(state: state, id: nested, codingPath: codingPath + [JSONIndexKey(count - 1)])
    }

    mutating func superEncoder() -> any Encoder { UnsupportedEncoder(codingPath: codingPath) }
}

private struct StreamSingleContainer: SingleValueEncodingContainer {
    let state: StreamState
    /// false: the encoder had already written (every write throws).
    var valid: Bool
    let codingPath: [any CodingKey]

    private mutating func begin() throws {
        guard valid, !state.wrote else { throw JSONStreamEncoder.Unsupported() }
        valid = false  // one value only
    }

    mutating func encodeNil() throws { try begin(); state.writeLiteral("null") }
    mutating func encode(_ value: Bool) throws { try begin(); state.writeLiteral(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { try begin(); state.writeString(value) }
    mutating func encode(_ value: Double) throws { try begin(); state.writeDouble(value) }
    mutating func encode(_ value: Float) throws { try begin(); state.writeDouble(Double(value)) }
    mutating func encode(_ value: Int) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try begin(); state.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try state.encodeValue(value, path: codingPath)
    }
}

/// Handed out for `superEncoder`: every container it gives throws on first write.
private struct UnsupportedEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(StreamKeyedContainer<Key>(state: StreamState(), id: nil, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { StreamUnkeyedContainer(state: StreamState(), id: nil, codingPath: codingPath) }
    func singleValueContainer() -> any SingleValueEncodingContainer {
        StreamSingleContainer(state: StreamState(), valid: false, codingPath: codingPath)
    }
}
