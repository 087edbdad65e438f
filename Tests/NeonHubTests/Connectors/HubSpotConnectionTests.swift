import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A HubSpot connection end to end, on a real database and the real server, pointed at the
/// HubSpot fake through `CONNECTOR_ENDPOINTS_FILE`: the OAuth dance (catalog scopes, no PKCE,
/// the code exchanged with the app's secret in the form body), the portal as the connection's
/// account, an action as a recorded run, an expired token refreshed once with the refresh
/// token, and no token or secret in any table, log line or response.
@Suite struct HubSpotConnectionTests {
    @Test func oauthConnectsThePortalActionsAreRecordedRunsAndTokensLeakNowhere() async throws {
        let fake = HubSpotFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile([
                "hubspot": [
                    "baseUrl": fake.baseURL, "authorizeUrl": "\(fake.baseURL)/oauth/authorize", "tokenUrl": "\(fake.baseURL)/oauth/v1/token",
                ]
            ])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["HUBSPOT": fake.app]) }) {
                server, client in
                let pool = try #require(server.database?.pool)
                let started = try await OAuthTestSupport.authorize(client, ["connector": "hubspot"])
                #expect(started.status == 200)
                #expect(started.query["client_id"] == fake.app.clientID)
                #expect(Set((started.query["scope"] ?? "").split(separator: " ").map(String.init)) == HubSpotFake.defaultScopes)
                #expect(started.query["code_challenge"] == nil, "HubSpot's flow has no PKCE")
                let code = fake.authorize(redirectURI: started.query["redirect_uri"])
                let back = try await OAuthTestSupport.callback(
                    client, connector: "hubspot", [("code", code), ("state", started.query["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])
                #expect(exchange.formItems["client_id"] == [fake.app.clientID])
                #expect(exchange.formItems["client_secret"] == [fake.app.clientSecret])
                #expect(exchange.formItems["redirect_uri"] == [started.query["redirect_uri"] ?? ""])

                let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(status == 200)
                #expect(resultData(fetched)?["status"] as? String == "active")
                let accounts = try JSONSerialization.data(withJSONObject: resultData(fetched)?["accounts"] ?? [])
                #expect(String(decoding: accounts, as: UTF8.self).contains(String(HubSpotFake.portalID)), "the portal is the account")
                let first = try #require(OAuthTestSupport.bearer(fake.requests("GET", "/account-info/v3/details").last))

                // An action is a recorded run.
                let (listed, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "contacts.list", "input": ["limit": 3]])
                #expect(listed == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [String: Any]).flatMap { $0["items"] as? [Any] }?.count == 3)

                // The access token expires: the next action refreshes it once and goes on.
                fake.expire(token: first)
                let (again, answer) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "account.details", "input": [:]])
                #expect(again == 200, "\(answer)")
                let refresh = try #require(fake.tokenRequests.last)
                #expect(refresh.formItems["grant_type"] == ["refresh_token"])
                let refreshToken = try #require(refresh.formItems["refresh_token"]?.first)
                let second = try #require(OAuthTestSupport.bearer(fake.requests("GET", "/account-info/v3/details").last))
                #expect(second != first)

                // Both access tokens, the refresh token and the app secret live only sealed, or nowhere.
                let planted = [first, second, refreshToken, fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
                #expect(!String(describing: answer).contains(second))
            }
        }
    }
}
