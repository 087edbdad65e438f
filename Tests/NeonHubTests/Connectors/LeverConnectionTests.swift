import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Lever connection end to end, on a real database and the real server, pointed at the Lever
/// fake through `CONNECTOR_ENDPOINTS_FILE`: the OAuth dance as Lever's OAuth page describes it
/// (https://hire.lever.co/developer/oauth: `audience`, `state`, `prompt=consent`, the catalog
/// scopes, the code exchanged with the client id and secret in the body), actions as recorded
/// runs, expired access tokens refreshed with the single-use refresh token (each refresh stores
/// the rotated one), and no token or secret in any table, log line or response.
@Suite struct LeverConnectionTests {
    /// The API and the authorization server, both on the fake.
    static func endpoints(_ fake: LeverFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "lever": ["baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL]
        ])
    }

    static func refreshGrants(_ fake: LeverFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { $0.formItems["grant_type"] == ["refresh_token"] }
    }

    @Test func oauthConnectsActionsAreRecordedRunsRefreshesRotateAndTokensLeakNowhere() async throws {
        let fake = LeverFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["LEVER": fake.app]) }) {
                server, client in
                let pool = try #require(server.database?.pool)
                let started = try await OAuthTestSupport.authorize(client, ["connector": "lever"])
                #expect(started.status == 200)
                #expect(started.url.hasPrefix(fake.authorizeURL + "?"))
                #expect(started.query["client_id"] == fake.app.clientID && started.query["response_type"] == "code")
                #expect(started.query["audience"] == LeverFake.audience, "without it Lever grants offline_access only")
                #expect(started.query["prompt"] == "consent")
                #expect(started.query["state"]?.isEmpty == false)
                #expect(Set((started.query["scope"] ?? "").split(separator: " ").map(String.init)) == LeverFake.defaultScopes)
                #expect(started.query["code_challenge"] == nil, "Lever documents no PKCE")
                let redirect = fake.authorize(started.query)
                let code = try #require(redirect["code"], "refused: \(redirect)")
                let back = try await OAuthTestSupport.callback(client, connector: "lever", [("code", code), ("state", redirect["state"] ?? "")])
                let location = try #require(back.header("Location"))
                let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])
                #expect(exchange.formItems["client_id"] == [fake.app.clientID])
                #expect(exchange.formItems["client_secret"] == [fake.app.clientSecret], "the client in the body")
                #expect(exchange.formItems["redirect_uri"] == [started.query["redirect_uri"] ?? ""])
                #expect(exchange.formItems["code"] == [code])

                let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(status == 200)
                #expect(resultData(fetched)?["status"] as? String == "active")

                // An action is a recorded run.
                let (listed, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "postings.list", "input": ["limit": 5]])
                #expect(listed == 200, "\(envelope)")
                let items = (resultData(envelope)?["output"] as? [String: Any])?["items"] as? [[String: Any]]
                #expect(items?.compactMap { $0["title"] as? String } == ["Backend Engineer", "Growth Marketer"])
                let runText = try #require(resultData(envelope)?["runId"] as? String)
                let runID = try #require(UUID(uuidString: runText))
                let run = try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("agent", as: String.self) == "connector")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let tools = try await pool.query("SELECT input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("action", as: String.self) == "postings.list")
                let first = try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/v1/postings").last))

                // Twice: the access token dies, the next action refreshes and goes on. The second
                // refresh only works if the first stored the rotated refresh token (Lever's are
                // single use; reusing one would revoke the whole family).
                var bearers = [first]
                var answer: [String: Any] = [:]
                for round in 1...2 {
                    fake.expire(token: bearers.last!)
                    let (again, reply) = try await client.mutation(
                        "connectors.executeAction",
                        ["connectionId": id, "action": "opportunities.get", "input": ["id": "250d8f03-738a-4bba-a671-8a3d73477145"]])
                    #expect(again == 200, "\(reply)")
                    answer = reply
                    #expect((resultData(reply)?["output"] as? [String: Any])?["stage"] as? String == "Phone screen")
                    #expect(Self.refreshGrants(fake).count == round)
                    bearers.append(try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/v1/opportunities/*").last)))
                }
                let grants = Self.refreshGrants(fake)
                #expect(
                    grants.allSatisfy { $0.formItems["client_id"] == [fake.app.clientID] && $0.formItems["client_secret"] == [fake.app.clientSecret] }
                )
                let used = grants.compactMap { $0.formItems["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] != used[1])
                #expect(!fake.isValid(refreshToken: used[0]) && !fake.isValid(refreshToken: used[1]))
                #expect(Set(bearers).count == 3 && fake.isValid(token: bearers[2]))

                // The access tokens, the refresh tokens and the app secret live only sealed, or nowhere.
                #expect(fake.issuedRefreshTokens.count == 3)
                let planted = bearers + fake.issuedRefreshTokens + [fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
                #expect(!String(describing: answer).contains(bearers[2]))
            }
        }
    }
}
