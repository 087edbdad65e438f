import Foundation

/// Where the browser may be sent back after a callback: a page of the UI (`APP_URL`), checked as
/// text rather than through a URL parser. Lenient parsers repair what browsers read differently
/// (`https://evil.example\@app.example/` has the host `app.example` once the `\` is escaped,
/// while a browser reads `\` as `/` and goes to `evil.example`), and the string the check
/// approved is the one that ends up in a `Location` header, so nothing in it may be repaired.
enum OAuthRedirectTarget {
    /// `scheme://host[:port]` of the UI, lowercased; nil when `appURL` has no scheme or host.
    static func origin(of appURL: String) -> String? {
        guard let parts = URLComponents(string: appURL), let scheme = parts.scheme?.lowercased(), let host = parts.host?.lowercased(),
            !host.isEmpty
        else { return nil }
        return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")
    }

    /// Whether `target` is a page of the UI at `appURL`: visible ASCII only (no spaces, control
    /// characters or `\`), and the UI's origin followed by nothing, `/`, `?` or `#` — so neither a
    /// user part (`https://app.example@evil.example`) nor another host or port gets through.
    static func isInside(_ target: String, appURL: String) -> Bool {
        guard let origin = origin(of: appURL) else { return false }
        let bytes = Array(target.utf8)
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }), bytes.count >= origin.utf8.count else { return false }
        guard String(decoding: bytes[..<origin.utf8.count], as: UTF8.self).lowercased() == origin else { return false }
        guard bytes.count > origin.utf8.count else { return true }
        return [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[origin.utf8.count])
    }

    /// `base` with `query` added to its query (before any `#fragment`, so the page can read it).
    static func appending(_ query: String, to base: String) -> String {
        let cut = base.firstIndex(of: "#") ?? base.endIndex
        let head = base[..<cut]
        return head + (head.contains("?") ? "&" : "?") + query + base[cut...]
    }
}
