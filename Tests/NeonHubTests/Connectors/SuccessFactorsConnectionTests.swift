import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A SuccessFactors connection end to end, on a real database and the real server, pointed at
/// `SuccessFactorsFake` through `CONNECTOR_ENDPOINTS_FILE`: the connection's private key signs a
/// SAML 2.0 bearer assertion that the fake verifies with the certificate registered for the
/// client (xmlsec1, not our code), the token it answers is what every OData call carries, an
/// expired token (403 with `[LGN0022]`) signs a new assertion once however many calls find it,
/// a certificate that no longer matches needs a person, and neither the key, an assertion nor a
/// token is in any table, log line or response.
@Suite(.enabled(if: XMLSecCommand.isAvailable && OpenSSLCommand.isAvailable, "needs the xmlsec1 and openssl tools"))
struct SuccessFactorsConnectionTests {
    static let apiHost = SuccessFactorsFake.defaultAPIHost

    static func endpoints(_ fake: SuccessFactorsFake) throws -> String {
        try OAuthTestSupport.endpointsFile(["successfactors": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURL]])
    }

    static func connect(_ client: HTTPTestClient, privateKey: String, userID: String = "sfadmin") async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "successfactors", "variables": ["apiHost": apiHost],
                "credentials": [
                    "companyId": SuccessFactorsFake.defaultCompanyID, "clientId": SuccessFactorsFake.defaultAPIKey, "userId": userID,
                    "privateKey": privateKey,
                ],
            ]))
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:]) async throws -> (
        status: Int, output: Any?, envelope: [String: Any]
    ) {
        let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": input])
        return (status, resultData(envelope)?["output"], envelope)
    }

    /// Runs `body` on a served fake whose client holds the certificate of the test key, and an app pointed at it.
    static func withSuccessFactors(
        _ logs: LogCapture? = nil,
        _ body: (SuccessFactorsFake, (privateKey: String, other: String), NeonHubServer, HTTPTestClient) async throws -> Void
    ) async throws {
        let keys = await OpenSSLCommand.warmTestKeys()
        let certificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.registered.privateKey)
        let fake = SuccessFactorsFake(certificatePEM: certificate)
        try fake.start()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs?.logger() ?? Logger(label: "test"), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }
            ) { server, client in
                try await body(fake, (keys.registered.privateKey, keys.other.privateKey), server, client)
            }
        }
    }

    @Test func theKeySignsAnAssertionTheTokenReadsEveryActiveUserAndNothingLeaks() async throws {
        let logs = LogCapture()
        try await Self.withSuccessFactors(logs) { fake, keys, server, client in
            let pool = try #require(server.database?.pool)
            let reply = try await Self.connect(client, privateKey: keys.privateKey)
            #expect(reply.status == 200, "\(reply.text)")
            let id = try #require(resultData(try reply.json())?["id"] as? String)

            // One grant, as SAP documents it, with an assertion the fake verified against the registered certificate.
            let grant = try #require(fake.tokenRequests.first)
            #expect(fake.tokenRequests.count == 1 && fake.grantCount == 1)
            #expect(grant.formItems["grant_type"] == [SuccessFactorsFake.grantType])
            #expect(grant.formItems["company_id"] == [SuccessFactorsFake.defaultCompanyID])
            #expect(grant.formItems["client_id"] == [SuccessFactorsFake.defaultAPIKey])
            #expect(grant.formItems["new_token"] == ["true"])
            let assertion = try #require(fake.receivedAssertions.first)
            #expect(assertion.accepted, "\(assertion.refusal ?? "")")
            #expect(assertion.nameID == "sfadmin" && assertion.attributes["api_key"] == SuccessFactorsFake.defaultAPIKey)
            #expect(assertion.audience == "www.successfactors.com" && assertion.recipient == "https://\(Self.apiHost)/oauth/token")

            // Every active user, 100 a page through __next with snapshot paging, carrying the token.
            let users = try await Self.execute(client, id, "users.list", ["limit": 5000])
            #expect(users.status == 200, "\(users.envelope)")
            let items = ((users.output as? [String: Any])?["items"] as? [[String: Any]]) ?? []
            let active = fake.users.filter { $0.status == "t" }
            #expect(items.count == active.count && active.count > 1000)
            #expect(Set(items.compactMap { $0["id"] as? String }) == Set(active.map(\.userID)))
            let pages = fake.requests("GET", "/odata/v2/User")
            #expect(pages.count == 1 + (active.count + 99) / 100, "connect's test call, then the whole read")
            #expect(pages.allSatisfy { $0.header("Authorization")?.hasPrefix("Bearer ") == true })
            #expect(pages.first?.queryItems["paging"] == ["snapshot"] && pages.first?.queryItems["customPageSize"] == ["100"])

            // Candidates and requisitions page on the server too (customPageSize), not one $top page.
            let candidates = try await Self.execute(client, id, "candidates.list", ["limit": 1000])
            #expect(((candidates.output as? [String: Any])?["items"] as? [Any])?.count == fake.candidates.count, "\(candidates.envelope)")
            let requisitions = try await Self.execute(client, id, "jobRequisitions.list", ["limit": 1000])
            let reqs = ((requisitions.output as? [String: Any])?["items"] as? [[String: Any]]) ?? []
            #expect(reqs.count == fake.requisitions.count, "\(requisitions.envelope)")
            #expect(reqs.first?["title"] is String)

            // The key, the assertions and the tokens live only sealed, or nowhere.
            let tokens = Set(fake.server.requests.compactMap { $0.header("Authorization")?.replacingOccurrences(of: "Bearer ", with: "") })
            let planted = [keys.privateKey] + fake.receivedAssertions.compactMap(\.xml) + Array(tokens) + (grant.formItems["assertion"] ?? [])
            #expect(planted.count >= 4)
            try await expectNowhere(
                planted, pool: pool, logs: logs, replies: [reply.text] + [users.envelope, candidates.envelope].map { String(describing: $0) })
        }
    }

    @Test func anExpiredTokenSignsANewAssertionOnceForTenCalls() async throws {
        try await Self.withSuccessFactors { fake, keys, server, client in
            let pool = try #require(server.database?.pool)
            let id = try #require(resultData(try await Self.connect(client, privateKey: keys.privateKey).json())?["id"] as? String)
            let row = try #require(
                try await pool.query("SELECT token_expires_at FROM connections WHERE id = \(UUID(uuidString: id)!)").first)
            let expiry = try #require(try row.decode("token_expires_at", as: Date?.self))
            #expect(abs(expiry.timeIntervalSinceNow - SuccessFactorsFake.defaultTokenLifetime) < 120, "the token's expires_in, not a guess")

            fake.expireTokens()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await Self.execute(client, id, "users.list", ["limit": 1]).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            #expect(fake.tokenRequests.count == 2, "one grant at connect, one after the token expired")
            #expect(fake.receivedAssertions.map(\.accepted) == [true, true])
            #expect(fake.requests("GET", "/odata/v2/User").count > 10, "calls saw the expired token (403 [LGN0022]) and were made again")
        }
    }

    @Test func aWrongKeyIsRefusedBeforeAnythingIsStoredAndARotatedCertificateNeedsAPerson() async throws {
        try await Self.withSuccessFactors { fake, keys, server, client in
            let pool = try #require(server.database?.pool)
            let wrong = try await Self.connect(client, privateKey: keys.other)
            #expect(wrong.status != 200)
            #expect(wrong.text.contains("SAP SuccessFactors refused the sign-in") && wrong.text.contains("signature"), "\(wrong.text)")
            #expect(!wrong.text.contains("PRIVATE KEY"))
            let notAKey = try await Self.connect(client, privateKey: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
            #expect(notAKey.status == 400 && notAKey.text.contains("Invalid credential privateKey"), "\(notAKey.text)")
            #expect(fake.tokenRequests.count == 1, "a key that cannot sign is refused before anything is sent")
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

            let id = try #require(resultData(try await Self.connect(client, privateKey: keys.privateKey).json())?["id"] as? String)
            let before = fake.tokenRequests.count
            let otherCertificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.other)
            let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                client, connection: id, action: "users.list", refreshes: { fake.tokenRequests.count - before },
                spoil: {
                    fake.expireTokens()
                    fake.registerClient(apiKey: SuccessFactorsFake.defaultAPIKey, certificatePEM: otherCertificate)
                })
            #expect((connection["lastError"] as? String)?.contains("signature") == true, "\(connection)")
        }
    }

    @Test func anUnknownPropertyIsPermanentWithSAPsMessageAndA429WaitsForItsRetryAfter() async throws {
        try await Self.withSuccessFactors { fake, keys, _, client in
            let id = try #require(resultData(try await Self.connect(client, privateKey: keys.privateKey).json())?["id"] as? String)
            let unknown = try await Self.execute(client, id, "users.list", ["filter": "favouriteColour eq 'red'"])
            #expect(unknown.status == 422, "\(unknown.envelope)")
            #expect("\(unknown.envelope)".contains("COE0021") && "\(unknown.envelope)".contains("favouriteColour"))
            #expect(fake.tokenRequests.count == 1, "a refused query is not a refused token")

            let before = fake.requests("GET", "/odata/v2/User").count
            fake.injectRateLimit(retryAfter: 300, count: 1)
            let limited = try await Self.execute(client, id, "users.list", ["limit": 1])
            #expect(limited.status == 429 && "\(limited.envelope)".contains("rate-limiting"), "\(limited.envelope)")
            #expect(fake.requests("GET", "/odata/v2/User").count == before + 1, "a 300-second wait is not held in the call")
            let (_, got) = try await client.query("connectors.getConnection", ["id": id])
            #expect(resultData(got)?["status"] as? String == "active")
        }
    }
}
