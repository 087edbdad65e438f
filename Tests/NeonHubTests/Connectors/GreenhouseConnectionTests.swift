import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Greenhouse connection end to end, on a real database and the real server, pointed at the
/// Greenhouse fake through `CONNECTOR_ENDPOINTS_FILE`. The definition still connects with a
/// Harvest v1 API key, and Greenhouse removed Harvest v1/v2 on 31 August 2026
/// (https://harvestdocs.greenhouse.io/docs/authentication): `connectors.connect` tests the key
/// with the smoke read, which the removed API refuses, so nothing is stored — and the key (and
/// the Basic header made of it) appears in no table, log line or response. The v3 connection
/// that should replace it is `GreenhouseMismatchTests.aV3ConnectionGrantsATokenAndNeverLeaksTheSecret`.
@Suite struct GreenhouseConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    /// Connects with a Harvest API key. The connector service requires every credential the
    /// definition declares, so `onBehalfOf` (described as needed only for writes) is given too.
    static func connect(_ client: HTTPTestClient, key: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "greenhouse", "credentials": ["apiKey": key, "onBehalfOf": String(GreenhouseFake.userID)],
            ]))
    }

    @Test func anAPIKeyConnectionIsRefusedByTheRemovedV1APIAndTheKeyNeverLeaks() async throws {
        let fake = GreenhouseFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["greenhouse": ["baseUrl": "\(fake.baseURL)/v1"]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                let refused = try await Self.connect(client, key: GreenhouseFake.legacyAPIKey)
                #expect(refused.status != 200, "\(refused.text)")
                #expect(refused.text.contains("410"), "\(refused.text)")
                // The smoke read (jobs.list) went to v1 with the key as Basic credentials, once.
                let tried = fake.server.requests("GET", "/v1/jobs")
                #expect(tried.count == 1)
                let basic = try #require(tried.first?.header("Authorization"))
                #expect(basic.hasPrefix("Basic "))
                // v1 wanted the key as the user name and an empty password; the definition's two
                // credentials make `onBehalfOf` the user name and the key the password.
                let pair = Data(base64Encoded: String(basic.dropFirst("Basic ".count))).map { String(decoding: $0, as: UTF8.self) }
                #expect(pair == "\(GreenhouseFake.userID):\(GreenhouseFake.legacyAPIKey)")
                #expect(fake.server.requests("POST", "/token").isEmpty, "the definition asks for no v3 token")
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let (_, listed) = try await client.query("connectors.listConnections", [:])
                let responses = [refused.text, String(decoding: (try? JSONSerialization.data(withJSONObject: listed)) ?? Data(), as: UTF8.self)]
                let planted = [GreenhouseFake.legacyAPIKey, String(basic.dropFirst("Basic ".count))]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds the key")
                    #expect(!responses.contains { $0.contains(secret) }, "a response holds the key")
                }
            }
        }
    }
}
