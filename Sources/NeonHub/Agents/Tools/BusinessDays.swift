/// Business-day arithmetic on calendar dates: Saturdays, Sundays and the given holidays are
/// not business days.
struct BusinessDays: Sendable {
    /// Dates that are not business days even on a weekday.
    var holidays: Set<ISO8601.Day>

    /// Whether `day` is a business day.
    func isBusinessDay(_ day: ISO8601.Day) -> Bool {
        ISO8601.weekday(day) <= 5 && !holidays.contains(day)
    }

    /// The date `count` business days after `start` (before it when negative). Zero returns
    /// `start` itself; otherwise the answer is always a business day.
    func add(_ count: Int, to start: ISO8601.Day) -> ISO8601.Day {
        var days = ISO8601.daysFromEpoch(start)
        var remaining = abs(count)
        let step = count < 0 ? -1 : 1
        while remaining > 0 {
            days += step
            if isBusinessDay(ISO8601.day(fromEpochDays: days)) { remaining -= 1 }
        }
        return ISO8601.day(fromEpochDays: days)
    }

    /// The number of business days `d` with `start < d ≤ end` (negative, counted the same way
    /// backwards, when `end` is before `start`): `add(between(a, b), to: a) == b` whenever `b`
    /// is a business day.
    func between(_ start: ISO8601.Day, _ end: ISO8601.Day) -> Int {
        let a = ISO8601.daysFromEpoch(start), b = ISO8601.daysFromEpoch(end)
        if a == b { return 0 }
        let (low, high, sign) = a < b ? (a, b, 1) : (b, a, -1)
        // Whole weeks contribute five weekdays each; walk only the remainder.
        let span = high - low
        var count = span / 7 * 5
        var d = low + span / 7 * 7
        while d < high {
            d += 1
            if ISO8601.weekday(ISO8601.day(fromEpochDays: d)) <= 5 { count += 1 }
        }
        let lowDay = ISO8601.day(fromEpochDays: low), highDay = ISO8601.day(fromEpochDays: high)
        count -= holidays.filter { $0 > lowDay && $0 <= highDay && ISO8601.weekday($0) <= 5 }.count
        return sign * count
    }
}
