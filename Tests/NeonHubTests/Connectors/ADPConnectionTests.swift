import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// An ADP Workforce Now connection end to end, on a real database and the real server, pointed
/// at `ADPFake` behind a TLS front that refuses any handshake without a client certificate of
/// its CA (socat, `verify=1`; `OUTBOUND_CA_FILE` trusts the test CA): the connection's
/// certificate and key are presented on every call, the token request included; its client id
/// and secret go as HTTP Basic; workers page by `$top`/`$skip` until ADP's 204; an expired token
/// is renewed once; a certificate ADP's CA did not issue connects to nothing; and neither the
/// key, the secret nor a token is in any table, log line or response.
@Suite(.enabled(if: TLSTerminator.isAvailable && OpenSSLCommand.isAvailable, "needs the socat and openssl tools"))
struct ADPConnectionTests {
    static func connect(
        _ client: HTTPTestClient, _ identity: TestPKI.Identity, secret: String = ADPFake.defaultClientSecret, key: String? = nil
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "adp",
                "credentials": [
                    "clientId": ADPFake.defaultClientID, "clientSecret": secret, "certificate": identity.certificatePEM,
                    "privateKey": key ?? identity.keyPEM,
                ],
            ]))
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:]) async throws -> (
        status: Int, output: Any?, envelope: [String: Any]
    ) {
        let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": input])
        return (status, resultData(envelope)?["output"], envelope)
    }

    /// Runs `body` on a served fake behind its TLS front, and an app pointed at the front.
    static func withADP(_ logs: LogCapture? = nil, _ body: (ADPFake, TestPKI, NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        try await withADPFront(logs) { fake, pki, _, server, client in try await body(fake, pki, server, client) }
    }

    /// `withADP`, with the TLS front too; `trustingTheFront: false` leaves the test CA out of
    /// `OUTBOUND_CA_FILE` (the front's certificate is then one we cannot verify).
    static func withADPFront(
        _ logs: LogCapture? = nil, trustingTheFront: Bool = true,
        _ body: (ADPFake, TestPKI, TLSTerminator, NeonHubServer, HTTPTestClient) async throws -> Void
    ) async throws {
        let pki = try await TestPKI.shared()
        let fake = ADPFake()
        try fake.start()
        try await fake.server.serving {
            let front = try await TLSTerminator.start(upstream: fake.baseURL, pki: pki)
            defer { front.stop() }
            let endpoints = try OAuthTestSupport.endpointsFile([
                "adp": ["baseUrl": front.baseURL, "tokenUrl": front.baseURL + ADPFake.tokenPath]
            ])
            try await withDatabaseApp(
                logger: logs?.logger() ?? Logger(label: "test"),
                {
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:])
                    if trustingTheFront { $0.outboundCAFile = pki.ca.certificateFile.path }
                }
            ) { server, client in
                try await body(fake, pki, front, server, client)
            }
        }
    }

    @Test func theCertificateGoesOnEveryCallWorkersPageToTheEndAndNothingLeaks() async throws {
        let logs = LogCapture()
        try await Self.withADP(logs) { fake, pki, server, client in
            let pool = try #require(server.database?.pool)
            let reply = try await Self.connect(client, pki.client)
            #expect(reply.status == 200, "\(reply.text)")
            let id = try #require(resultData(try reply.json())?["id"] as? String)

            // The token came through the TLS front (so with the certificate), the client as HTTP Basic.
            #expect(fake.grantCount == 1)
            let grant = try #require(fake.tokenRequests.first)
            let basic = Data("\(ADPFake.defaultClientID):\(ADPFake.defaultClientSecret)".utf8).base64EncodedString()
            #expect(grant.header("Authorization") == "Basic \(basic)")
            #expect(grant.formItems["grant_type"] == ["client_credentials"])

            // Every worker, 100 a page, until ADP answers 204.
            let listed = try await Self.execute(client, id, "workers.list", ["limit": 1000])
            #expect(listed.status == 200, "\(listed.envelope)")
            let items = ((listed.output as? [String: Any])?["items"] as? [[String: Any]]) ?? []
            #expect(items.count == fake.workers.count && fake.workers.count == 230)
            #expect(Set(items.compactMap { $0["id"] as? String }) == Set(fake.workers.map(\.associateOID)))
            let first = try #require(fake.workers.first)
            let mapped = try #require(items.first { $0["id"] as? String == first.associateOID })
            #expect(mapped["givenName"] as? String == first.givenName && mapped["jobTitle"] as? String == first.jobTitle)
            let pages = fake.workerRequests.filter { $0.path == ADPFake.workersPath }
            #expect(pages.allSatisfy { $0.header("Authorization")?.hasPrefix("Bearer ") == true })
            #expect(pages.contains { $0.queryItems["$skip"] == ["200"] && $0.queryItems["$top"] == ["100"] })

            let one = try await Self.execute(client, id, "workers.get", ["aoid": first.associateOID])
            #expect((one.output as? [String: Any])?["id"] as? String == first.associateOID, "\(one.envelope)")
            #expect((one.output as? [String: Any])?["department"] as? String == first.department)
            let directory = try await Self.execute(client, id, "workerDemographics.list", ["limit": 150])
            #expect(((directory.output as? [String: Any])?["items"] as? [Any])?.count == 150, "\(directory.envelope)")

            // The key, the secret and the tokens live only sealed, or nowhere.
            let tokens = Set(
                fake.server.requests.compactMap { $0.header("Authorization") }.filter { $0.hasPrefix("Bearer ") }.map { $0.dropFirst(7) })
            let planted = [pki.client.keyPEM, ADPFake.defaultClientSecret, basic] + tokens.map(String.init)
            #expect(planted.count >= 4)
            try await expectNowhere(
                planted, pool: pool, logs: logs, replies: [reply.text] + [listed.envelope, one.envelope].map { String(describing: $0) })
        }
    }

    @Test func aCertificateADPsCADidNotIssueConnectsToNothing() async throws {
        try await Self.withADP { fake, pki, server, client in
            let pool = try #require(server.database?.pool)
            let stranger = try await Self.connect(client, pki.stranger)
            // The front's TLS alert reads as refused credentials, in words, and is not retried.
            #expect(stranger.status == 412, "\(stranger.text)")
            #expect(stranger.text.contains("refused the client certificate") && stranger.text.contains("unknown CA"), "\(stranger.text)")
            let metrics = try await client.get("/metrics").text
            #expect(Self.adpRequests(metrics, outcome: "auth_error") == 1, "\(metrics)")
            #expect(Self.adpRequests(metrics, outcome: "network_error") == 0)
            #expect(!stranger.text.contains("PRIVATE KEY"), "\(stranger.text)")
            #expect(fake.server.requests.isEmpty, "the TLS handshake failed before any request")
            let notAKey = try await Self.connect(client, pki.client, key: pki.client.certificatePEM)
            #expect(notAKey.status == 400 && notAKey.text.contains("Invalid credential privateKey"), "\(notAKey.text)")
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func aCertificateTheProviderStopsTrustingPutsTheConnectionInAttentionInWords() async throws {
        try await Self.withADPFront { fake, pki, front, _, client in
            let id = try #require(resultData(try await Self.connect(client, pki.client).json())?["id"] as? String)
            #expect(try await Self.execute(client, id, "workers.list", ["limit": 1]).status == 200)
            let grants = fake.grantCount
            // The provider now trusts another authority only (the same port: the same base URL).
            front.stop()
            let distrusting = try await TLSTerminator.start(
                upstream: fake.baseURL, pki: pki, clientCA: pki.stranger.certificateFile, port: front.port)
            defer { distrusting.stop() }
            fake.expireTokens()

            let refused = try await Self.execute(client, id, "workers.list", ["limit": 1])
            #expect(refused.status == 412, "\(refused.envelope)")
            let message = (refused.envelope["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("refused the client certificate") && message.contains("unknown CA"), "\(message)")
            #expect(fake.grantCount == grants, "no handshake got through")
            let (_, got) = try await client.query("connectors.getConnection", ["id": id])
            let connection = try #require(resultData(got))
            #expect(connection["status"] as? String == "attention", "\(connection)")
            #expect((connection["lastError"] as? String)?.contains("client certificate") == true, "\(connection)")
        }
    }

    /// The sum of `neonhub_connector_requests_total` for ADP with `outcome`, from `/metrics`.
    static func adpRequests(_ metrics: String, outcome: String) -> Int {
        metrics.split(separator: "\n").filter {
            $0.hasPrefix("neonhub_connector_requests_total{") && $0.contains("connector=\"adp\"") && $0.contains("outcome=\"\(outcome)\"")
        }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        .reduce(0) { $0 + Int($1) }
    }

    @Test func anExpiredTokenIsRenewedOnceWithTheCertificateAndARevokedClientNeedsAPerson() async throws {
        try await Self.withADP { fake, pki, _, client in
            let id = try #require(resultData(try await Self.connect(client, pki.client).json())?["id"] as? String)
            fake.expireTokens()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 { group.addTask { try await Self.execute(client, id, "workers.list", ["limit": 1]).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 5))
            #expect(fake.grantCount == 2, "one grant at connect, one after the token expired")

            let before = fake.tokenRequests.count
            let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                client, connection: id, action: "workers.list", refreshes: { fake.tokenRequests.count - before },
                spoil: {
                    fake.expireTokens()
                    fake.registerClient(id: ADPFake.defaultClientID, secret: "rotated-by-the-customer")
                })
            #expect((connection["lastError"] as? String)?.contains("client id and secret") == true, "\(connection)")
        }
    }

    @Test func aKeyThatIsNotTheCertificatesOrAMissingCertificateIsRefusedBeforeAnythingIsSent() async throws {
        try await Self.withADP { fake, pki, server, client in
            let pool = try #require(server.database?.pool)
            let mismatched = try await Self.connect(client, pki.client, key: pki.stranger.keyPEM)
            #expect(mismatched.status == 400 && mismatched.text.contains("does not belong to the certificate"), "\(mismatched.text)")
            #expect(!mismatched.text.contains("PRIVATE KEY"))
            let missing = try await client.request(
                "POST", "/trpc/connectors.connect",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "adp",
                    "credentials": [
                        "clientId": ADPFake.defaultClientID, "clientSecret": ADPFake.defaultClientSecret, "privateKey": pki.client.keyPEM,
                    ],
                ]))
            #expect(missing.status == 400 && missing.text.contains("Missing credentials: certificate"), "\(missing.text)")
            #expect(fake.server.requests.isEmpty)
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func theIdentityShowsNoKeyInDescriptionsOrDumps() {
        let identity = TLSClientIdentity(certificateChainPEM: "CERT", privateKeyPEM: "-----BEGIN PRIVATE KEY-----secret")
        var dumped = ""
        dump(identity, to: &dumped)
        for text in ["\(identity)", String(reflecting: identity), dumped] { #expect(!text.contains("secret"), "\(text)") }
    }
}
