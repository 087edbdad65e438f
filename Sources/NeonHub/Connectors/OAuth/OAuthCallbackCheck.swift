import Foundation

/// What an authorization callback must show beyond its state, where the definition asks
/// (`auth.callbackSignature`, `auth.callbackVariables`). Shopify signs its redirect with `hmac`,
/// the HMAC-SHA256 (hex) of the other query parameters sorted by name and joined as
/// `name=value&…`, keyed with the app's client secret, and names the shop the merchant
/// approved in `shop` ("Verify the installation request" and "Security checks" of
/// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant).
enum OAuthCallbackCheck {
    /// Why a callback is refused.
    enum Refusal: String, Error, Sendable {
        /// The signature parameter is missing or does not match.
        case invalidSignature = "invalid_callback_signature"
        /// A callback variable is missing, malformed, or names another account than the one the authorization started for.
        case variableMismatch = "callback_variable_mismatch"
    }

    /// Whether `query` carries a valid `signature` made with `secret`.
    static func signatureIsValid(_ signature: ConnectorDefinition.CallbackSignature, query: [String: String], secret: String) -> Bool {
        guard signature.scheme == "hmac_sha256_hex_sorted_query", let given = query[signature.param], !given.isEmpty,
            let givenBytes = WebhookEncoding.unhex(given)
        else { return false }
        let message = signedMessage(query, without: [signature.param, "signature"])
        return constantTimeEquals(HMACSHA256.authenticate(message: Array(message.utf8), key: Array(secret.utf8)), givenBytes)
    }

    /// The text Shopify signs: every other parameter sorted by name, `name=value` joined by `&`,
    /// with `%` and `&` (and `=` in names) escaped as the documentation says.
    static func signedMessage(_ query: [String: String], without excluded: Set<String>) -> String {
        func escape(_ text: String, name: Bool) -> String {
            var escaped = text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "&", with: "%26")
            if name { escaped = escaped.replacingOccurrences(of: "=", with: "%3D") }
            return escaped
        }
        return query.filter { !excluded.contains($0.key) }.sorted { $0.key < $1.key }
            .map { "\(escape($0.key, name: true))=\(escape($0.value, name: false))" }.joined(separator: "&")
    }

    /// The connection's variables after the callback: each `callbackVariables` name (and each
    /// variable's `fromCallback` parameter, by its host when it is a URL) must be in `query`,
    /// match the variable's pattern, and equal (case-insensitively) the value the authorization
    /// started with, if it started with one; the callback's value is kept.
    static func variables(
        _ definition: ConnectorDefinition, query: [String: String], started: [String: String]
    ) throws(Refusal) -> [String: String] {
        var variables = started
        for name in definition.auth.callbackVariables ?? [] {
            guard let value = query[name], !value.isEmpty, value.count <= 255 else { throw .variableMismatch }
            let pattern = definition.variables?.first { $0.name == name }?.pattern
            if let pattern, let regex = NSRegularExpressionBox(pattern), !regex.matches(value) { throw .variableMismatch }
            if let before = started[name], before.lowercased() != value.lowercased() { throw .variableMismatch }
            variables[name] = value
        }
        // A variable named after another parameter (Acrobat Sign's `api_access_point`, a URL):
        // its host when it is one. The client secret goes to that host next, so it must match.
        for variable in definition.variables ?? [] {
            guard let parameter = variable.fromCallback else { continue }
            guard let text = query[parameter], !text.isEmpty, text.count <= 255, let value = variable.valueFromAnswer(text) else {
                throw .variableMismatch
            }
            if let before = started[variable.name], !before.isEmpty, before.lowercased() != value.lowercased() { throw .variableMismatch }
            variables[variable.name] = value
        }
        return variables
    }
}
