import CivilCalendar
import Foundation
import Postgres

/// One page of a keyset-paginated list, newest first, with the cursor of the next page.
public struct Page<Item: Sendable>: Sendable {
    /// The rows of this page.
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Opaque keyset cursors, shared by every store that lists rows by `(created_at, id)`
/// descending: base64url of 24 bytes, the row's `created_at` in microseconds since 1970
/// (big-endian) then its id. Every string of that shape names a position — one outside
/// the years 1–9999 is clamped, before or after every row — so the published pattern is
/// the whole rule, and a cursor that matches it is never refused.
enum PageCursor {
    /// The shape every cursor has (and the input schemas publish).
    static let pattern = "^[A-Za-z0-9_-]{32}$"

    /// The earliest and latest instants a cursor names (0001-01-01, 9999-12-31 23:59:59.999999).
    static let microsRange: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

    static func encode(micros: Int64, id: UUID) -> String {
        var bytes = withUnsafeBytes(of: micros.bigEndian) { Array($0) }
        bytes += withUnsafeBytes(of: id.uuid) { Array($0) }
        return Base64URL.encode(bytes)
    }

    /// The position a cursor names: `key` as `timestamptz` text (UTC) and the id; a string of
    /// another shape is a `DatabaseError.invalidCursor`.
    static func decode(_ cursor: String) throws -> (key: String, id: UUID) {
        guard cursor.utf8.count == 32, let bytes = Base64URL.decode(cursor), bytes.count == 24 else {
            throw DatabaseError(.invalidCursor, "Invalid cursor")
        }
        let micros = bytes[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let id = UUID(
            uuid: (
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
                bytes[16], bytes[17], bytes[18], bytes[19], bytes[20], bytes[21], bytes[22], bytes[23]
            ))
        return (timestampText(min(max(micros, microsRange.lowerBound), microsRange.upperBound)), id)
    }

    /// The cursor after the last row of a page, when the query fetched `limit + 1` rows with
    /// `created_at::text AS created_text` and `id` columns; nil when there is no next page.
    static func next(after rows: [PostgresRow], limit: Int) throws -> String? {
        guard rows.count > limit else { return nil }
        let last = rows[limit - 1]
        let text = try last.decode("created_text", as: String.self)
        guard let micros = micros(fromTimestampText: text) else {
            throw DatabaseError(.invalidCursor, "Unexpected timestamp text \(text.prefix(40))")
        }
        return encode(micros: micros, id: try last.decode("id", as: UUID.self))
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since 1970 (years 1–9999).
    static func timestampText(_ micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let civil = CivilDate.date(daysSinceEpoch: Int(days))
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(Int64(civil.year), 4) + "-" + pad(Int64(civil.month), 2) + "-" + pad(Int64(civil.day), 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(fraction, 6) + "Z"
    }

    /// Microseconds since 1970 of PostgreSQL's ISO `timestamptz` text
    /// (`2026-12-02 08:05:17.123456+00`, offsets `+05`, `+05:30`), or nil.
    static func micros(fromTimestampText text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[start..<start + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard b.count >= 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < b.count, (48...57).contains(b[index]) {
                if digits < 6 { fraction = fraction * 10 + Int64(b[index] - 48) }
                digits += 1
                index += 1
            }
            for _ in digits..<max(digits, 6) { fraction *= 10 }
        }
        var offset: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-") {
            let sign: Int64 = b[index] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number(index + 1, 2) else { return nil }
            offset = hours * 3600
            index += 3
            if index < b.count, b[index] == UInt8(ascii: ":") {
                guard let minutes = number(index + 1, 2) else { return nil }
                offset += minutes * 60
                index += 3
            }
            offset *= sign
        }
        guard index == b.count else { return nil }
        let days = Int64(CivilDate.daysSinceEpoch(year: Int(year), month: Int(month), day: Int(day)))
        return ((days * 86_400 + hour * 3600 + minute * 60 + second) - offset) * 1_000_000 + fraction
    }
}
