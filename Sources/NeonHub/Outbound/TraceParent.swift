/// A W3C Trace Context `traceparent` value: `00-<trace-id>-<parent-id>-<flags>`.
public struct TraceParent: Sendable, Equatable, CustomStringConvertible {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String
    /// 16 lower-case hex digits, not all zero.
    public let parentID: String
    /// 2 hex digits (`01`: sampled).
    public let flags: String

    /// Parses a header value; `nil` unless it is a valid version-00 `traceparent`.
    public init?(_ value: String) {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00",
              Self.isHex(parts[1], count: 32), Self.isHex(parts[2], count: 16), Self.isHex(parts[3], count: 2),
              parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }) else { return nil }
        traceID = String(parts[1])
        parentID = String(parts[2])
        flags = String(parts[3])
    }

    private init(traceID: String, parentID: String, flags: String) {
        self.traceID = traceID
        self.parentID = parentID
        self.flags = flags
    }

    /// A new trace with random ids, not sampled.
    public static func generate() -> TraceParent {
        var generator = SystemRandomNumberGenerator()
        return TraceParent(traceID: hex(generator.next(), nonZero: true) + hex(generator.next(), nonZero: false),
                           parentID: hex(generator.next(), nonZero: true), flags: "00")
    }

    /// The header value.
    public var description: String { "00-\(traceID)-\(parentID)-\(flags)" }

    private static func isHex(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// 16 hex digits of `value`; with `nonZero`, a zero value becomes 1 (all-zero ids are invalid).
    private static func hex(_ value: UInt64, nonZero: Bool) -> String {
        let digits = String(nonZero && value == 0 ? 1 : value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
