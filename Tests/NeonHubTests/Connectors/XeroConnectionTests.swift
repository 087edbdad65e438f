import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Xero connection end to end, on a real database and the real server, pointed at the Xero
/// fake through `CONNECTOR_ENDPOINTS_FILE`: the OAuth dance (catalog scopes with
/// `offline_access`, PKCE S256, the app's id and secret by HTTP Basic), the organisations of
/// `/connections` as the connection's accounts, an action for one tenant as a recorded run with
/// its `xero-tenant-id`, an expired 30-minute token refreshed twice with the rotated refresh
/// token stored each time, no token or secret in any table, log line or response, and a
/// disconnect that revokes the refresh token and deletes the connection's secrets. The app is
/// one created after 2 March 2026, which Xero grants only the granular scopes the definition asks.
@Suite struct XeroConnectionTests {
    static func endpoints(_ fake: XeroFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "xero": [
                "baseUrl": fake.baseURL, "authorizeUrl": fake.baseURL + "/identity/connect/authorize",
                "tokenUrl": fake.baseURL + "/connect/token", "revokeUrl": fake.baseURL + "/connect/revocation",
            ]
        ])
    }

    static func refreshGrants(_ fake: XeroFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { $0.formItems["grant_type"] == ["refresh_token"] }
    }

    @Test func oauthConnectsListsTheTenantsAndRefreshesWithRotatingTokens() async throws {
        let fake = XeroFake()
        fake.newApp = true
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["XERO": fake.app]) }) {
                server, client in
                let pool = try #require(server.database?.pool)
                let started = try await OAuthTestSupport.authorize(client, ["connector": "xero"])
                #expect(started.status == 200)
                #expect(started.url.hasPrefix(fake.baseURL + "/identity/connect/authorize?"))
                let scopes = Set((started.query["scope"] ?? "").split(separator: " ").map(String.init))
                #expect(scopes.contains("offline_access"), "without it Xero issues no refresh token")
                #expect(started.query["code_challenge_method"] == "S256" && started.query["code_challenge"]?.count == 43)
                let code = try #require(fake.authorize(started.query).code, "consent refused")
                let back = try await OAuthTestSupport.callback(client, connector: "xero", [("code", code), ("state", started.query["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])
                #expect(exchange.formItems["code_verifier"]?.first.map { PKCE.s256Challenge($0) } == started.query["code_challenge"])
                let basic = "Basic " + Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
                #expect(exchange.header("Authorization") == basic, "clientAuthentication basic")

                let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(status == 200)
                #expect(resultData(fetched)?["status"] as? String == "active")
                let accounts = String(decoding: try JSONSerialization.data(withJSONObject: resultData(fetched)?["accounts"] ?? []), as: UTF8.self)
                for tenant in XeroFake.tenants { #expect(accounts.contains(tenant.id), "each organisation is an account") }

                // An action for one organisation is a recorded run with that tenant's header.
                let tenant = XeroFake.tenants[1]
                let (listed, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "contacts.list", "accountId": tenant.id, "input": [:]])
                #expect(listed == 200, "\(envelope)")
                let sent = try #require(fake.requests("GET", "/api.xro/2.0/Contacts").last)
                #expect(sent.header("xero-tenant-id") == tenant.id)
                let runText = try #require(resultData(envelope)?["runId"] as? String)
                let runID = try #require(UUID(uuidString: runText))
                let run = try await pool.query("SELECT status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")

                // Twice: the 30-minute token dies and the call refreshes. The second refresh only
                // works with the rotated refresh token stored by the first.
                var bearers: [String] = []
                for round in 1...2 {
                    let bearer = try #require(OAuthTestSupport.bearer(fake.requests("GET", "/api.xro/2.0/Contacts").last))
                    bearers.append(bearer)
                    fake.expire(token: bearer)
                    fake.endGracePeriods()
                    let (again, answer) = try await client.mutation(
                        "connectors.executeAction", ["connectionId": id, "action": "contacts.list", "accountId": tenant.id, "input": [:]])
                    #expect(again == 200, "\(answer)")
                    #expect(Self.refreshGrants(fake).count == round)
                    #expect(!String(describing: answer).contains(bearer))
                }
                let used = Self.refreshGrants(fake).compactMap { $0.formItems["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] != used[1], "the rotated refresh token was stored")
                #expect(Self.refreshGrants(fake).allSatisfy { $0.header("Authorization") == basic })
                bearers.append(try #require(OAuthTestSupport.bearer(fake.requests("GET", "/api.xro/2.0/Contacts").last)))

                let planted = bearers + used + [fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }

                // Disconnecting revokes the refresh token at Xero and deletes the secrets.
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                let revocation = try #require(fake.requests("POST", "/connect/revocation").last)
                #expect(revocation.header("Authorization") == basic)
                let revoked = try #require(revocation.formItems["token"]?.first)
                #expect(!fake.isValid(token: revoked) && !fake.isValid(token: bearers.last ?? ""))
                let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
                #expect(try left.first?.decode("n", as: Int.self) == 0)
            }
        }
    }
}
