import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// PKCE (RFC 7636, S256) and automatic recovery, against Google's OAuth server as the Google
/// fake encodes it: Google Business Profile's definition uses PKCE and refreshes at T-50 min.
@Suite struct OAuthPKCETests {
    /// Google Business Profile pointed at the fake, with the fake's app credentials.
    static func configuration(_ fake: GoogleOAuthFake) throws -> (inout AppConfig) -> Void {
        let endpoints = try OAuthTestSupport.endpointsFile([
            "google-business-profile": [
                "baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL, "authorizeUrl": fake.authorizeURL, "revokeUrl": fake.revokeURL,
            ]
        ])
        return { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["GOOGLE_BUSINESS_PROFILE": GoogleOAuthFake.defaultApp]) }
    }

    static let scopes = ["https://www.googleapis.com/auth/business.manage"]

    /// Connects Google Business Profile through the fake's consent with PKCE S256.
    static func connect(_ client: HTTPTestClient, _ fake: GoogleOAuthFake) async throws -> UUID {
        try await OAuthTestSupport.connect(client, connector: "google-business-profile") { query in
            fake.authorize(
                scopes: scopes, redirectURI: query["redirect_uri"], codeChallenge: query["code_challenge"],
                codeChallengeMethod: "S256", prompt: "consent")
        }
    }

    @Test func theVerifierGoesOnlyToTheExchangeOfItsOwnAuthorization() async throws {
        let fake = GoogleOAuthFake()
        try fake.start()
        defer { fake.stop() }
        try await withDatabaseApp(try Self.configuration(fake)) { server, client in
            let first = try await OAuthTestSupport.authorize(client, ["connector": "google-business-profile"])
            #expect(first.url.hasPrefix(fake.authorizeURL + "?"))
            let challenge = try #require(first.query["code_challenge"])
            #expect(first.query["code_challenge_method"] == "S256")
            #expect(challenge.count == 43 && !challenge.contains("="))  // base64url of 32 bytes, no padding
            #expect(first.query["access_type"] == "offline" && first.query["prompt"] == "consent")
            let pool = try #require(server.database?.pool)
            let stored = try #require(
                try await pool.query("SELECT verifier_key_id, verifier_sealed FROM oauth_states WHERE state = \(first.query["state"] ?? "")").first)
            #expect(try stored.decode("verifier_key_id", as: String?.self) != nil)  // sealed, never plain

            // A code bound to the first authorization's challenge, presented with a second
            // authorization's state: our verifier for the second does not match, Google refuses.
            let second = try await OAuthTestSupport.authorize(client, ["connector": "google-business-profile"])
            #expect(second.query["code_challenge"] != challenge)
            let code = fake.authorize(
                scopes: Self.scopes, redirectURI: first.query["redirect_uri"], codeChallenge: challenge, codeChallengeMethod: "S256",
                prompt: "consent")
            let crossed = try await OAuthTestSupport.callback(
                client, connector: "google-business-profile", [("code", code), ("state", second.query["state"] ?? "")])
            #expect(crossed.header("Location").map(OAuthTestSupport.query)?["reason"] == "authorization_refused")
            #expect(fake.exchangeCount == 0)

            // The right pairing connects (a failed attempt does not use Google's code up).
            let back = try await OAuthTestSupport.callback(
                client, connector: "google-business-profile", [("code", code), ("state", first.query["state"] ?? "")])
            let outcome = OAuthTestSupport.query(try #require(back.header("Location")))
            #expect(outcome["status"] == "connected")
            #expect(fake.exchangeCount == 1)
            let exchange = try #require(fake.requests.last { $0.path == "/token" })
            #expect(exchange.formItems["code_verifier"]?.first?.count == 43)
            #expect(exchange.formItems["client_secret"] == [GoogleOAuthFake.defaultApp.clientSecret])
            let verifier = exchange.formItems["code_verifier"]?.first ?? ""
            let dump = try await pool.query("SELECT count(*)::int AS n FROM oauth_states t WHERE t::text LIKE \("%" + verifier + "%")")
            #expect(try dump.first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func aConnectionInAttentionRecoversWhenALaterScheduledRefreshSucceeds() async throws {
        let fake = GoogleOAuthFake()
        try fake.start()
        defer { fake.stop() }
        try await withDatabaseApp(try Self.configuration(fake)) { server, client in
            let id = try await Self.connect(client, fake)
            let pool = try #require(server.database?.pool)
            let lead = try await pool.query(
                "SELECT extract(epoch FROM token_expires_at - next_refresh_at)::int AS s FROM connections WHERE id = \(id)")
            #expect(try lead.first?.decode("s", as: Int.self) == 50 * 60)  // Google: T-50 min

            func status() async throws -> (String, String?, Int) {
                let row = try #require(try await pool.query("SELECT status, last_error, refresh_failures FROM connections WHERE id = \(id)").first)
                return (
                    try row.decode("status", as: String.self), try row.decode("last_error", as: String?.self),
                    try row.decode("refresh_failures", as: Int.self)
                )
            }
            fake.failNext(.expiredOrRevoked)
            try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
            #expect(try await server.tokenScheduler.sweep() == 0)
            let failed = try await status()
            #expect(failed.0 == "attention" && failed.2 == 1)
            #expect(failed.1?.contains("Token has been expired or revoked") == true)
            let retry = try await pool.query("SELECT next_refresh_at > now() AS later FROM connections WHERE id = \(id)")
            #expect(try retry.first?.decode("later", as: Bool.self) == true)  // backed off, not hammered

            try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
            #expect(try await server.tokenScheduler.sweep() == 1)
            let recovered = try await status()
            #expect(recovered.0 == "active" && recovered.1 == nil && recovered.2 == 0)
            #expect(fake.refreshCount == 1)
        }
    }

    @Test func disconnectingRevokesTheGrantAtGoogleAndDeletesTheSecrets() async throws {
        let fake = GoogleOAuthFake()
        try fake.start()
        defer { fake.stop() }
        try await withDatabaseApp(try Self.configuration(fake)) { server, client in
            let id = try await Self.connect(client, fake).uuidString.lowercased()

            let reply = try await client.request(
                "POST", "/trpc/connectors.disconnect",
                headers: [
                    "Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))",
                ], body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
            #expect(reply.status == 200)
            let revoke = try #require(fake.requests.last { $0.path == "/revoke" })
            let revoked = try #require(revoke.formItems["token"]?.first)
            #expect(fake.isValid(refreshToken: revoked) == false)  // the grant's refresh token, now dead at Google
            let pool = try #require(server.database?.pool)
            let left = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets WHERE connection_id = \(UUID(uuidString: id))")
            #expect(try left.first?.decode("n", as: Int.self) == 0)
            let (_, got) = try await client.query("connectors.getConnection", ["id": id])
            #expect(resultData(got)?["status"] as? String == "revoked")
        }
    }

    @Test func aRotatedRefreshTokenIsStoredWithTheNewAccessTokenSoTheNextRefreshWorks() async throws {
        let fake = GoogleOAuthFake()
        fake.rotateRefreshTokens = true  // as TikTok, Xero, QuickBooks do
        try fake.start()
        defer { fake.stop() }
        try await withDatabaseApp(try Self.configuration(fake)) { server, client in
            let id = try await Self.connect(client, fake)
            let pool = try #require(server.database?.pool)
            var presented: [String] = []
            for round in 1...2 {
                try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
                #expect(try await server.tokenScheduler.sweep() == 1, "refresh \(round)")
                presented.append(try #require(fake.requests.last { $0.path == "/token" }?.formItems["refresh_token"]?.first))
            }
            // The second refresh presented the token the first one rotated in; the first is retired.
            #expect(presented[0] != presented[1])
            #expect(fake.isValid(refreshToken: presented[0]) == false)
            #expect(fake.refreshCount == 2)
            let row = try await pool.query("SELECT status, refresh_version FROM connections WHERE id = \(id)")
            #expect(try row.first?.decode("status", as: String.self) == "active")
            #expect(try row.first?.decode("refresh_version", as: Int64.self) == 2)
        }
    }
}
