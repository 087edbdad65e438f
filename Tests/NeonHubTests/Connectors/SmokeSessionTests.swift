import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// `neonhub connectors smoke` for connectors that need a step before their checks: Tableau's
/// personal access token signs in to a session for the checks and signs it out after them (a
/// PAT holds one session at a time), and DocuSign's calls act as the default account of
/// `/oauth/userinfo`, on that account's own host.
@Suite struct SmokeSessionTests {
    static func smoke(_ config: String, endpoints: [String: Any]) async throws -> [SmokeResult] {
        let url = TestTemporaryFiles.url("endpoints")
        try JSONSerialization.data(withJSONObject: endpoints).write(to: url)
        let appConfig = try AppConfig.load(from: ["CONNECTOR_ENDPOINTS_FILE": url.path])
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let runtime = try ConnectorSmoke.runtime(config: appConfig, catalog: catalog, logger: Logger(label: "smoke"))
        let smoke = ConnectorSmoke(
            catalog: catalog, runtime: runtime, timeout: .seconds(30), endpoints: try ConnectorSmoke.endpoints(config: appConfig))
        return await smoke.run(try SmokeConfig.parse(Array(config.utf8)))
    }

    static func outcomes(_ results: [SmokeResult], _ connector: String) -> [String: SmokeResult.Outcome] {
        Dictionary(uniqueKeysWithValues: results.filter { $0.connector == connector }.map { ($0.check, $0.outcome) })
    }

    @Test func tableausChecksRunInASessionSignedInForThemAndSignedOutAfter() async throws {
        let fake = TableauFake()
        try fake.start()
        try await fake.server.serving {
            let pat = TableauFake.pat
            let config = """
                {"tableau": {"credentials": {"patName": "\(pat.name)", "patSecret": "\(pat.secret)", "siteContentUrl": "\(pat.siteContentUrl)"},
                             "variables": {"serverHost": "prod-useast-b.online.tableau.com"}, "read": {"action": "session.current", "input": {}}}}
                """
            let api = fake.apiBaseURL
            let results = try await Self.smoke(
                config, endpoints: ["tableau": ["baseUrl": api, "tokenUrl": api + "/auth/signin", "revokeUrl": api + "/auth/signout"]])
            #expect(Self.outcomes(results, "tableau") == ["testConnection": .pass, "read": .pass], "\(results)")
            #expect(fake.signInCount == 1 && fake.signOutCount == 1 && fake.liveTokens.isEmpty)
            #expect(!results.contains { $0.message.contains(pat.secret) })

            // A refused PAT fails the connector's config check with Tableau's reason, not the secret.
            let wrong = config.replacingOccurrences(of: pat.secret, with: "wrong-secret-PLANTED")
            let refused = try await Self.smoke(
                wrong, endpoints: ["tableau": ["baseUrl": api, "tokenUrl": api + "/auth/signin", "revokeUrl": api + "/auth/signout"]])
            let config0 = try #require(refused.first { $0.connector == "tableau" && $0.check == "config" })
            #expect(config0.outcome == .fail && config0.message.contains("401001") && !config0.message.contains("PLANTED"), "\(config0.message)")
        }
    }

    @Test func docuSignsChecksActAsTheDefaultAccountOnItsHost() async throws {
        let fake = DocuSignFake()
        try fake.start()
        try await fake.server.serving {
            let config = """
                {"docusign": {"credentials": {"accessToken": "\(fake.issueToken())"}, "read": {"action": "envelopes.list",
                              "input": {"fromDate": "2025-01-01T00:00:00Z", "limit": 5}}}}
                """
            let results = try await Self.smoke(
                config,
                endpoints: [
                    "docusign": [
                        "baseUrl": fake.baseURL + "/{{vars.baseHost}}/restapi/v2.1/accounts/{{account.id}}",
                        "baseUrls": ["https://account.docusign.com": fake.baseURL],
                    ]
                ])
            #expect(Self.outcomes(results, "docusign") == ["testConnection": .pass, "read": .pass], "\(results)")
            #expect(fake.server.requests("GET", "/oauth/userinfo").count == 1)
            #expect(fake.apiRequests.count == 2 && fake.apiRequests.allSatisfy { $0.path == DocuSignFake.accountPath() + "/envelopes" })
        }
    }
}
