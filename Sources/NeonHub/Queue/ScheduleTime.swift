import Foundation

/// Turns `publish.schedule`'s `runAt` and `timeZone` into an instant.
///
/// - With an offset or `Z` (`2026-03-29T09:00:00+02:00`), `runAt` is that instant; the zone
///   is only recorded.
/// - Without one (`2026-03-29T09:00`), it is a wall-clock time in `timeZone` (an IANA name,
///   default UTC). Across a DST change: a time that does not exist (skipped when clocks go
///   forward) moves forward by the gap, as calendars do (02:30 → 03:30 in Paris on the last
///   Sunday of March); a time that happens twice (clocks go back) is its first occurrence.
enum ScheduleTime {
    static func resolve(runAt: String, timeZone: String?) throws -> Date {
        let zoneName = timeZone ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw QueueError(.invalidSchedule, "Unknown time zone '\(zoneName)' (use an IANA name such as Europe/Paris)")
        }
        let text = runAt.trimmingCharacters(in: .whitespaces)
        guard let parts = parse(text) else {
            throw QueueError(.invalidSchedule, "runAt must be an ISO 8601 date-time such as 2026-03-29T09:00:00 or 2026-03-29T09:00:00Z")
        }
        if let offset = parts.offsetSeconds { return Date(timeIntervalSince1970: parts.localSeconds - Double(offset)) }
        let local = parts.localSeconds
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local - 86_400))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local + 86_400))
        let candidates = Set([before, after]).map { offset in Date(timeIntervalSince1970: local - Double(offset)) }
            .filter { Double(zone.secondsFromGMT(for: $0)) == local - $0.timeIntervalSince1970 }
        if let first = candidates.min() { return first }
        // In the gap: read with the offset in force before the change, which lands after it.
        return Date(timeIntervalSince1970: local - Double(before))
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` → seconds of the wall-clock time read as UTC, and the offset if given.
    static func parse(_ text: String) -> (localSeconds: Double, offsetSeconds: Int?)? {
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count, range.allSatisfy({ scalars[$0] >= 0x30 && scalars[$0] <= 0x39 }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(scalars[$1] - 0x30) }
        }
        guard scalars.count >= 16, scalars[4] == UInt8(ascii: "-"), scalars[7] == UInt8(ascii: "-"),
            scalars[10] == UInt8(ascii: "T") || scalars[10] == UInt8(ascii: " "), scalars[13] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0.0
        if index < scalars.count, scalars[index] == UInt8(ascii: ":") {
            guard let whole = number(17..<19), whole < 60 else { return nil }
            second = Double(whole)
            index = 19
            if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
                index += 1
                var fraction = 0.0, scale = 0.1
                while index < scalars.count, scalars[index] >= 0x30, scalars[index] <= 0x39 {
                    fraction += Double(scalars[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                }
                second += fraction
            }
        }
        var offset: Int?
        if index < scalars.count {
            if scalars[index] == UInt8(ascii: "Z"), index == scalars.count - 1 {
                offset = 0
            } else if scalars[index] == UInt8(ascii: "+") || scalars[index] == UInt8(ascii: "-"), scalars.count == index + 6,
                scalars[index + 3] == UInt8(ascii: ":"), let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
            {
                offset = (scalars[index] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
            } else {
                return nil
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)),
            calendar.component(.day, from: date) == day
        else { return nil }
        return (date.timeIntervalSince1970 + second, offset)
    }
}
