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

    @Test(arguments: [
        "Our API guide explains tokens, bearer bonds and secret sauce recipes for marketers.",
        "Start with basic strategies: a Basic understanding of search intent beats tricks.",
        "Our secret: consistency. Token: loyalty points that never expire.",
        "Bearer instruments and BASIC programming are history lessons.",
    ])
    func ordinaryTextIsUntouched(text: String) {
        #expect(Sanitizer.sanitize(text) == text)
    }

    @Test(arguments: [
        ("Authorization: Basic YWRtaW46YWRtaW4= sent", "YWRtaW46YWRtaW4"),
        ("curl -H 'Authorization: Bearer opaqueTokenWithCaps'", "opaqueTokenWithCaps"),
        ("password: hunter2", "hunter2"),
        ("Password: correcthorsebatterystaple", "correcthorsebatterystaple"),
        ("API_KEY=abcdefghijkl", "abcdefghijkl"),
    ])
    func credentialsInProseShapesAreStillRedacted(text: String, secret: String) {
        #expect(!Sanitizer.sanitize(text).contains(secret))
    }

    @Test func paginationCursorsNamedTokensStay() {
        let value = JSONValue.object([
            "nextPageToken": .string("CAoQAA"), "next_page_token": .string("abc"), "nextSyncToken": .string("CPDAlvWDx70CEPDAlvWDx70CGAU="),
            "continuationToken": .string("c2"), "@odata.nextLink": .string("https://graph.example/v1.0/users?$skiptoken=RFNwdAIAAQAAAD8"),
            "refreshToken": .string("1//0g-secret"),
        ])
        let clean = Sanitizer.sanitize(value)
        #expect(clean["nextPageToken"] == .string("CAoQAA") && clean["next_page_token"] == .string("abc"))
        #expect(clean["nextSyncToken"] == value["nextSyncToken"] && clean["continuationToken"] == .string("c2"))
        #expect(clean["@odata.nextLink"] == value["@odata.nextLink"])
        #expect(clean["refreshToken"] == .string(Sanitizer.redacted))
        #expect(
            Sanitizer.sanitize("https://x.example/cb?access_token=ya29abcdef&pageToken=CAoQAAxyz")
                == "https://x.example/cb?access_[REDACTED]&pageToken=CAoQAAxyz")
        #expect(Sanitizer.sanitize("next: ?page_token=CAoQAAxyz") == "next: ?page_token=CAoQAAxyz")
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
