import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A DocuSign connection end to end, on a real database and the real server, pointed at
/// `DocuSignFake` through `CONNECTOR_ENDPOINTS_FILE`: consent with PKCE S256 and the code
/// exchanged with HTTP Basic client authentication
/// (https://developers.docusign.com/platform/auth/confidential-authcode-get-token/), the user's
/// accounts read from `/oauth/userinfo` (https://developers.docusign.com/platform/auth/reference/user-info/)
/// each on its own `base_uri` host, every call sent to the host of the account it acts as (the
/// default one when it names none), an expired token refreshed once with the rotated refresh
/// token stored, a refused refresh put in `attention`, and no token or the app secret in any
/// table, log line or response.
@Suite struct DocuSignConnectionTests {
    /// The fake stands for account.docusign.com and, with the host as the first path segment,
    /// for every `<site>.docusign.net`: the base URL keeps `{{vars.baseHost}}` so the host a
    /// call goes to is visible in the path the fake sees.
    static func endpoints(_ fake: DocuSignFake) throws -> String {
        let url = TestTemporaryFiles.url("endpoints")
        let entries: [String: Any] = [
            "docusign": [
                "baseUrl": fake.baseURL + "/{{vars.baseHost}}/restapi/v2.1/accounts/{{account.id}}", "authorizeUrl": fake.authorizeURL,
                "tokenUrl": fake.tokenURL, "baseUrls": ["https://account.docusign.com": fake.baseURL],
            ]
        ]
        try JSONSerialization.data(withJSONObject: entries).write(to: url)
        return url.path
    }

    static func withDocuSign(_ body: (DocuSignFake, NeonHubServer, HTTPTestClient, LogCapture) async throws -> Void) async throws {
        let fake = DocuSignFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs.logger(),
                {
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DOCUSIGN": fake.app])
                    $0.publicURL = OAuthTestSupport.appURL  // the redirect URI registered with the integration key
                }
            ) {
                server, client in try await body(fake, server, client, logs)
            }
        }
    }

    static func connect(_ client: HTTPTestClient, _ fake: DocuSignFake) async throws -> String {
        try await OAuthTestSupport.connect(client, connector: "docusign") { query in fake.authorize(query) ?? "refused" }.uuidString.lowercased()
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any], account: String? = nil)
        async throws -> (status: Int, output: Any?, envelope: [String: Any])
    {
        var request: [String: Any] = ["connectionId": id, "action": action, "input": input]
        if let account { request["accountId"] = account }
        let (status, envelope) = try await client.mutation("connectors.executeAction", request)
        return (status, resultData(envelope)?["output"], envelope)
    }

    @Test func theUsersAccountsComeFromUserinfoAndEachCallGoesToItsAccountsHost() async throws {
        try await Self.withDocuSign { fake, server, client, logs in
            let pool = try #require(server.database?.pool)
            let id = try await Self.connect(client, fake)

            // The code exchange as DocuSign documents it: Basic client authentication, the PKCE verifier.
            let exchange = try #require(fake.tokenRequests.first)
            #expect(fake.app.isBasicClient(exchange.header("Authorization")))
            #expect(exchange.formItems["grant_type"] == ["authorization_code"] && exchange.formItems["code_verifier"]?.first?.isEmpty == false)
            #expect(fake.server.requests("GET", "/oauth/userinfo").count == 1)

            // userinfo's accounts, each with its own host.
            let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
            let accounts = (resultData(fetched)?["accounts"] as? [[String: Any]]) ?? []
            #expect(accounts.compactMap { $0["id"] as? String } == [DocuSignFake.defaultAccountID, DocuSignFake.euAccountID])
            #expect(accounts.first?["baseUri"] as? String == "https://\(DocuSignFake.defaultHost)")
            #expect(accounts.first?["isDefault"] as? Bool == true && accounts.last?["kind"] as? String == "account")

            // No account named: the default one, on its host.
            let mine = try await Self.execute(client, id, "envelopes.list", ["fromDate": "2025-01-01T00:00:00Z", "limit": 5])
            #expect(mine.status == 200, "\(mine.envelope)")
            #expect(((mine.output as? [String: Any])?["items"] as? [Any])?.count == 5)
            #expect(fake.apiRequests.last?.path == DocuSignFake.accountPath() + "/envelopes")
            // The European account: its own host, its own envelopes.
            let europe = try await Self.execute(
                client, id, "envelopes.list", ["fromDate": "2025-01-01T00:00:00Z"], account: DocuSignFake.euAccountID)
            #expect(europe.status == 200, "\(europe.envelope)")
            #expect(((europe.output as? [String: Any])?["items"] as? [Any])?.count == 3)
            #expect(fake.apiRequests.last?.path == DocuSignFake.accountPath(DocuSignFake.euAccountID, host: DocuSignFake.euHost) + "/envelopes")
            // An account the connection does not have: refused before anything is sent.
            let sent = fake.apiRequests.count
            let stranger = try await Self.execute(client, id, "envelopes.list", ["fromDate": "2025-01-01T00:00:00Z"], account: UUID().uuidString)
            #expect(stranger.status == 400, "\(stranger.envelope)")
            #expect(fake.apiRequests.count == sent)

            // The access token expires: refused once (AUTHORIZATION_INVALID_TOKEN), refreshed once with rotation, and on.
            let first = try #require(OAuthTestSupport.bearer(fake.apiRequests.last))
            fake.expire(token: first)
            let again = try await Self.execute(client, id, "envelopes.get", ["envelopeId": fake.envelopes().first?.id ?? ""])
            #expect(again.status == 200, "\(again.envelope)")
            #expect(fake.refreshCount == 1)
            let refresh = try #require(fake.tokenRequests.last)
            #expect(refresh.formItems["grant_type"] == ["refresh_token"] && fake.app.isBasicClient(refresh.header("Authorization")))
            let second = try #require(OAuthTestSupport.bearer(fake.apiRequests.last))
            #expect(second != first)

            // Tokens and the app secret live only sealed, or nowhere.
            let refreshTokens = fake.tokenRequests.compactMap { $0.formItems["refresh_token"]?.first }
            let planted = [first, second, fake.app.clientSecret] + refreshTokens
            #expect(refreshTokens.count == 1)
            try await expectNowhere(
                planted, pool: pool, logs: logs, replies: [mine.envelope, europe.envelope, again.envelope].map { String(describing: $0) })
        }
    }

    @Test func aRefusedRefreshNeedsAPerson() async throws {
        try await Self.withDocuSign { fake, _, client, _ in
            let id = try await Self.connect(client, fake)
            let connection = try await OAuthTestSupport.expectRefusedRefreshNeedsAttention(
                client, connection: id, action: "accounts.list", refreshes: { fake.tokenRequests.count - 1 },
                spoil: {
                    fake.revokeRefreshTokens()
                    for token in fake.server.requests.compactMap({ OAuthTestSupport.bearer($0) }) { fake.expire(token: token) }
                })
            #expect((connection["lastError"] as? String)?.contains("invalid_grant") == true, "\(connection)")
        }
    }
}
