import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// What the runtime gained for Stripe and Twilio, on a neutral definition against a loopback
/// provider: an idempotency key for every call of an action that sends one (the caller's, or
/// one generated and kept across retries), connection-wide headers left out when their
/// variable is missing, arrays in the query as repeated parameters, error codes read from the
/// first of several paths, and `{{server.webhookUrl}}`.
@Suite struct RuntimeRequestAdditionsTests {
    static func runtime(_ definition: String, fake: FakeProviderServer, publicURL: String? = nil) throws -> ConnectorRuntime {
        let folder = try makeTemporaryDirectory("neonhub-runtime-additions")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ConnectorCatalogTests.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        try definition.write(to: folder.appendingPathComponent("acme.json"), atomically: true, encoding: .utf8)
        return ConnectorRuntime(
            catalog: try ConnectorCatalog.load(directory: folder),
            client: OutboundClient.quickRetries(label: "test"),
            baseURLOverrides: ["acme": fake.baseURL], publicURL: publicURL)
    }

    static let definition = #"""
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"api_key","credentials":[{"name":"apiKey","secret":true}]},"baseUrl":"https://api.acme.example",
         "headers":{"Acme-Version":"2026-01","Acme-Account":"{{vars.subaccount}}"},
         "rateLimit":{"description":"100/min"},"triggers":[],
         "errors":{"codePath":"error.code|error.type","messagePath":"error.message","permanentCodes":["conflict_error"],"retryableCodes":["busy"]},
         "actions":[
          {"id":"things.create","name":"Create","kind":"write","idempotencyHeader":"Idempotency-Key",
           "inputSchema":{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":false},
           "request":{"method":"POST","path":"/things","body":{"encoding":"form","template":{"name":"{{input.name}}","callback":"{{server.webhookUrl}}"}}}},
          {"id":"things.get","name":"Get","kind":"read",
           "inputSchema":{"type":"object","properties":{"expand":{"type":"array","items":{"type":"string"}}},"additionalProperties":false},
           "request":{"method":"GET","path":"/things/1","query":{"expand[]":"{{input.expand}}","fixed":"yes"}}}
         ]}
        """#

    @Test func everyCallOfAKeyedActionSendsOneKeyReusedByItsRetries() async throws {
        let fake = FakeProviderServer()
        fake.on("POST", "/things", replies: [.json(503, #"{"error":{"type":"api_error","message":"down"}}"#), .json(200, #"{"id":"t_1"}"#)])
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition, fake: fake)
        let result = try await runtime.execute(ConnectorCall(connector: "acme", action: "things.create", input: .object(["name": .string("a")]))) {
            _ in .token("k")
        }
        #expect(result.attempts == 2)  // a POST retried: safe because it carries a key
        let keys = fake.requests.map { $0.header("Idempotency-Key") }
        #expect(keys.count == 2 && keys[0] != nil && keys[0] == keys[1])
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "things.create", input: .object([:]))) { _ in .token("k") }
        #expect(fake.requests.last?.header("Idempotency-Key") != keys[0], "a new call, a new key")
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "things.create", input: .object([:]), idempotencyKey: "job-1")) { _ in
            .token("k")
        }
        #expect(fake.requests.last?.header("Idempotency-Key") == "job-1")
        _ = try? await runtime.execute(ConnectorCall(connector: "acme", action: "things.get")) { _ in .token("k") }
        #expect(fake.requests.last?.header("Idempotency-Key") == nil)
    }

    @Test func connectionHeadersWithoutTheirVariableAreLeftOutAndQueryArraysRepeat() async throws {
        let fake = FakeProviderServer()
        fake.on("GET", "/things/1", reply: .json(200, #"{"id":"t_1"}"#))
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition, fake: fake)
        _ = try await runtime.execute(
            ConnectorCall(connector: "acme", action: "things.get", input: .object(["expand": .array([.string("owner"), .string("tags")])]))
        ) { _ in .token("k") }
        let first = try #require(fake.requests.last)
        #expect(first.header("Acme-Account") == nil)
        #expect(first.header("Acme-Version") == "2026-01")
        #expect(first.query == "expand%5B%5D=owner&expand%5B%5D=tags&fixed=yes")
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "things.get", variables: ["subaccount": "sub_9"])) { _ in .token("k") }
        #expect(fake.requests.last?.header("Acme-Account") == "sub_9")
        #expect(fake.requests.last?.query == "fixed=yes")
    }

    @Test func theErrorCodeIsTheFirstPathThatHoldsOne() async throws {
        let fake = FakeProviderServer()
        fake.on(
            "POST", "/things",
            replies: [
                .json(400, #"{"error":{"type":"conflict_error","message":"no code, a type"}}"#),
                .json(400, #"{"error":{"code":"busy","type":"conflict_error","message":"both"}}"#),
            ])
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition, fake: fake)
        let typed = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(ConnectorCall(connector: "acme", action: "things.create")) { _ in .token("k") }
        }
        #expect(typed?.providerCode == "conflict_error")
        #expect(typed?.code == .providerRejected)
        let coded = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(ConnectorCall(connector: "acme", action: "things.create")) { _ in .token("k") }
        }
        #expect(coded?.providerCode == "busy")
        #expect(coded?.code == .providerUnavailable)
    }

    @Test func theWebhookURLIsThePublicURLAndTheConnectorsRouteOrNothing() async throws {
        let fake = FakeProviderServer()
        fake.on("POST", "/things", reply: .json(200, #"{"id":"t_1"}"#))
        try fake.start()
        defer { fake.stop() }
        _ = try await Self.runtime(Self.definition, fake: fake, publicURL: "https://hub.example.test/").execute(
            ConnectorCall(connector: "acme", action: "things.create", input: .object(["name": .string("a")]))
        ) { _ in .token("k") }
        #expect(fake.requests.last?.formItems == ["name": ["a"], "callback": ["https://hub.example.test/webhooks/acme"]])
        _ = try await Self.runtime(Self.definition, fake: fake).execute(
            ConnectorCall(connector: "acme", action: "things.create", input: .object(["name": .string("a")]))
        ) { _ in .token("k") }
        #expect(fake.requests.last?.formItems == ["name": ["a"]])
    }
}
