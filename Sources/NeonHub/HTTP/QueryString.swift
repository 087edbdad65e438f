import Foundation

/// Reads a request's query string the way browsers, `URLSearchParams` (tRPC's own server),
/// HTML forms and Python's `urlencode` write it: `application/x-www-form-urlencoded`, where
/// `+` is a space and `%XX` a byte. Every query parameter the server reads goes through here.
enum QueryString {
    /// The parameters of `a=1&b=%7B%7D+x` (the first value of a repeated name wins; a name
    /// without `=` has the empty value; `nil` is no query at all).
    static func parameters(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = formDecoded(parts[0])
            if out[key] == nil { out[key] = parts.count > 1 ? formDecoded(parts[1]) : "" }
        }
        return out
    }

    /// One form-encoded component: `+` becomes a space, then `%XX` sequences are decoded.
    /// A malformed escape or invalid UTF-8 leaves the component as it came (after `+`).
    static func formDecoded(_ component: Substring) -> String {
        let utf8 = component.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(component) }
        let spaced = String(component).replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
