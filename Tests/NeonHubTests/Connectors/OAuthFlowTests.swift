import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The OAuth authorization-code flow end to end over real sockets: `connectors.authorizeUrl`,
/// the provider's consent (the fake's), `GET /oauth/callback/<connector>`, the code exchange
/// at the provider fake's token endpoint, the connection with its accounts, and every way a
/// callback is refused.
@Suite struct OAuthFlowTests {
    static func metaEndpoints(_ fake: MetaGraphFake) throws -> String {
        try OAuthTestSupport.endpointsFile(["meta": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURL]])
    }

    @Test func metaConnectsWithALongLivedTokenAndItsPagesTokensSealed() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try Self.metaEndpoints(fake)
        let capture = LogCapture()
        try await withDatabaseApp(
            logger: capture.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["META": MetaGraphFake.defaultApp]) }
        ) { server, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "meta"])
            #expect(started.status == 200)
            let consent = try #require(URLComponents(string: started.url))
            #expect(consent.host == "www.facebook.com" && consent.path == "/v25.0/dialog/oauth")
            #expect(started.query["client_id"] == MetaGraphFake.defaultApp.clientID)
            #expect(started.query["response_type"] == "code")
            #expect(started.query["redirect_uri"] == "http://localhost:\(server.port)/oauth/callback/meta")
            #expect(started.query["scope"]?.split(separator: ",").contains("pages_manage_posts") == true)
            #expect(started.query["code_challenge"] == nil)  // Meta's definition: no PKCE
            let state = try #require(started.query["state"])
            #expect(state.count >= 43)

            let code = fake.authorize(redirectURI: started.query["redirect_uri"])
            let back = try await OAuthTestSupport.callback(client, connector: "meta", [("code", code), ("state", state)])
            #expect(back.status == 302)
            let location = try #require(back.header("Location"))
            #expect(location.hasPrefix("\(OAuthTestSupport.appURL)/connections?"))
            let outcome = OAuthTestSupport.query(location)
            #expect(outcome["status"] == "connected" && outcome["connector"] == "meta")
            let connectionID = try #require(outcome["connectionId"])

            // The code was exchanged, then the short-lived token for a long-lived one.
            let grants = fake.requests.filter { $0.path == "/v25.0/oauth/access_token" }
            #expect(grants.count == 2)
            #expect(grants.first?.formItems["code"] == [code])
            #expect(grants.first?.formItems["redirect_uri"] == [started.query["redirect_uri"] ?? ""])
            #expect(grants.last?.formItems["grant_type"] == ["fb_exchange_token"])

            let (_, got) = try await client.query("connectors.getConnection", ["id": connectionID])
            let connection = try #require(resultData(got))
            #expect(connection["status"] as? String == "active")
            let accounts = try #require(connection["accounts"] as? [[String: Any]])
            #expect(accounts.compactMap { $0["id"] as? String } == MetaGraphFake.Page.defaults.map(\.id))
            #expect(accounts.allSatisfy { $0["accessToken"] == nil && $0["kind"] as? String == "facebook_page" })
            let expires = try #require((connection["tokenExpiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(expires.timeIntervalSinceNow > 50 * 86_400)  // long-lived: about 60 days

            // The Page's own token, opened from the vault, publishes as the Page.
            let page = MetaGraphFake.Page.defaults[0].id
            let (posted, result) = try await client.mutation(
                "connectors.executeAction",
                [
                    "connectionId": connectionID, "action": "page.createPost", "input": ["message": "Hello from OAuth"], "accountId": page,
                ])
            #expect(posted == 200)
            let postID = try #require((resultData(result)?["output"] as? [String: Any])?["id"] as? String)
            #expect(fake.postIDs.contains(postID))
            let feed = try #require(fake.requests.last { $0.path == "/v25.0/\(page)/feed" })
            #expect(feed.header("Authorization")?.hasPrefix("Bearer EAAFakePage") == true)

            // The same callback again is refused: a state is good once.
            let replay = try await OAuthTestSupport.callback(client, connector: "meta", [("code", code), ("state", state)])
            let replayed = OAuthTestSupport.query(try #require(replay.header("Location")))
            #expect(replayed["status"] == "error" && replayed["reason"] == "state_already_used")

            // Every token the fake issued exists only sealed: no table, no log line.
            let pool = try #require(server.database?.pool)
            #expect(try await plaintextFindings(of: ["EAAFake", "AQD-fake-code"], in: pool) == [], "a token or code in plaintext")
            #expect(capture.count > 0)
            #expect(
                !capture.text.contains("EAAFake") && !capture.text.contains(code) && !capture.text.contains(MetaGraphFake.defaultApp.clientSecret))
        }
    }

    @Test func refusedCallbacksCreateNothingAndSayWhy() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try Self.metaEndpoints(fake)
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["META": MetaGraphFake.defaultApp, "LINKEDIN": LinkedInFake.defaultApp])
        }) { server, client in
            func reason(_ reply: HTTPTestClient.Reply) -> String? { reply.header("Location").map(OAuthTestSupport.query)?["reason"] }

            // The user said no at the provider: shown, not swallowed.
            let denied = try await OAuthTestSupport.authorize(client, ["connector": "meta"])
            let refusal = try await OAuthTestSupport.callback(
                client, connector: "meta",
                [
                    ("error", "access_denied"), ("error_reason", "user_denied"), ("error_description", "Permissions error"),
                    ("state", denied.query["state"] ?? ""),
                ])
            #expect(reason(refusal) == "access_denied")
            #expect(refusal.header("Location").map(OAuthTestSupport.query)?["message"] == "Permissions error")

            // A state issued for LinkedIn, presented to Meta's callback: refused, and burnt.
            let linkedin = try await OAuthTestSupport.authorize(client, ["connector": "linkedin"])
            let crossed = try await OAuthTestSupport.callback(client, connector: "meta", [("code", "x"), ("state", linkedin.query["state"] ?? "")])
            #expect(reason(crossed) == "state_for_another_connector")
            let after = try await OAuthTestSupport.callback(client, connector: "linkedin", [("code", "x"), ("state", linkedin.query["state"] ?? "")])
            #expect(reason(after) == "state_already_used")

            // A state older than ten minutes.
            let late = try await OAuthTestSupport.authorize(client, ["connector": "meta"])
            let pool = try #require(server.database?.pool)
            try await pool.execute("UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE state = \(late.query["state"] ?? "")")
            let expired = try await OAuthTestSupport.callback(
                client, connector: "meta", [("code", fake.authorize()), ("state", late.query["state"] ?? "")])
            #expect(reason(expired) == "state_expired")

            // A state nobody issued, and none at all.
            #expect(reason(try await OAuthTestSupport.callback(client, connector: "meta", [("code", "x"), ("state", "forged")])) == "unknown_state")
            #expect(reason(try await OAuthTestSupport.callback(client, connector: "meta", [("code", "x")])) == "missing_state")

            // A code the provider refuses (already used) is an error page, not a connection.
            let bad = try await OAuthTestSupport.authorize(client, ["connector": "meta"])
            let used = fake.authorize(redirectURI: bad.query["redirect_uri"])
            let stolen = try await OAuthTestSupport.authorize(client, ["connector": "meta"])
            _ = try await OAuthTestSupport.callback(client, connector: "meta", [("code", used), ("state", stolen.query["state"] ?? "")])
            let twice = try await OAuthTestSupport.callback(client, connector: "meta", [("code", used), ("state", bad.query["state"] ?? "")])
            #expect(reason(twice) == "token_exchange_failed")

            let (_, list) = try await client.query("connectors.listConnections", [:])
            #expect((resultData(list)?["items"] as? [Any])?.count == 1)  // only the one good exchange
            #expect(fake.requests.filter { $0.path == "/v25.0/oauth/access_token" }.count == 3)  // 2 for the good one, 1 refused
        }
    }

    @Test func authorizeUrlRefusesWhatItCannotFinish() async throws {
        try await withDatabaseApp({ config in
            config.tokenVaultKey = OAuthTestSupport.fixedVaultKey
            config.appURL = OAuthTestSupport.appURL
        }) { _, client in
            // No META_CLIENT_ID / _SECRET: named, before the user is sent anywhere.
            let (missing, envelope) = try await client.mutation("connectors.authorizeUrl", ["connector": "meta"])
            #expect(missing == 412)
            let message = (envelope["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("META_CLIENT_ID") && message.contains("META_CLIENT_SECRET"))
            // An API-key connector does not use OAuth.
            let (apiKey, _) = try await client.mutation("connectors.authorizeUrl", ["connector": "mailchimp"])
            #expect(apiKey == 400)
            // A redirect outside the UI would be an open redirect.
            let (open, _) = try await client.mutation("connectors.authorizeUrl", ["connector": "linkedin", "redirectTo": "https://evil.example/x"])
            #expect(open == 400)
            // Nor a host a browser reads differently from a lenient parser (`\` is `/` to it).
            let (backslash, _) = try await client.mutation(
                "connectors.authorizeUrl", ["connector": "linkedin", "redirectTo": "https://evil.example\\@app.example.test/"])
            #expect(backslash == 400)
            let (unknown, _) = try await client.mutation("connectors.authorizeUrl", ["connector": "myspace"])
            #expect(unknown == 404)
        }
    }

    @Test func mockModeConnectsThroughTheServersOwnConsentPage() async throws {
        try await withDatabaseApp({ config in
            config.useMockConnectors = true
            config.appURL = OAuthTestSupport.appURL
        }) { server, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "linkedin"])
            #expect(started.status == 200)
            #expect(started.url.hasPrefix("http://localhost:\(server.port)/oauth/mock/linkedin?"))
            let path = String(started.url.dropFirst("http://localhost:\(server.port)".count))
            let page = try await client.get(path)
            #expect(page.status == 200 && page.text.contains("Allow") && page.text.contains("Deny"))

            let consent = try await client.get(path + "&decision=allow")
            #expect(consent.status == 302)
            let callback = try #require(consent.header("Location"))
            #expect(callback.hasPrefix("http://localhost:\(server.port)/oauth/callback/linkedin?"))
            let back = try await client.get(String(callback.dropFirst("http://localhost:\(server.port)".count)))
            let outcome = OAuthTestSupport.query(try #require(back.header("Location")))
            #expect(outcome["status"] == "connected")
            let (_, got) = try await client.query("connectors.getConnection", ["id": outcome["connectionId"] ?? ""])
            let accounts = try #require(resultData(got)?["accounts"] as? [[String: Any]])
            #expect(!accounts.isEmpty)  // from the fixtures, through the same runtime

            // Deny goes back as access_denied.
            let again = try await OAuthTestSupport.authorize(client, ["connector": "linkedin"])
            let againPath = String(again.url.dropFirst("http://localhost:\(server.port)".count))
            let deny = try await client.get(againPath + "&decision=deny")
            let denied = try await client.get(String(try #require(deny.header("Location")).dropFirst("http://localhost:\(server.port)".count)))
            #expect(OAuthTestSupport.query(try #require(denied.header("Location")))["reason"] == "access_denied")
        }
    }

    /// QuickBooks' company arrives on the redirect (`auth.callbackVariables`); the mock consent
    /// picks the variable's example, so a mock connection can call the company's actions.
    @Test func mockModeGivesACallbackVariableItsExample() async throws {
        try await withDatabaseApp({ config in
            config.useMockConnectors = true
            config.appURL = OAuthTestSupport.appURL
        }) { server, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "quickbooks"])
            #expect(started.status == 200, "no realmId is asked for before the consent")
            let path = String(started.url.dropFirst("http://localhost:\(server.port)".count))
            let consent = try await client.get(path + "&decision=allow")
            let back = try await client.get(String(try #require(consent.header("Location")).dropFirst("http://localhost:\(server.port)".count)))
            let outcome = OAuthTestSupport.query(try #require(back.header("Location")))
            #expect(outcome["status"] == "connected", "\(outcome)")
            let (_, got) = try await client.query("connectors.getConnection", ["id": outcome["connectionId"] ?? ""])
            let accounts = try #require(resultData(got)?["accounts"] as? [[String: Any]])
            #expect(accounts.first?["id"] as? String == "9130347596851234", "the example realm is the account")
        }
    }

    @Test func linkedInConnectsWithTheMemberAndTheOrganizationsItAdministers() async throws {
        let fake = LinkedInFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile(["linkedin": ["baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL]])
        try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["LINKEDIN": LinkedInFake.defaultApp]) }) {
            _, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "linkedin"])
            #expect(started.query["scope"]?.split(separator: " ").contains("w_member_social") == true)
            let code = fake.authorize(redirectURI: started.query["redirect_uri"])
            let back = try await OAuthTestSupport.callback(client, connector: "linkedin", [("code", code), ("state", started.query["state"] ?? "")])
            let location = try #require(back.header("Location"))
            let id = try #require(OAuthTestSupport.query(location)["connectionId"])
            let exchange = try #require(fake.requests.first { $0.path == "/oauth/v2/accessToken" })
            #expect(exchange.formItems["client_id"] == [LinkedInFake.defaultApp.clientID])  // LinkedIn: credentials in the form body

            let (_, listed) = try await client.query("connectors.listAccounts", ["connectionId": id])
            let accounts = try #require((listed["result"] as? [String: Any])?["data"] as? [[String: Any]])
            let person = try #require(accounts.first)
            #expect(person["kind"] as? String == "person")
            let personURN = try #require(person["id"] as? String)
            #expect(personURN == "urn:li:person:\(LinkedInFake.Member().sub)")
            #expect(
                accounts.dropFirst().allSatisfy {
                    $0["kind"] as? String == "organization" && ($0["id"] as? String)?.hasPrefix("urn:li:organization:") == true
                })
            #expect(accounts.count > 1)

            let (status, result) = try await client.mutation(
                "connectors.executeAction",
                [
                    "connectionId": id, "action": "posts.create", "input": ["commentary": "Hello from the member"], "accountId": personURN,
                ])
            #expect(status == 200)
            let urn = try #require((resultData(result)?["output"] as? [String: Any])?["id"] as? String)
            #expect(fake.post(urn)?["author"] as? String == personURN)
        }
    }

    @Test func metasLongLivedTokenIsRenewedAheadOfExpiryByExchangingItAgain() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try Self.metaEndpoints(fake)
        try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["META": MetaGraphFake.defaultApp]) }) {
            server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "meta") { fake.authorize(redirectURI: $0["redirect_uri"]) }
            let pool = try #require(server.database?.pool)
            let lead = try await pool.query(
                "SELECT extract(epoch FROM token_expires_at - next_refresh_at)::int AS s FROM connections WHERE id = \(id)")
            #expect(try lead.first?.decode("s", as: Int.self) == 7 * 86_400)  // Meta: T-7d

            try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
            #expect(try await server.tokenScheduler.sweep() == 1)
            let grants = fake.requests.filter { $0.path == "/v25.0/oauth/access_token" }
            #expect(grants.count == 3)
            let renewal = try #require(grants.last)
            #expect(renewal.formItems["grant_type"] == ["fb_exchange_token"])
            #expect(renewal.formItems["fb_exchange_token"]?.first?.hasPrefix("EAAFakeLongUser") == true)  // the stored long-lived token
            let row = try await pool.query(
                "SELECT refresh_version, token_expires_at > now() + interval '50 days' AS long FROM connections WHERE id = \(id)")
            #expect(try row.first?.decode("refresh_version", as: Int64.self) == 1)
            #expect(try row.first?.decode("long", as: Bool.self) == true)
        }
    }
}
