import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// An action's own base URL (`request.baseUrl`, for providers split over hosts like GA4's Admin
/// and Data APIs): used instead of the definition's, overridden per declared host by
/// `CONNECTOR_ENDPOINTS_FILE` (`baseUrls`), and never templated, so the credential only goes to
/// hosts the definition declares.
@Suite struct ActionBaseURLTests {
    static func definition(actionBase: String) -> String {
        """
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"personal_token"},"baseUrl":"https://data.acme.example/v1","variables":[{"name":"host","description":"h"}],
         "rateLimit":{"description":"100/min"},"triggers":[],"actions":[
           {"id":"reports.run","name":"Run","kind":"read","inputSchema":{"type":"object"},"request":{"method":"POST","path":"/reports","body":{"encoding":"json","template":{"a":1}}}},
           {"id":"accounts.list","name":"List","kind":"read","inputSchema":{"type":"object"},
            "request":{"method":"GET","baseUrl":"\(actionBase)","path":"/v1/accounts"}}]}
        """
    }

    /// A catalog of one definition, validated against the real schema.
    static func catalog(_ definition: String) throws -> ConnectorCatalog {
        let folder = try makeTemporaryDirectory("neonhub-action-base")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ConnectorCatalogTests.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        try definition.write(to: folder.appendingPathComponent("acme.json"), atomically: true, encoding: .utf8)
        return try ConnectorCatalog.load(directory: folder)
    }

    @Test func eachHostIsReachedThroughItsOwnOverrideWithTheCredential() async throws {
        let data = FakeProviderServer(), admin = FakeProviderServer()
        data.on("POST", "/v1/reports", reply: .json(200, #"{"ok":1}"#))
        admin.on("GET", "/v1/accounts", reply: .json(200, #"{"accounts":[]}"#))
        try data.start()
        try admin.start()
        defer { data.stop(); admin.stop() }
        let catalog = try Self.catalog(Self.definition(actionBase: "https://admin.acme.example"))
        let runtime = ConnectorRuntime(
            catalog: catalog, client: OutboundClient(logger: Logger(label: "test")),
            baseURLOverrides: ["acme": data.baseURL + "/v1"],
            actionBaseURLOverrides: ["acme": ["https://admin.acme.example": admin.baseURL]])
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "reports.run")) { _ in .token("tok-1") }
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "accounts.list")) { _ in .token("tok-1") }
        #expect(data.requests.map(\.path) == ["/v1/reports"])
        #expect(admin.requests.map(\.path) == ["/v1/accounts"], "the action's host, not the definition's")
        #expect(admin.requests.first?.header("Authorization") == "Bearer tok-1")
        #expect(catalog["acme"]?.definition.declaredBaseURLs == ["https://data.acme.example/v1", "https://admin.acme.example"])
    }

    @Test func withoutAnOverrideTheDeclaredHostIsUsed() throws {
        let catalog = try Self.catalog(Self.definition(actionBase: "https://admin.acme.example"))
        let definition = try #require(catalog["acme"]?.definition)
        let template = try #require(definition.action("accounts.list")?.request)
        let builder = ConnectorRequestBuilder(definition: definition, baseURLOverride: "http://127.0.0.1:1/v1")
        let built = try builder.build(template, renderer: TemplateRenderer(scope: [:]), credentials: .token("t"))
        #expect(built.url.absoluteString == "https://admin.acme.example/v1/accounts")
    }

    @Test func aTemplatedActionHostIsRefusedSoNoCredentialLeaves() throws {
        // The schema refuses it when the catalog loads …
        #expect(throws: ConnectorError.self) { try Self.catalog(Self.definition(actionBase: "https://{{vars.host}}/api")) }
        // … and the builder refuses it too, should a definition reach it another way.
        let catalog = try Self.catalog(Self.definition(actionBase: "https://admin.acme.example"))
        var definition = try #require(catalog["acme"]?.definition)
        var template = try #require(definition.action("accounts.list")?.request)
        template.baseUrl = "https://{{vars.host}}"
        definition.actions[1].request = template
        let builder = ConnectorRequestBuilder(definition: definition, baseURLOverride: nil)
        let refused = #expect(throws: ConnectorError.self) {
            try builder.build(
                template, renderer: TemplateRenderer(scope: ["vars": .object(["host": .string("evil.example")])]), credentials: .token("t"))
        }
        #expect(refused?.code == .invalidDefinition)
    }

    @Test func theEndpointsFileOverridesActionHostsUnderBaseUrls() throws {
        let folder = try makeTemporaryDirectory("neonhub-endpoints")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("endpoints.json")
        try
            #"{"ga4":{"baseUrl":"http://127.0.0.1:4001","baseUrls":{"https://analyticsadmin.googleapis.com":"http://127.0.0.1:4002"}},"meta":{"baseUrl":"http://127.0.0.1:4003"}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let endpoints = try ConnectorAssembly.endpointOverrides(file.path)
        #expect(endpoints["ga4"]?.baseUrl == "http://127.0.0.1:4001")
        #expect(endpoints["ga4"]?.baseUrls == ["https://analyticsadmin.googleapis.com": "http://127.0.0.1:4002"])
        #expect(endpoints["meta"]?.baseUrls == nil)
    }
}
