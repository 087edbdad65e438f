import Testing

@testable import NeonHub

/// Redaction by key name and by value shape, at any depth.
@Suite struct SanitizerTests {
    @Test(arguments: [
        "password", "client_secret", "refresh_token", "apiKey", "X-Api-Key", "Authorization", "cookie", "accessToken", "privateKey", "session_id",
    ])
    func sensitiveKeysAreRedacted(key: String) {
        let value = JSONValue.object(["outer": .array([.object([key: .string("s3cr3t-value-xyz")])])])
        let clean = Sanitizer.sanitize(value)
        #expect(clean["outer"] == .array([.object([key: .string(Sanitizer.redacted)])]))
    }

    @Test func countsAndOrdinaryKeysStay() {
        let value = JSONValue.object([
            "tokensIn": .number(12), "max_tokens": .number(100), "inputTokens": .number(5), "topic": .string("Keyword research"),
            "tokenCount": .number(3),
        ])
        #expect(Sanitizer.sanitize(value) == value)
    }

    @Test(arguments: [
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz123", "abcdefghijklmnopqrstuvwxyz123"),
        ("key is sk-live-ABCDEFGH12345678 ok", "sk-live-ABCDEFGH12345678"),
        ("sk-proj-Zz9_yy8-XX7WW6VV", "sk-proj-Zz9_yy8-XX7WW6VV"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefSIGNATURE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0"),
        ("password=hunter2hunter2 in text", "hunter2hunter2"),
        ("slack xoxb-123456789012-abcdefghij", "xoxb-123456789012"),
    ])
    func secretShapedValuesAreRedacted(text: String, secret: String) {
        let clean = Sanitizer.sanitize(text)
        #expect(!clean.contains(secret))
        #expect(clean.contains(Sanitizer.redacted))
    }

    @Test func ordinaryTextIsUntouched() {
        let text = "Our API guide explains tokens, bearer bonds and secret sauce recipes for marketers."
        #expect(Sanitizer.sanitize(text) == text)
    }

    @Test func secretsUnderTokenKeysAndBasicCredentialsAreRedacted() {
        let value = JSONValue.object([
            "tokens": .object(["access": .string("ya29.a0AfH6SMBx")]), "oauthTokens": .array([.string("ya29.zzz")]), "tokensIn": .number(10),
            "header": .string("Authorization: Basic dXNlcjpwYXNzd29yZA=="),
        ])
        let clean = Sanitizer.sanitize(value)
        #expect(clean["tokens"] == .string(Sanitizer.redacted))
        #expect(clean["oauthTokens"] == .string(Sanitizer.redacted))
        #expect(clean["tokensIn"] == .number(10))
        #expect(clean["header"]?.jsonText.contains("dXNlcjpwYXNzd29yZA") == false)
    }
}
