import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A QuickBooks Online connection end to end, on a real database and the real server, pointed at
/// `QuickBooksFake` through `CONNECTOR_ENDPOINTS_FILE`: Intuit's consent with the accounting
/// scope and no PKCE, the code exchanged with the app's credentials by HTTP Basic, the realm
/// given when connecting stored with the connection (Intuit's redirect names it too), actions as
/// recorded runs in that company's path, an expired token refreshed with the refresh token Intuit
/// rolled the time before, no token or secret in any table, log line or response, and a
/// disconnect that calls the revocation endpoint and deletes the secrets.
@Suite struct QuickBooksConnectionTests {
    /// The API, consent, token and revocation endpoints on the fake.
    static func endpoints(_ fake: QuickBooksFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "quickbooks": [
                "baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL, "revokeUrl": fake.revokeURL,
            ]
        ])
    }

    /// A database app with QuickBooks pointed at `fake`; `body` gets the server, the client and the logs.
    static func withQuickBooksApp(_ fake: QuickBooksFake, _ body: (NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void)
        async throws
    {
        let endpoints = try Self.endpoints(fake)
        let logs = LogCapture()
        try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["QUICKBOOKS": fake.app]) }) {
            server, client in try await body(server, client, logs)
        }
    }

    /// `connectors.authorizeUrl` with `variables`, the user picking `realm` on Intuit's consent
    /// screen, the redirect back with code, state and realmId: the consent's query and the
    /// callback's redirect query.
    static func connect(
        _ client: HTTPTestClient, _ fake: QuickBooksFake, variables: [String: String] = ["realmId": QuickBooksFake.realmId],
        realm: String = QuickBooksFake.realmId
    ) async throws -> (consent: [String: String], location: [String: String]) {
        let started = try await OAuthTestSupport.authorize(client, ["connector": "quickbooks", "variables": variables])
        guard started.status == 200 else { return (started.query, ["status": "authorize refused: \(started.status)"]) }
        let granted = try #require(fake.authorize(started.query, realmId: realm), "the consent refused \(started.url)")
        let back = try await OAuthTestSupport.callback(
            client, connector: "quickbooks", [("code", granted.code), ("state", started.query["state"] ?? ""), ("realmId", granted.realmId)])
        return (started.query, OAuthTestSupport.query(try #require(back.header("Location"))))
    }

    static func refreshes(_ fake: QuickBooksFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { $0.formItems["grant_type"] == ["refresh_token"] }
    }

    @Test func oauthConnectsTheRealmRefreshesWithTheRolledTokenAndLeaksNothing() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withQuickBooksApp(fake) { server, client, logs in
                let pool = try #require(server.database?.pool)
                let done = try await Self.connect(client, fake)
                let id = try #require(done.location["connectionId"], "not connected: \(done.location)")
                #expect(done.consent["scope"] == QuickBooksFake.accountingScope && done.consent["response_type"] == "code")
                #expect(done.consent["client_id"] == fake.app.clientID && done.consent["code_challenge"] == nil, "no PKCE")

                let exchange = try #require(fake.tokenRequests.first)
                let basic = "Basic " + Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
                #expect(exchange.header("Authorization") == basic)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"] && exchange.formItems["client_secret"] == nil)
                #expect(exchange.formItems["redirect_uri"] == [done.consent["redirect_uri"] ?? ""])
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await pool.query("SELECT variables->>'realmId' AS r FROM connections WHERE id = \(uuid)").first)
                #expect(try row.decode("r", as: String.self) == QuickBooksFake.realmId)
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(fetched)?["status"] as? String == "active")
                #expect(((resultData(fetched)?["accounts"] as? [[String: Any]])?.first)?["kind"] as? String == "company")

                // An action is a recorded run, in the company's path.
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "invoices.list", "input": ["where": "Balance > '0'"]])
                #expect(status == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [[String: Any]])?.count == 2)
                let runID = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
                let run = try await pool.query("SELECT status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let reads = fake.server.requests("GET", "/v3/company/\(QuickBooksFake.realmId)/query")
                var bearers = [try #require(OAuthTestSupport.bearer(reads.last))]

                // Twice the hour runs out; the second refresh only works with the token Intuit rolled the first time.
                for round in 1...2 {
                    fake.expire(token: bearers[bearers.count - 1])
                    fake.rotateRefreshTokens()
                    let (again, answer) = try await client.mutation(
                        "connectors.executeAction", ["connectionId": id, "action": "companyInfo.get", "input": [:]])
                    #expect(again == 200, "\(answer)")
                    #expect(Self.refreshes(fake).count == round)
                    let info = fake.server.requests("GET", "/v3/company/\(QuickBooksFake.realmId)/companyinfo/\(QuickBooksFake.realmId)")
                    bearers.append(try #require(OAuthTestSupport.bearer(info.last)))
                    #expect(!String(describing: answer).contains(bearers[bearers.count - 1]))
                }
                let refreshes = Self.refreshes(fake)
                #expect(refreshes.allSatisfy { $0.header("Authorization") == basic })
                let used = refreshes.compactMap { $0.formItems["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] != used[1] && !fake.isValid(refreshToken: used[1]))

                let planted = bearers + used + [fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            }
        }
    }

    @Test func aRefusedRefreshPutsTheConnectionInAttention() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withQuickBooksApp(fake) { _, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                    client, connection: id, action: "customers.list", refreshes: { Self.refreshes(fake).count }
                ) {
                    fake.expire(
                        token: try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/v3/company/\(QuickBooksFake.realmId)/query").last)))
                    fake.revokeRefreshTokens()
                }
            }
        }
    }

    @Test func disconnectingCallsTheRevocationEndpointAndDeletesTheSecrets() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withQuickBooksApp(fake) { server, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                #expect(fake.server.requests("POST", "/v2/oauth2/tokens/revoke").count == 1, "the revocation endpoint is called")
                let pool = try #require(server.database?.pool)
                let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
                #expect(try left.first?.decode("n", as: Int.self) == 0)
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(got)?["status"] as? String == "revoked")
            }
        }
    }
}
