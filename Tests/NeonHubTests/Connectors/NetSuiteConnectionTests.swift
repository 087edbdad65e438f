import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A NetSuite connection end to end, on a real database and the real server, pointed at
/// `NetSuiteFake` through `CONNECTOR_ENDPOINTS_FILE`: NetSuite's consent with the
/// rest_webservices scope and a PKCE S256 challenge, the code exchanged with the integration
/// record's credentials by HTTP Basic and the verifier, the account id stored with the
/// connection, actions as recorded runs, an expired token refreshed with the (not rotated)
/// refresh token, no token or secret in any table, log line or response, and a disconnect that
/// revokes the refresh token and deletes the secrets
/// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081952044.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_161071224088.html).
@Suite struct NetSuiteConnectionTests {
    /// The REST, consent, token and revocation endpoints on the fake.
    static func endpoints(_ fake: NetSuiteFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "netsuite": ["baseUrl": fake.restBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL, "revokeUrl": fake.revokeURL]
        ])
    }

    /// A database app with NetSuite pointed at `fake`; `body` gets the server, the client and the logs.
    static func withNetSuiteApp(_ fake: NetSuiteFake, _ body: (NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void) async throws {
        let endpoints = try Self.endpoints(fake)
        let logs = LogCapture()
        try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["NETSUITE": fake.app]) }) {
            server, client in try await body(server, client, logs)
        }
    }

    /// `connectors.authorizeUrl` for the sandbox account, NetSuite's consent (the integration
    /// record registers the redirect URI our server names), the redirect back: the consent's query
    /// and the callback's redirect query.
    static func connect(_ client: HTTPTestClient, _ fake: NetSuiteFake) async throws -> (consent: [String: String], location: [String: String]) {
        let started = try await OAuthTestSupport.authorize(client, ["connector": "netsuite", "variables": ["accountId": NetSuiteFake.accountId]])
        guard started.status == 200 else { return (started.query, ["status": "authorize refused: \(started.status)"]) }
        let redirect = try #require(fake.authorize(started.query, registered: started.query["redirect_uri"]), "the consent refused \(started.url)")
        let back = try await OAuthTestSupport.callback(
            client, connector: "netsuite", ["state", "role", "entity", "company", "code"].map { ($0, redirect[$0] ?? "") })
        return (started.query, OAuthTestSupport.query(try #require(back.header("Location"))))
    }

    static func refreshes(_ fake: NetSuiteFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { $0.formItems["grant_type"] == ["refresh_token"] }
    }

    @Test func oauthConnectsWithPKCEAndBasicRefreshesAndLeaksNothing() async throws {
        let fake = NetSuiteFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withNetSuiteApp(fake) { server, client, logs in
                let pool = try #require(server.database?.pool)
                let done = try await Self.connect(client, fake)
                let id = try #require(done.location["connectionId"], "not connected: \(done.location)")
                #expect(done.consent["scope"] == NetSuiteFake.restScope && done.consent["response_type"] == "code")
                #expect(done.consent["client_id"] == fake.app.clientID)
                #expect(done.consent["code_challenge_method"] == "S256" && done.consent["code_challenge"]?.count == 43)

                let exchange = try #require(fake.tokenRequests.first)
                let basic = "Basic " + Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
                #expect(exchange.header("Authorization") == basic)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"] && exchange.formItems["client_secret"] == nil)
                #expect(exchange.formItems["redirect_uri"] == [done.consent["redirect_uri"] ?? ""])
                let verifier = try #require(exchange.formItems["code_verifier"]?.first)
                #expect(PKCE.s256Challenge(verifier) == done.consent["code_challenge"])
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await pool.query("SELECT variables->>'accountId' AS a FROM connections WHERE id = \(uuid)").first)
                #expect(try row.decode("a", as: String.self) == NetSuiteFake.accountId)
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(fetched)?["status"] as? String == "active")

                // An action is a recorded run.
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "invoices.query", "input": ["where": "t.entity = 107"]])
                #expect(status == 200, "\(envelope)")
                let items = (resultData(envelope)?["output"] as? [String: Any])?["items"] as? [[String: Any]]
                #expect(items?.compactMap { $0["id"] as? String } == ["301", "303"])
                let runID = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
                let run = try await pool.query("SELECT status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let first = try #require(OAuthTestSupport.bearer(fake.server.requests("POST", "/services/rest/query/v1/suiteql").last))

                // The hour is over: one refresh with the same refresh token, then the action goes on.
                fake.expire(token: first)
                let (again, answer) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "customers.get", "input": ["id": "108"]])
                #expect(again == 200, "\(answer)")
                #expect((resultData(answer)?["output"] as? [String: Any])?["companyName"] as? String == "Globex")
                let refreshes = Self.refreshes(fake)
                #expect(refreshes.count == 1 && refreshes.allSatisfy { $0.header("Authorization") == basic })
                let refreshToken = try #require(refreshes.first?.formItems["refresh_token"]?.first)
                #expect(fake.isValid(refreshToken: refreshToken), "NetSuite does not rotate a confidential client's refresh token")
                let second = try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/services/rest/record/v1/customer/108").last))
                #expect(second != first && !String(describing: answer).contains(second))

                let planted = [first, second, refreshToken, verifier, fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            }
        }
    }

    @Test func aRefusedRefreshPutsTheConnectionInAttention() async throws {
        let fake = NetSuiteFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withNetSuiteApp(fake) { _, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                    client, connection: id, action: "customers.list", refreshes: { Self.refreshes(fake).count }
                ) {
                    fake.expire(token: try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/services/rest/record/v1/customer").last)))
                    fake.revokeRefreshTokens()
                }
            }
        }
    }

    @Test func disconnectingRevokesTheRefreshTokenAndDeletesTheSecrets() async throws {
        let fake = NetSuiteFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withNetSuiteApp(fake) { server, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                let (ok, _) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "customers.list", "input": [:]])
                #expect(ok == 200)
                let access = try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/services/rest/record/v1/customer").last))
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                let revocation = try #require(fake.server.requests("POST", NetSuiteFake.revokePath).first, "the revocation endpoint is called")
                #expect(revocation.header("Authorization")?.hasPrefix("Basic ") == true)
                let revoked = try #require(fake.revokedTokens.first)
                #expect(!fake.isValid(refreshToken: revoked) && !fake.isValid(token: access), "the refresh token and its access tokens end")
                let pool = try #require(server.database?.pool)
                let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
                #expect(try left.first?.decode("n", as: Int.self) == 0)
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(got)?["status"] as? String == "revoked")
            }
        }
    }
}
