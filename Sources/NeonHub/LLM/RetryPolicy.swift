import Foundation

/// When and how long to wait before retrying an LLM call: exponential backoff with jitter,
/// or the server's `Retry-After` (capped) when it sent one.
struct RetryPolicy: Sendable {
    /// Retries after the first attempt.
    var maxRetries: Int
    /// The delay before the first retry; doubles with every further retry.
    var baseDelay: Duration
    /// Upper bound for any single delay, including a server-supplied `Retry-After`.
    var maxDelay: Duration = .seconds(30)

    /// Whether an HTTP status is worth retrying: 429 and 5xx.
    static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// The pause before retry number `retry` (0-based). `retryAfter` wins when present;
    /// otherwise `baseDelay · 2^retry`, plus up to 50 % random jitter, capped.
    func delay(beforeRetry retry: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), maxDelay)
        }
        let exponent = min(max(retry, 0), 20)
        let base = baseDelay * (1 << exponent)
        let jitter = base * Double.random(in: 0...0.5)
        return min(base + jitter, maxDelay)
    }

    /// Parses a `Retry-After` value: delta-seconds (integer or decimal) or an HTTP-date.
    static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64((min(seconds, 86_400) * 1000).rounded()))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64((min(seconds, 86_400) * 1000).rounded()))
    }
}
