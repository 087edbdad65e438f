import Foundation
import HTTPFields
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// Values a provider hands back outside the response body: a variable named by the
/// authorization callback (`fromCallback`), a separate refresh endpoint (`auth.refreshUrl`), and
/// a created record's id in its `Location` (`… | lastPathSegment`).
@Suite struct ProviderAnswerVariablesTests {
    /// A definition whose token URL needs a host that only the callback names, as Acrobat Sign's does.
    static let sharded = #"""
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"oauth2","authorizeUrl":"https://secure.acme.example/oauth","tokenUrl":"https://{{vars.apiHost}}/oauth/token",
                 "refreshUrl":"https://{{vars.apiHost}}/oauth/refresh","scopes":["read"],"clientAuthentication":"body"},
         "variables":[{"name":"apiHost","description":"The account's API host.","pattern":"^api\\.[a-z]{2}[0-9]+\\.acme\\.example$",
                       "example":"api.na1.acme.example","fromCallback":"api_access_point"}],
         "baseUrl":"https://{{vars.apiHost}}/v1","rateLimit":{"description":"100/min"},"triggers":[],
         "actions":[{"id":"things.list","name":"List","kind":"read","inputSchema":{"type":"object"},"request":{"method":"GET","path":"/things"}}]}
        """#

    static func definition(_ text: String) throws -> ConnectorDefinition {
        try JSONDecoder().decode(ConnectorDefinition.self, from: Data(text.utf8))
    }

    @Test func aCallbackParameterNamesTheVariableByItsHostAndMustMatchItsPattern() throws {
        let definition = try Self.definition(Self.sharded)
        #expect(definition.arrivesWithAuthorization("apiHost"))  // not asked for before consent
        let taken = try OAuthCallbackCheck.variables(
            definition, query: ["code": "c", "api_access_point": "https://api.eu2.acme.example/"], started: [:])
        #expect(taken == ["apiHost": "api.eu2.acme.example"])

        // The app's secret would go to the host it names: another host, a missing one, or one
        // different from what the authorization started with, is refused.
        for query in [
            ["api_access_point": "https://api.eu2.attacker.example/"], ["api_access_point": "https://api.eu2.acme.example.attacker.example/"],
            ["code": "c"], ["api_access_point": ""],
        ] {
            #expect(throws: OAuthCallbackCheck.Refusal.variableMismatch) {
                try OAuthCallbackCheck.variables(definition, query: query, started: [:])
            }
        }
        #expect(throws: OAuthCallbackCheck.Refusal.variableMismatch) {
            try OAuthCallbackCheck.variables(
                definition, query: ["api_access_point": "https://api.eu2.acme.example/"], started: ["apiHost": "api.na1.acme.example"])
        }
    }

    @Test func aVariableTakenFromTheProvidersAnswerWithoutAPatternIsRefusedAtLoad() throws {
        let folder = try makeTemporaryDirectory("neonhub-catalog")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ConnectorCatalogTests.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        let unchecked = Self.sharded.replacingOccurrences(of: #""pattern":"^api\\.[a-z]{2}[0-9]+\\.acme\\.example$","#, with: "")
        #expect(unchecked != Self.sharded)
        try unchecked.write(to: folder.appendingPathComponent("acme.json"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ConnectorError.self) { try ConnectorCatalog.load(directory: folder) }
        #expect(error?.details.contains { $0.hasSuffix("$.variables[0]: a variable taken from the provider's answer needs a pattern") } == true)
    }

    @Test func refreshesGoToTheSeparateRefreshEndpointAndCodeExchangesToTheTokenEndpoint() async throws {
        let fake = FakeProviderServer()
        let answer = #"{"access_token":"at-new","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}"#
        fake.on("POST", "/oauth/token", reply: .json(200, answer))
        fake.on("POST", "/oauth/refresh", reply: .json(200, answer))
        try fake.start()
        defer { fake.stop() }
        let definition = try Self.definition(Self.sharded)
        let environment = ["ACME_CLIENT_ID": "app-id", "ACME_CLIENT_SECRET": "app-secret"]
        let client = OutboundClient(logger: Logger(label: "refresh-url"))
        let overridden = OAuthTokenClient(
            client: client, environment: environment,
            endpoints: ["acme": ConnectorEndpoints(tokenUrl: fake.baseURL + "/oauth/token", refreshUrl: fake.baseURL + "/oauth/refresh")])
        let variables = ["apiHost": "api.na1.acme.example"]
        #expect(try overridden.refreshURL(definition, variables: variables).absoluteString == fake.baseURL + "/oauth/refresh")
        #expect(
            try OAuthTokenClient(client: client, environment: environment, endpoints: [:]).refreshURL(definition, variables: variables)
                .absoluteString == "https://api.na1.acme.example/oauth/refresh")

        _ = try await overridden.exchange(code: "code-1", verifier: nil, redirectURI: "https://app/cb", definition: definition, variables: variables)
        let set = try await overridden.refresh(refreshToken: "rt-1", definition: definition, variables: variables)
        #expect(set.accessToken == "at-new")
        #expect(fake.requests.map(\.path) == ["/oauth/token", "/oauth/refresh"])
        let refresh = try #require(fake.requests.last)
        #expect(refresh.formItems["grant_type"] == ["refresh_token"] && refresh.formItems["refresh_token"] == ["rt-1"])
        #expect(refresh.formItems["client_id"] == ["app-id"] && refresh.formItems["client_secret"] == ["app-secret"])

        // Without a refresh URL a refresh goes to the token endpoint, as RFC 6749 §6 says.
        var plain = definition
        plain.auth.refreshUrl = nil
        _ = try await overridden.refresh(refreshToken: "rt-1", definition: plain, variables: variables)
        #expect(fake.requests.last?.path == "/oauth/token")
    }

    @Test func aCreatedRecordsIdIsTheLastSegmentOfItsLocation() async throws {
        let fake = FakeProviderServer()
        fake.on("POST", "/v2/records", reply: .init(status: 204, headers: ["Location": "https://acme.example/v2/records/107?expand=none"]))
        fake.on("POST", "/v2/bare", reply: .init(status: 204))
        fake.on("GET", "/v2/records/107", reply: .json(200, #"{"links":[{"rel":"self","href":"https://acme.example/v2/records/107/"}]}"#))
        try fake.start()
        defer { fake.stop() }
        let actions = #"""
            {"id":"records.create","name":"Create","kind":"write","inputSchema":{"type":"object"},
             "request":{"method":"POST","path":"/records","body":{"encoding":"json","template":"{{input}}"}},
             "response":{"fields":{"id":"headers.Location | lastPathSegment","url":"headers.Location"}}},
            {"id":"bare.create","name":"Create","kind":"write","inputSchema":{"type":"object"},
             "request":{"method":"POST","path":"/bare","body":{"encoding":"json","template":"{{input}}"}},
             "response":{"fields":{"id":"headers.Location | lastPathSegment"}}},
            {"id":"records.get","name":"Get","kind":"read","inputSchema":{"type":"object"},
             "request":{"method":"GET","path":"/records/107"},"response":{"fields":{"id":"links.0.href | lastPathSegment"}}}
            """#
        let runtime = try ConnectorRuntimeTests.runtime(ConnectorRuntimeTests.definition(actions: actions), fake: fake)
        func run(_ action: String) async throws -> JSONValue {
            try await runtime.execute(ConnectorCall(connector: "acme", action: action, input: .object([:]))) { _ in .token("k") }.output
        }
        #expect(
            try await run("records.create") == .object(["id": .string("107"), "url": .string("https://acme.example/v2/records/107?expand=none")]))
        #expect(try await run("bare.create") == .object([:]))  // no Location: no id, not an empty one
        #expect(try await run("records.get") == .object(["id": .string("107")]))
    }
}
