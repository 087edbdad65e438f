import Foundation

/// Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
enum RetryAfter {
    /// The longest delay taken from a header (a day); anything longer is treated as a day.
    static let longest: Double = 86_400

    /// The delay `value` announces, measured from `now`; `nil` when absent or unreadable.
    /// Decimal seconds (`2.5`, sent by some providers) are accepted; a date in the past is zero.
    static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return milliseconds(seconds)
        }
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return milliseconds(max(0, date.timeIntervalSince(now)))
            }
        }
        return nil
    }

    /// IMF-fixdate, then the two obsolete forms recipients must still accept (RFC 850, asctime).
    private static let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]

    private static func milliseconds(_ seconds: Double) -> Duration {
        .milliseconds(Int64((min(seconds, longest) * 1000).rounded()))
    }
}
