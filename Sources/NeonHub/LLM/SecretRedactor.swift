import Foundation

/// Keeps an API key out of anything that may reach an error or a log: replaces the key
/// itself and anything shaped like an OpenAI key (`sk-…`), and bounds the length.
struct SecretRedactor: Sendable {
    /// The secret to remove.
    let secret: String
    /// Longest text kept (characters), before the `…` marker.
    var maxLength = 300

    /// `text` with the secret and key-like tokens replaced by `[redacted]`, truncated.
    func clean(_ text: String) -> String {
        var result = text
        if secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: "[redacted]")
        }
        result = result.split(separator: " ", omittingEmptySubsequences: false)
            .map { word in Self.looksLikeKey(word) ? "[redacted]" : String(word) }
            .joined(separator: " ")
        result = result.replacingOccurrences(of: "\n", with: " ")
        if result.count > maxLength {
            result = String(result.prefix(maxLength)) + "…"
        }
        return result
    }

    /// `sk-` followed by at least eight more characters (OpenAI's key shape, also partially
    /// echoed as `sk-abc***xyz` in its own error messages).
    private static func looksLikeKey(_ word: Substring) -> Bool {
        let trimmed = word.drop { !$0.isLetter }
        return trimmed.hasPrefix("sk-") && trimmed.count >= 11
    }
}
