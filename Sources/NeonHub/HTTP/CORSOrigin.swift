import Foundation

/// An origin as a browser sends it in `Origin` (RFC 6454 §6.2): lowercase scheme and host, and
/// the port only when it is not the scheme's default. A configured origin is compared in that
/// form, so `https://App.example.com:443/` allows what the browser sends as
/// `https://app.example.com`.
enum CORSOrigin {
    /// `entry` serialized as an origin, or nil when it is not one: a scheme other than http(s),
    /// no host, or a path, query, fragment or user part.
    static func normalized(_ entry: String) -> String? {
        guard let parts = URLComponents(string: entry), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parts.encodedHost?.lowercased(), !host.isEmpty, parts.path.isEmpty || parts.path == "/",
            parts.query == nil, parts.fragment == nil, parts.user == nil, parts.password == nil
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        guard let port = parts.port, port != defaultPort else { return "\(scheme)://\(host)" }
        return "\(scheme)://\(host):\(port)"
    }
}
