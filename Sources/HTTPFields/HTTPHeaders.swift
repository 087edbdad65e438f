/// An ordered list of HTTP header fields with case-insensitive name lookup: the one header
/// type of the server (`HTTPCore`) and of outbound calls (`Outbound`), in a module of its own
/// so that code calling out over HTTP does not depend on the server.
///
/// Field order and duplicates are kept as received; names compare ASCII case-insensitively.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in the order they were added.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates an empty header list.
    public init() { fields = [] }

    /// Creates a header list from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Number of fields.
    public var count: Int { fields.count }

    /// Appends a field (keeps any existing field of the same name).
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field of this name with a single one.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name: name, value: value))
    }

    /// Removes every field of this name.
    public mutating func remove(name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// The first value of the named field, if any.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the named field, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether a field of this name exists.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Whether the comma-separated values of the named field contain `token` (case-insensitive).
    public func containsToken(_ token: String, in name: String) -> Bool {
        for value in values(for: name) {
            for part in value.split(separator: ",") {
                let trimmed = part.trimmingASCIIWhitespace()
                if Self.equalsIgnoringCase(trimmed, token) { return true }
            }
        }
        return false
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive comparison without allocating.
    public static func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        let ua = a.utf8, ub = b.utf8
        guard ua.count == ub.count else { return false }
        var ib = ub.makeIterator()
        for ca in ua {
            guard let cb = ib.next() else { return false }
            if ca == cb { continue }
            if lowerASCII(ca) != lowerASCII(cb) { return false }
        }
        return true
    }

    @inline(__always)
    package static func lowerASCII(_ c: UInt8) -> UInt8 {
        (c >= 65 && c <= 90) ? c | 0x20 : c
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and horizontal tabs.
    package func trimmingASCIIWhitespace() -> Substring {
        let s = Substring(self)
        var start = s.startIndex, end = s.endIndex
        while start < end, s[start] == " " || s[start] == "\t" { start = s.index(after: start) }
        while end > start {
            let before = s.index(before: end)
            if s[before] == " " || s[before] == "\t" { end = before } else { break }
        }
        return s[start..<end]
    }
}
