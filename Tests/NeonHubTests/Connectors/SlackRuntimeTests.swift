import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Slack definition run by the real runtime against the Slack fake (which follows the Web
/// API reference: HTTP 200 with `ok: false` errors, Bearer bot tokens, JSON write bodies, cursor
/// pagination, 429 with Retry-After): what the catalog sends must be what Slack accepts, field
/// by field, and Slack's answers must come back classified like HTTP errors.
@Suite struct SlackRuntimeTests {
    static func runtime(_ fake: SlackFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "slack"),
            baseURLOverrides: ["slack": fake.baseURL + "/api"])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withSlack(_ fake: SlackFake = SlackFake(), _ body: (SlackFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "slack", action: action, input: .object(input))
    }

    @Test func theSmokeCheckAndTheChannelListPageByCursorWithTheDocumentedArguments() async throws {
        // 250 visible channels: more than the definition's page of 200.
        let many = (0..<246).map { SlackFake.Channel(id: "C1" + String(100_000_000 + $0), name: "team-\($0)") }
        try await withSlack(SlackFake(channels: SlackFake.Channel.defaults + many)) { fake, runtime in
            let token = fake.issueBotToken()
            let smoke = try await runtime.execute(Self.call("auth.test")) { _ in .token(token) }
            #expect(
                smoke.output
                    == .object([
                        "teamId": .string(SlackFake.teamID), "team": .string("NeonHub Demo"), "userId": .string(SlackFake.botUserID),
                        "botId": .string(SlackFake.botID), "url": .string("https://neonhub-demo.slack.com/"),
                    ]))
            let test = try #require(fake.requests("auth.test").last)
            #expect(test.method == "POST")
            #expect(test.header("Authorization") == "Bearer \(token)")

            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let accounts = try #require(catalog["slack"]?.definition.accounts?.action)
            let listed = try await runtime.execute(Self.call(accounts)) { _ in .token(token) }
            let channels = Self.items(listed.output)
            // Public and private channels the bot sees, archived ones left out: 4 of the defaults and the 246.
            #expect(channels.count == 250)
            #expect(listed.pages == 2)
            #expect(
                channels.first
                    == .object([
                        "id": .string("C012AB3CD"), "name": .string("general"), "isPrivate": .bool(false), "isMember": .bool(true),
                        "members": .number(12), "topic": .string("Company-wide announcements"),
                    ]))
            #expect(channels.contains { $0["id"] == .string("G0PRIVATE") })
            #expect(!channels.contains { $0["id"] == .string("C0ARCHIVE") })
            let pages = fake.requests("conversations.list")
            #expect(pages.count == 2)
            #expect(pages.allSatisfy { $0.method == "GET" && $0.header("Authorization") == "Bearer \(token)" })
            #expect(pages[0].queryItems == ["types": ["public_channel,private_channel"], "exclude_archived": ["true"], "limit": ["200"]])
            let cursor = try #require(pages[1].queryItems["cursor"]?.first)
            #expect(!cursor.isEmpty)
            #expect(pages[1].queryItems["limit"] == ["200"])
        }
    }

    @Test func aMessageWithBlocksIsPostedAsJSONAndUpdatedAndDeleted() async throws {
        try await withSlack { fake, runtime in
            let token = fake.issueBotToken()
            let blocks: JSONValue = .array([
                .object(["type": .string("section"), "text": .object(["type": .string("mrkdwn"), "text": .string("*Spring launch* is ready")])])
            ])
            let posted = try await runtime.execute(
                Self.call(
                    "chat.postMessage",
                    [
                        "channel": .string("C061FA5PB"), "text": .string("Spring launch is ready"),
                        "blocks": blocks, "unfurl_links": .bool(false),
                    ])
            ) { _ in .token(token) }
            let ts = try #require(JSONPath.text(posted.output["ts"]))
            #expect(
                posted.output
                    == .object(["channel": .string("C061FA5PB"), "ts": .string(ts), "id": .string(ts), "text": .string("Spring launch is ready")]))
            let sent = try #require(fake.requests("chat.postMessage").last)
            #expect(sent.method == "POST")
            #expect(sent.header("Content-Type") == "application/json; charset=utf-8")
            #expect(sent.header("Authorization") == "Bearer \(token)")
            // Only what was given, plus the schema's mrkdwn default; nothing empty.
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "channel": .string("C061FA5PB"), "text": .string("Spring launch is ready"), "blocks": blocks,
                        "unfurl_links": .bool(false), "mrkdwn": .bool(true),
                    ]))
            #expect(fake.messages(in: "C061FA5PB").first?.ts == ts)
            #expect((fake.messages(in: "C061FA5PB").first?.blocks as? [[String: Any]])?.first?["type"] as? String == "section")

            let updated = try await runtime.execute(
                Self.call("chat.update", ["channel": .string("C061FA5PB"), "ts": .string(ts), "text": .string("Spring launch is live")])
            ) { _ in .token(token) }
            #expect(updated.output == .object(["channel": .string("C061FA5PB"), "ts": .string(ts), "text": .string("Spring launch is live")]))
            #expect(
                try JSONValue.parse(try #require(fake.requests("chat.update").last).body)
                    == .object(["channel": .string("C061FA5PB"), "ts": .string(ts), "text": .string("Spring launch is live")]))
            #expect(fake.messages(in: "C061FA5PB").first?.text == "Spring launch is live")

            _ = try await runtime.execute(Self.call("chat.delete", ["channel": .string("C061FA5PB"), "ts": .string(ts)])) { _ in .token(token) }
            #expect(
                try JSONValue.parse(try #require(fake.requests("chat.delete").last).body)
                    == .object(["channel": .string("C061FA5PB"), "ts": .string(ts)]))
            #expect(fake.messages(in: "C061FA5PB").isEmpty)

            // Neither text nor blocks: refused by the schema before Slack is asked.
            let before = fake.requests.count
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("chat.postMessage", ["channel": .string("C061FA5PB")])) { _ in .token(token) }
            }
            #expect(invalid?.code == .invalidInput)
            #expect(fake.requests.count == before)
        }
    }

    @Test func aScheduledMessageIsScheduledAndCancelled() async throws {
        try await withSlack { fake, runtime in
            let token = fake.issueBotToken()
            let postAt = Int(Date().timeIntervalSince1970) + 86_400
            let scheduled = try await runtime.execute(
                Self.call(
                    "chat.scheduleMessage",
                    [
                        "channel": .string("C012AB3CD"), "post_at": .number(Double(postAt)),
                        "text": .string("Launch day!"),
                    ])
            ) { _ in .token(token) }
            let id = try #require(JSONPath.text(scheduled.output["id"]))
            #expect(scheduled.output == .object(["id": .string(id), "channel": .string("C012AB3CD"), "postAt": .number(Double(postAt))]))
            #expect(
                try JSONValue.parse(try #require(fake.requests("chat.scheduleMessage").last).body)
                    == .object(["channel": .string("C012AB3CD"), "post_at": .number(Double(postAt)), "text": .string("Launch day!")]))
            #expect(fake.scheduledMessageIDs == [id])

            let tooFar = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "chat.scheduleMessage",
                        [
                            "channel": .string("C012AB3CD"), "post_at": .number(Double(postAt + 200 * 86_400)),
                            "text": .string("Later"),
                        ])
                ) { _ in .token(token) }
            }
            #expect(tooFar?.code == .providerRejected)
            #expect(tooFar?.providerCode == "time_too_far")

            _ = try await runtime.execute(
                Self.call("chat.deleteScheduledMessage", ["channel": .string("C012AB3CD"), "scheduled_message_id": .string(id)])
            ) { _ in .token(token) }
            #expect(fake.scheduledMessageIDs.isEmpty)
            let gone = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("chat.deleteScheduledMessage", ["channel": .string("C012AB3CD"), "scheduled_message_id": .string(id)])
                ) { _ in .token(token) }
            }
            #expect(gone?.providerCode == "invalid_scheduled_message_id")
        }
    }

    @Test func historyAndUserLookupsReadTheDocumentedFields() async throws {
        try await withSlack { fake, runtime in
            let token = fake.issueBotToken()
            fake.seedMessage(channel: "C012AB3CD", text: "First")
            fake.seedMessage(channel: "C012AB3CD", text: "Can we ship the newsletter today?")
            let history = try await runtime.execute(Self.call("conversations.history", ["channel": .string("C012AB3CD")])) { _ in .token(token) }
            #expect(Self.items(history.output).compactMap { JSONPath.text($0["text"]) } == ["Can we ship the newsletter today?", "First"])
            #expect(Self.items(history.output).first?["user"] == .string("U0999ZZZZZ"))
            #expect(fake.requests("conversations.history").last?.queryItems == ["channel": ["C012AB3CD"], "limit": ["100"]])

            let user = try await runtime.execute(Self.call("users.info", ["user": .string("U0456FGHIJ")])) { _ in .token(token) }
            #expect(
                user.output
                    == .object([
                        "id": .string("U0456FGHIJ"), "teamId": .string(SlackFake.teamID), "name": .string("avery"),
                        "realName": .string("Avery Example"),
                        "displayName": .string("avery"), "email": .string("avery@example.com"), "tz": .string("Europe/Berlin"),
                        "isBot": .bool(false), "deleted": .bool(false),
                    ]))
            #expect(fake.requests("users.info").last?.queryItems == ["user": ["U0456FGHIJ"]])
            let found = try await runtime.execute(Self.call("users.lookupByEmail", ["email": .string("sam@example.com")])) { _ in .token(token) }
            #expect(found.output["id"] == .string("U0999ZZZZZ"))
            #expect(fake.requests("users.lookupByEmail").last?.queryItems == ["email": ["sam@example.com"]])

            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("users.lookupByEmail", ["email": .string("nobody@example.com")])) { _ in .token(token) }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "users_not_found")
            let noEmailScope = fake.issueBotToken(scopes: ["users:read"])
            let scope = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("users.lookupByEmail", ["email": .string("sam@example.com")])) { _ in .token(noEmailScope) }
            }
            #expect(scope?.code == .providerRejected)
            #expect(scope?.providerCode == "missing_scope")
        }
    }

    @Test func okFalseAnswersAndRateLimitsAreClassifiedLikeHTTPErrors() async throws {
        try await withSlack { fake, runtime in
            let token = fake.issueBotToken()
            func post(_ credential: String, channel: String = "C012AB3CD") async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("chat.postMessage", ["channel": .string(channel), "text": .string("Hi")])) { _ in
                        .token(credential)
                    }
                }
            }
            let invalid = await post("xoxb-not-issued-by-slack")
            #expect(invalid?.code == .providerAuth)
            #expect(invalid?.providerCode == "invalid_auth")
            #expect(invalid?.message.contains("xoxb-not-issued") == false)
            let expired = fake.issueBotToken()
            fake.expire(token: expired)
            #expect(await post(expired)?.providerCode == "token_expired")
            #expect(await post(expired)?.code == .providerAuth)

            let notFound = await post(token, channel: "C404")
            #expect(notFound?.code == .providerRejected)
            #expect(notFound?.providerCode == "channel_not_found")
            #expect(notFound?.message.contains("channel_not_found") == true)
            #expect(await post(token, channel: "C0ARCHIVE")?.providerCode == "is_archived")

            // chat.postMessage's own rate_limited (HTTP 200) and Slack's side failing.
            fake.failNext(method: "chat.postMessage", error: "rate_limited")
            #expect(await post(token)?.code == .providerRateLimited)
            fake.failNext(method: "chat.postMessage", error: "internal_error")
            #expect(await post(token)?.code == .providerUnavailable)

            // A tier limit: 429 with Retry-After, not retried on a write; the reset time kept.
            let before = Date()
            let count = fake.requests("chat.postMessage").count
            fake.injectRateLimit(method: "chat.postMessage", retryAfter: 30)
            let limited = await post(token)
            let after = Date()
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "ratelimited")
            #expect(limited?.retryAfterSeconds == 30)
            let resetAt = try #require(limited?.resetAt)
            #expect(resetAt >= before.addingTimeInterval(30) && resetAt <= after.addingTimeInterval(30))
            #expect(fake.requests("chat.postMessage").count == count + 1)

            // On a read, a wait beyond the cap is handed back, not slept on.
            fake.injectRateLimit(method: "conversations.list", retryAfter: 600)
            let read = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("conversations.list")) { _ in .token(token) }
            }
            #expect(read?.code == .providerRateLimited)
            #expect((590...600).contains(read?.retryAfterSeconds ?? 0))
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceWhereTheConnectionCanAndTheCodeExchangeStoresTheBotToken() async throws {
        try await withSlack { fake, runtime in
            let old = fake.issueBotToken()
            fake.expire(token: old)
            let fresh = fake.issueBotToken()
            let asked = Mutex<[Bool]>([])
            let result = try await runtime.execute(Self.call("auth.test")) { refresh in
                asked.withLock { $0.append(refresh) }
                return .token(refresh ? fresh : old, canRefresh: true)
            }
            #expect(result.output["botId"] == .string(SlackFake.botID))
            #expect(asked.withLock { $0 } == [false, true])
            #expect(fake.requests("auth.test").map { $0.header("Authorization") } == ["Bearer \(old)", "Bearer \(fresh)"])

            // oauth.v2.access through the token client: client credentials by HTTP Basic (the definition's choice), the bot token at access_token.
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let definition = try #require(catalog["slack"]?.definition)
            let tokens = OAuthTokenClient(
                client: OutboundClient(logger: Logger(label: "slack-oauth")),
                environment: ["SLACK_CLIENT_ID": fake.app.clientID, "SLACK_CLIENT_SECRET": fake.app.clientSecret],
                endpoints: ["slack": ConnectorEndpoints(tokenUrl: fake.baseURL + "/api/oauth.v2.access")])
            let set = try await tokens.exchange(
                code: fake.authorize(), verifier: nil, redirectURI: fake.app.redirectURI, definition: definition, variables: [:])
            #expect(set.accessToken.hasPrefix("xoxb-"))
            #expect(set.refreshToken == nil && set.expiresIn == nil)  // rotation off: the bot token does not expire
            #expect(set.extras["bot_user_id"] == SlackFake.botUserID)
            // Found by a review: the workspace is `team.id` (an object), which was dropped, so no
            // connection knew its team and every Slack event was unmatched. It becomes `team_id`,
            // a variable its events are routed by.
            #expect(set.extras["team_id"] == SlackFake.teamID)
            #expect(ConnectorService.keptTokenExtras.contains("team_id"))
            let exchange = try #require(fake.requests("oauth.v2.access").last)
            #expect(exchange.header("Authorization")?.hasPrefix("Basic ") == true)
            #expect(exchange.formItems["code"] != nil && exchange.formItems["client_secret"] == nil)
            let works = try await runtime.execute(Self.call("auth.test")) { _ in .token(set.accessToken) }
            #expect(works.output["teamId"] == .string(SlackFake.teamID))

            // A used code: HTTP 200 with ok false, refused all the same.
            let reused = await #expect(throws: ConnectorError.self) {
                _ = try await tokens.exchange(
                    code: "1111111111.999.fakecode", verifier: nil, redirectURI: fake.app.redirectURI, definition: definition, variables: [:])
            }
            #expect(reused?.providerCode == "invalid_code")
        }
    }

    @Test func theSupportAgentPostsItsDraftedReplyThroughConnectorActionAndTheRunRecordsIt() async throws {
        let fake = SlackFake()
        try fake.start()
        defer { fake.stop() }
        let token = fake.issueBotToken()
        let actions = FixedTokenConnectorActions(runtime: try Self.runtime(fake), token: token)
        try await withDatabaseApp(agents: [SupportChatReplyAgent(actions: actions, replyField: "text")]) { server, client in
            let pool = try #require(server.database?.pool)
            let (_, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "support-reply",
                    "input": [
                        "message": "I was charged twice for my subscription this month", "customerName": "Sam",
                        "connector": "slack", "action": "chat.postMessage", "input": ["channel": "C012AB3CD"],
                    ],
                ])
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let runID = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
            // The reply reached Slack as the message text.
            let posted = try #require(fake.messages(in: "C012AB3CD").first)
            #expect(posted.text.hasPrefix("Hi Sam,"))
            #expect(posted.text.contains("billing"))
            #expect(fake.requests("chat.postMessage").last?.header("Authorization") == "Bearer \(token)")
            // And the run recorded the call: tool, connector, action, the Slack answer, no token.
            let rows = try await pool.query(
                """
                SELECT tool, status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(rows.count == 1)
            #expect(try rows.first?.decode("status", as: String.self) == "succeeded")
            #expect(try rows.first?.decode("connector", as: String.self) == "slack")
            #expect(try rows.first?.decode("action", as: String.self) == "chat.postMessage")
            let output = try rows.first?.decode("output", as: String.self) ?? ""
            #expect(output.contains(posted.ts))
            #expect(!output.contains(token))
        }
    }
}
