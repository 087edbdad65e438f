import Foundation

/// When a connection's token is next refreshed, from its connector's `auth.refresh`: at the
/// first `before` mark still ahead of expiry (Meta P7D then P1D, Google PT50M), or on a fixed
/// period (`every`, TikTok PT18H), whichever comes first; after a failed refresh, again after
/// a back-off that doubles up to an hour but never past the token's expiry.
struct RefreshSchedule: Sendable {
    let refresh: ConnectorDefinition.Refresh?

    /// Whether tokens of this connector are refreshed at all.
    var refreshes: Bool {
        guard let strategy = refresh?.strategy else { return false }
        return strategy != "none"
    }

    /// The next refresh of a token expiring at `expiresAt`, last refreshed at `refreshedAt`.
    func next(expiresAt: Date?, refreshedAt: Date, now: Date = Date()) -> Date? {
        guard refreshes else { return nil }
        var candidates: [Date] = []
        if let expiresAt {
            let marks = (refresh?.before ?? []).compactMap(Self.seconds).sorted(by: >)
            if let mark = marks.first(where: { expiresAt.addingTimeInterval(-$0) > now }) {
                candidates.append(expiresAt.addingTimeInterval(-mark))
            } else {
                // Every mark has passed (a short-lived token): refresh shortly before expiry.
                candidates.append(max(now, expiresAt.addingTimeInterval(-min(300, max(0, expiresAt.timeIntervalSince(now)) / 2))))
            }
        }
        if let every = refresh?.every.flatMap(Self.seconds) { candidates.append(refreshedAt.addingTimeInterval(every)) }
        return candidates.min()
    }

    /// The retry after `failures` failed refreshes in a row: 1, 2, 4 … 60 minutes, capped at the expiry.
    func retry(failures: Int, expiresAt: Date?, now: Date = Date()) -> Date {
        let delay = min(3600, 60 * pow(2, Double(max(0, min(failures - 1, 6)))))
        var at = now.addingTimeInterval(delay)
        if let expiresAt, expiresAt > now, at > expiresAt { at = expiresAt.addingTimeInterval(-30) }
        return max(at, now.addingTimeInterval(30))
    }

    /// Seconds in an ISO 8601 duration of days, hours, minutes and seconds (`P7D`, `PT50M`, `P1DT2H`).
    static func seconds(_ text: String) -> TimeInterval? {
        var rest = Substring(text)
        guard rest.hasPrefix("P") else { return nil }
        rest = rest.dropFirst()
        var total: TimeInterval = 0
        var inTime = false
        var number = ""
        var sawUnit = false
        for character in rest {
            if character == "T" { guard !inTime, number.isEmpty else { return nil }; inTime = true; continue }
            if character.isNumber || character == "." { number.append(character); continue }
            guard let value = Double(number) else { return nil }
            number = ""
            sawUnit = true
            switch (character, inTime) {
            case ("W", false): total += value * 604_800
            case ("D", false): total += value * 86_400
            case ("H", true): total += value * 3_600
            case ("M", true): total += value * 60
            case ("S", true): total += value
            default: return nil
            }
        }
        return sawUnit && number.isEmpty ? total : nil
    }
}
