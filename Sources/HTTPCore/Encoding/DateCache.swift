import Glibc

/// The `Date` header line (IMF-fixdate, RFC 9110 §5.6.7), rendered at most once a second.
/// Not thread-safe: each event loop owns one.
final class DateCache {
    private var second: time_t = -1
    /// `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` for the current second.
    private(set) var headerLine: [UInt8] = []

    /// Refreshes the line if the wall-clock second changed.
    func refresh() {
        let now = time(nil)
        guard now != second else { return }
        second = now
        headerLine = Array("Date: \(Self.imfFixdate(now))\r\n".utf8)
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats a Unix time as IMF-fixdate (locale-independent).
    static func imfFixdate(_ t: time_t) -> String {
        var tmValue = tm()
        var value = t
        gmtime_r(&value, &tmValue)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(tmValue.tm_wday)]), \(two(tmValue.tm_mday)) \(months[Int(tmValue.tm_mon)]) \(tmValue.tm_year + 1900) "
            + "\(two(tmValue.tm_hour)):\(two(tmValue.tm_min)):\(two(tmValue.tm_sec)) GMT"
    }
}
