import Foundation
import TestSupport
import Testing

/// The Slack fake, driven with plain HTTP as Slack's documentation shows each call:
/// https://docs.slack.dev/apis/web-api/, https://docs.slack.dev/apis/web-api/rate-limits,
/// https://docs.slack.dev/reference/methods/oauth.v2.access,
/// https://docs.slack.dev/reference/methods/chat.postMessage,
/// https://docs.slack.dev/reference/methods/conversations.list.
@Suite struct SlackFakeTests {
    private func withFake<T>(_ fake: SlackFake = SlackFake(), _ body: (SlackFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func post(
        _ client: HTTPTestClient, _ method: String, token: String?, json: [String: Any],
        contentType: String = "application/json; charset=utf-8"
    ) async throws -> (Int, [String: Any]) {
        var headers = ["Content-Type": contentType]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let reply = try await client.request("POST", "/api/\(method)", headers: headers, body: try JSONSerialization.data(withJSONObject: json))
        return (reply.status, try reply.json())
    }

    private static func get(_ client: HTTPTestClient, _ pathAndQuery: String, token: String) async throws -> [String: Any] {
        try await client.get("/api/\(pathAndQuery)", headers: ["Authorization": "Bearer \(token)"]).json()
    }

    @Test func theCodeExchangeAnswersABotTokenAndItsErrorsWithHTTP200() async throws {
        try await withFake { fake, client in
            let app = fake.app
            let code = fake.authorize()
            let redirect = app.redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let basic = Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
            let form = ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"]
            let issued = try await client.request(
                "POST", "/api/oauth.v2.access", headers: form, body: Data("code=\(code)&redirect_uri=\(redirect)".utf8))
            let body = try issued.json()
            #expect(issued.status == 200 && body["ok"] as? Bool == true)
            let token = try #require(body["access_token"] as? String)
            #expect(token.hasPrefix("xoxb-"))
            #expect(body["token_type"] as? String == "bot")
            #expect((body["team"] as? [String: Any])?["id"] as? String == SlackFake.teamID)
            #expect(body["bot_user_id"] as? String == SlackFake.botUserID)
            let test = try await Self.post(client, "auth.test", token: token, json: [:])
            #expect(test.1["ok"] as? Bool == true && test.1["bot_id"] as? String == SlackFake.botID)

            // A used code, a wrong secret: HTTP 200 with ok false, as Slack answers every method error.
            let again = try await client.request(
                "POST", "/api/oauth.v2.access", headers: form, body: Data("code=\(code)&redirect_uri=\(redirect)".utf8))
            #expect(again.status == 200)
            #expect(try again.json()["error"] as? String == "invalid_code")
            let wrong = Data("\(app.clientID):nope".utf8).base64EncodedString()
            let refused = try await client.request(
                "POST", "/api/oauth.v2.access", headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(wrong)"],
                body: Data("code=\(fake.authorize())".utf8))
            #expect(try refused.json()["error"] as? String == "bad_client_secret")
            let otherRedirect = try await client.request(
                "POST", "/api/oauth.v2.access", headers: form,
                body: Data("code=\(fake.authorize())&redirect_uri=https%3A%2F%2Felsewhere.example".utf8))
            #expect(try otherRedirect.json()["error"] as? String == "bad_redirect_uri")
        }
    }

    @Test func tokensAreCheckedAndAuthErrorsAreOkFalse() async throws {
        try await withFake { fake, client in
            #expect(try await Self.post(client, "auth.test", token: nil, json: [:]).1["error"] as? String == "not_authed")
            #expect(try await Self.post(client, "auth.test", token: "xoxb-made-up", json: [:]).1["error"] as? String == "invalid_auth")
            let expired = fake.issueBotToken()
            fake.expire(token: expired)
            let answer = try await Self.post(client, "auth.test", token: expired, json: [:])
            #expect(answer.0 == 200 && answer.1["ok"] as? Bool == false && answer.1["error"] as? String == "token_expired")
            let revoked = fake.issueBotToken()
            fake.revoke(token: revoked)
            #expect(try await Self.post(client, "auth.test", token: revoked, json: [:]).1["error"] as? String == "token_revoked")
        }
    }

    @Test func postMessageChecksChannelTextAndBlocksAndWarnsOnAMissingCharset() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let blocks: [[String: Any]] = [["type": "section", "text": ["type": "mrkdwn", "text": "*Launch*"]]]
            let (status, posted) = try await Self.post(
                client, "chat.postMessage", token: token, json: ["channel": "C012AB3CD", "text": "Launch", "blocks": blocks])
            #expect(status == 200 && posted["ok"] as? Bool == true)
            let ts = try #require(posted["ts"] as? String)
            #expect((posted["message"] as? [String: Any])?["bot_id"] as? String == SlackFake.botID)
            #expect(fake.messages(in: "C012AB3CD").first?.ts == ts)
            #expect(posted["warning"] == nil)

            let noCharset = try await Self.post(
                client, "chat.postMessage", token: token, json: ["channel": "C012AB3CD", "text": "x"], contentType: "application/json")
            #expect(noCharset.1["warning"] as? String == "missing_charset")
            #expect(try await Self.post(client, "chat.postMessage", token: token, json: ["channel": "C012AB3CD"]).1["error"] as? String == "no_text")
            #expect(
                try await Self.post(client, "chat.postMessage", token: token, json: ["channel": "C012AB3CD", "blocks": [["text": "no type"]]]).1[
                    "error"] as? String == "invalid_blocks")
            #expect(
                try await Self.post(client, "chat.postMessage", token: token, json: ["channel": "C404", "text": "x"]).1["error"] as? String
                    == "channel_not_found")
            #expect(
                try await Self.post(client, "chat.postMessage", token: token, json: ["channel": "C0ARCHIVE", "text": "x"]).1["error"] as? String
                    == "is_archived")
            let noPublic = fake.issueBotToken(scopes: ["chat:write"])
            #expect(
                try await Self.post(client, "chat.postMessage", token: noPublic, json: ["channel": "C07NOTIN1", "text": "x"]).1["error"] as? String
                    == "not_in_channel")
            let readOnly = fake.issueBotToken(scopes: ["channels:read"])
            let scope = try await Self.post(client, "chat.postMessage", token: readOnly, json: ["channel": "C012AB3CD", "text": "x"]).1
            #expect(scope["error"] as? String == "missing_scope" && scope["needed"] as? String == "chat:write")
        }
    }

    @Test func conversationsArePagedByOpaqueCursorsAndRateLimitsAre429WithRetryAfter() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            var names: [String] = []
            var cursor = ""
            for _ in 0..<5 {
                let page = try await Self.get(
                    client,
                    "conversations.list?types=public_channel,private_channel&exclude_archived=true&limit=2"
                        + (cursor.isEmpty ? "" : "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"), token: token
                )
                names += (page["channels"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                cursor = (page["response_metadata"] as? [String: Any])?["next_cursor"] as? String ?? ""
                if cursor.isEmpty { break }
            }
            #expect(names == ["general", "marketing", "random", "leadership"])
            #expect(try await Self.get(client, "conversations.list?cursor=bogus", token: token)["error"] as? String == "invalid_cursor")
            #expect(try await Self.get(client, "conversations.list?limit=1001", token: token)["error"] as? String == "invalid_limit")

            fake.injectRateLimit(method: "conversations.list", retryAfter: 42)
            let limited = try await client.get("/api/conversations.list", headers: ["Authorization": "Bearer \(token)"])
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "42")
            #expect(try limited.json()["error"] as? String == "ratelimited")
            #expect(try await Self.get(client, "conversations.list", token: token)["ok"] as? Bool == true)
        }
    }

    @Test func usersAreLookedUpAndTheEmailNeedsItsScope() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let user = try await Self.get(client, "users.info?user=U0456FGHIJ", token: token)["user"] as? [String: Any]
            #expect((user?["profile"] as? [String: Any])?["email"] as? String == "avery@example.com")
            let found = try await Self.get(client, "users.lookupByEmail?email=sam%40example.com", token: token)
            #expect((found["user"] as? [String: Any])?["id"] as? String == "U0999ZZZZZ")
            #expect(
                try await Self.get(client, "users.lookupByEmail?email=nobody%40example.com", token: token)["error"] as? String == "users_not_found")
            #expect(try await Self.get(client, "users.info?user=U000", token: token)["error"] as? String == "user_not_found")
            let noEmail = fake.issueBotToken(scopes: ["users:read"])
            let hidden = try await Self.get(client, "users.info?user=U0456FGHIJ", token: noEmail)["user"] as? [String: Any]
            #expect((hidden?["profile"] as? [String: Any])?["email"] == nil)
            #expect(try await Self.get(client, "users.lookupByEmail?email=sam%40example.com", token: noEmail)["error"] as? String == "missing_scope")
        }
    }

    @Test func scheduledMessagesHaveTheirWindowAndCanBeCancelled() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let now = Int(Date().timeIntervalSince1970)
            let (_, scheduled) = try await Self.post(
                client, "chat.scheduleMessage", token: token, json: ["channel": "C012AB3CD", "post_at": now + 3600, "text": "Later"])
            let id = try #require(scheduled["scheduled_message_id"] as? String)
            #expect(scheduled["post_at"] as? Int == now + 3600)
            #expect(fake.scheduledMessageIDs == [id])
            #expect(
                try await Self.post(client, "chat.scheduleMessage", token: token, json: ["channel": "C012AB3CD", "post_at": now - 10, "text": "x"]).1[
                    "error"] as? String == "time_in_past")
            #expect(
                try await Self.post(
                    client, "chat.scheduleMessage", token: token, json: ["channel": "C012AB3CD", "post_at": now + 121 * 86_400, "text": "x"]
                ).1["error"] as? String == "time_too_far")
            #expect(
                try await Self.post(client, "chat.deleteScheduledMessage", token: token, json: ["channel": "C012AB3CD", "scheduled_message_id": id])
                    .1["ok"] as? Bool == true)
            #expect(fake.scheduledMessageIDs.isEmpty)
            #expect(
                try await Self.post(client, "chat.deleteScheduledMessage", token: token, json: ["channel": "C012AB3CD", "scheduled_message_id": id])
                    .1["error"] as? String
                    == "invalid_scheduled_message_id")
        }
    }
}
