import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The token lifecycle against LinkedIn's fake token endpoint: refresh on a refused token,
/// once however many calls and processes find it dead at the same moment; scheduled
/// refreshes ahead of expiry; `attention` with the provider's reason when a refresh is refused.
@Suite struct TokenRefreshTests {
    static func endpoints(_ fake: LinkedInFake) throws -> String {
        try OAuthTestSupport.endpointsFile(["linkedin": ["baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL]])
    }

    /// Connects LinkedIn through the OAuth flow; the connection id and the access token the fake issued.
    static func connect(_ client: HTTPTestClient, _ fake: LinkedInFake) async throws -> (id: String, token: String) {
        let started = try await OAuthTestSupport.authorize(client, ["connector": "linkedin"])
        let code = fake.authorize(redirectURI: started.query["redirect_uri"])
        let back = try await OAuthTestSupport.callback(client, connector: "linkedin", [("code", code), ("state", started.query["state"] ?? "")])
        let outcome = OAuthTestSupport.query(try #require(back.header("Location")))
        let id = try #require(outcome["connectionId"], "not connected: \(outcome)")
        let token = try #require(fake.requests.last { $0.path == "/rest/organizationAcls" }?.header("Authorization")?.dropFirst("Bearer ".count))
        return (id, String(token))
    }

    /// Runs `body` with a started LinkedIn fake and a database app whose LinkedIn app and
    /// endpoints point at it.
    static func withLinkedIn(
        _ configure: @escaping (inout AppConfig) -> Void = { _ in }, _ body: (LinkedInFake, NeonHubServer, HTTPTestClient) async throws -> Void
    ) async throws {
        let fake = LinkedInFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try Self.endpoints(fake)
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["LINKEDIN": LinkedInFake.defaultApp])
            configure(&$0)
        }) { server, client in
            try await body(fake, server, client)
        }
    }

    static func refreshGrants(_ fake: LinkedInFake) -> Int {
        fake.requests.filter { $0.path == "/oauth/v2/accessToken" && $0.formItems["grant_type"] == ["refresh_token"] }.count
    }

    @Test func tenCallsInTwoProcessesFindingTheTokenDeadRefreshItOnce() async throws {
        let fake = LinkedInFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try Self.endpoints(fake)
        let database = try await ThrowawayPostgres.freshDatabase()
        let configure: (inout AppConfig) -> Void = {
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["LINKEDIN": LinkedInFake.defaultApp])
        }
        try await withDatabaseApp(databaseURL: database, configure) { first, firstClient in
            try await withDatabaseApp(databaseURL: database, configure) { _, secondClient in
                let (id, token) = try await Self.connect(firstClient, fake)
                fake.expire(token: token)
                #expect(Self.refreshGrants(fake) == 0)

                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<10 {
                        let client = index.isMultiple(of: 2) ? firstClient : secondClient
                        group.addTask { try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "me.get"]).0 }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 200, count: 10))
                #expect(Self.refreshGrants(fake) == 1)
                let pool = try #require(first.database?.pool)
                let row = try #require(
                    try await pool.query(
                        "SELECT refresh_version, status, token_expires_at > now() + interval '50 days' AS long FROM connections WHERE id = \(UUID(uuidString: id))"
                    ).first)
                #expect(try row.decode("refresh_version", as: Int64.self) == 1)
                #expect(try row.decode("status", as: String.self) == "active")
                #expect(try row.decode("long", as: Bool.self))
                let metrics = try await firstClient.get("/metrics").text + (try await secondClient.get("/metrics").text)
                #expect(metrics.contains("neonhub_token_refreshes_total{connector=\"linkedin\",outcome=\"success\"} 1"))
            }
        }
    }

    @Test func aDueConnectionIsRefreshedAheadOfExpiryAndCounted() async throws {
        try await Self.withLinkedIn { fake, server, client in
            let (id, _) = try await Self.connect(client, fake)
            let pool = try #require(server.database?.pool)
            let connectionID = try #require(UUID(uuidString: id))
            // Scheduled at T-7d of a 60-day token.
            let scheduled = try #require(
                try await pool.query(
                    """
                    SELECT extract(epoch FROM token_expires_at - next_refresh_at)::int AS lead FROM connections WHERE id = \(connectionID)
                    """
                ).first)
            #expect(try scheduled.decode("lead", as: Int.self) == 7 * 86_400)
            #expect(try await server.tokenScheduler.sweep() == 0)  // nothing due yet

            try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(connectionID)")
            #expect(try await server.tokenScheduler.sweep() == 1)
            #expect(Self.refreshGrants(fake) == 1)
            let after = try #require(
                try await pool.query(
                    "SELECT refresh_version, next_refresh_at > now() + interval '50 days' AS later FROM connections WHERE id = \(connectionID)"
                ).first)
            #expect(try after.decode("refresh_version", as: Int64.self) == 1)
            #expect(try after.decode("later", as: Bool.self))
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("neonhub_connections{connector=\"linkedin\",status=\"active\"} 1"))
        }
    }

    @Test func aRefusedRefreshPutsTheConnectionInAttentionAndReconnectingRestoresIt() async throws {
        try await Self.withLinkedIn { fake, server, client in
            let (id, token) = try await Self.connect(client, fake)
            let refresh = try #require(fake.issuedRefreshTokens.last)
            fake.invalidate(refreshToken: refresh)
            fake.expire(token: token)

            let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "me.get"])
            #expect(status == 412)
            #expect(errorCode(envelope) == "PRECONDITION_FAILED")
            let (_, got) = try await client.query("connectors.getConnection", ["id": id])
            let connection = try #require(resultData(got))
            #expect(connection["status"] as? String == "attention")
            let reason = connection["lastError"] as? String ?? ""
            #expect(reason.contains("refresh token") && reason.contains("reconnect"))
            #expect(!reason.contains(refresh) && !reason.contains(token))
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("neonhub_token_refreshes_total{connector=\"linkedin\",outcome=\"failure\"}"))

            // Reconnecting the same connection brings it back, same id.
            let started = try await OAuthTestSupport.authorize(client, ["connector": "linkedin", "connectionId": id])
            let code = fake.authorize(redirectURI: started.query["redirect_uri"])
            let back = try await OAuthTestSupport.callback(client, connector: "linkedin", [("code", code), ("state", started.query["state"] ?? "")])
            #expect(OAuthTestSupport.query(try #require(back.header("Location")))["connectionId"] == id)
            let (again, _) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "me.get"])
            #expect(again == 200)
            let pool = try #require(server.database?.pool)
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 1)
        }
    }

    /// A refresh refused while the connection moved on (the user reconnected it, or another
    /// process refreshed it, between this refresh's lock and its record) is about a credential no
    /// longer in use: nothing is recorded, and the caller is pointed at the new version.
    @Test func aRefreshRefusedWhileTheConnectionMovedOnRecordsNothing() async throws {
        try await Self.withLinkedIn { fake, server, client in
            let (id, _) = try await Self.connect(client, fake)
            let connectionID = try #require(UUID(uuidString: id))
            fake.invalidate(refreshToken: try #require(fake.issuedRefreshTokens.last))
            let gate = ReplyGate()
            fake.server.hold("POST", "/oauth/v2/accessToken", until: gate)
            let refresher = try #require(server.oauth.service.refresher)
            let pool = try #require(server.database?.pool)

            async let outcome = refresher.refresh(connectionID: connectionID, seenVersion: 0)
            for _ in 0..<1_000 where gate.heldCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(gate.heldCount == 1)
            try await pool.execute("UPDATE connections SET refresh_version = refresh_version + 1 WHERE id = \(connectionID)")
            gate.open()
            #expect(try await outcome == .alreadyRefreshed(version: 1))
            #expect(Self.refreshGrants(fake) == 1)  // it was refused, after the version moved

            let row = try #require(
                try await pool.query("SELECT status, refresh_failures, last_error FROM connections WHERE id = \(connectionID)").first)
            #expect(try row.decode("status", as: String.self) == "active")
            #expect(try row.decode("refresh_failures", as: Int.self) == 0)
            #expect(try row.decode("last_error", as: String?.self) == nil)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("neonhub_token_refreshes_total{connector=\"linkedin\",outcome=\"skipped\"} 1"))
            #expect(!metrics.contains("outcome=\"failure\""))
        }
    }

    /// Found by a review: a refresh holds a pooled connection (its lock's transaction) while the
    /// provider answers, so a token endpoint that hangs while many connections are due took
    /// every connection of the pool. At most a quarter of the pool refreshes at once; the rest
    /// wait without a connection, and the database keeps answering.
    @Test func refreshesOfManyConnectionsHoldAtMostAQuarterOfThePool() async throws {
        try await Self.withLinkedIn({ $0.dbPoolSize = 8 }) { fake, server, client in
            var ids: [UUID] = []
            for _ in 0..<3 { ids.append(try #require(UUID(uuidString: try await Self.connect(client, fake).id))) }
            #expect(Set(ids).count == 3)
            let gate = ReplyGate()
            fake.server.hold("POST", "/oauth/v2/accessToken", until: gate)
            let refresher = try #require(server.oauth.service.refresher)
            let refreshes = Task {
                try await withThrowingTaskGroup(of: TokenRefresher.Outcome.self) { group in
                    for id in ids { group.addTask { try await refresher.refresh(connectionID: id, seenVersion: nil) } }
                    return try await group.reduce(into: [TokenRefresher.Outcome]()) { $0.append($1) }
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while gate.heldCount < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(gate.heldCount == 2)  // 8 / 4: the third waits for a permit, not at the provider
            #expect(try await server.database?.pool.query("SELECT 1 AS one").count == 1)
            gate.open()
            #expect(try await refreshes.value.count == 3)
            #expect(Self.refreshGrants(fake) == 3)
        }
    }

    /// A token about to expire is refreshed before the call; if the provider then refuses the
    /// new one, that refusal finds the refresh already done rather than spending a second grant
    /// (a Tableau sign-in would end the session it had just made).
    @Test func aCallRefreshesOnceEvenWhenItsFreshTokenIsRefused() async throws {
        try await Self.withLinkedIn { fake, server, client in
            let (id, _) = try await Self.connect(client, fake)
            let pool = try #require(server.database?.pool)
            try await pool.execute("UPDATE connections SET token_expires_at = now() + interval '10 seconds' WHERE id = \(UUID(uuidString: id))")
            fake.failNext(
                1,
                error: LinkedInFake.LinkedInError(status: 401, serviceErrorCode: 65600, code: "REVOKED_ACCESS_TOKEN", message: "Invalid access token")
            )
            let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "me.get"])
            #expect(status == 200, "\(envelope)")
            #expect(Self.refreshGrants(fake) == 1)
        }
    }
}
