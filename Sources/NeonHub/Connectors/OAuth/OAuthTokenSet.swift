import Foundation

/// What a token endpoint answered (RFC 6749 §5.1): the access token, the refresh token when
/// one was issued, lifetimes, the granted scopes, and non-secret extras some providers add
/// (Salesforce `instance_url`, TikTok `open_id`). Held in memory only, on its way to the vault.
struct OAuthTokenSet: Sendable {
    var accessToken: String
    var refreshToken: String?
    /// Seconds the access token lives, from the answer's time.
    var expiresIn: Int?
    var scopes: [String]?
    /// Non-secret string fields of the answer other than the tokens.
    var extras: [String: String]

    /// Fields never kept among `extras`: they are credentials.
    static let secretFields: Set<String> = ["access_token", "refresh_token", "id_token", "authed_user"]
    /// Objects of the answer whose text members are kept as `<object>_<member>`: Slack's
    /// `team: {id, name}` and `enterprise` name the workspace its events are routed by.
    static let namedObjects: Set<String> = ["team", "enterprise"]

    /// Reads a token answer; nil when it holds no `access_token`.
    static func parse(_ body: JSONValue) -> OAuthTokenSet? {
        guard case .object(let members) = body, let access = JSONPath.text(members["access_token"]), !access.isEmpty else { return nil }
        var extras: [String: String] = [:]
        for (name, value) in members where !secretFields.contains(name) {
            if let text = JSONPath.text(value), text.utf8.count <= 512 { extras[name] = text }
        }
        for name in namedObjects {
            guard case .object(let inner)? = members[name] else { continue }
            for (member, value) in inner where extras["\(name)_\(member)"] == nil {
                if let text = JSONPath.text(value), text.utf8.count <= 512 { extras["\(name)_\(member)"] = text }
            }
        }
        var expires = members["expires_in"].flatMap { JSONPath.text($0) }.flatMap { Double($0) }.flatMap(Self.lifetime)
        if expires == nil, let at = JSONPath.text(members["expires_at"]).flatMap(Self.instant) {
            // Greenhouse answers the expiry as a time, not a lifetime.
            expires = Int(at.timeIntervalSinceNow.rounded(.down))
        }
        let scope = JSONPath.text(members["scope"])
        return OAuthTokenSet(
            accessToken: access, refreshToken: JSONPath.text(members["refresh_token"]).flatMap { $0.isEmpty ? nil : $0 },
            expiresIn: expires.flatMap { $0 > 0 ? $0 : nil },
            scopes: scope.map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }, extras: extras)
    }

    /// A lifetime in whole seconds, or nil for one that is not a number of seconds we can hold
    /// (NaN, infinite, negative, or beyond 30 years: `Int(1e19)` would stop the process).
    static func lifetime(_ seconds: Double) -> Int? {
        seconds.isFinite && seconds > 0 && seconds < 1e9 ? Int(seconds) : nil
    }

    /// An ISO 8601 time, with or without fractional seconds.
    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// When the access token expires, counted from `now`.
    func expiresAt(from now: Date) -> Date? { expiresIn.map { now.addingTimeInterval(TimeInterval($0)) } }
}
