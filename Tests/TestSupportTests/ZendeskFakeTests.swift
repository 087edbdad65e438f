import Foundation
import TestSupport
import Testing

/// The Zendesk fake, driven with plain HTTP as Zendesk's documentation shows each call:
/// https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/,
/// https://developer.zendesk.com/documentation/ticketing/working-with-oauth/oauth-pkce/,
/// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/,
/// https://developer.zendesk.com/api-reference/introduction/pagination/,
/// https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/,
/// https://developer.zendesk.com/api-reference/introduction/rate-limits/.
@Suite struct ZendeskFakeTests {
    private func withFake<T>(_ fake: ZendeskFake = ZendeskFake(), _ body: (ZendeskFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-zendesk"

    private static func consent(_ fake: ZendeskFake, redirect: String = ZendeskFake.defaultApp.redirectURI, pkce: Bool = true) -> String? {
        var query = [
            "response_type": "code", "client_id": fake.app.clientID, "redirect_uri": redirect, "scope": "tickets:read tickets:write users:read",
            "state": "s1",
        ]
        if pkce {
            query["code_challenge"] = PKCE.s256Challenge(verifier)
            query["code_challenge_method"] = "S256"
        }
        return fake.authorize(query)
    }

    private static func tokenCall(_ client: HTTPTestClient, _ fields: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/oauth/tokens", headers: ["Content-Type": "application/json"], body: try JSONSerialization.data(withJSONObject: fields))
    }

    private static func exchange(
        _ fake: ZendeskFake, _ client: HTTPTestClient, code: String, verifier: String = verifier, secret: String? = nil,
        redirect: String = ZendeskFake.defaultApp.redirectURI
    ) async throws -> HTTPTestClient.Reply {
        try await tokenCall(
            client,
            [
                "grant_type": "authorization_code", "code": code, "client_id": fake.app.clientID, "client_secret": secret ?? fake.app.clientSecret,
                "redirect_uri": redirect, "scope": "tickets:read tickets:write users:read", "code_verifier": verifier,
            ])
    }

    private static func get(_ client: HTTPTestClient, _ path: String, token: String?) async throws -> HTTPTestClient.Reply {
        try await client.get(path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    private static func createTicket(_ client: HTTPTestClient, token: String, _ ticket: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/api/v2/tickets", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: ["ticket": ticket]))
    }

    private static func body(_ reply: HTTPTestClient.Reply) -> [String: Any] { (try? reply.json()) ?? [:] }

    @Test func theCodeExchangeIsJSONSingleUseAndChecksThePKCEVerifier() async throws {
        try await withFake { fake, client in
            #expect(fake.authorize(["response_type": "token", "client_id": fake.app.clientID, "redirect_uri": "x"]) == nil)
            let code = try #require(Self.consent(fake))
            #expect(
                try await Self.exchange(fake, client, code: code, verifier: String(repeating: "a", count: 43)).json()["error"] as? String
                    == "invalid_grant")
            let issued = try await Self.exchange(fake, client, code: code)
            #expect(issued.status == 200)
            let body = Self.body(issued)
            #expect(body["token_type"] as? String == "bearer" && body["expires_in"] as? Int == 1800)
            #expect(body["refresh_token_expires_in"] as? Int == 2_592_000 && body["scope"] as? String == "tickets:read tickets:write users:read")
            let token = try #require(body["access_token"] as? String)
            let me = try await Self.get(client, "/api/v2/users/me", token: token)
            #expect(me.status == 200 && (Self.body(me)["user"] as? [String: Any])?["id"] as? Int == ZendeskFake.meID)

            let again = try await Self.exchange(fake, client, code: code)
            #expect(again.status == 400 && Self.body(again)["error"] as? String == "invalid_grant")
            let other = try #require(Self.consent(fake, redirect: "https://hub.example.test/oauth/callback/zendesk"))
            #expect(try await Self.exchange(fake, client, code: other).json()["error"] as? String == "invalid_grant", "another redirect_uri")
            let wrongSecret = try await Self.exchange(
                fake, client, code: other, secret: "nope", redirect: "https://hub.example.test/oauth/callback/zendesk")
            #expect(wrongSecret.status == 401 && Self.body(wrongSecret)["error"] as? String == "invalid_client")

            // The documented format is JSON: a form is refused.
            let plain = try #require(Self.consent(fake, pkce: false))
            let form =
                "grant_type=authorization_code&code=\(plain)&client_id=\(fake.app.clientID)&client_secret=\(fake.app.clientSecret)"
                + "&redirect_uri=\(ZendeskFake.defaultApp.redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            let formReply = try await client.request(
                "POST", "/oauth/tokens", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
            #expect(formReply.status == 400 && Self.body(formReply)["error"] as? String == "invalid_request")
        }
    }

    @Test func aRefreshRotatesBothTokensAndHonoursTheRequestedLifetime() async throws {
        try await withFake { fake, client in
            let code = try #require(Self.consent(fake))
            let first = try await Self.exchange(fake, client, code: code).json()
            let refresh = try #require(first["refresh_token"] as? String)
            let access = try #require(first["access_token"] as? String)
            let fields: [String: Any] = [
                "grant_type": "refresh_token", "refresh_token": refresh, "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret,
                "expires_in": 600,
            ]
            let rotated = try await Self.tokenCall(client, fields)
            #expect(rotated.status == 200)
            let body = Self.body(rotated)
            let newRefresh = try #require(body["refresh_token"] as? String)
            #expect(newRefresh != refresh && body["expires_in"] as? Int == 600)
            #expect(!fake.isValid(refreshToken: refresh) && fake.isValid(refreshToken: newRefresh))
            let old = try await Self.get(client, "/api/v2/users/me", token: access)
            #expect(old.status == 401 && Self.body(old)["error"] as? String == "invalid_token", "the previous access token is deleted")
            #expect(try await Self.get(client, "/api/v2/users/me", token: body["access_token"] as? String).status == 200)

            let reused = try await Self.tokenCall(client, fields)
            #expect(reused.status == 400 && Self.body(reused)["error"] as? String == "invalid_grant")
            var tooLong = fields
            tooLong["refresh_token"] = newRefresh
            tooLong["expires_in"] = 200_000
            #expect(try await Self.tokenCall(client, tooLong).json()["error"] as? String == "invalid_request")
            fake.expire(token: newRefresh)
            tooLong["expires_in"] = 600
            #expect(try await Self.tokenCall(client, tooLong).json()["error"] as? String == "invalid_grant")
        }
    }

    @Test func bearerFailuresAreZendesksShapes() async throws {
        try await withFake { fake, client in
            let none = try await Self.get(client, "/api/v2/users/me", token: nil)
            #expect(none.status == 401 && Self.body(none)["error"] as? String == "Couldn't authenticate you")
            let unknown = try await Self.get(client, "/api/v2/users/me", token: "zda-made-up")
            #expect(unknown.status == 401 && Self.body(unknown)["error"] as? String == "invalid_token")
            #expect((Self.body(unknown)["error_description"] as? String)?.hasPrefix("The access token provided is expired") == true)
            let expired = fake.issueToken()
            fake.expire(token: expired)
            #expect(try await Self.get(client, "/api/v2/tickets/1", token: expired).status == 401)
            let readOnly = fake.issueToken(scopes: ["tickets:read"])
            let denied = try await Self.createTicket(client, token: readOnly, ["comment": ["body": "Hi"]])
            #expect(denied.status == 403 && Self.body(denied)["error"] as? String == "Forbidden")
            #expect(try await Self.get(client, "/api/v2/users/me", token: readOnly).status == 403, "users:read is needed")
            let wrongMethod = try await client.request("DELETE", "/api/v2/users/me", headers: ["Authorization": "Bearer \(fake.issueToken())"])
            #expect(wrongMethod.status == 404 && Self.body(wrongMethod)["error"] as? String == "InvalidEndpoint")
            #expect(fake.tickets.count == 250)
        }
    }

    @Test func aTicketIsCreatedAndAnInvalidOneIsRecordInvalidWithDetails() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let created = try await Self.createTicket(
                client, token: token,
                [
                    "subject": "Order #1002 missing", "comment": ["body": "It has not arrived.", "public": false], "priority": "high",
                    "type": "incident", "requester": ["name": "Grace Buyer", "email": "grace@example.com"], "tags": ["Shipping Delay"],
                ])
            #expect(created.status == 201)
            let ticket = try #require(Self.body(created)["ticket"] as? [String: Any])
            #expect(ticket["id"] as? Int == 251 && ticket["status"] as? String == "new" && ticket["priority"] as? String == "high")
            #expect((ticket["url"] as? String)?.hasSuffix("/api/v2/tickets/251.json") == true)
            #expect(created.header("Location")?.hasSuffix("/api/v2/tickets/251.json") == true)
            let stored = try #require(fake.tickets.last)
            #expect(stored.tags == ["shipping_delay"] && !stored.isPublic && stored.description == "It has not arrived.")
            #expect(fake.users.contains { $0.email == "grace@example.com" && $0.id == stored.requesterID && $0.name == "Grace Buyer" })

            let blank = try await Self.createTicket(client, token: token, ["subject": "No comment"])
            #expect(blank.status == 422 && Self.body(blank)["error"] as? String == "RecordInvalid")
            #expect(Self.body(blank)["description"] as? String == "Record validation errors")
            let base = ((Self.body(blank)["details"] as? [String: Any])?["base"] as? [[String: Any]])?.first
            #expect(base?["error"] as? String == "BlankValue")
            let bad = try await Self.createTicket(
                client, token: token, ["comment": ["body": "x"], "priority": "critical", "requester": ["email": "not-an-email"]])
            let details = Self.body(bad)["details"] as? [String: Any]
            #expect(bad.status == 422 && details?["priority"] != nil && details?["requester"] != nil)
            let notJSON = try await client.request(
                "POST", "/api/v2/tickets", headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/plain"], body: Data("hi".utf8))
            #expect(notJSON.status == 400)
            #expect(fake.tickets.count == 251)

            #expect(try await Self.get(client, "/api/v2/tickets/251.json", token: token).status == 200)
            let missing = try await Self.get(client, "/api/v2/tickets/99999", token: token)
            #expect(missing.status == 404 && Self.body(missing)["error"] as? String == "RecordNotFound")
            #expect(Self.body(missing)["description"] as? String == "Not found")
        }
    }

    @Test func cursorPagesEndOnHasMoreNotOnLinksNext() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var ids: [Int] = []
            var after: String?
            var pages = 0
            var lastMeta: [String: Any] = [:]
            var lastLinks: [String: Any] = [:]
            repeat {
                let path = "/api/v2/tickets?page%5Bsize%5D=100&sort=-updated_at" + (after.map { "&page%5Bafter%5D=\($0)" } ?? "")
                let reply = try await Self.get(client, path, token: token)
                #expect(reply.status == 200 && reply.header("zendesk-ratelimit-tickets-index")?.hasPrefix("total=100") == true)
                ids += (Self.body(reply)["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                lastMeta = Self.body(reply)["meta"] as? [String: Any] ?? [:]
                lastLinks = Self.body(reply)["links"] as? [String: Any] ?? [:]
                after = lastMeta["has_more"] as? Bool == true ? lastMeta["after_cursor"] as? String : nil
                pages += 1
            } while after != nil && pages < 10
            #expect(pages == 3 && ids.count == 250 && Set(ids).count == 250)
            let updated = ids.compactMap { id in fake.tickets.first { $0.id == id }?.updatedAt }
            #expect(updated == updated.sorted(by: >), "sorted by -updated_at")
            #expect(lastMeta["after_cursor"] is String && lastLinks["next"] is String, "Zendesk keeps links.next on the last page")

            let big = try await Self.get(client, "/api/v2/tickets?page%5Bsize%5D=101", token: token)
            #expect(big.status == 400 && Self.body(big)["error"] as? String == "InvalidPaginationParameter")
            let created = try await Self.get(client, "/api/v2/tickets?page%5Bsize%5D=10&sort=created_at", token: token)
            #expect(created.status == 400 && Self.body(created)["error"] as? String == "InvalidPaginationParameter")
            let first = try await Self.get(client, "/api/v2/tickets?page%5Bsize%5D=10&sort=id", token: token)
            let cursor = try #require((Self.body(first)["meta"] as? [String: Any])?["after_cursor"] as? String)
            let mixed = try await Self.get(client, "/api/v2/tickets?page%5Bsize%5D=10&sort=status&page%5Bafter%5D=\(cursor)", token: token)
            #expect(mixed.status == 400, "a cursor belongs to its sort")
            let offset = try await Self.get(client, "/api/v2/tickets.json?page=3&per_page=100", token: token)
            #expect(Self.body(offset)["count"] as? Int == 250 && Self.body(offset)["next_page"] is NSNull)
        }
    }

    @Test func searchPagesThroughNextPageUpToTheThousandResultCap() async throws {
        try await withFake(ZendeskFake(tickets: ZendeskFake.tickets(count: 1200))) { fake, client in
            let token = fake.issueToken()
            var next: String? = "/api/v2/search?query=type%3Aticket%20tags%3Acampaign%20status%3Chold&per_page=100&sort_by=updated_at&sort_order=desc"
            var results: [[String: Any]] = []
            var pages = 0
            while let path = next, pages < 10 {
                let reply = try await Self.get(client, path.replacingOccurrences(of: fake.baseURL, with: ""), token: token)
                #expect(reply.status == 200)
                results += Self.body(reply)["results"] as? [[String: Any]] ?? []
                next = Self.body(reply)["next_page"] as? String
                pages += 1
            }
            let expected = fake.tickets.filter { $0.tags.contains("campaign") && ["new", "open", "pending"].contains($0.status) }
            #expect(expected.count == 200 && results.count == expected.count && pages == 2)
            #expect(results.allSatisfy { $0["result_type"] as? String == "ticket" })
            let updated = results.compactMap { $0["updated_at"] as? String }
            #expect(updated == updated.sorted(by: >))

            let all = try await Self.get(client, "/api/v2/search?query=type%3Aticket&page=10&per_page=100", token: token)
            #expect(Self.body(all)["count"] as? Int == 1200 && (Self.body(all)["results"] as? [Any])?.count == 100)
            let past = try await Self.get(client, "/api/v2/search?query=type%3Aticket&page=11&per_page=100", token: token)
            #expect(past.status == 422 && (Self.body(past)["description"] as? String)?.contains("Search Response Limits") == true)
            let capped = try await Self.get(client, "/api/v2/search?query=type%3Aticket&per_page=500", token: token)
            #expect((Self.body(capped)["results"] as? [Any])?.count == 100)
            let cursor = try await Self.get(client, "/api/v2/search?query=type%3Aticket&page%5Bsize%5D=10", token: token)
            #expect(cursor.status == 400)
            let users = try await Self.get(client, "/api/v2/search.json?query=type%3Auser%20requester1%40", token: token)
            #expect((Self.body(users)["results"] as? [[String: Any]])?.first?["result_type"] as? String == "user")
        }
    }

    @Test func rateLimitHeadersAnd429WithRetryAfterAndInjectedFailures() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let ok = try await Self.get(client, "/api/v2/users/me", token: token)
            #expect(ok.header("X-Rate-Limit") == "400" && ok.header("ratelimit-limit") == "400")
            #expect(ok.header("X-Rate-Limit-Remaining") == "399" && ok.header("ratelimit-remaining") == "399")
            #expect(Int(ok.header("ratelimit-reset") ?? "") != nil)
            fake.injectRateLimit(retryAfter: 93, count: 2)
            for _ in 0..<2 {
                let limited = try await Self.get(client, "/api/v2/tickets/1", token: token)
                #expect(limited.status == 429 && limited.header("Retry-After") == "93")
                #expect(limited.text == ZendeskFake.rateLimitText && limited.header("Content-Type")?.hasPrefix("text/plain") == true)
                #expect(limited.header("X-Rate-Limit-Remaining") == "0")
            }
            #expect(try await Self.get(client, "/api/v2/tickets/1", token: token).status == 200)
            fake.failNext(status: 503, error: "ServiceUnavailable", description: "Try again later")
            let failed = try await Self.get(client, "/api/v2/users/me", token: token)
            #expect(failed.status == 503 && Self.body(failed)["error"] as? String == "ServiceUnavailable")
        }
    }
}
