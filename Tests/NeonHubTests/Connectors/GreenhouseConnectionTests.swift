import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Greenhouse connection end to end, on a real database and the real server, pointed at the
/// Greenhouse fake (Harvest v3) through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` takes the
/// customer's own client id and secret (a Harvest V3 credential from their Dev Center,
/// https://harvestdocs.greenhouse.io/docs/authentication) and makes the client-credentials grant
/// with them — Basic client authentication and `sub` naming the user the calls act as — before it
/// stores anything; a wrong secret is refused and nothing is stored; actions are recorded runs; an
/// expired token is granted again with the connection's own credential; a deleted credential puts
/// the connection in `attention`; and neither the secret nor a token appears in any table, log
/// line or response.
@Suite struct GreenhouseConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    static func connect(
        _ client: HTTPTestClient, secret: String = GreenhouseFake.clientSecret,
        variables: [String: String] = ["userId": String(GreenhouseFake.userID)]
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "greenhouse", "credentials": ["clientId": GreenhouseFake.clientID, "clientSecret": secret], "variables": variables,
            ]))
    }

    /// A database app with Greenhouse pointed at `fake`; `body` gets the server, the client and the logs.
    static func withGreenhouseApp(_ fake: GreenhouseFake, _ body: (NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["greenhouse": ["baseUrl": fake.harvestBaseURL, "tokenUrl": fake.tokenURL]])
        let logs = LogCapture()
        try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
            try await body(server, client, logs)
        }
    }

    /// Without `userId` the grant names no `sub` (a token parameter whose variable is missing is
    /// left out) and the credential acts as itself.
    @Test func withoutAUserTheGrantNamesNoSubject() async throws {
        let fake = GreenhouseFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withGreenhouseApp(fake) { _, client, _ in
                let connected = try await Self.connect(client, variables: [:])
                #expect(connected.status == 200, "\(connected.text)")
                let grant = try #require(fake.server.requests("POST", "/token").last)
                #expect(grant.formItems["grant_type"] == ["client_credentials"] && grant.formItems["sub"] == nil)
                let refused = try await Self.connect(client, variables: ["userId": "not-a-number"])
                #expect(refused.status == 400, "the variable's pattern is checked before anything is sent: \(refused.text)")
            }
        }
    }

    @Test func theCustomersCredentialIsGrantedRefreshedAndNeverLeaks() async throws {
        let fake = GreenhouseFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withGreenhouseApp(fake) { server, client, logs in
                let pool = try #require(server.database?.pool)
                let wrong = try await Self.connect(client, secret: "ghs_not-the-secret")
                #expect(wrong.status != 200, "\(wrong.text)")
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let connected = try await Self.connect(client)
                #expect(connected.status == 200, "\(connected.text)")
                let id = try #require(resultData(try connected.json())?["id"] as? String)
                let grants = fake.server.requests("POST", "/token")
                let grant = try #require(grants.last)
                #expect(grant.formItems["grant_type"] == ["client_credentials"] && grant.formItems["sub"] == ["\(GreenhouseFake.userID)"])
                let basic = "Basic " + Data("\(GreenhouseFake.clientID):\(GreenhouseFake.clientSecret)".utf8).base64EncodedString()
                #expect(grant.header("Authorization") == basic, "the customer's client, by HTTP Basic")
                #expect(fake.server.requests("GET", "/v3/jobs").count == 1, "the smoke read tried the token before it was stored")

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "candidates.get", "input": ["id": 5001]])
                #expect(status == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [String: Any])?["firstName"] as? String == "Ada")
                let sent = try #require(fake.requests.last)
                #expect(sent.path == "/v3/candidates" && sent.queryItems["ids"] == ["5001"])
                let first = try #require(OAuthTestSupport.bearer(sent))
                #expect(fake.issuedTokens[first]?.userID == GreenhouseFake.userID)

                // An expired token is granted again with the connection's own credential.
                fake.expireTokens()
                let (again, reread) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "jobs.list", "input": ["limit": 5]])
                #expect(again == 200, "\(reread)")
                #expect(fake.server.requests("POST", "/token").count == grants.count + 1)
                #expect(fake.server.requests("POST", "/token").last?.header("Authorization") == basic)
                let second = try #require(OAuthTestSupport.bearer(fake.requests.last))
                #expect(second != first)

                // The customer deletes the credential: the connection needs attention.
                fake.revoke(client: GreenhouseFake.clientID)
                let (refused, _) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "jobs.list", "input": ["limit": 5]])
                #expect(refused != 200)
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(fetched)?["status"] as? String == "attention", "\(fetched)")

                let planted = [GreenhouseFake.clientSecret, first, second, String(basic.dropFirst("Basic ".count))]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                let responses =
                    [wrong.text, connected.text]
                    + [envelope, reread, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a secret")
                    #expect(!responses.contains { $0.contains(secret) }, "a response holds a secret")
                }
            }
        }
    }
}
