import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// An Acrobat Sign connection end to end, on a real database and the real server, pointed at
/// `AdobeSignFake` through `CONNECTOR_ENDPOINTS_FILE`: Adobe's consent with space-separated
/// `name:modifier` scopes and no PKCE, the redirect back with `code`, `api_access_point` and
/// `web_access_point` (https://opensource.adobe.com/acrobat-sign/developer_guide/helloworld.html),
/// the code exchanged with the app's id and secret in the form body, the API host taken from the
/// redirect's `api_access_point` stored with the connection, an action as a recorded run, no token or secret in any
/// table or log line, and a disconnect that calls `/oauth/v2/revoke`
/// (https://opensource.adobe.com/acrobat-sign/developer_guide/oauth.html) and deletes the secrets.
/// The refresh endpoint and a redirect naming another host are in `AdobeSignDefinitionTests`.
@Suite struct AdobeSignConnectionTests {
    /// The API, consent, token, refresh and revocation endpoints on the fake.
    static func endpoints(_ fake: AdobeSignFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "adobe-sign": [
                "baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL, "refreshUrl": fake.refreshURL,
                "revokeUrl": fake.revokeURL,
            ]
        ])
    }

    /// A database app with Acrobat Sign pointed at `fake`; `body` gets the server, the client and the logs.
    static func withAdobeSignApp(_ fake: AdobeSignFake, _ body: (NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void)
        async throws
    {
        let endpoints = try Self.endpoints(fake)
        let logs = LogCapture()
        try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["ADOBE_SIGN": fake.app]) }) {
            server, client in try await body(server, client, logs)
        }
    }

    /// `connectors.authorizeUrl` with `variables`, the user allowing access on Adobe's consent
    /// page, the redirect back with code, api_access_point, web_access_point and state: the
    /// consent's query and the callback's redirect query.
    static func connect(_ client: HTTPTestClient, _ fake: AdobeSignFake, variables: [String: String] = [:])
        async throws -> (consent: [String: String], location: [String: String])
    {
        var input: [String: Any] = ["connector": "adobe-sign"]
        if !variables.isEmpty { input["variables"] = variables }
        let started = try await OAuthTestSupport.authorize(client, input)
        guard started.status == 200 else { return (started.query, ["status": "authorize refused: \(started.status)"]) }
        let granted = try #require(fake.authorize(started.query), "the consent refused \(started.url)")
        let back = try await OAuthTestSupport.callback(
            client, connector: "adobe-sign",
            [
                ("code", granted["code"] ?? ""), ("api_access_point", granted["api_access_point"] ?? ""),
                ("web_access_point", granted["web_access_point"] ?? ""), ("state", granted["state"] ?? ""),
            ])
        return (started.query, OAuthTestSupport.query(try #require(back.header("Location"))))
    }

    @Test func oauthConnectsTheRedirectsHostRunsAnActionAndLeaksNothing() async throws {
        let fake = AdobeSignFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withAdobeSignApp(fake) { server, client, logs in
                let pool = try #require(server.database?.pool)
                let done = try await Self.connect(client, fake)
                let id = try #require(done.location["connectionId"], "not connected: \(done.location)")
                #expect(done.consent["response_type"] == "code" && done.consent["client_id"] == fake.app.clientID)
                #expect(Set((done.consent["scope"] ?? "").split(separator: " ").map(String.init)) == Set(AdobeSignFake.allScopes))
                #expect(done.consent["code_challenge"] == nil, "no PKCE")

                let exchange = try #require(fake.tokenRequests.first)
                #expect(exchange.header("Authorization") == nil, "the app's credentials go in the body")
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])
                #expect(exchange.formItems["client_id"] == [fake.app.clientID] && exchange.formItems["client_secret"] == [fake.app.clientSecret])
                #expect(exchange.formItems["redirect_uri"] == [done.consent["redirect_uri"] ?? ""])
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await pool.query("SELECT variables->>'apiHost' AS h FROM connections WHERE id = \(uuid)").first)
                #expect(try row.decode("h", as: String.self) == AdobeSignFake.apiHost, "the redirect's api_access_point, by host")
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(fetched)?["status"] as? String == "active")

                // An action is a recorded run, with the token the exchange issued.
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "agreements.list", "input": ["limit": 10]])
                #expect(status == 200, "\(envelope)")
                let output = resultData(envelope)?["output"]
                let items = (output as? [[String: Any]]) ?? ((output as? [String: Any])?["items"] as? [[String: Any]])
                #expect(items?.count == 3, "\(String(describing: output))")
                let runID = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
                let run = try await pool.query("SELECT status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let bearer = try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/api/rest/v6/agreements").last))
                #expect(fake.isValid(token: bearer))
                #expect(!String(describing: envelope).contains(bearer))

                let planted = [bearer, fake.app.clientSecret] + fake.refreshTokens
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            }
        }
    }

    @Test func disconnectingCallsTheRevocationEndpointAndDeletesTheSecrets() async throws {
        let fake = AdobeSignFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withAdobeSignApp(fake) { server, client, _ in
                let id = try #require(try await Self.connect(client, fake).location["connectionId"])
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                let revocations = fake.server.requests("POST", "/oauth/v2/revoke")
                #expect(revocations.count == 1, "the revocation endpoint is called")
                #expect(revocations.first?.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
                let revoked = try #require(fake.revokedTokens.first)
                #expect(fake.refreshTokens.contains(revoked) || !fake.isValid(token: revoked))
                #expect(fake.refreshTokens.allSatisfy { !fake.isValid(refreshToken: $0) }, "the grant is over")
                let pool = try #require(server.database?.pool)
                let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
                #expect(try left.first?.decode("n", as: Int.self) == 0)
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(got)?["status"] as? String == "revoked")
            }
        }
    }
}
