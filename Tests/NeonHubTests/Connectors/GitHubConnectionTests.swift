import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A GitHub connection end to end, on a real database and the real server, pointed at the GitHub
/// fake through `CONNECTOR_ENDPOINTS_FILE`: the OAuth app web flow (catalog scopes, PKCE S256, the
/// consent page's redirect back to our callback, the code exchanged with the app's secret and the
/// verifier, the JSON answer), actions as recorded runs, a refused code storing nothing, and no
/// token or secret in any table, log line or response.
@Suite struct GitHubConnectionTests {
    /// Runs `body` with a started GitHub fake and a server on a fresh database pointed at it.
    func withGitHubApp(_ body: (GitHubFake, LogCapture, NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        let fake = GitHubFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile([
                "github": [
                    "baseUrl": fake.baseURL, "authorizeUrl": "\(fake.baseURL)/login/oauth/authorize",
                    "tokenUrl": "\(fake.baseURL)/login/oauth/access_token",
                ]
            ])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["GITHUB": fake.app]) }) {
                server, client in try await body(fake, logs, server, client)
            }
        }
    }

    @Test func oauthConnectsActionsAreRecordedRunsAndTokensLeakNowhere() async throws {
        try await withGitHubApp { fake, logs, server, client in
            let pool = try #require(server.database?.pool)
            let started = try await OAuthTestSupport.authorize(client, ["connector": "github"])
            #expect(started.status == 200)
            #expect(started.url.hasPrefix("\(fake.baseURL)/login/oauth/authorize?"))
            #expect(started.query["client_id"] == fake.app.clientID)
            #expect(started.query["scope"] == "repo read:user", "space-delimited, as GitHub documents")
            #expect(started.query["code_challenge_method"] == "S256" && started.query["code_challenge"]?.count == 43)

            // The consent page approves and sends the browser back to our callback.
            let consentURL = try #require(URLComponents(string: started.url))
            let consent = try await HTTPTestClient(baseURL: fake.baseURL).get(consentURL.path + "?" + (consentURL.percentEncodedQuery ?? ""))
            #expect(consent.status == 302)
            let back = try #require(consent.header("Location").flatMap(URLComponents.init(string:)))
            #expect(back.path == "/oauth/callback/github", "the redirect URI is one GitHub accepts: \(consent.header("Location") ?? "")")
            let items = (back.queryItems ?? []).map { ($0.name, $0.value ?? "") }
            let callback = try await OAuthTestSupport.callback(client, connector: "github", items)
            let location = try #require(callback.header("Location"))
            let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

            let exchange = try #require(fake.tokenRequests.first)
            #expect(exchange.formItems["client_id"] == [fake.app.clientID])
            #expect(exchange.formItems["client_secret"] == [fake.app.clientSecret])
            #expect(exchange.formItems["redirect_uri"] == [started.query["redirect_uri"] ?? ""])
            #expect(exchange.formItems["code_verifier"]?.first.map(PKCE.s256Challenge) == started.query["code_challenge"])
            #expect(exchange.header("Accept")?.contains("application/json") == true, "else GitHub answers form-encoded")

            let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
            #expect(status == 200)
            #expect(resultData(fetched)?["status"] as? String == "active")

            // Actions are recorded runs with the token GitHub issued.
            let (read, envelope) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "user.get", "input": [String: Any]()])
            #expect(read == 200, "\(envelope)")
            #expect((resultData(envelope)?["output"] as? [String: Any])?["login"] as? String == GitHubFake.login)
            let token = try #require(fake.requests("GET", "/user").last?.header("Authorization").map { String($0.dropFirst("Bearer ".count)) })
            #expect(token.hasPrefix("gho_"))
            let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
            let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("action", as: String.self) == "user.get")

            let (wrote, created) = try await client.mutation(
                "connectors.executeAction",
                ["connectionId": id, "action": "issues.create", "input": ["owner": "octocat", "repo": "Hello-World", "title": "From NeonHub"]])
            #expect(wrote == 200, "\(created)")
            #expect(fake.issues(in: "octocat/Hello-World").last?.title == "From NeonHub")

            // A code GitHub refuses (answered with HTTP 200 and an `error`) stores nothing.
            let second = try await OAuthTestSupport.authorize(client, ["connector": "github"])
            let refused = try await OAuthTestSupport.callback(
                client, connector: "github", [("code", "0000000000deadbeef00"), ("state", second.query["state"] ?? "")])
            let refusal = OAuthTestSupport.query(try #require(refused.header("Location")))
            #expect(refusal["status"] == "error" && refusal["connectionId"] == nil)
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 1)

            // The access token and the app secret live only sealed, or nowhere.
            let planted = [token, fake.app.clientSecret]
            #expect(try await plaintextFindings(of: planted, in: pool) == [])
            #expect(logs.count > 0)
            let responses = [callback.text, refused.text, location] + [fetched, envelope, created].map { String(describing: $0) }
            for secret in planted {
                #expect(!logs.text.contains(secret), "a log line holds a secret")
                #expect(!responses.contains { $0.contains(secret) }, "a response holds a secret")
            }
        }
    }

    @Test
    func aCodeGitHubRefusesWithHTTP200IsARefusedAuthorizationWithGitHubsReason() async throws {
        try await withGitHubApp { fake, _, server, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "github"])
            let refused = try await OAuthTestSupport.callback(
                client, connector: "github", [("code", "0000000000deadbeef00"), ("state", started.query["state"] ?? "")])
            let refusal = OAuthTestSupport.query(try #require(refused.header("Location")))
            #expect(fake.tokenRequests.count == 1, "the code was tried at the token endpoint")
            #expect(refusal["status"] == "error")
            // GitHub's bad_verification_code is RFC 6749's invalid_grant: a person must authorize again.
            #expect(refusal["reason"] == "authorization_refused")
            #expect(refusal["message"]?.contains("incorrect or expired") == true, "GitHub's error_description is kept")
            let pool = try #require(server.database?.pool)
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
        }
    }
}
