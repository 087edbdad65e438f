import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Workday connection end to end, on a real database and the real server, pointed at
/// `WorkdayFake` through `CONNECTOR_ENDPOINTS_FILE`: the tenant's authorization endpoint
/// (`https://{host}/{tenant}/authorize`) with PKCE S256 and no scope (the API client's functional
/// areas are its scopes), the code exchanged at `/ccx/oauth2/{tenant}/token` with HTTP Basic
/// client authentication, the common v1 and recruiting v4 collections (`{"total", "data"}`, at most
/// 100 a page by `limit`/`offset`: https://community.workday.com/sites/default/files/file-hosting/restapi/index.html),
/// an expired access token refreshed once while the non-expiring refresh token stays, a revoked
/// refresh token put in `attention`, and no token or the client secret in any table, log line or
/// response.
@Suite struct WorkdayConnectionTests {
    static let host = "wd2-impl-services1.workday.com"

    static func endpoints(_ fake: WorkdayFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "workday": ["baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL]
        ])
    }

    static func withWorkday(_ body: (WorkdayFake, NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void) async throws {
        let fake = WorkdayFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs.logger(),
                {
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["WORKDAY": fake.app])
                    $0.publicURL = "http://127.0.0.1"  // the redirect URI registered with the API client
                }
            ) { server, client in try await body(fake, server, client, logs) }
        }
    }

    /// `connectors.authorizeUrl` with the tenant's host and name, consent, the callback: the connection id.
    static func connect(_ client: HTTPTestClient, _ fake: WorkdayFake) async throws -> (id: String, consent: [String: String]) {
        let started = try await OAuthTestSupport.authorize(
            client, ["connector": "workday", "variables": ["host": host, "tenant": WorkdayFake.defaultTenant]])
        #expect(started.status == 200, "\(started.url)")
        let code = try #require(fake.authorize(started.query), "the consent refused \(started.url)")
        let back = try await OAuthTestSupport.callback(client, connector: "workday", [("code", code), ("state", started.query["state"] ?? "")])
        let location = OAuthTestSupport.query(try #require(back.header("Location")))
        return (try #require(location["connectionId"], "not connected: \(location)"), started.query)
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:])
        async throws -> (status: Int, output: Any?, envelope: [String: Any])
    {
        let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": input])
        return (status, resultData(envelope)?["output"], envelope)
    }

    static func items(_ output: Any?) -> [[String: Any]] { ((output as? [String: Any])?["items"] as? [[String: Any]]) ?? [] }

    @Test func theTenantsClientConnectsWithPKCEReadsItsCollectionsRefreshesAndLeaksNothing() async throws {
        try await Self.withWorkday { fake, server, client, logs in
            let pool = try #require(server.database?.pool)
            let (id, consent) = try await Self.connect(client, fake)
            // No scope parameter: the API client's functional areas are its scopes.
            #expect(consent["scope"] == nil && consent["code_challenge_method"] == "S256" && consent["client_id"] == fake.app.clientID)
            let exchange = try #require(fake.tokenRequests.first)
            #expect(exchange.path == "/ccx/oauth2/\(WorkdayFake.defaultTenant)/token")
            #expect(fake.app.isBasicClient(exchange.header("Authorization")))
            #expect(exchange.formItems["grant_type"] == ["authorization_code"] && exchange.formItems["code_verifier"]?.first?.isEmpty == false)

            // The worker the token belongs to, then the whole worker collection in pages of 100 up to its total.
            let me = try await Self.execute(client, id, "workers.me")
            #expect(me.status == 200, "\(me.envelope)")
            let first = try #require(fake.workers.first)
            #expect((me.output as? [String: Any])?["name"] as? String == first.name)
            #expect((me.output as? [String: Any])?["email"] as? String == first.email)
            let before = fake.requests("GET", fake.commonPath + "/workers").count
            let all = try await Self.execute(client, id, "workers.list", ["limit": 1000])
            #expect(all.status == 200, "\(all.envelope)")
            #expect(Self.items(all.output).count == WorkdayFake.defaultWorkerCount)
            let pages = fake.requests("GET", fake.commonPath + "/workers").dropFirst(before)
            #expect(pages.map { $0.queryItems["offset"]?.first ?? "0" } == ["0", "100", "200"], "three pages, none past the total")
            #expect(pages.allSatisfy { $0.queryItems["limit"] == ["100"] })
            let found = try await Self.execute(client, id, "workers.list", ["search": first.name])
            #expect(Self.items(found.output).contains { $0["id"] as? String == first.id })
            #expect(fake.requests("GET", fake.commonPath + "/workers").last?.queryItems["search"] == [first.name])
            let organization = Self.items(found.output).first { $0["id"] as? String == first.id }?["organization"] as? String
            #expect(organization == first.organizationName)

            // Recruiting v4.
            let postings = try await Self.execute(client, id, "jobPostings.list", ["limit": 10])
            #expect(postings.status == 200, "\(postings.envelope)")
            #expect(
                Self.items(postings.output).count == 10 && Self.items(postings.output).first?["title"] as? String == fake.jobPostings.first?.title)
            let prospects = try await Self.execute(client, id, "prospects.list", ["limit": 5])
            #expect(Self.items(prospects.output).first?["status"] as? String == fake.prospects.first?.status)

            // The access token expires: refused once, refreshed once; the refresh token does not change.
            let token = try #require(OAuthTestSupport.bearer(fake.requests("GET", fake.recruitingPath + "/prospects").last))
            fake.expire(token: token)
            let again = try await Self.execute(client, id, "workers.me")
            #expect(again.status == 200, "\(again.envelope)")
            #expect(fake.refreshCount == 1)
            let refresh = try #require(fake.tokenRequests.last)
            #expect(refresh.formItems["grant_type"] == ["refresh_token"] && fake.app.isBasicClient(refresh.header("Authorization")))
            let refreshToken = try #require(refresh.formItems["refresh_token"]?.first)
            #expect(fake.isValid(refreshToken: refreshToken))
            let renewed = try #require(OAuthTestSupport.bearer(fake.requests("GET", fake.commonPath + "/workers/me").last))
            #expect(renewed != token)

            // Tokens and the client secret live only sealed, or nowhere.
            let planted = [token, renewed, refreshToken, fake.app.clientSecret]
            try await expectNowhere(
                planted, pool: pool, logs: logs, replies: [me.envelope, all.envelope, again.envelope].map { String(describing: $0) })
        }
    }

    @Test func aRevokedRefreshTokenNeedsAPersonAndThrottlingIsSaid() async throws {
        try await Self.withWorkday { fake, _, client, _ in
            let (id, _) = try await Self.connect(client, fake)
            fake.injectRateLimit(retryAfter: 600, count: 1)
            // A long Retry-After is not waited out: the caller is told when to come back.
            let throttled = try await client.request(
                "POST", "/trpc/connectors.executeAction",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                body: try JSONSerialization.data(withJSONObject: ["connectionId": id, "action": "workers.me", "input": [:]]))
            #expect(throttled.status == 429, "\(throttled.text)")
            #expect(throttled.header("Retry-After").flatMap(Int.init).map { (590...600).contains($0) } == true)
            let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                client, connection: id, action: "workers.me", refreshes: { fake.tokenRequests.count - 1 },
                spoil: {
                    fake.revokeRefreshTokens()
                    for token in fake.server.requests.compactMap({ OAuthTestSupport.bearer($0) }) { fake.expire(token: token) }
                })
            #expect((connection["lastError"] as? String)?.contains("refresh token is invalid or revoked") == true, "\(connection)")
        }
    }
}
