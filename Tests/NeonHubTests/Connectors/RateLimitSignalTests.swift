import Foundation
import HTTPFields
import Testing
import TestSupport
@testable import NeonHub

/// The definition's rate-limit reader (`errors.retryAfterPath`, `rateLimit.resetAfterHeader`,
/// `rateLimit.scopeHeader`): on a 429 the runtime's reset time comes from the body's precise
/// wait before the rounded `Retry-After`, then from the reset-after header, and the error names
/// the limit that was hit.
@Suite struct RateLimitSignalTests {
    static func definition(retryAfterPath: Bool = true, headers: Bool = true) -> String {
        let errors = retryAfterPath ? #"{"codePath":"code","messagePath":"message","retryAfterPath":"retry_after"}"# : #"{"messagePath":"message"}"#
        let limit = headers ? #","resetAfterHeader":"X-RateLimit-Reset-After","scopeHeader":"X-RateLimit-Scope""# : ""
        return """
            {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
             "auth":{"type":"api_key","credentials":[{"name":"apiKey","secret":true}]},"baseUrl":"https://api.acme.example/v2",
             "rateLimit":{"description":"buckets"\(limit)},"triggers":[],"errors":\(errors),
             "actions":[{"id":"notes.create","name":"Create","kind":"write","inputSchema":{"type":"object"},
                         "request":{"method":"POST","path":"/notes","body":{"encoding":"json","template":{"a":1}}}}]}
            """
    }

    static func limited(_ definition: String, status: Int = 429, headers: HTTPHeaders, body: String) async throws -> ConnectorError? {
        try await withFakeProvider({ $0.on("POST", "/v2/notes", reply: .json(status, body, headers: headers)) }) { fake in
            let runtime = try ConnectorRuntimeTests.runtime(definition, fake: fake)
            return await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "acme", action: "notes.create")) { _ in .token("k-1") }
            }
        }
    }

    @Test func theBodysPreciseWaitWinsOverTheRoundedRetryAfterAndTheScopeIsNamed() async throws {
        let before = Date()
        let error = try await Self.limited(Self.definition(), headers: ["Retry-After": "65", "X-RateLimit-Reset-After": "64.57",
                                                                        "X-RateLimit-Scope": "global", "X-RateLimit-Global": "true"],
                                           body: #"{"message":"You are being rate limited.","retry_after":2.5,"global":true}"#)
        #expect(error?.code == .providerRateLimited)
        let resetAt = try #require(error?.resetAt)
        #expect(resetAt.timeIntervalSince(before) >= 2.5 && resetAt.timeIntervalSince(before) < 4)
        #expect(error?.retryAfterSeconds == 3)
        #expect(error?.rateLimitScope == "global")
        #expect(error?.message.contains("global limit") == true)
    }

    @Test func withoutABodyWaitRetryAfterThenTheResetAfterHeaderGiveTheResetTime() async throws {
        let before = Date()
        let header = try await Self.limited(Self.definition(), headers: ["Retry-After": "7", "X-RateLimit-Reset-After": "1.2"], body: #"{"message":"slow down"}"#)
        #expect(header.flatMap(\.resetAt).map { $0.timeIntervalSince(before) }.map { $0 >= 7 && $0 < 9 } == true)
        #expect(header?.rateLimitScope == nil)
        let reset = try await Self.limited(Self.definition(), headers: ["X-RateLimit-Reset-After": "4.25", "X-RateLimit-Scope": "shared"], body: "{}")
        #expect(reset.flatMap(\.resetAt).map { $0.timeIntervalSince(before) }.map { $0 >= 4.25 && $0 < 6 } == true)
        #expect(reset?.retryAfterSeconds == 5)
        #expect(reset?.rateLimitScope == "shared")
    }

    @Test func aDefinitionWithoutTheFieldsKeepsRetryAfterAndAnotherStatusIsNotRead() async throws {
        let plain = try await Self.limited(Self.definition(retryAfterPath: false, headers: false),
                                           headers: ["Retry-After": "9", "X-RateLimit-Scope": "user"], body: #"{"retry_after":1.5}"#)
        #expect(plain?.retryAfterSeconds == 9)
        #expect(plain?.rateLimitScope == nil)
        let forbidden = try await Self.limited(Self.definition(), status: 403, headers: ["X-RateLimit-Scope": "user"],
                                               body: #"{"message":"Missing Permissions","code":50013,"retry_after":3}"#)
        #expect(forbidden?.code == .providerAuth)
        #expect(forbidden?.resetAt == nil && forbidden?.rateLimitScope == nil)
    }
}
