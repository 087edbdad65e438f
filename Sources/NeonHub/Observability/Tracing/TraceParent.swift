/// A W3C Trace Context `traceparent` value: `00-<trace-id>-<parent-id>-<flags>`
/// (https://www.w3.org/TR/trace-context/#traceparent-header).
///
/// Held as integers: parsing reads the 55 bytes in place and rendering writes them into one
/// string, so a request pays no more than that.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    /// The trace id's high and low 64 bits (never both zero).
    let traceHigh: UInt64
    let traceLow: UInt64
    /// The span id of the caller (for a received value) or of this hop (for a sent one); never zero.
    let span: UInt64
    /// The trace flags (bit 0: sampled).
    let flagBits: UInt8

    /// 32 lower-case hex digits, not all zero.
    public var traceID: String {
        Self.render(count: 32) {
            Self.writeHex(traceHigh, to: $0, at: 0); Self.writeHex(traceLow, to: $0, at: 16)
        }
    }
    /// 16 lower-case hex digits, not all zero.
    public var parentID: String { Self.hex(span) }
    /// 2 hex digits (`01`: sampled).
    public var flags: String { Self.render(count: 2) { Self.writeHex(UInt64(flagBits), digits: 2, to: $0, at: 0) } }

    /// Parses a header value; `nil` unless it is valid. Version `00` must be exactly 55
    /// characters; a later version (`01`–`fe`) is read by its first 55 characters, as the
    /// spec asks, keeping only the sampled flag; `ff`, upper-case hex and all-zero ids are
    /// invalid.
    public init?(_ value: String) {
        var value = value
        let parsed: TraceParent? = value.withUTF8 { Self.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, flagBits: UInt8) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.span = span
        self.flagBits = flagBits
    }

    /// A new trace with random ids, not sampled.
    public static func generate() -> TraceParent {
        TraceParent(traceHigh: TraceIDGenerator.next(), traceLow: TraceIDGenerator.next(), span: TraceIDGenerator.next(), flagBits: 0)
    }

    /// The same trace and flags with a new span id: what a hop sends to the next one.
    public func child() -> TraceParent {
        TraceParent(traceHigh: traceHigh, traceLow: traceLow, span: TraceIDGenerator.next(), flagBits: flagBits)
    }

    /// Whether `other` belongs to the same trace.
    public func sameTrace(as other: TraceParent) -> Bool {
        traceHigh == other.traceHigh && traceLow == other.traceLow
    }

    /// The header value (always version `00`).
    public var description: String {
        Self.render(count: 55) { out in
            out[0] = 0x30
            out[1] = 0x30
            out[2] = 0x2D
            Self.writeHex(traceHigh, to: out, at: 3)
            Self.writeHex(traceLow, to: out, at: 19)
            out[35] = 0x2D
            Self.writeHex(span, to: out, at: 36)
            out[52] = 0x2D
            Self.writeHex(UInt64(flagBits), digits: 2, to: out, at: 53)
        }
    }

    /// A span id as 16 lower-case hex digits.
    static func hex(_ id: UInt64) -> String { render(count: 16) { writeHex(id, to: $0, at: 0) } }

    // MARK: - Bytes

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? {
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
            let version = hexValue(bytes, from: 0, count: 2), version != 0xFF
        else { return nil }
        // Version 00 is exactly 55 characters; a later one may carry more after a dash.
        if version == 0 ? bytes.count != 55 : (bytes.count > 55 && bytes[55] != 0x2D) { return nil }
        guard let high = hexValue(bytes, from: 3, count: 16), let low = hexValue(bytes, from: 19, count: 16),
            let span = hexValue(bytes, from: 36, count: 16), let flags = hexValue(bytes, from: 53, count: 2),
            high | low != 0, span != 0
        else { return nil }
        return TraceParent(traceHigh: high, traceLow: low, span: span, flagBits: UInt8(version == 0 ? flags : flags & 1))
    }

    /// The value of `count` lower-case hex digits, or nil.
    private static func hexValue(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in start..<(start + count) {
            let c = bytes[i]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c &- 0x30
            case 0x61...0x66: digit = c &- 0x61 &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    private static func render(count: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Void) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            fill(buffer)
            return count
        }
    }

    private static func writeHex(_ value: UInt64, digits: Int = 16, to out: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var v = value
        var i = start + digits - 1
        while i >= start {
            let nibble = UInt8(truncatingIfNeeded: v & 0xF)
            out[i] = nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble
            v >>= 4
            i -= 1
        }
    }
}
