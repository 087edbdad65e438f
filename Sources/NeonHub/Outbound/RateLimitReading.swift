public import Foundation
public import HTTPFields

/// What a provider's response headers say about the caller's remaining budget: the queue keeps
/// it per connection and defers a job that would exceed it instead of sending it to be refused.
///
/// Read, in this order:
/// - Meta's usage headers (`X-Business-Use-Case-Usage`, `X-App-Usage`, `X-Page-Usage`,
///   https://developers.facebook.com/docs/graph-api/overview/rate-limiting/): percentages of
///   the budget used over a rolling window. The highest of `call_count`, `total_cputime` and
///   `total_time` counts; `remaining` is the percentage left, and at `spentPercentage` or
///   more (or when Meta gives an `estimated_time_to_regain_access`, in minutes) the budget is
///   spent: until that estimate, or for `recheckAfter` when Meta gives none.
/// - Counted limits: `X-RateLimit-Remaining` / `X-Rate-Limit-Remaining` / `RateLimit-Remaining`
///   with a reset from `X-RateLimit-Reset-After` or `RateLimit-Reset` (seconds from now) or
///   `X-RateLimit-Reset` / `X-Rate-Limit-Reset` (epoch seconds when the value is a plausible
///   epoch, as GitHub, X and Discord send it; seconds from now otherwise, as Reddit does).
/// - Salesforce's `Sforce-Limit-Info: api-usage=<used>/<allocation>`
///   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm):
///   the org's calls left in its rolling 24 hours; spent at none left, tried again after
///   `recheckAfter`.
public struct RateLimitReading: Sendable, Equatable {
    /// Calls (or, for percentage headers, percentage points) left in the window.
    public var remaining: Int
    /// When the window resets; nil when the provider did not say.
    public var resetsAt: Date?
    /// Whether no call should be sent before `resetsAt`.
    public var isSpent: Bool
    /// The header that taught it, lower-cased (`x-app-usage`, `x-ratelimit-remaining`…).
    public var source: String

    /// Usage from which a percentage budget counts as spent: Meta throttles at 100 %, and a
    /// few calls of headroom keep interactive calls of the same app working.
    public static let spentPercentage = 95.0
    /// How long a spent percentage budget without a regain estimate waits before it is tried.
    public static let recheckAfter: TimeInterval = 300

    public init(remaining: Int, resetsAt: Date?, isSpent: Bool, source: String) {
        self.remaining = remaining
        self.resetsAt = resetsAt
        self.isSpent = isSpent
        self.source = source
    }

    /// The reading of `headers`, or nil when they say nothing about a budget.
    public init?(headers: HTTPHeaders, now: Date = Date()) {
        if let usage = Self.metaUsage(headers, now: now) ?? Self.salesforceUsage(headers["sforce-limit-info"], now: now) {
            self = usage
            return
        }
        for name in ["x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining"] {
            guard let value = Self.number(headers[name], in: -1e15...1e15) else { continue }
            let remaining = max(0, Int(value.rounded(.down)))
            let resetsAt = Self.reset(headers, now: now)
            self.init(remaining: remaining, resetsAt: resetsAt, isSpent: remaining == 0 && resetsAt != nil, source: name)
            return
        }
        return nil
    }

    /// Salesforce's org allocation from `api-usage=<used>/<allocation>` (other members of the
    /// header, such as `per-app-api-usage`, are not read).
    static func salesforceUsage(_ text: String?, now: Date) -> RateLimitReading? {
        guard let text else { return nil }
        for part in text.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0] == "api-usage" else { continue }
            let numbers = pair[1].split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 2, numbers[1] > 0, numbers[0] >= 0 else { return nil }
            let remaining = max(0, numbers[1] - numbers[0])
            return RateLimitReading(
                remaining: remaining, resetsAt: remaining == 0 ? now.addingTimeInterval(recheckAfter) : nil, isSpent: remaining == 0,
                source: "sforce-limit-info")
        }
        return nil
    }

    /// The longest wait a header is believed for: a week (a provider's daily quota is the
    /// longest window in the catalog).
    static let longestWindow: TimeInterval = 7 * 86_400

    /// A header's number when it is one and within `range` (Swift reads `nan`, `inf` and
    /// `1e300` as numbers, and turning those into an `Int` stops the process).
    static func number(_ text: String?, in range: ClosedRange<Double>) -> Double? {
        guard let text, let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else { return nil }
        return value
    }

    /// The reset time of counted-limit headers.
    static func reset(_ headers: HTTPHeaders, now: Date) -> Date? {
        for name in ["x-ratelimit-reset-after", "ratelimit-reset"] {
            if let seconds = Self.number(headers[name], in: 0...longestWindow) { return now.addingTimeInterval(seconds) }
        }
        for name in ["x-ratelimit-reset", "x-rate-limit-reset"] {
            guard let value = Self.number(headers[name], in: 0...1e11) else { continue }
            // An epoch (after 2001) or a count of seconds: no window lasts thirty years.
            let resetsAt = value > 1_000_000_000 ? Date(timeIntervalSince1970: value) : now.addingTimeInterval(value)
            return min(resetsAt, now.addingTimeInterval(longestWindow))
        }
        return nil
    }

    /// Meta's percentage headers: the most used of every budget they report.
    static func metaUsage(_ headers: HTTPHeaders, now: Date) -> RateLimitReading? {
        var usages: [(usage: JSONValue, source: String)] = []
        if let text = headers["x-business-use-case-usage"], case .object(let objects)? = try? JSONValue.parse(Array(text.utf8)) {
            for case .array(let entries) in objects.values { usages += entries.map { ($0, "x-business-use-case-usage") } }
        }
        for name in ["x-app-usage", "x-page-usage"] {
            if let text = headers[name], let usage = try? JSONValue.parse(Array(text.utf8)) { usages.append((usage, name)) }
        }
        // Percentages within 0–100 and waits within a week: `Int(1e300)` would stop the process.
        func number(_ value: JSONValue?, _ range: ClosedRange<Double>) -> Double? {
            if case .number(let number)? = value, number.isFinite { min(max(number, range.lowerBound), range.upperBound) } else { nil }
        }
        let readings = usages.map { entry in
            (
                percent: ["call_count", "total_cputime", "total_time"].compactMap { number(entry.usage[$0], 0...100) }.max() ?? 0,
                regainMinutes: number(entry.usage["estimated_time_to_regain_access"], 0...(longestWindow / 60)) ?? 0, source: entry.source
            )
        }
        guard let worst = readings.max(by: { ($0.regainMinutes, $0.percent) < ($1.regainMinutes, $1.percent) }) else { return nil }
        let percent = readings.map(\.percent).max() ?? 0
        let spent = percent >= spentPercentage || worst.regainMinutes > 0
        let resetsAt: Date? =
            worst.regainMinutes > 0
            ? now.addingTimeInterval(worst.regainMinutes * 60)
            : spent ? now.addingTimeInterval(recheckAfter) : nil
        return RateLimitReading(remaining: max(0, Int((100 - percent).rounded(.down))), resetsAt: resetsAt, isSpent: spent, source: worst.source)
    }
}
