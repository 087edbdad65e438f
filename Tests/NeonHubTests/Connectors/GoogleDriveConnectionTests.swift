import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Google Drive connection end to end, on a real database and the real server, pointed at
/// Google's OAuth fake and the Drive fake through `CONNECTOR_ENDPOINTS_FILE`: the consent URL
/// (catalog scopes, PKCE S256, offline access), the code exchanged at Google's token endpoint
/// with the verifier and the app's secret, actions as recorded runs, an expired token refreshed
/// once, and no token or secret in any table, log line or response.
@Suite struct GoogleDriveConnectionTests {
    @Test func oauthConnectsActionsAreRecordedRunsAndTokensLeakNowhere() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleDriveFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        defer {
            fake.stop()
            oauth.stop()
        }
        let logs = LogCapture()
        let endpoints = try OAuthTestSupport.endpointsFile([
            "google-drive": [
                "baseUrl": fake.server.baseURL, "authorizeUrl": oauth.authorizeURL, "tokenUrl": oauth.tokenURL, "revokeUrl": oauth.revokeURL,
            ]
        ])
        try await withDatabaseApp(
            logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["GOOGLE_DRIVE": oauth.app]) }
        ) {
            server, client in
            let pool = try #require(server.database?.pool)
            let started = try await OAuthTestSupport.authorize(client, ["connector": "google-drive"])
            #expect(started.status == 200)
            #expect(started.url.hasPrefix(oauth.authorizeURL + "?"))
            #expect(started.query["client_id"] == oauth.app.clientID)
            let scopes = (started.query["scope"] ?? "").split(separator: " ").map(String.init)
            #expect(scopes.contains(GoogleDriveFake.fileScope), "every Drive action needs a Drive scope")
            #expect(started.query["code_challenge_method"] == "S256")
            #expect(started.query["access_type"] == "offline" && started.query["prompt"] == "consent")
            let code = oauth.authorize(
                scopes: scopes, redirectURI: started.query["redirect_uri"], codeChallenge: started.query["code_challenge"],
                codeChallengeMethod: "S256", prompt: "consent")
            let back = try await OAuthTestSupport.callback(
                client, connector: "google-drive", [("code", code), ("state", started.query["state"] ?? "")])
            let location = try #require(back.header("Location"))
            let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

            let exchange = try #require(oauth.requests.first { $0.path == "/token" })
            #expect(exchange.formItems["grant_type"] == ["authorization_code"])
            #expect(exchange.formItems["client_secret"] == [oauth.app.clientSecret])
            #expect(exchange.formItems["code_verifier"]?.first?.count == 43)
            #expect(oauth.exchangeCount == 1)

            let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
            #expect(status == 200)
            #expect(resultData(fetched)?["status"] as? String == "active")

            // An action is a recorded run with the token Google issued.
            let (read, envelope) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "about.get", "input": [String: Any]()])
            #expect(read == 200, "\(envelope)")
            #expect((resultData(envelope)?["output"] as? [String: Any])?["email"] as? String == oauth.user.email)
            let first = try #require(OAuthTestSupport.bearer(fake.requests.last))
            #expect(first.hasPrefix("ya29."))
            let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
            let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("action", as: String.self) == "about.get")

            let (wrote, created) = try await client.mutation(
                "connectors.executeAction",
                ["connectionId": id, "action": "folders.create", "input": ["name": "From NeonHub", "parentId": GoogleDriveFake.campaignFolder]])
            #expect(wrote == 200, "\(created)")
            #expect(fake.files.last?.name == "From NeonHub" && fake.files.last?.parents == [GoogleDriveFake.campaignFolder])

            // The access token expires: the next action refreshes it once and goes on.
            oauth.expire(accessToken: first)
            let (again, answer) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "files.list", "input": ["q": "trashed = false"]])
            #expect(again == 200, "\(answer)")
            let listed = (resultData(answer)?["output"] as? [String: Any]).flatMap { $0["items"] as? [[String: Any]] }
            #expect(listed?.contains { $0["name"] as? String == "From NeonHub" } == true)
            #expect(oauth.refreshCount == 1)
            let refresh = try #require(oauth.requests.last { $0.path == "/token" })
            #expect(refresh.formItems["grant_type"] == ["refresh_token"])
            let refreshToken = try #require(refresh.formItems["refresh_token"]?.first)
            let second = try #require(OAuthTestSupport.bearer(fake.requests.last))
            #expect(second != first)

            // Both access tokens, the refresh token and the app secret live only sealed, or nowhere.
            let planted = [first, second, refreshToken, oauth.app.clientSecret]
            #expect(try await plaintextFindings(of: planted, in: pool) == [])
            #expect(logs.count > 0)
            let responses = [back.text, location] + [fetched, envelope, created, answer].map { String(describing: $0) }
            for secret in planted {
                #expect(!logs.text.contains(secret), "a log line holds a secret")
                #expect(!responses.contains { $0.contains(secret) }, "a response holds a secret")
            }
        }
    }
}
