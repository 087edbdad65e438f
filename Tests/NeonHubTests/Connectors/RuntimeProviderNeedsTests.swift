import Foundation
import HTTPFields
import TestSupport
import Testing

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

    /// The error of one 429 (or other `status`), and whether its reset time is `wait` seconds
    /// after the answer: between the fake's receiving the request and the call returning.
    static func limited(
        _ definition: String, status: Int = 429, headers: HTTPHeaders, body: String,
        wait: Double = 0
    ) async throws -> (ConnectorError?, Bool) {
        try await withFakeProvider({ $0.on("POST", "/v2/notes", reply: .json(status, body, headers: headers)) }) { fake in
            let runtime = try ConnectorRuntimeTests.runtime(definition, fake: fake)
            let error = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "acme", action: "notes.create")) { _ in .token("k-1") }
            }
            let returned = Date()
            guard let received = fake.requests.last?.receivedAt, let reset = error?.resetAt else { return (error, false) }
            return (error, reset >= received.addingTimeInterval(wait - 0.001) && reset <= returned.addingTimeInterval(wait + 0.001))
        }
    }

    @Test func theBodysPreciseWaitWinsOverTheRoundedRetryAfterAndTheScopeIsNamed() async throws {
        let (error, onTime) = try await Self.limited(
            Self.definition(),
            headers: [
                "Retry-After": "65", "X-RateLimit-Reset-After": "64.57",
                "X-RateLimit-Scope": "global", "X-RateLimit-Global": "true",
            ],
            body: #"{"message":"You are being rate limited.","retry_after":2.5,"global":true}"#, wait: 2.5)
        #expect(error?.code == .providerRateLimited)
        #expect(onTime)
        #expect(error?.retryAfterSeconds == 3)
        #expect(error?.rateLimitScope == "global")
        #expect(error?.message.contains("global limit") == true)
    }

    @Test func withoutABodyWaitRetryAfterThenTheResetAfterHeaderGiveTheResetTime() async throws {
        let (header, headerOnTime) = try await Self.limited(
            Self.definition(), headers: ["Retry-After": "7", "X-RateLimit-Reset-After": "1.2"],
            body: #"{"message":"slow down"}"#, wait: 7)
        #expect(headerOnTime)
        #expect(header?.rateLimitScope == nil)
        let (reset, resetOnTime) = try await Self.limited(
            Self.definition(), headers: ["X-RateLimit-Reset-After": "4.25", "X-RateLimit-Scope": "shared"],
            body: "{}", wait: 4.25)
        #expect(resetOnTime)
        #expect(reset?.retryAfterSeconds == 5)
        #expect(reset?.rateLimitScope == "shared")
    }

    @Test func aDefinitionWithoutTheFieldsKeepsRetryAfterAndAnotherStatusIsNotRead() async throws {
        let (plain, _) = try await Self.limited(
            Self.definition(retryAfterPath: false, headers: false),
            headers: ["Retry-After": "9", "X-RateLimit-Scope": "user"], body: #"{"retry_after":1.5}"#)
        #expect(plain?.retryAfterSeconds == 9)
        #expect(plain?.rateLimitScope == nil)
        let (forbidden, _) = try await Self.limited(
            Self.definition(), status: 403, headers: ["X-RateLimit-Scope": "user"],
            body: #"{"message":"Missing Permissions","code":50013,"retry_after":3}"#)
        #expect(forbidden?.code == .providerAuth)
        #expect(forbidden?.resetAt == nil && forbidden?.rateLimitScope == nil)
    }
}

/// An action answering a bare JSON array without pagination (Discord's guild channels): its
/// `fields` apply to each element instead of to the array.
@Suite struct ArrayAnswerMappingTests {
    @Test func eachElementOfAnArrayAnswerIsMapped() async throws {
        let definition = ConnectorRuntimeTests.definition(
            actions: #"""
                {"id":"tags.list","name":"Tags","kind":"read","inputSchema":{"type":"object"},
                 "request":{"method":"GET","path":"/tags"},"response":{"fields":{"id":"id","label":"name"}}}
                """#)
        let output = try await withFakeProvider({
            $0.on("GET", "/v2/tags", reply: .json(200, #"[{"id":"1","name":"a","x":0},{"id":"2","name":"b"}]"#))
        }) { fake in
            try await ConnectorRuntimeTests.runtime(definition, fake: fake).execute(ConnectorCall(connector: "acme", action: "tags.list")) { _ in
                .token("k")
            }.output
        }
        #expect(output == .array([.object(["id": .string("1"), "label": .string("a")]), .object(["id": .string("2"), "label": .string("b")])]))
    }
}

/// A JSON body's `Content-Type`: the template's own when it names JSON with parameters, else
/// `application/json` (a template naming another type does not mislabel a JSON body).
@Suite struct JSONContentTypeTests {
    static func sentType(_ header: String?) async throws -> String? {
        let headers = header.map { #","headers":{"Content-Type":"\#($0)"}"# } ?? ""
        let definition = ConnectorRuntimeTests.definition(
            actions: """
                {"id":"notes.create","name":"Create","kind":"write","inputSchema":{"type":"object"},
                 "request":{"method":"POST","path":"/notes"\(headers),"body":{"encoding":"json","template":{"a":1}}}}
                """)
        return try await withFakeProvider({ $0.on("POST", "/v2/notes", reply: .json(200, "{}")) }) { fake in
            _ = try await ConnectorRuntimeTests.runtime(definition, fake: fake).execute(ConnectorCall(connector: "acme", action: "notes.create")) {
                _ in .token("k")
            }
            return fake.requests.last?.header("Content-Type")
        }
    }

    @Test func theTemplatesCharsetIsKeptAndAnythingElseIsJSON() async throws {
        #expect(try await Self.sentType("application/json; charset=utf-8") == "application/json; charset=utf-8")
        #expect(try await Self.sentType(nil) == "application/json")
        #expect(try await Self.sentType("text/plain") == "application/json")
    }
}
