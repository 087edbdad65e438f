import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// A `response.path` that names a list (Search Console `siteEntry`, `sitemap`) has its `fields`
/// applied to each element: the output is the list of mapped elements, not an empty object.
@Suite struct ResponseListMappingTests {
    @Test func fieldsAreAppliedToEachElementOfAListedResponse() async throws {
        let fake = FakeProviderServer()
        fake.on(
            "GET", "/sites",
            reply: .json(200, #"{"siteEntry":[{"siteUrl":"sc-domain:a.example","permissionLevel":"siteOwner"},{"siteUrl":"https://b.example/"}]}"#))
        try fake.start()
        defer { fake.stop() }
        let definition = """
            {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
             "auth":{"type":"personal_token"},"baseUrl":"https://api.acme.example","rateLimit":{"description":"100/min"},"triggers":[],
             "actions":[{"id":"sites.list","name":"Sites","kind":"read","inputSchema":{"type":"object"},"request":{"method":"GET","path":"/sites"},
                         "response":{"path":"siteEntry","fields":{"id":"siteUrl","level":"permissionLevel"}}}]}
            """
        let runtime = ConnectorRuntime(
            catalog: try ActionBaseURLTests.catalog(definition), client: OutboundClient(logger: Logger(label: "test")),
            baseURLOverrides: ["acme": fake.baseURL])
        let result = try await runtime.execute(ConnectorCall(connector: "acme", action: "sites.list")) { _ in .token("t") }
        #expect(
            result.output
                == .array([
                    .object(["id": .string("sc-domain:a.example"), "level": .string("siteOwner")]),
                    .object(["id": .string("https://b.example/")]),
                ]))
    }
}
