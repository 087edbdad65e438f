/// A JSON object written member by member straight into bytes, in the order given: no
/// dictionary to build, hash and sort first. For rows built on hot paths, such as the outcome
/// of every job a queue worker finishes (`QueueStore.Finish`). A nil value leaves its member
/// out; strings are written as `jsonb` accepts them (U+0000 as U+FFFD).
struct JSONObjectBytes {
    private var out: [UInt8]

    /// An empty object, with room for about `capacity` bytes.
    init(capacity: Int = 256) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    /// Closes the object and returns its text (add nothing after this).
    mutating func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func key(_ name: String) {
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        JSONBytes.writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// Adds `name: value` as a JSON string, unless `value` is nil.
    mutating func add(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONBytes.writeString(value, into: &out, replacingNUL: true)
    }

    /// Adds `name: value` as a JSON number, unless `value` is nil.
    mutating func add(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        out.append(contentsOf: String(value).utf8)
    }

    /// Adds `name: value` as `true` or `false`.
    mutating func add(_ name: String, _ value: Bool) {
        key(name)
        out.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Adds `name: value` as its JSON (keys sorted), unless `value` is nil.
    mutating func add(_ name: String, _ value: JSONValue?) {
        guard let value else { return }
        key(name)
        JSONValue.write(value, into: &out, replacingNUL: true)
    }
}
