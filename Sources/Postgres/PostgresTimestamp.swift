import CivilCalendar
public import Foundation

/// Formats and parses `timestamptz` text (ISO `DateStyle`), with microsecond precision.
public enum PostgresTimestamp {
    /// `2026-11-22T10:00:00.123456Z` (always UTC): what `timestamptz` input reads back to the
    /// same microsecond, also inside a JSON document (`jsonb_to_recordset`).
    public static func format(_ date: Date) -> String {
        var micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        if !micros.isFinite { micros = 0 }
        let totalMicros = Int64(micros)
        var seconds = totalMicros / 1_000_000
        var fraction = totalMicros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let civil = CivilDate.date(daysSinceEpoch: Int(days))
        let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
        var text = year < 0 ? "-" : ""
        text += pad(abs(year), 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        text += "." + pad(fraction, 6) + "Z"
        return text
    }

    /// Parses `2026-11-22 10:00:00.123456+00` (also `+05:30`, `+05:30:15`, a `T`
    /// separator, no fraction, or no offset meaning UTC) and `infinity`/`-infinity`.
    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var scanner = Scanner(text.utf8)
        guard let year = scanner.number(minDigits: 4), scanner.take("-"),
            let month = scanner.number(exactDigits: 2), scanner.take("-"),
            let day = scanner.number(exactDigits: 2),
            scanner.take(" ") || scanner.take("T"),
            let hour = scanner.number(exactDigits: 2), scanner.take(":"),
            let minute = scanner.number(exactDigits: 2), scanner.take(":"),
            let second = scanner.number(exactDigits: 2),
            (1...12).contains(month), (1...31).contains(day), hour < 25, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if scanner.take(".") {
            var digits = 0
            while let digit = scanner.digit() {
                if digits < 6 { micros = micros * 10 + Int64(digit) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if digits < 6 {
                for _ in digits..<6 { micros *= 10 }
            }
        }
        var offsetSeconds: Int64 = 0
        if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") || sign == UInt8(ascii: "Z") {
            scanner.advance()
            if sign != UInt8(ascii: "Z") {
                guard let offsetHours = scanner.number(exactDigits: 2) else { return nil }
                var offset = offsetHours * 3600
                if scanner.take(":") {
                    guard let offsetMinutes = scanner.number(exactDigits: 2) else { return nil }
                    offset += offsetMinutes * 60
                    if scanner.take(":") {
                        guard let offsetSecs = scanner.number(exactDigits: 2) else { return nil }
                        offset += offsetSecs
                    }
                }
                offsetSeconds = sign == UInt8(ascii: "-") ? -offset : offset
            }
        }
        var isBC = false
        if scanner.take(" ") {
            guard scanner.take("B"), scanner.take("C") else { return nil }
            isBC = true
        }
        guard scanner.isAtEnd else { return nil }
        let astronomicalYear = isBC ? 1 - year : year
        let days = Int64(CivilDate.daysSinceEpoch(year: Int(astronomicalYear), month: Int(month), day: Int(day)))
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// A tiny cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ utf8: String.UTF8View) { bytes = Array(utf8) }

        var isAtEnd: Bool { index == bytes.count }
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        mutating func advance() { index += 1 }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard peek() == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard let byte = peek(), byte >= 48, byte <= 57 else { return nil }
            index += 1
            return Int(byte - 48)
        }

        mutating func number(exactDigits: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<exactDigits {
                guard let digit = digit() else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }

        mutating func number(minDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while let digit = digit(), count < 9 {
                value = value * 10 + Int64(digit)
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}
