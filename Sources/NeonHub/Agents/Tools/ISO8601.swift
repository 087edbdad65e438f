import CivilCalendar
import Foundation

/// ISO 8601 parsing and formatting for the date-time tool, done by hand so that the offset
/// written in the input is kept and the output is identical on every platform.
enum ISO8601 {
    /// A parsed timestamp: the instant and the UTC offset it was written with.
    struct Timestamp: Sendable, Equatable {
        /// The instant.
        var date: Date
        /// The offset from UTC in seconds, as written.
        var offsetSeconds: Int
    }

    /// A calendar date without a time.
    struct Day: Sendable, Hashable, Comparable {
        var year: Int, month: Int, day: Int

        static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

        /// `YYYY-MM-DD`.
        var text: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM|±HHMM|±HH)`; the offset is required.
    static func parseTimestamp(_ text: String) -> Timestamp? {
        let chars = Array(text.trimmingCharacters(in: .whitespaces))
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= chars.count else { return nil }
            var n = 0
            for c in chars[i..<i + width] {
                guard let d = c.wholeNumberValue, c.isASCII else { return nil }
                n = n * 10 + d
            }
            i += width
            return n
        }
        func take(_ c: Character) -> Bool {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2),
            take("T") || take("t") || take(" "),
            let hour = number(2), take(":"), let minute = number(2)
        else { return nil }
        var second = 0, fraction = 0.0
        if take(":") {
            guard let s = number(2) else { return nil }
            second = s
            if take(".") || take(",") {
                var scale = 0.1, digits = 0
                while i < chars.count, chars[i].isASCII, let d = chars[i].wholeNumberValue {
                    fraction += Double(d) * scale; scale /= 10; i += 1; digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offset = 0
        if take("Z") || take("z") {
            offset = 0
        } else if i < chars.count, chars[i] == "+" || chars[i] == "-" {
            let sign = chars[i] == "-" ? -1 : 1
            i += 1
            guard let oh = number(2) else { return nil }
            var om = 0
            if take(":") { guard let m = number(2) else { return nil }; om = m } else if let m = number(2) { om = m }
            guard oh <= 18, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == chars.count, (1...12).contains(month), (1...daysIn(month, year)).contains(day),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let days = daysFromEpoch(Day(year: year, month: month, day: day))
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset) + fraction
        return Timestamp(date: Date(timeIntervalSince1970: seconds), offsetSeconds: offset)
    }

    /// Parses `YYYY-MM-DD`.
    static func parseDay(_ text: String) -> Day? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...daysIn(m, y)).contains(d)
        else { return nil }
        return Day(year: y, month: m, day: d)
    }

    /// Formats `date` as it reads at `offsetSeconds` from UTC: `2026-03-08T03:00:00-04:00`
    /// (`Z` for UTC; milliseconds only when not zero).
    static func format(_ date: Date, offsetSeconds: Int) -> String {
        let shifted = date.timeIntervalSince1970 + Double(offsetSeconds)
        let whole = shifted.rounded(.down)
        let millis = Int(((shifted - whole) * 1000).rounded())
        let total = Int(whole)
        let days = Int((Double(total) / 86_400).rounded(.down))
        let secondsOfDay = total - days * 86_400
        let d = day(fromEpochDays: days)
        var text = d.text + "T" + pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
        if millis > 0 && millis < 1000 { text += "." + pad(millis, 3) }
        if offsetSeconds == 0 { return text + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        return text + sign + pad(magnitude / 3600, 2) + ":" + pad(magnitude / 60 % 60, 2)
    }

    /// Days since 1970-01-01 (negative before), proleptic Gregorian.
    static func daysFromEpoch(_ d: Day) -> Int { CivilDate.daysSinceEpoch(year: d.year, month: d.month, day: d.day) }

    /// The date `days` after 1970-01-01.
    static func day(fromEpochDays days: Int) -> Day {
        let civil = CivilDate.date(daysSinceEpoch: days)
        return Day(year: civil.year, month: civil.month, day: civil.day)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    static func weekday(_ d: Day) -> Int {
        let days = daysFromEpoch(d)  // 1970-01-01 was a Thursday (4)
        return ((days % 7) + 7 + 3) % 7 + 1
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
