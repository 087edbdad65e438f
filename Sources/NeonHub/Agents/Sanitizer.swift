import Foundation

/// Redacts secrets from JSON at any depth: values under sensitive keys (password, secret,
/// token, apiKey, authorization, cookie, client_secret, refresh_token, …) and string values
/// shaped like bearer tokens, `sk-…` API keys or JWTs. Used before storing and before answering.
public enum Sanitizer {
    /// The replacement text.
    public static let redacted = "[REDACTED]"

    /// Key fragments that mark a value as secret (compared without case, `_` or `-`).
    static let sensitiveKeyParts = [
        "password", "passwd", "secret", "token", "apikey", "authorization", "cookie",
        "privatekey", "credential", "accesskey", "signature", "sessionid",
    ]

    private static let sensitiveKeyBytes: [[UInt8]] = sensitiveKeyParts.map { Array($0.utf8) }

    /// Cursors that providers call tokens (Google's `nextPageToken`, Microsoft's `$skiptoken`,
    /// Calendar's `nextSyncToken`, Azure's `continuationToken`): opaque positions in a list, not
    /// credentials, and without them the caller cannot read the next page.
    static let cursorKeyParts = ["pagetoken", "synctoken", "skiptoken", "continuationtoken"]

    private static let cursorKeyBytes: [[UInt8]] = cursorKeyParts.map { Array($0.utf8) }

    /// Whether a key names a secret.
    public static func isSensitiveKey(_ key: String) -> Bool {
        // ASCII-lowercased bytes without `_`, `-` and spaces (keys are short; no Foundation).
        var normalized: [UInt8] = []
        normalized.reserveCapacity(key.utf8.count)
        for c in key.utf8 where c != 95 && c != 45 && c != 32 { normalized.append(c >= 65 && c <= 90 ? c | 0x20 : c) }
        guard sensitiveKeyBytes.contains(where: { contains(normalized, $0) }) else { return false }
        return !cursorKeyBytes.contains { contains(normalized, $0) }
    }

    /// Byte substring search (needles are short).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Fragments (lowercase) without which no pattern below can match: most text skips the regexes.
    private static let triggers: [[UInt8]] = [
        "bearer", "basic", "sk-", "eyj", "xox", "ghp_", "gho_", "akia", "password", "passwd", "secret", "api", "token",
    ].map { Array($0.utf8) }

    static func mayHoldSecret(_ text: String) -> Bool {
        var lowered: [UInt8] = []
        lowered.reserveCapacity(text.utf8.count)
        for c in text.utf8 { lowered.append(c >= 65 && c <= 90 ? c | 0x20 : c) }
        return triggers.contains { contains(lowered, $0) }
    }

    /// Redacts a JSON value (and replaces NUL characters in its strings and keys, see `withoutNUL`).
    public static func sanitize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(object.count)
            for (key, inner) in object {
                let key = withoutNUL(key)
                if isSensitiveKey(key), !isHarmless(inner) {
                    out[key] = .string(redacted)
                } else {
                    out[key] = sanitize(inner)
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(sanitize))
        case .string(let text):
            return .string(sanitize(text))
        default:
            return value
        }
    }

    /// `text` with each NUL character replaced by U+FFFD: a stored record is `jsonb`, which
    /// cannot hold `\u0000` (PostgreSQL refuses it, 22P05), and a record must not make a call
    /// that is otherwise fine fail. The call itself still gets what the caller sent.
    static func withoutNUL(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }

    /// Numbers, booleans and nulls under a sensitive key carry no secret (e.g. `tokenCount`).
    private static func isHarmless(_ value: JSONValue) -> Bool {
        switch value {
        case .number, .bool, .null: return true
        default: return false
        }
    }

    /// Secret shapes in free text. Articles and answers are free text too, so each shape needs
    /// something prose lacks: a credential after `Bearer`/`Basic` holds a digit, one of
    /// `+/=_~`, or a capital after its first letter ("basic strategies", "bearer bonds" stay);
    /// `name: value` needs a digit in the value ("Our secret: consistency" stays) unless the
    /// name is a password (passphrases are words), while
    /// `name=value` (configuration, query strings) needs nothing more — except the cursors
    /// of `cursorKeyParts` (`$skiptoken=…` in a next-page link).
    private static let patterns: [NSRegularExpression] = [
        #"\b(?:[Bb]earer|BEARER)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=_~]|[A-Za-z0-9._~+/=-]+[A-Z])[A-Za-z0-9._~+/=-]{8,}"#,
        #"\b(?:[Bb]asic|BASIC)\s+(?=[A-Za-z0-9+/=]*[0-9+/=]|[A-Za-z0-9+/=]+[A-Z])[A-Za-z0-9+/=]{8,}"#,
        #"\bsk-(?:live-|test-|proj-)?[A-Za-z0-9_-]{8,}"#,
        #"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"#,
        #"(?i)\b(?:xox[abpr]-|ghp_|gho_|AKIA)[A-Za-z0-9-]{10,}"#,
        #"(?i)(password|passwd|secret|api[_-]?key|(?<!skip|page|sync|nuation|page_|sync_)token)\s*=\s*[^\s,;&"']{4,}"#,
        #"(?i)(secret|api[_-]?key|(?<!skip|page|sync|nuation|page_|sync_)token)\s*:\s*(?=[^\s,;&"']*[0-9])[^\s,;&"']{4,}"#,
        #"(?i)(password|passwd)\s*:\s*[^\s,;&"']{4,}"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// Redacts secret-shaped substrings of free text (error messages, tool output).
    public static func sanitize(_ text: String) -> String {
        let text = withoutNUL(text)
        guard text.utf8.count >= 8, mayHoldSecret(text) else { return text }
        var result = text
        for pattern in patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = pattern.stringByReplacingMatches(in: result, range: range, withTemplate: redacted)
        }
        return result
    }
}
