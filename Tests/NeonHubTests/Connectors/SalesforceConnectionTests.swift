import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Salesforce connection end to end, on a real database and the real server, pointed at
/// `SalesforceFake` through `CONNECTOR_ENDPOINTS_FILE` (the fake is the login server and the org's
/// instance): the consent URL with the catalog's scopes and a PKCE S256 challenge, the code
/// exchanged with the verifier and the app's secret in the form, the org's host stored with the
/// connection, actions as recorded runs, an expired session refreshed with the refresh token
/// Salesforce does not rotate (twice with the same one), the grant revoked at disconnect, and no
/// token or secret in any table, log line or response.
@Suite struct SalesforceConnectionTests {
    static let instanceHost = "neonhub-demo.my.salesforce.com"

    static func refreshes(_ fake: SalesforceFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { $0.formItems["grant_type"] == ["refresh_token"] }
    }

    /// One `records.query` through `connectors.executeAction`: the status, the envelope and the
    /// bearer the fake saw.
    static func query(_ client: HTTPTestClient, _ fake: SalesforceFake, connection id: String) async throws -> (
        status: Int, envelope: [String: Any], bearer: String?
    ) {
        let (status, envelope) = try await client.mutation(
            "connectors.executeAction",
            ["connectionId": id, "action": "records.query", "input": ["soql": "SELECT Id, Name, Email FROM Contact", "limit": 3]])
        return (status, envelope, OAuthTestSupport.bearer(fake.apiRequests("GET", "/query").last))
    }

    @Test func pkceConnectsTheOrgRefreshesWithTheSameRefreshTokenRevokesAtDisconnectAndLeaksNothing() async throws {
        let fake = SalesforceFake(instanceURL: "https://\(Self.instanceHost)")
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile([
                "salesforce": [
                    "baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL, "revokeUrl": fake.revokeURL,
                ]
            ])
            try await withDatabaseApp(
                logger: logs.logger(),
                {
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["SALESFORCE": fake.app])
                    $0.publicURL = "https://hub.example.test"
                }
            ) { server, client in
                let pool = try #require(server.database?.pool)
                // The org's host is not asked for: it comes with the token (instance_url).
                let started = try await OAuthTestSupport.authorize(client, ["connector": "salesforce"])
                #expect(started.status == 200)
                #expect(started.url.hasPrefix(fake.authorizeURL + "?"))
                #expect(started.query["response_type"] == "code" && started.query["client_id"] == fake.app.clientID)
                #expect(Set((started.query["scope"] ?? "").split(separator: " ").map(String.init)) == SalesforceFake.defaultScopes)
                #expect(started.query["redirect_uri"] == fake.app.redirectURI)
                #expect(started.query["code_challenge_method"] == "S256")
                let code = try #require(fake.authorize(started.query), "the consent screen refused \(started.url)")
                let back = try await OAuthTestSupport.callback(
                    client, connector: "salesforce", [("code", code), ("state", started.query["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

                // The fake only issued tokens because the verifier hashes to the consent's challenge.
                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
                let verifier = try #require(exchange.formItems["code_verifier"]?.first)
                #expect(PKCE.s256Challenge(verifier) == started.query["code_challenge"])
                #expect(exchange.formItems["grant_type"] == ["authorization_code"] && exchange.formItems["code"] == [code])
                #expect(exchange.formItems["client_id"] == [fake.app.clientID] && exchange.formItems["client_secret"] == [fake.app.clientSecret])
                #expect(exchange.formItems["redirect_uri"] == [fake.app.redirectURI])

                // The org's host is the token answer's instance_url, kept beside it.
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(
                    try await pool.query(
                        "SELECT variables->>'instanceHost' AS host, variables->>'instance_url' AS instance, status FROM connections WHERE id = \(uuid)"
                    ).first)
                #expect(try row.decode("host", as: String.self) == Self.instanceHost)
                #expect(try row.decode("instance", as: String?.self) == "https://\(Self.instanceHost)")
                #expect(try row.decode("status", as: String.self) == "active")

                // An action is a recorded run.
                let first = try await Self.query(client, fake, connection: id)
                #expect(first.status == 200, "\(first.envelope)")
                #expect((resultData(first.envelope)?["output"] as? [String: Any]).flatMap { $0["items"] as? [Any] }?.count == 3)
                let runID = try #require(resultData(first.envelope)?["runId"] as? String)
                let runUUID = try #require(UUID(uuidString: runID))
                let run = try #require(try await pool.query("SELECT status FROM agent_runs WHERE id = \(runUUID)").first)
                #expect(try run.decode("status", as: String.self) == "succeeded")
                var bearers = [try #require(first.bearer)]

                // Twice the session expires (401 INVALID_SESSION_ID); each call refreshes once, both
                // times with the refresh token of the authorization: Salesforce does not rotate it.
                for round in 1...2 {
                    fake.expire(token: bearers[bearers.count - 1])
                    let again = try await Self.query(client, fake, connection: id)
                    #expect(again.status == 200, "\(again.envelope)")
                    #expect(Self.refreshes(fake).count == round)
                    bearers.append(try #require(again.bearer))
                    #expect(!String(describing: again.envelope).contains(bearers[bearers.count - 1]))
                }
                #expect(Set(bearers).count == 3)
                let used = Self.refreshes(fake).compactMap { $0.formItems["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] == used[1])
                let refreshToken = try #require(used.first)
                #expect(Self.refreshes(fake).allSatisfy { $0.formItems["client_secret"] == [fake.app.clientSecret] })

                // Every access token, the refresh token, the verifier, the code and the app secret
                // live only sealed, or nowhere.
                let planted = bearers + [refreshToken, verifier, code, fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }

                // Disconnecting revokes the grant at Salesforce: the refresh token, with its sessions.
                let disconnected = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(tenant: "tenant-a", role: .admin))"],
                    body: try JSONSerialization.data(withJSONObject: ["connectionId": id]))
                #expect(disconnected.status == 200, "\(disconnected.text)")
                let revoke = try #require(fake.revokeRequests.last)
                #expect(revoke.formItems["token"] == [refreshToken])
                #expect(!fake.isValid(refreshToken: refreshToken))
                #expect(!disconnected.text.contains(refreshToken))
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            }
        }
    }

    @Test func aRefusedRefreshPutsTheConnectionInAttention() async throws {
        let fake = SalesforceFake(instanceURL: "https://\(Self.instanceHost)")
        try fake.start()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile([
                "salesforce": ["baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL]
            ])
            try await withDatabaseApp({
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["SALESFORCE": fake.app])
                $0.publicURL = "https://hub.example.test"
            }) { _, client in
                let started = try await OAuthTestSupport.authorize(
                    client, ["connector": "salesforce", "variables": ["instanceHost": Self.instanceHost]])
                let code = try #require(fake.authorize(started.query))
                let back = try await OAuthTestSupport.callback(
                    client, connector: "salesforce", [("code", code), ("state", started.query["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"])
                let first = try await Self.query(client, fake, connection: id)
                #expect(first.status == 200)
                let token = try #require(first.bearer)
                let refresh = try #require(Self.refreshToken(fake))
                fake.expire(token: token)
                fake.revoke(token: refresh)  // an admin revoked the app's access in Setup

                let refused = try await Self.query(client, fake, connection: id)
                #expect(refused.status == 412, "\(refused.envelope)")
                #expect(Self.refreshes(fake).count == 1, "refreshed once")
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                let connection = try #require(resultData(got))
                #expect(connection["status"] as? String == "attention")
                #expect(!(connection["lastError"] as? String ?? "").contains(token))
            }
        }
    }

    /// The refresh token the authorization's token answer carried (read from the fake's state,
    /// since the answer itself went to the server).
    static func refreshToken(_ fake: SalesforceFake) -> String? {
        fake.issuedRefreshTokens.first
    }
}
