import Foundation

/// The shapes of secrets that `SecretRedactor` removes without being told their values.
enum SecretPatterns {
    /// Parameter names whose values are secret: any name containing one of these fragments
    /// (compared without case), or exactly one of `exactNames`.
    static let nameFragments = [
        "token", "secret", "password", "passwd", "apikey", "api_key", "api-key",
        "signature", "credential", "authorization", "private_key", "session",
    ]
    /// Short names that are secret only on their own (`key=` of Google APIs, OAuth `code=`).
    static let exactNames = ["key", "sig", "code", "auth", "client_assertion", "assertion"]

    /// Whether a header, query or JSON field name holds a secret.
    static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return exactNames.contains(lowered) || nameFragments.contains { lowered.contains($0) }
    }

    /// Names holding a secret by one of their fragments (any context).
    private static let fragmentNames =
        #"[A-Za-z0-9_.\-]*(?:token|secret|password|passwd|api_?key|api-key|signature|credential|authorization|private_key|session)[A-Za-z0-9_.\-]*"#
    /// `name=value` in query strings and forms; here the short names count too.
    private static let parameter = regex(
        #"(?i)(^|[?&;\s"',])("# + fragmentNames + #"|key|sig|code|auth|client_assertion|assertion)=([^&\s"'#,;]+)"#)
    /// `"name": "value"` in JSON, by fragment only: a JSON `code` is an error code (Stripe's
    /// `resource_missing`), which callers need.
    private static let jsonField = regex(#"(?i)("("# + fragmentNames + #")"\s*:\s*)"([^"\\]|\\.)*""#)
    /// An auth scheme and its credentials.
    private static let scheme = regex(#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}"#)
    /// OpenAI-shaped keys (also partially echoed as `sk-abc***xyz` in its own error messages)
    /// and Stripe secret and restricted keys (`sk_live_…`, `rk_test_…`).
    private static let apiKey = regex(#"\b(?:sk-[A-Za-z0-9_*\-]{8,}|[sr]k_(?:live|test)_[A-Za-z0-9]{8,})"#)

    /// `text` with every known secret shape replaced by `marker`.
    static func redact(_ text: String, marker: String) -> String {
        var result = text
        result = replace(parameter, in: result, with: "$1$2=" + marker)
        result = replace(jsonField, in: result, with: "$1\"" + marker + "\"")
        result = replace(scheme, in: result, with: "$1 " + marker)
        result = replace(apiKey, in: result, with: marker)
        return result
    }

    private static func replace(_ expression: NSRegularExpression, in text: String, with template: String) -> String {
        let range = NSRange(text.startIndex..., in: text)
        return expression.stringByReplacingMatches(in: text, range: range, withTemplate: template)
    }

    private static func regex(_ pattern: String) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            preconditionFailure("invalid secret pattern \(pattern): \(error)")
        }
    }
}
