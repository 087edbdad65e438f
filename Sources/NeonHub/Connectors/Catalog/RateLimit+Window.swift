public import Foundation

extension ConnectorDefinition.RateLimit {
    /// The documented window (`per`) in seconds, if the catalog gives one.
    public var windowSeconds: TimeInterval? { per.flatMap(RefreshSchedule.seconds) }

    /// When a budget spent at `now` opens again by the catalog's documentation: the next
    /// wall-clock midnight for daily quotas, the window's length otherwise; nil when the
    /// catalog documents neither.
    public func nextReset(after now: Date) -> Date? {
        switch resets {
        case "midnightUTC": return Self.nextMidnight(after: now, in: TimeZone(identifier: "UTC"))
        case "midnightPacific": return Self.nextMidnight(after: now, in: TimeZone(identifier: "America/Los_Angeles"))
        default: return windowSeconds.map { now.addingTimeInterval($0) }
        }
    }

    static func nextMidnight(after now: Date, in zone: TimeZone?) -> Date? {
        guard let zone else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
    }
}
