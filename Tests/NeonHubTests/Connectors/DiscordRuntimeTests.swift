import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Discord definition run by the real runtime against the Discord fake (which follows the
/// HTTP API reference: `Bot` tokens, the DiscordBot User-Agent, JSON bodies, per-route buckets
/// and the global limit, 429 bodies with `retry_after` in seconds): what the catalog sends must be
/// what Discord accepts, and the reset time the runtime reports must be the one Discord gave.
@Suite struct DiscordRuntimeTests {
    static func runtime(_ fake: DiscordFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "discord"),
            baseURLOverrides: ["discord": fake.baseURL + "/api/v10"])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withDiscord(_ fake: DiscordFake = DiscordFake(), _ body: (DiscordFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:], account: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "discord", action: action, input: .object(input), accountID: account)
    }

    static let general = "1300000000000000001"

    @Test func theBotGuildsAndChannelsAreReadWithTheBotSchemeAndUserAgent() async throws {
        try await withDiscord { fake, runtime in
            let token = fake.issueBotToken()
            let me = try await runtime.execute(Self.call("users.me")) { _ in .token(token) }
            #expect(me.output == .object(["id": .string(DiscordFake.botUserID), "username": .string("NeonHub"), "bot": .bool(true)]))
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/api/v10/users/@me")
            #expect(sent.header("Authorization") == "Bot \(token)")
            #expect(sent.header("User-Agent") == "DiscordBot (https://github.com/neonhub/neonhub, 1.0)")

            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let accounts = try #require(catalog["discord"]?.definition.accounts?.action)
            let guilds = try await runtime.execute(Self.call(accounts)) { _ in .token(token) }
            // The guilds the bot is in, paged with after = the last id until a page is empty.
            #expect(Self.items(guilds.output).compactMap { JSONPath.text($0["id"]) } == ["1200000000000000001", "1200000000000000002"])
            #expect(Self.items(guilds.output).first?["name"] == .string("NeonHub Community"))
            let pages = fake.server.requests("GET", "/api/v10/users/@me/guilds")
            #expect(pages.map(\.queryItems) == [["limit": ["200"]], ["limit": ["200"], "after": ["1200000000000000002"]]])

            let channels = try await runtime.execute(Self.call("channels.list", account: "1200000000000000001")) { _ in .token(token) }
            #expect(fake.requests.last?.path == "/api/v10/guilds/1200000000000000001/channels")
            guard case .array(let list) = channels.output else { Issue.record("not a list: \(channels.output)"); return }
            #expect(list.compactMap { JSONPath.text($0["name"]) } == ["general", "announcements", "read-only"])
            #expect(list[1]["type"] == .number(5))
            let elsewhere = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("channels.list", account: "1200000000000000003")) { _ in .token(token) }
            }
            #expect(elsewhere?.code == .providerRejected)
            #expect(elsewhere?.providerCode == "50001")
        }
    }

    @Test func messagesWithEmbedsAndRepliesAreSentAsDocumentedListedAndDeleted() async throws {
        try await withDiscord { fake, runtime in
            let token = fake.issueBotToken()
            let embed: JSONValue = .object([
                "title": .string("Spring roast"), "description": .string("20% off this weekend"), "color": .number(5_814_783),
                "fields": .array([.object(["name": .string("Where"), "value": .string("All shops")])]),
            ])
            let sent = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "channelId": .string(Self.general), "content": .string("Spring roast is live"),
                        "embeds": .array([embed]),
                    ])
            ) { _ in .token(token) }
            let id = try #require(JSONPath.text(sent.output["id"]))
            #expect(sent.output["channelId"] == .string(Self.general))
            #expect(sent.output["content"] == .string("Spring roast is live"))
            let request = try #require(fake.server.requests("POST", "/api/v10/channels/*/messages").last)
            #expect(request.path == "/api/v10/channels/\(Self.general)/messages")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Authorization") == "Bot \(token)")
            // No reply asked: no message_reference at all; mentions parse nothing by default.
            #expect(
                try JSONValue.parse(request.body)
                    == .object([
                        "content": .string("Spring roast is live"), "embeds": .array([embed]),
                        "allowed_mentions": .object(["parse": .array([])]),
                    ]))
            #expect(fake.messages(in: Self.general).first?.embeds.first?["title"] as? String == "Spring roast")

            let reply = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "channelId": .string(Self.general), "content": .string("Thread on"),
                        "replyTo": .object(["message_id": .string(id)]),
                    ])
            ) { _ in .token(token) }
            #expect(
                try JSONValue.parse(try #require(fake.server.requests("POST", "/api/v10/channels/*/messages").last).body)["message_reference"]
                    == .object(["message_id": .string(id)]))
            #expect(fake.messages(in: Self.general).first?.referenceID == id)
            let replyID = try #require(JSONPath.text(reply.output["id"]))

            let listed = try await runtime.execute(Self.call("messages.list", ["channelId": .string(Self.general)])) { _ in .token(token) }
            #expect(Self.items(listed.output).compactMap { JSONPath.text($0["id"]) } == [replyID, id])
            #expect(Self.items(listed.output).first?["author"] == .string("NeonHub"))
            let reads = fake.server.requests("GET", "/api/v10/channels/*/messages")
            #expect(reads.map(\.queryItems) == [["limit": ["50"]], ["limit": ["50"], "before": [id]]])

            let deleted = try await runtime.execute(
                Self.call("messages.delete", ["channelId": .string(Self.general), "messageId": .string(replyID)])
            ) { _ in .token(token) }
            #expect(deleted.output == .null)
            #expect(fake.requests.last?.method == "DELETE")
            #expect(fake.requests.last?.path == "/api/v10/channels/\(Self.general)/messages/\(replyID)")
            #expect(fake.messages(in: Self.general).map { $0.id } == [id])
        }
    }

    @Test func aWebhookIsExecutedWithWaitAndItsTokenStaysSecret() async throws {
        try await withDiscord { fake, runtime in
            let token = fake.issueBotToken()
            let hook = DiscordFake.defaultWebhook
            let input: [String: JSONValue] = [
                "webhookId": .string(hook.id), "webhookToken": .string(hook.token), "content": .string("Spring roast is live!"),
                "username": .string("NeonHub Roastery"),
            ]
            let executed = try await runtime.execute(Self.call("webhooks.execute", input)) { _ in .token(token) }
            #expect(executed.output["webhookId"] == .string(hook.id))
            #expect(executed.output["channelId"] == .string(hook.channelID))
            let request = try #require(fake.requests.last)
            #expect(request.method == "POST")
            #expect(request.path == "/api/v10/webhooks/\(hook.id)/\(hook.token)")
            #expect(request.queryItems == ["wait": ["true"]])
            #expect(
                try JSONValue.parse(request.body)
                    == .object([
                        "content": .string("Spring roast is live!"), "username": .string("NeonHub Roastery"),
                        "allowed_mentions": .object(["parse": .array([])]),
                    ]))
            #expect(fake.messages(in: hook.channelID).first?.username == "NeonHub Roastery")

            // The token is a writeOnly input: registered as a secret of the request.
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let schema = try #require(catalog["discord"]?.definition.action("webhooks.execute")?.inputSchema)
            #expect(ConnectorRuntime.secretInputs(.object(input), schema: schema) == [hook.token])

            // A forbidden username (Discord refuses "discord" in it): 50035, the token in no message.
            var bad = input
            bad["username"] = .string("Discord Updates")
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("webhooks.execute", bad)) { _ in .token(token) }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "50035")
            #expect(refused?.message.contains(hook.token) == false)
            var wrong = input
            wrong["webhookToken"] = .string("wrongWebhookToken_0000000000000000000000")
            let invalidToken = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("webhooks.execute", wrong)) { _ in .token(token) }
            }
            #expect(invalidToken?.providerCode == "50027")
            #expect(invalidToken?.code == .providerRejected)
        }
    }

    @Test func errorsAreClassifiedByDiscordsCodes() async throws {
        try await withDiscord { fake, runtime in
            let token = fake.issueBotToken()
            let asked = Mutex(0)
            func send(_ channel: String, _ extra: [String: JSONValue] = [:], credential: String? = nil) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(
                        Self.call("messages.send", ["channelId": .string(channel), "content": .string("Hi")].merging(extra) { $1 })
                    ) { _ in
                        asked.withLock { $0 += 1 }
                        return .token(credential ?? token)
                    }
                }
            }
            fake.invalidate(token: token)
            let unauthorized = await send(Self.general)
            #expect(unauthorized?.code == .providerAuth)
            #expect(unauthorized?.providerCode == "0")
            #expect(unauthorized?.message.contains(token) == false)

            let fresh = fake.issueBotToken()
            asked.withLock { $0 = 0 }
            // 403 Missing Permissions is permanent: a bot token cannot be refreshed into a permission.
            let forbidden = await send("1300000000000000003", credential: fresh)
            #expect(forbidden?.code == .providerRejected)
            #expect(forbidden?.providerCode == "50013")
            #expect(asked.withLock { $0 } == 1)
            #expect(await send("1399999999999999999", credential: fresh)?.providerCode == "10003")
            // Embed text past 6,000 characters in all: valid per field, refused as a whole (50035).
            let long: JSONValue = .object(["description": .string(String(repeating: "a", count: 4000))])
            let tooBig = await send(Self.general, ["embeds": .array([long, long])], credential: fresh)
            #expect(tooBig?.code == .providerRejected)
            #expect(tooBig?.providerCode == "50035")
            #expect(tooBig?.message.contains("Invalid Form Body") == true)
        }
    }

    @Test func rateLimitsCarryDiscordsPreciseResetTimeAndScope() async throws {
        try await withDiscord(DiscordFake(routeLimit: 1, routeWindow: 300)) { fake, runtime in
            let token = fake.issueBotToken()
            let message: [String: JSONValue] = ["channelId": .string(Self.general), "content": .string("One")]
            _ = try await runtime.execute(Self.call("messages.send", message)) { _ in .token(token) }
            // The route's bucket for this channel is spent: 429, scope user, retry_after under 300 s (a long window: a loaded machine may pause between the two sends).
            let before = Date()
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("messages.send", message)) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.rateLimitScope == "user")
            let resetAt = try #require(limited?.resetAt)
            let answer = try #require(fake.requests.last)
            #expect(answer.path == "/api/v10/channels/\(Self.general)/messages")
            // The rest of the 300-second window the first message opened, as Discord's retry_after said it.
            #expect(resetAt > before && resetAt <= Date().addingTimeInterval(300))
            #expect((1...300).contains(limited?.retryAfterSeconds ?? 0))
            // Another channel is another bucket.
            _ = try await runtime.execute(Self.call("messages.send", ["channelId": .string("1300000000000000004"), "content": .string("Two")])) { _ in
                .token(token)
            }

            // The global limit on a read, beyond the wait cap: handed back with its scope and reset time.
            fake.injectRateLimit(scope: "global", retryAfter: 90.25)
            let globalStart = Date()
            let global = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("users.me")) { _ in .token(token) }
            }
            #expect(global?.code == .providerRateLimited)
            #expect(global?.rateLimitScope == "global")
            #expect(global?.message.contains("global limit") == true)
            let globalReset = try #require(global?.resetAt)
            #expect(globalReset >= globalStart.addingTimeInterval(90.25) && globalReset <= Date().addingTimeInterval(90.25))
            #expect((90...91).contains(global?.retryAfterSeconds ?? 0))

            // A shared-resource limit of a quarter second on a read: waited out (the body's wait, not
            // the rounded Retry-After of 1 s) and retried.
            fake.injectRateLimit(scope: "shared", retryAfter: 0.25)
            let count = fake.requests.count
            let retried = try await runtime.execute(Self.call("users.me")) { _ in .token(token) }
            #expect(retried.attempts == 2)
            #expect(fake.requests.count == count + 2)
            let gap = fake.requests[count + 1].receivedAt.timeIntervalSince(fake.requests[count].receivedAt)
            #expect(gap >= 0.25)
        }
    }

    @Test func theSupportAgentAnswersOnDiscordThroughConnectorActionAndTheRunRecordsIt() async throws {
        let fake = DiscordFake()
        try fake.start()
        defer { fake.stop() }
        let token = fake.issueBotToken()
        let actions = FixedTokenConnectorActions(runtime: try Self.runtime(fake), token: token)
        try await withDatabaseApp(agents: [SupportChatReplyAgent(actions: actions, replyField: "content")]) { server, client in
            let pool = try #require(server.database?.pool)
            let (_, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "support-reply",
                    "input": [
                        "message": "Love the new spring roast, thank you!", "customerName": "Robin",
                        "connector": "discord", "action": "messages.send", "input": ["channelId": Self.general],
                    ],
                ])
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let runID = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
            let posted = try #require(fake.messages(in: Self.general).first)
            #expect(posted.content.hasPrefix("Hi Robin,"))
            #expect(fake.requests.last?.header("Authorization") == "Bot \(token)")
            let rows = try await pool.query(
                """
                SELECT status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(rows.count == 1)
            #expect(try rows.first?.decode("status", as: String.self) == "succeeded")
            #expect(try rows.first?.decode("connector", as: String.self) == "discord")
            #expect(try rows.first?.decode("action", as: String.self) == "messages.send")
            let output = try rows.first?.decode("output", as: String.self) ?? ""
            #expect(output.contains(posted.id))
            #expect(!output.contains(token))
        }
    }
}
