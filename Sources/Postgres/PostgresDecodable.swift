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
    /// From `uuid`.
    public static func decode(postgresText text: String, type: PostgresDataType) -> UUID? { UUID(uuidString: text) }
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
