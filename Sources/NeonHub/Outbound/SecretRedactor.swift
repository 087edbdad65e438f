public import Foundation

/// Keeps secrets out of anything that may reach an error or a log. It removes
/// - the registered values (a request's tokens, keys, client secrets);
/// - credentials after an auth scheme (`Bearer …`, `Basic …`);
/// - the values of secret-looking parameters in query strings, forms and JSON
///   (`access_token=…`, `"client_secret": "…"`, `api_key`, `signature`, `code`, …);
/// - anything shaped like an OpenAI key (`sk-…`);
/// and flattens the text to one line of bounded length.
public struct SecretRedactor: Sendable {
    /// What replaces a secret.
    public static let marker = "[redacted]"

    /// The registered secrets, longest first (so that a secret containing another goes whole).
    public let secrets: [String]
    /// Longest text kept (characters), before the `…` marker; `nil` keeps everything.
    public var maxLength: Int?

    /// A redactor for the registered `secrets` (values shorter than 4 characters are ignored:
    /// removing them would shred ordinary text).
    public init(secrets: [String], maxLength: Int? = 300) {
        self.secrets = Set(secrets.filter { $0.count >= 4 }).sorted { $0.count > $1.count }
        self.maxLength = maxLength
    }

    /// A redactor for one secret.
    public init(secret: String, maxLength: Int? = 300) {
        self.init(secrets: [secret], maxLength: maxLength)
    }

    /// `text` with every secret replaced by `[redacted]`, on one line, truncated.
    public func clean(_ text: String) -> String {
        var result = text
        for secret in secrets {
            result = result.replacingOccurrences(of: secret, with: Self.marker)
        }
        result = SecretPatterns.redact(result, marker: Self.marker)
        result = result.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if let maxLength, result.count > maxLength {
            result = String(result.prefix(maxLength)) + "…"
        }
        return result
    }

    /// A URL for a log line: query credentials and registered secrets removed, never truncated.
    public func clean(url: URL) -> String {
        var copy = self
        copy.maxLength = nil
        return copy.clean(url.absoluteString)
    }
}
