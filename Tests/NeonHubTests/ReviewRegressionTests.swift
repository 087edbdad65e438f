import Foundation
import Testing
@testable import NeonHub

/// Regressions for defects found in review.
@Suite struct ReviewRegressionTests {
    @Test func browserDatesWithMillisecondsAreAccepted() throws {
        let input = try Procedure.decodeInput(AgentProcedures.ListInput.self, .object(["since": .string("2025-01-01T00:00:00.000Z"), "until": .string("2025-01-02T00:00:00Z")]))
        #expect(input.since == Date(timeIntervalSince1970: 1_735_689_600))
        #expect(input.until == Date(timeIntervalSince1970: 1_735_776_000))
        #expect(throws: RPCError.self) { _ = try Procedure.decodeInput(AgentProcedures.ListInput.self, .object(["since": .string("yesterday")])) }
    }

    @Test func unknownMethodsShareOneMetricLabel() async throws {
        try await withTestApp { _, client in
            for i in 0..<3 { _ = try await client.request("X\(i)", "/nope") }
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"neonhub_http_requests_total{method="OTHER",route="unmatched",status="404"} 3"#))
            #expect(!text.contains(#"method="X1""#))
        }
    }

    @Test func batchesPayPerCall() {
        let limiter = RateLimiter(perMinute: 10) { 0 }
        #expect(limiter.acquire("t", cost: 8) == nil)
        #expect(limiter.acquire("t", cost: 3) != nil)
        #expect(limiter.acquire("t", cost: 2) == nil)
    }

    @Test func secretsUnderTokenKeysAndBasicCredentialsAreRedacted() {
        let value = JSONValue.object(["tokens": .object(["access": .string("ya29.a0AfH6SMBx")]), "oauthTokens": .array([.string("ya29.zzz")]), "tokensIn": .number(10),
                                      "header": .string("Authorization: Basic dXNlcjpwYXNzd29yZA==")])
        let clean = Sanitizer.sanitize(value)
        #expect(clean["tokens"] == .string(Sanitizer.redacted))
        #expect(clean["oauthTokens"] == .string(Sanitizer.redacted))
        #expect(clean["tokensIn"] == .number(10))
        #expect(clean["header"]?.jsonText.contains("dXNlcjpwYXNzd29yZA") == false)
    }

    @Test func jsonTextEscapesLikeJSON() throws {
        let value = JSONValue.object(["b": .string("quote \" backslash \\ newline \n tab \t bell \u{7} é 🚀"), "a": .array([.number(1.5), .number(2), .bool(true), .null])])
        let text = value.jsonText
        #expect(text.hasPrefix(#"{"a":[1.5,2,true,null],"b":"#))
        #expect(try JSONValue.parse(Array(text.utf8)) == value)
    }
}
