import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Dropbox connection end to end, on a real database and the real server, pointed at the
/// Dropbox fake through `CONNECTOR_ENDPOINTS_FILE`: the OAuth dance (catalog scopes, PKCE S256,
/// token_access_type=offline, the app key and secret by HTTP Basic as the definition declares),
/// actions as recorded runs, an expired token refreshed once with the non-rotating refresh token,
/// no token or secret in any table, log line or response, and a disconnect that ends the
/// connection and deletes its secrets.
@Suite struct DropboxConnectionTests {
    /// Both Dropbox hosts, the OAuth endpoints and the revocation endpoint on the fake.
    static func endpoints(_ fake: DropboxFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "dropbox": [
                "baseUrl": fake.baseURL + "/2", "authorizeUrl": fake.baseURL + "/oauth2/authorize", "tokenUrl": fake.baseURL + "/oauth2/token",
                "revokeUrl": fake.baseURL + "/2/auth/token/revoke",
            ]
        ])
    }

    /// Connects through the fake's consent with the challenge and access type the authorize URL asked for.
    static func connect(_ client: HTTPTestClient, _ fake: DropboxFake) async throws -> UUID {
        try await OAuthTestSupport.connect(client, connector: "dropbox") { query in
            fake.authorize(
                redirectURI: query["redirect_uri"], codeChallenge: query["code_challenge"], codeChallengeMethod: query["code_challenge_method"],
                tokenAccessType: query["token_access_type"])
        }
    }

    @Test func oauthConnectsActionsAreRecordedRunsAndTokensLeakNowhere() async throws {
        let fake = DropboxFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DROPBOX": fake.app]) }) {
                server, client in
                let pool = try #require(server.database?.pool)
                let started = try await OAuthTestSupport.authorize(client, ["connector": "dropbox"])
                #expect(started.status == 200)
                #expect(started.url.hasPrefix(fake.baseURL + "/oauth2/authorize?"))
                #expect(started.query["client_id"] == fake.app.clientID && started.query["response_type"] == "code")
                #expect(started.query["token_access_type"] == "offline", "without it Dropbox issues no refresh token")
                #expect(Set((started.query["scope"] ?? "").split(separator: " ").map(String.init)) == DropboxFake.defaultScopes)
                #expect(started.query["code_challenge_method"] == "S256" && started.query["code_challenge"]?.count == 43)
                let code = fake.authorize(
                    redirectURI: started.query["redirect_uri"], codeChallenge: started.query["code_challenge"], codeChallengeMethod: "S256",
                    tokenAccessType: started.query["token_access_type"])
                let back = try await OAuthTestSupport.callback(
                    client, connector: "dropbox", [("code", code), ("state", started.query["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])
                #expect(exchange.formItems["redirect_uri"] == [started.query["redirect_uri"] ?? ""])
                #expect(exchange.formItems["code_verifier"]?.first.map { PKCE.s256Challenge($0) } == started.query["code_challenge"])
                let basic = "Basic " + Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
                #expect(exchange.header("Authorization") == basic, "clientAuthentication basic")
                #expect(exchange.formItems["client_secret"] == nil, "the secret only in the Basic header")

                let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(status == 200)
                #expect(resultData(fetched)?["status"] as? String == "active")

                // Actions are recorded runs.
                let (read, account) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "users.getCurrentAccount", "input": [:]])
                #expect(read == 200, "\(account)")
                #expect((resultData(account)?["output"] as? [String: Any])?["email"] as? String == fake.account.email)
                let first = try #require(OAuthTestSupport.bearer(fake.requests("POST", "/2/users/get_current_account").last))
                let (listed, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "files.listFolder", "input": ["path": "/Marketing/Q4"]])
                #expect(listed == 200, "\(envelope)")
                let entries = (resultData(envelope)?["output"] as? [String: Any])?["entries"] as? [[String: Any]]
                #expect(entries?.compactMap { $0["name"] as? String } == ["banner-1200x628.png", "brief.docx", "Drafts"])
                let runText = try #require(resultData(envelope)?["runId"] as? String)
                let runID = try #require(UUID(uuidString: runText))
                let run = try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("agent", as: String.self) == "connector")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let tools = try await pool.query("SELECT input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("action", as: String.self) == "files.listFolder")

                // The access token expires: the next action refreshes it once and goes on.
                fake.expire(token: first)
                let (again, answer) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "users.getCurrentAccount", "input": [:]])
                #expect(again == 200, "\(answer)")
                let refresh = try #require(fake.tokenRequests.last)
                #expect(refresh.formItems["grant_type"] == ["refresh_token"])
                #expect(refresh.header("Authorization") == basic)
                let refreshToken = try #require(refresh.formItems["refresh_token"]?.first)
                let second = try #require(OAuthTestSupport.bearer(fake.requests("POST", "/2/users/get_current_account").last))
                #expect(second != first && fake.isValid(token: second))
                #expect(fake.tokenRequests.count == 2)

                // Both access tokens, the refresh token and the app secret live only sealed, or nowhere.
                let planted = [first, second, refreshToken, fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
                #expect(!String(describing: answer).contains(second))
            }
        }
    }

    @Test func disconnectingEndsTheConnectionAndDeletesItsSecrets() async throws {
        let fake = DropboxFake()
        try fake.start()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DROPBOX": fake.app]) }) { server, client in
                let id = try await Self.connect(client, fake).uuidString.lowercased()
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                #expect(fake.requests("POST", "/2/auth/token/revoke").count == 1, "the revocation endpoint is called")
                let pool = try #require(server.database?.pool)
                let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
                #expect(try left.first?.decode("n", as: Int.self) == 0)
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(got)?["status"] as? String == "revoked")
                let (status, refused) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "users.getCurrentAccount", "input": [:]])
                #expect(status != 200, "\(refused)")
                #expect(fake.requests("POST", "/2/users/get_current_account").isEmpty)
            }
        }
    }
}
