import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Zendesk connection end to end, on a real database and the real server, pointed at
/// `ZendeskFake` through `CONNECTOR_ENDPOINTS_FILE` (the account's host stands for
/// `neonhub-demo.zendesk.com`): the consent URL with the catalog's scopes and a PKCE S256
/// challenge, the code exchanged with the verifier the fake checks against it, the subdomain
/// stored with the connection, an expired access token refreshed with the refresh token Zendesk
/// rotated the time before, a refused refresh putting the connection in `attention`, and no token
/// or secret in any table, log line or response.
/// Zendesk documents the token request as JSON (`auth.tokenRequestEncoding: json`), and the fake
/// refuses a form.
@Suite struct ZendeskConnectionTests {
    /// A token request's JSON fields, each as the text list a form would give.
    static func sent(_ request: FakeProviderServer.RecordedRequest) -> [String: [String]] {
        ((request.json as? [String: Any]) ?? [:]).mapValues { ["\($0)"] }
    }

    /// A database app with Zendesk pointed at `fake` (app credentials set); `body` gets the server,
    /// the client and the captured logs.
    static func withZendeskApp(_ fake: ZendeskFake, _ body: (NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile([
            "zendesk": ["baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL]
        ])
        let logs = LogCapture()
        try await withDatabaseApp(
            logger: logs.logger(),
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["ZENDESK": ZendeskFake.defaultApp])
                $0.publicURL = "https://hub.example.test"
            }
        ) { server, client in
            do {
                try await body(server, client, logs)
            } catch {
                // The logs go to the capture, not the console: show them beside the failure.
                print("ZendeskConnectionTests: the server's captured logs\n\(logs.text)")
                throw error
            }
        }
    }

    /// `connectors.authorizeUrl` for the fake's subdomain, the user allowing it, the callback: the
    /// callback's answer and the consent URL.
    static func connect(_ client: HTTPTestClient, _ fake: ZendeskFake) async throws -> (
        location: [String: String], url: String, consent: [String: String]
    ) {
        let started = try await OAuthTestSupport.authorize(client, ["connector": "zendesk", "variables": ["subdomain": ZendeskFake.subdomain]])
        #expect(started.status == 200)
        let code = try #require(fake.authorize(started.query), "the consent screen refused \(started.url)")
        let back = try await OAuthTestSupport.callback(client, connector: "zendesk", [("code", code), ("state", started.query["state"] ?? "")])
        return (OAuthTestSupport.query(try #require(back.header("Location"))), started.url, started.query)
    }

    static func refreshes(_ fake: ZendeskFake) -> [FakeProviderServer.RecordedRequest] {
        fake.tokenRequests.filter { Self.sent($0)["grant_type"] == ["refresh_token"] }
    }

    @Test func pkceConnectsTheSubdomainRefreshesWithTheRotatedTokenAndLeaksNothing() async throws {
        let fake = ZendeskFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withZendeskApp(fake) { server, client, logs in
                let pool = try #require(server.database?.pool)
                let done = try await Self.connect(client, fake)
                let id = try #require(done.location["connectionId"], "not connected: \(done.location)")
                #expect(done.url.hasPrefix(fake.authorizeURL + "?"))
                #expect(done.consent["response_type"] == "code" && done.consent["client_id"] == ZendeskFake.defaultApp.clientID)
                #expect(Set((done.consent["scope"] ?? "").split(separator: " ").map(String.init)) == ZendeskFake.defaultScopes)
                #expect(done.consent["redirect_uri"] == "https://hub.example.test/oauth/callback/zendesk")
                #expect(done.consent["code_challenge_method"] == "S256")

                // The fake only issued tokens because the verifier hashes to the consent's challenge.
                let exchange = try #require(fake.tokenRequests.first)
                let verifier = try #require(Self.sent(exchange)["code_verifier"]?.first)
                #expect(PKCE.s256Challenge(verifier) == done.consent["code_challenge"])
                #expect(Self.sent(exchange)["grant_type"] == ["authorization_code"])
                #expect(Self.sent(exchange)["client_id"] == [fake.app.clientID] && Self.sent(exchange)["client_secret"] == [fake.app.clientSecret])
                #expect(Self.sent(exchange)["redirect_uri"] == [done.consent["redirect_uri"] ?? ""])
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await pool.query("SELECT variables->>'subdomain' AS s FROM connections WHERE id = \(uuid)").first)
                #expect(try row.decode("s", as: String.self) == ZendeskFake.subdomain)

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "users.me", "input": [:]])
                #expect(status == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [String: Any])?["id"] as? Int == ZendeskFake.meID)
                let first = try #require(OAuthTestSupport.bearer(fake.requests("GET", "/api/v2/users/me").last))

                // Twice the access token expires; each call refreshes once. The second refresh only
                // works if the first stored the refresh token Zendesk rotated (the old one is deleted).
                var bearers = [first]
                for round in 1...2 {
                    fake.expire(token: bearers[bearers.count - 1])
                    let (again, answer) = try await client.mutation(
                        "connectors.executeAction", ["connectionId": id, "action": "tickets.get", "input": ["id": 3]])
                    #expect(again == 200, "\(answer)")
                    #expect(Self.refreshes(fake).count == round)
                    bearers.append(try #require(OAuthTestSupport.bearer(fake.requests("GET", "/api/v2/tickets/3").last)))
                    #expect(!String(describing: answer).contains(bearers[bearers.count - 1]))
                }
                let used = Self.refreshes(fake).compactMap { Self.sent($0)["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] != used[1] && Set(bearers).count == 3)
                #expect(!fake.isValid(refreshToken: used[0]) && !fake.isValid(refreshToken: used[1]))
                #expect(Self.refreshes(fake).allSatisfy { Self.sent($0)["client_secret"] == [fake.app.clientSecret] })

                // Every access token, every refresh token, the verifier and the app secret live only sealed, or nowhere.
                let planted = bearers + used + [verifier, fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            }
        }
    }

    @Test func aRefusedRefreshPutsTheConnectionInAttention() async throws {
        let fake = ZendeskFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withZendeskApp(fake) { _, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                #expect(fake.tokenRequests.count == 1)
                var token = ""
                let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                    client, connection: id, action: "users.me", refreshes: { Self.refreshes(fake).count }
                ) {
                    token = try #require(OAuthTestSupport.bearer(fake.requests("GET", "/api/v2/users/me").last))
                    fake.expire(token: token)
                    fake.revokeRefreshTokens()
                }
                #expect(!(connection["lastError"] as? String ?? "").contains(token))
            }
        }
    }

    @Test func theTokenRequestsAreJSONAsZendeskDocuments() async throws {
        let fake = ZendeskFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withZendeskApp(fake) { _, client, _ in
                let done = try await Self.connect(client, fake)
                #expect(done.location["status"] == "connected", "\(done.location)")
                #expect(fake.tokenRequests.first?.header("Content-Type")?.hasPrefix("application/json") == true)
            }
        }
    }
}
