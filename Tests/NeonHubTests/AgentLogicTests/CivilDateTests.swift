import CivilCalendar
import Foundation
import Testing

extension AgentLogicTests {
    /// Day arithmetic agrees with Foundation's Gregorian calendar, and round-trips.
    @Suite struct CivilDateTests {
        @Test func agreesWithFoundationAndRoundTrips() {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            // Leap days, century rules (1900 no, 2000 yes), the epoch, and before it.
            let dates = [(1970, 1, 1), (1969, 12, 31), (2000, 2, 29), (1900, 3, 1), (2024, 2, 29), (2026, 11, 22), (1600, 1, 1), (9999, 12, 31)]
            for (y, m, d) in dates {
                let days = CivilDate.daysSinceEpoch(year: y, month: m, day: d)
                let reference = calendar.date(from: DateComponents(year: y, month: m, day: d))!
                #expect(Double(days) * 86_400 == reference.timeIntervalSince1970, "\(y)-\(m)-\(d)")
                let back = CivilDate.date(daysSinceEpoch: days)
                #expect(back.year == y && back.month == m && back.day == d)
            }
            #expect(CivilDate.date(daysSinceEpoch: -719_528) == (0, 1, 1))  // year 0 (1 BC) exists in the proleptic calendar
        }
    }
}
