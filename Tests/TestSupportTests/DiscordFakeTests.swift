import Foundation
import TestSupport
import Testing

/// The Discord fake, driven with plain HTTP as Discord's documentation shows each call:
/// https://discord.com/developers/docs/reference, https://discord.com/developers/docs/topics/rate-limits,
/// https://discord.com/developers/docs/resources/message, https://discord.com/developers/docs/resources/webhook#execute-webhook.
@Suite struct DiscordFakeTests {
    static let agent = "DiscordBot (https://example.com/fake-test, 1.0)"

    private func withFake<T>(_ fake: DiscordFake = DiscordFake(), _ body: (DiscordFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func headers(_ token: String?, json: Bool = false) -> [String: String] {
        var headers = ["User-Agent": agent]
        if let token { headers["Authorization"] = "Bot \(token)" }
        if json { headers["Content-Type"] = "application/json" }
        return headers
    }

    private static func send(_ client: HTTPTestClient, _ path: String, token: String?, _ object: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/api/v10\(path)", headers: headers(token, json: true), body: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func theBotTokenUserAgentAndSchemeAreChecked() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let me = try await client.get("/api/v10/users/@me", headers: Self.headers(token))
            #expect(try me.status == 200 && (try me.json()["bot"] as? Bool) == true)
            #expect(me.header("X-RateLimit-Bucket")?.count == 32)
            #expect(me.header("X-RateLimit-Limit") == "50" && me.header("X-RateLimit-Remaining") == "49")
            let bearer = try await client.get("/api/v10/users/@me", headers: ["User-Agent": Self.agent, "Authorization": "Bearer \(token)"])
            #expect(bearer.status == 401)
            #expect(try bearer.json()["code"] as? Int == 0 && (try bearer.json()["message"] as? String) == "401: Unauthorized")
            fake.invalidate(token: token)
            #expect(try await client.get("/api/v10/users/@me", headers: Self.headers(token)).status == 401)
            let fresh = fake.issueBotToken()
            #expect(try await client.get("/api/v10/users/@me", headers: ["Authorization": "Bot \(fresh)"]).status == 400)
        }
    }

    @Test func messagesAreValidatedStoredListedAndDeletedByTheirAuthor() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let channel = "1300000000000000001"
            let sent = try await Self.send(
                client, "/channels/\(channel)/messages", token: token,
                ["content": "Hello", "embeds": [["title": "Spring roast", "color": 5_814_783]], "allowed_mentions": ["parse": []]])
            #expect(sent.status == 200)
            let id = try #require(try sent.json()["id"] as? String)
            #expect((try sent.json()["embeds"] as? [[String: Any]])?.first?["type"] as? String == "rich")
            let reply = try await Self.send(
                client, "/channels/\(channel)/messages", token: token, ["content": "Re", "message_reference": ["message_id": id]])
            #expect((try reply.json()["message_reference"] as? [String: Any])?["message_id"] as? String == id)

            let empty = try await Self.send(client, "/channels/\(channel)/messages", token: token, [:])
            #expect(try empty.status == 400 && (try empty.json()["code"] as? Int) == 50006)
            let long = try await Self.send(client, "/channels/\(channel)/messages", token: token, ["content": String(repeating: "a", count: 2001)])
            let errors = try long.json()["errors"] as? [String: Any]
            #expect(
                try long.json()["code"] as? Int == 50035
                    && ((errors?["content"] as? [String: Any])?["_errors"] as? [[String: Any]])?.first?["code"] as? String == "BASE_TYPE_MAX_LENGTH")
            let unknownReply = try await Self.send(
                client, "/channels/\(channel)/messages", token: token, ["content": "x", "message_reference": ["message_id": "1400000000000099999"]])
            #expect(try unknownReply.json()["code"] as? Int == 50035)
            #expect(try await Self.send(client, "/channels/1300000000000000003/messages", token: token, ["content": "x"]).status == 403)
            #expect(
                try await Self.send(client, "/channels/1300000000000000005/messages", token: token, ["content": "x"]).json()["code"] as? Int == 50001)
            #expect(
                try await Self.send(client, "/channels/1399999999999999999/messages", token: token, ["content": "x"]).json()["code"] as? Int == 10003)

            let listed = try await client.get("/api/v10/channels/\(channel)/messages?limit=1", headers: Self.headers(token))
            let first = try JSONSerialization.jsonObject(with: listed.body) as? [[String: Any]]
            #expect(first?.count == 1 && first?.first?["content"] as? String == "Re")  // newest first
            let other = fake.seedMessage(channelID: channel, content: "theirs")
            #expect(try await client.request("DELETE", "/api/v10/channels/\(channel)/messages/\(other)", headers: Self.headers(token)).status == 403)
            #expect(try await client.request("DELETE", "/api/v10/channels/\(channel)/messages/\(id)", headers: Self.headers(token)).status == 204)
            #expect(
                try await client.request("DELETE", "/api/v10/channels/\(channel)/messages/\(id)", headers: Self.headers(token)).json()["code"] as? Int
                    == 10008)
        }
    }

    @Test func aWebhookNeedsItsTokenNotTheBotsAndWaitAnswersTheMessage() async throws {
        try await withFake { fake, client in
            let hook = DiscordFake.defaultWebhook
            let noWait = try await Self.send(client, "/webhooks/\(hook.id)/\(hook.token)", token: nil, ["content": "Hi"])
            #expect(noWait.status == 204 && noWait.body.isEmpty)
            let waited = try await Self.send(
                client, "/webhooks/\(hook.id)/\(hook.token)?wait=true", token: nil, ["content": "Hi", "username": "Roaster"])
            #expect(waited.status == 200)
            #expect(try waited.json()["webhook_id"] as? String == hook.id)
            #expect(fake.messages(in: hook.channelID).first?.username == "Roaster")
            let wrong = try await Self.send(client, "/webhooks/\(hook.id)/not-the-token?wait=true", token: nil, ["content": "Hi"])
            #expect(try wrong.status == 401 && (try wrong.json()["code"] as? Int) == 50027)
            #expect(
                try await Self.send(client, "/webhooks/1500000000000000999/\(hook.token)", token: nil, ["content": "Hi"]).json()["code"] as? Int
                    == 10015)
            #expect(
                try await Self.send(client, "/webhooks/\(hook.id)/\(hook.token)", token: nil, ["content": "Hi", "username": "Discord Bot"]).json()[
                    "code"] as? Int == 50035)
        }
    }

    @Test func bucketsRunOutPerChannelAndInjectedLimitsCarryTheirScope() async throws {
        try await withFake(DiscordFake(routeLimit: 2, routeWindow: 300)) { fake, client in
            let token = fake.issueBotToken()
            for _ in 0..<2 {
                #expect(try await Self.send(client, "/channels/1300000000000000001/messages", token: token, ["content": "x"]).status == 200)
            }
            let limited = try await Self.send(client, "/channels/1300000000000000001/messages", token: token, ["content": "x"])
            #expect(limited.status == 429)
            #expect(limited.header("X-RateLimit-Scope") == "user" && limited.header("X-RateLimit-Remaining") == "0")
            let retry = try #require(try limited.json()["retry_after"] as? Double)
            // What is left of the 300-second window (long: a loaded machine may pause between requests) that the first request opened.
            #expect(retry > 0 && retry <= 300)
            #expect(abs((Double(limited.header("X-RateLimit-Reset-After") ?? "") ?? -1) - retry) < 0.01)
            #expect(Int(limited.header("Retry-After") ?? "") == Int(retry.rounded(.up)))
            // Another channel is another top-level resource: its own bucket.
            #expect(try await Self.send(client, "/channels/1300000000000000004/messages", token: token, ["content": "x"]).status == 200)

            fake.injectRateLimit(scope: "global", retryAfter: 1.5)
            let global = try await client.get("/api/v10/users/@me", headers: Self.headers(token))
            #expect(global.status == 429 && global.header("X-RateLimit-Global") == "true" && global.header("X-RateLimit-Scope") == "global")
            #expect(try global.json()["global"] as? Bool == true && (try global.json()["retry_after"] as? Double) == 1.5)
            #expect(global.header("Retry-After") == "2")
        }
    }

    @Test func guildsArePagedAfterAnIdAndChannelsNeedTheBotInTheGuild() async throws {
        try await withFake { fake, client in
            let token = fake.issueBotToken()
            let first =
                try JSONSerialization.jsonObject(with: try await client.get("/api/v10/users/@me/guilds?limit=1", headers: Self.headers(token)).body)
                as? [[String: Any]]
            #expect(first?.map { $0["id"] as? String } == ["1200000000000000001"])
            let next =
                try JSONSerialization.jsonObject(
                    with: try await client.get("/api/v10/users/@me/guilds?limit=1&after=1200000000000000001", headers: Self.headers(token)).body)
                as? [[String: Any]]
            #expect(next?.map { $0["id"] as? String } == ["1200000000000000002"])
            #expect(try await client.get("/api/v10/users/@me/guilds?limit=201", headers: Self.headers(token)).json()["code"] as? Int == 50035)
            let channels =
                try JSONSerialization.jsonObject(
                    with: try await client.get("/api/v10/guilds/1200000000000000001/channels", headers: Self.headers(token)).body) as? [[String: Any]]
            #expect(channels?.count == 3)
            #expect(
                try await client.get("/api/v10/guilds/1200000000000000003/channels", headers: Self.headers(token)).json()["code"] as? Int == 50001)
        }
    }
}
