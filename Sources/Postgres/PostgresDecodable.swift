public import Foundation

/// A Swift type that can be decoded from a column value in Postgres text format.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value; returns nil when `text` is not a valid value of `Self`.
    static func decode(postgresText text: String, type: PostgresDataType) -> Self?
    /// The value to use for SQL NULL: nil (an error) except for `Optional`.
    static var postgresNullValue: Self? { get }
}

extension PostgresDecodable {
    /// NULL is an error for non-optional types.
    public static var postgresNullValue: Self? { nil }
}

extension Int: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` (or any integral text).
    public static func decode(postgresText text: String, type: PostgresDataType) -> Int? { Int(text) }
}

extension Int64: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` (or any integral text).
    public static func decode(postgresText text: String, type: PostgresDataType) -> Int64? { Int64(text) }
}

extension Int32: PostgresDecodable {
    /// From `smallint`, `integer`, or a `bigint` in range.
    public static func decode(postgresText text: String, type: PostgresDataType) -> Int32? { Int32(text) }
}

extension Double: PostgresDecodable {
    /// From `double precision`, `real`, `numeric` or integers; `NaN` and `±Infinity` included.
    public static func decode(postgresText text: String, type: PostgresDataType) -> Double? {
        switch text {
        case "NaN": .nan
        case "Infinity": .infinity
        case "-Infinity": -.infinity
        default: Double(text)
        }
    }
}

extension Bool: PostgresDecodable {
    /// From `boolean` (`t`/`f`).
    public static func decode(postgresText text: String, type: PostgresDataType) -> Bool? {
        switch text {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }
}

extension String: PostgresDecodable {
    /// The text representation of any column.
    public static func decode(postgresText text: String, type: PostgresDataType) -> String? { text }
}

extension UUID: PostgresDecodable {
    /// From `uuid`: Postgres writes it as 32 lower-case hex digits in groups of 8-4-4-4-12.
    /// Read here digit by digit, because Foundation's `UUID(uuidString:)` goes through `sscanf`
    /// on Linux, and the queue reads several ids per job (docs/PERFORMANCE.md). Any other
    /// spelling falls back to Foundation.
    public static func decode(postgresText text: String, type: PostgresDataType) -> UUID? {
        var text = text
        return text.withUTF8 { bytes in Self.parseCanonical(bytes) } ?? UUID(uuidString: text)
    }

    /// The UUID of `bytes` when they are exactly the canonical 36-character form; nil otherwise.
    static func parseCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard bytes.count == 36, bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var ok = true
        withUnsafeMutableBytes(of: &value) { out in
            var position = 0
            for index in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                guard let high = hexDigit(bytes[position]), let low = hexDigit(bytes[position + 1]) else {
                    ok = false
                    return
                }
                out[index] = high << 4 | low
                position += 2
            }
        }
        return ok ? UUID(uuid: value) : nil
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}

extension Date: PostgresDecodable {
    /// From `timestamptz` (ISO output in the session's UTC time zone) or `timestamp` (read as UTC).
    public static func decode(postgresText text: String, type: PostgresDataType) -> Date? {
        PostgresTimestamp.parse(text)
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// From `bytea` in hex output format (`\x0a1b…`).
    public static func decode(postgresText text: String, type: PostgresDataType) -> [UInt8]? {
        guard type == .bytea || type == .unspecified else { return nil }
        return PostgresHex.decodeBytea(text)
    }
}

extension Data: PostgresDecodable {
    /// From `bytea` in hex output format (`\x0a1b…`).
    public static func decode(postgresText text: String, type: PostgresDataType) -> Data? {
        [UInt8].decode(postgresText: text, type: type).map { Data($0) }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// Decodes the wrapped type.
    public static func decode(postgresText text: String, type: PostgresDataType) -> Wrapped?? {
        Wrapped.decode(postgresText: text, type: type).map { .some($0) }
    }

    /// NULL decodes as `nil`.
    public static var postgresNullValue: Wrapped?? { .some(.none) }
}

/// Decodes `bytea` hex output.
enum PostgresHex {
    static func decodeBytea(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
            utf8.count % 2 == 0
        else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
