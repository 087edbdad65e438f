import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Tableau connection end to end, on a real database and the real server, pointed at
/// `TableauFake` through `CONNECTOR_ENDPOINTS_FILE`: the personal access token signs in to a
/// session (`POST /auth/signin`, https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_auth.htm)
/// whose token every call carries as `X-Tableau-Auth`, the session's site is the connection's
/// account, an ended session is signed in again once however many calls find it ended (a PAT
/// holds one session: a second sign-in would end the first), a revoked PAT needs a person,
/// disconnect signs the session out, and neither the PAT secret nor a session token is in any
/// table, log line or response.
@Suite struct TableauConnectionTests {
    static let host = "prod-useast-b.online.tableau.com"

    static func endpoints(_ fake: TableauFake) throws -> String {
        try OAuthTestSupport.endpointsFile([
            "tableau": [
                "baseUrl": fake.apiBaseURL, "tokenUrl": fake.apiBaseURL + "/auth/signin", "revokeUrl": fake.apiBaseURL + "/auth/signout",
            ]
        ])
    }

    static func connect(_ client: HTTPTestClient, _ pat: TableauFake.PersonalAccessToken, secret: String? = nil, site: String?? = nil)
        async throws -> HTTPTestClient.Reply
    {
        var credentials = ["patName": pat.name, "patSecret": secret ?? pat.secret]
        if let site = site ?? pat.siteContentUrl { credentials["siteContentUrl"] = site }
        return try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "tableau", "credentials": credentials, "variables": ["serverHost": host],
            ]))
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:], site: String? = nil)
        async throws -> (status: Int, output: Any?, envelope: [String: Any])
    {
        var request: [String: Any] = ["connectionId": id, "action": action, "input": input]
        if let site { request["accountId"] = site }
        let (status, envelope) = try await client.mutation("connectors.executeAction", request)
        return (status, resultData(envelope)?["output"], envelope)
    }

    /// Every session token the fake saw on a request, live or ended.
    static func sessionTokens(_ fake: TableauFake) -> Set<String> {
        Set(fake.apiRequests.compactMap { $0.header("X-Tableau-Auth") }).union(fake.liveTokens)
    }

    /// Runs `body` on a served fake and an app pointed at it.
    static func withTableau(_ logs: LogCapture? = nil, _ body: (TableauFake, NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        let fake = TableauFake()
        try fake.start()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs?.logger() ?? Logger(label: "test"), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }
            ) {
                server, client in try await body(fake, server, client)
            }
        }
    }

    @Test func thePATSignsInTheSiteIsTheAccountAnEndedSessionIsRenewedAndNothingLeaks() async throws {
        let logs = LogCapture()
        try await Self.withTableau(logs) { fake, server, client in
            let pool = try #require(server.database?.pool)
            let reply = try await Self.connect(client, TableauFake.pat)
            #expect(reply.status == 200, "\(reply.text)")
            let connection = try #require(resultData(try reply.json()))
            let id = try #require(connection["id"] as? String)
            #expect(connection["status"] as? String == "active")

            // The sign-in as Tableau documents it, then the session tested before anything was stored.
            #expect(fake.signInCount == 1)
            let signIn = try #require(fake.server.requests("POST", TableauFake.apiPath + "/auth/signin").first)
            let credentials = (signIn.json as? [String: Any])?["credentials"] as? [String: Any]
            #expect(credentials?["personalAccessTokenName"] as? String == TableauFake.pat.name)
            #expect(credentials?["personalAccessTokenSecret"] as? String == TableauFake.pat.secret)
            #expect((credentials?["site"] as? [String: Any])?["contentUrl"] as? String == "marketing")
            let first = try #require(fake.liveTokens.first)
            #expect(fake.server.requests("GET", TableauFake.apiPath + "/sessions/current").first?.header("X-Tableau-Auth") == first)

            // The session's site is the account every site-scoped call names.
            let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
            let accounts = (resultData(fetched)?["accounts"] as? [[String: Any]]) ?? []
            #expect(accounts.compactMap { $0["id"] as? String } == [TableauFake.marketing.id])
            #expect(accounts.first?["kind"] as? String == "site" && accounts.first?["name"] as? String == TableauFake.marketing.name)
            let views = try await Self.execute(client, id, "views.list", ["limit": 1000], site: TableauFake.marketing.id)
            #expect(views.status == 200, "\(views.envelope)")
            #expect(((views.output as? [String: Any])?["items"] as? [Any])?.count == TableauFake.marketingViewCount)
            #expect(fake.apiRequests.last?.header("X-Tableau-Auth") == first && fake.signInCount == 1)

            // The session ends (Tableau Cloud's idle limit): the next call is refused once, signs in again and goes on.
            fake.expireSessions()
            let again = try await Self.execute(client, id, "workbooks.list", site: TableauFake.marketing.id)
            #expect(again.status == 200, "\(again.envelope)")
            #expect(fake.signInCount == 2)
            let second = try #require(fake.liveTokens.first)
            #expect(second != first && fake.apiRequests.last?.header("X-Tableau-Auth") == second)
            let row = try #require(
                try await pool.query("SELECT status, refresh_version, token_expires_at FROM connections WHERE id = \(UUID(uuidString: id)!)").first)
            #expect(try row.decode("status", as: String.self) == "active" && row.decode("refresh_version", as: Int64.self) == 1)
            let expiry = try #require(try row.decode("token_expires_at", as: Date?.self))
            #expect(abs(expiry.timeIntervalSinceNow - 7_200) < 120, "a session is taken to last 120 minutes")

            // The PAT secret and every session token live only sealed, or nowhere.
            let planted = [TableauFake.pat.secret] + Array(Self.sessionTokens(fake))
            #expect(planted.count >= 3)
            try await expectNowhere(
                planted, pool: pool, logs: logs, replies: [reply.text] + [views.envelope, again.envelope].map { String(describing: $0) })

            // Disconnecting signs the session out at Tableau.
            let disconnected = try await client.request(
                "POST", "/trpc/connectors.disconnect",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
            #expect(disconnected.status == 200, "\(disconnected.text)")
            #expect(fake.signOutCount == 1 && fake.liveTokens.isEmpty)
            #expect(fake.server.requests("POST", TableauFake.apiPath + "/auth/signout").last?.header("X-Tableau-Auth") == second)
        }
    }

    @Test func tenCallsThatFindTheSessionEndedSignInOnce() async throws {
        try await Self.withTableau { fake, _, client in
            let reply = try await Self.connect(client, TableauFake.pat)
            let id = try #require(resultData(try reply.json())?["id"] as? String)
            fake.expireSessions()
            // A second sign-in with the PAT would end the first one's session: every call must share one.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await Self.execute(client, id, "datasources.list", site: TableauFake.marketing.id).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            #expect(fake.signInCount == 2, "one sign-in at connect, one after the session ended")
            #expect(fake.liveTokens.count == 1)
        }
    }

    @Test func theDefaultSiteSignsInWithAnEmptyContentURL() async throws {
        try await Self.withTableau { fake, _, client in
            let reply = try await Self.connect(client, TableauFake.defaultSitePAT, site: .some(nil))
            #expect(reply.status == 200, "\(reply.text)")
            let site =
                ((fake.server.requests("POST", TableauFake.apiPath + "/auth/signin").first?.json as? [String: Any])?["credentials"]
                as? [String: Any])?["site"] as? [String: Any]
            #expect(site?["contentUrl"] as? String == "")
            let accounts = (resultData(try reply.json())?["accounts"] as? [[String: Any]]) ?? []
            #expect(accounts.compactMap { $0["id"] as? String } == [TableauFake.defaultSite.id])
        }
    }

    @Test func aWrongPATIsRefusedBeforeAnythingIsStoredAndARevokedOneNeedsAPerson() async throws {
        try await Self.withTableau { fake, server, client in
            let pool = try #require(server.database?.pool)
            let wrong = try await Self.connect(client, TableauFake.pat, secret: "not-the-secret")
            #expect(wrong.status != 200)
            #expect(wrong.text.contains("Tableau refused the sign-in") && wrong.text.contains("401001"), "\(wrong.text)")
            #expect(!wrong.text.contains("not-the-secret"))
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

            let reply = try await Self.connect(client, TableauFake.pat)
            let id = try #require(resultData(try reply.json())?["id"] as? String)
            let signIns = { fake.server.requests("POST", TableauFake.apiPath + "/auth/signin").count }
            let before = signIns()
            let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                client, connection: id, action: "session.current", refreshes: { signIns() - before },
                spoil: {
                    fake.expireSessions()
                    fake.failNextSignIns(10)
                })
            #expect((connection["lastError"] as? String)?.contains("401001") == true, "\(connection)")
        }
    }
}
