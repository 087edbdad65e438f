// A fake of Discord's HTTP API v10 (https://discord.com/api/v10) on loopback, following Discord's
// documentation — not what our connector definition assumes:
//
// - API reference (Authorization: Bot <token>, User-Agent: DiscordBot ($url, $versionNumber),
//   JSON bodies, snowflake ids, error bodies {code, message, errors}):
//   https://discord.com/developers/docs/reference
// - JSON error codes (0 with 401, 10003 Unknown Channel, 10008 Unknown Message, 10015 Unknown
//   Webhook, 50001 Missing Access, 50006 empty message, 50013 Missing Permissions, 50027 Invalid
//   Webhook Token, 50035 Invalid Form Body): https://discord.com/developers/docs/topics/opcodes-and-status-codes
// - Rate limits (X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket on answers; on 429
//   Retry-After, X-RateLimit-Scope user/global/shared, X-RateLimit-Global, body {message,
//   retry_after (float seconds), global}; top-level resources count separately):
//   https://discord.com/developers/docs/topics/rate-limits
// - Get Current User, Get Current User Guilds (before, after, limit 1–200):
//   https://discord.com/developers/docs/resources/user
// - Get Guild Channels: https://discord.com/developers/docs/resources/guild#get-guild-channels
// - Create Message (content ≤ 2000, embeds ≤ 10 and ≤ 6000 characters, message_reference,
//   allowed_mentions), Get Channel Messages (limit 1–100, before/after), Delete Message (204):
//   https://discord.com/developers/docs/resources/message
// - Execute Webhook (no bot authentication: the token is in the path; wait=true answers the
//   message, otherwise 204; username must not contain "discord" or "clyde"):
//   https://discord.com/developers/docs/resources/webhook#execute-webhook
//
// Where the documentation gives no body (a missing User-Agent) the fake answers 400 in
// Discord's error shape and says so.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Discord on loopback: the bot user, its guilds and their channels, channel messages
/// (create, list, delete) and webhook execution, with per-route rate-limit buckets.
///
/// It keeps state like the real thing: only bot tokens it issued work, messages it accepted
/// are listed newest first and deletable by their author, each route and top-level resource
/// (channel, guild, webhook) has its own bucket of `routeLimit` requests per `routeWindow`.
/// Knobs: `invalidate(token:)`, `injectRateLimit(scope:retryAfter:calls:)`, `exhaust(channel:)`.
public final class DiscordFake: ServedFake {
    /// A guild (server) the bot may be in.
    public struct Guild: Sendable {
        /// Snowflake.
        public var id: String
        /// Name.
        public var name: String
        /// Whether the bot was added to it.
        public var botIsMember: Bool

        /// A guild.
        public init(id: String, name: String, botIsMember: Bool = true) {
            self.id = id
            self.name = name
            self.botIsMember = botIsMember
        }
    }

    /// A guild channel.
    public struct Channel: Sendable {
        /// Snowflake.
        public var id: String
        /// Its guild.
        public var guildID: String
        /// Name.
        public var name: String
        /// 0 text, 2 voice, 4 category, 5 announcement, 15 forum.
        public var type: Int
        /// Whether the bot has Send Messages there.
        public var botCanSend: Bool

        /// A channel.
        public init(id: String, guildID: String, name: String, type: Int = 0, botCanSend: Bool = true) {
            self.id = id
            self.guildID = guildID
            self.name = name
            self.type = type
            self.botCanSend = botCanSend
        }
    }

    /// A channel webhook.
    public struct Webhook: Sendable {
        /// Snowflake.
        public var id: String
        /// Its token (the secret part of its URL).
        public var token: String
        /// The channel it posts to.
        public var channelID: String
        /// Its default name.
        public var name: String

        /// A webhook.
        public init(id: String, token: String, channelID: String, name: String) {
            self.id = id
            self.token = token
            self.channelID = channelID
            self.name = name
        }
    }

    /// Three guilds (the bot in two), five channels, one webhook.
    public static let defaultGuilds = [
        Guild(id: "1200000000000000001", name: "NeonHub Community"),
        Guild(id: "1200000000000000002", name: "Example Coffee"),
        Guild(id: "1200000000000000003", name: "Not Ours", botIsMember: false),
    ]
    /// The channels of `defaultGuilds`.
    public static let defaultChannels = [
        Channel(id: "1300000000000000001", guildID: "1200000000000000001", name: "general"),
        Channel(id: "1300000000000000002", guildID: "1200000000000000001", name: "announcements", type: 5),
        Channel(id: "1300000000000000003", guildID: "1200000000000000001", name: "read-only", botCanSend: false),
        Channel(id: "1300000000000000004", guildID: "1200000000000000002", name: "roastery"),
        Channel(id: "1300000000000000005", guildID: "1200000000000000003", name: "elsewhere"),
    ]
    /// The webhook of `defaultChannels[1]`.
    public static let defaultWebhook = Webhook(
        id: "1500000000000000001", token: "fakeWebhookToken_abcdefghijklmnopqrstuvwxyz0123456789",
        channelID: "1300000000000000002", name: "Announcer")
    /// The bot user's id.
    public static let botUserID = "1100000000000000001"

    private struct Message: Sendable {
        var id: String
        var channelID: String
        var content: String
        var embeds: Data
        var authorID: String
        var webhookID: String?
        var username: String
        var referenceID: String?
    }

    private struct Bucket: Sendable {
        var remaining: Int
        var resetAt: Date
    }

    private struct Fault: Sendable {
        var scope: String
        var retryAfter: Double
    }

    private struct State: Sendable {
        var tokens: Set<String> = []
        var messages: [Message] = []
        var buckets: [String: Bucket] = [:]
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// Guilds.
    public let guilds: [Guild]
    /// Channels.
    public let channels: [Channel]
    /// Webhooks.
    public let webhooks: [Webhook]
    /// Requests a route bucket allows per window.
    public let routeLimit: Int
    /// A bucket's window, in seconds.
    public let routeWindow: Double
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake Discord.
    public init(
        guilds: [Guild] = defaultGuilds, channels: [Channel] = defaultChannels, webhooks: [Webhook] = [defaultWebhook],
        routeLimit: Int = 50, routeWindow: Double = 5
    ) {
        self.guilds = guilds
        self.channels = channels
        self.webhooks = webhooks
        self.routeLimit = routeLimit
        self.routeWindow = routeWindow
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["message": "fake gone", "code": 0])
        }
    }

    // MARK: - Lifecycle and knobs

    /// `http://127.0.0.1:<port>`: stands for `https://discord.com` (the API under `/api/v10`).
    public var baseURL: String { server.baseURL }

    /// A bot token (what the developer portal shows once).
    public func issueBotToken() -> String {
        state.withLock { state in
            state.sequence += 1
            let token = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.Gfake\(state.sequence).fakeBotTokenSignature\(state.sequence)"
            state.tokens.insert(token)
            return token
        }
    }

    /// From now on `token` answers 401 (reset in the developer portal).
    public func invalidate(token: String) { _ = state.withLock { $0.tokens.remove(token) } }

    /// The next `calls` API requests answer 429 with `scope` (`global`, `shared` or `user`)
    /// and `retry_after` seconds.
    public func injectRateLimit(scope: String = "global", retryAfter: Double = 64.57, calls: Int = 1) {
        faults.add(Fault(scope: scope, retryAfter: retryAfter), calls: calls)
    }

    /// The messages of a channel, newest first: `(id, content, embeds, username, referenceID)`.
    public func messages(in channelID: String) -> [(id: String, content: String, embeds: [[String: Any]], username: String, referenceID: String?)] {
        state.withLock { state in
            state.messages.filter { $0.channelID == channelID }.reversed().map {
                ($0.id, $0.content, (try? JSONSerialization.jsonObject(with: $0.embeds)) as? [[String: Any]] ?? [], $0.username, $0.referenceID)
            }
        }
    }

    /// Adds a message by someone else (for reads and for a refused delete).
    public func seedMessage(channelID: String, content: String, authorID: String = "1100000000000000999") -> String {
        state.withLock { state in
            let id = Self.snowflake(&state)
            state.messages.append(
                Message(id: id, channelID: channelID, content: content, embeds: Data("[]".utf8), authorID: authorID, username: "someone"))
            return id
        }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private struct Failure: Error {
        var status: Int
        var code: Int
        var message: String
        /// The `errors` tree, as JSON.
        var errors: Data? = nil
    }

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v10" else {
            return error(Failure(status: 404, code: 0, message: "404: Not Found"), headers: HTTPHeaders())
        }
        let resource = Array(segments.dropFirst(2))
        // The reference asks every client for `User-Agent: DiscordBot ($url, $versionNumber)`;
        // it documents no answer for a missing one, so this 400 is the fake's own.
        guard let agent = request.header("User-Agent"), agent.hasPrefix("DiscordBot ("), agent.hasSuffix(")"), agent.contains(", ") else {
            return error(Failure(status: 400, code: 0, message: "User-Agent must be DiscordBot ($url, $versionNumber)"), headers: HTTPHeaders())
        }
        let isWebhook = resource.first == "webhooks"
        if !isWebhook {
            guard let header = request.header("Authorization"), header.hasPrefix("Bot "),
                state.withLock({ $0.tokens.contains(String(header.dropFirst(4))) })
            else {
                return error(Failure(status: 401, code: 0, message: "401: Unauthorized"), headers: HTTPHeaders())
            }
        }
        // Buckets: the route (method + path with ids replaced) and its top-level resource.
        let (route, major) = Self.route(request.method, resource)
        if let fault = faults.take() {
            return rateLimited(route: route, scope: fault.scope, retryAfter: fault.retryAfter)
        }
        let bucket = take(route: route, major: major)
        guard bucket.remaining >= 0 else {
            return rateLimited(route: route, scope: "user", retryAfter: max(0.001, bucket.resetAt.timeIntervalSinceNow))
        }
        let headers = Self.rateHeaders(route: route, limit: routeLimit, remaining: bucket.remaining, resetAt: bucket.resetAt)
        let outcome: Result<Reply, Failure>
        switch (request.method, resource.count, resource.first) {
        case ("GET", 2, "users"?) where resource[1] == "@me":
            outcome = .success(
                .json(
                    200,
                    object: [
                        "id": Self.botUserID, "username": "NeonHub", "avatar": NSNull(), "discriminator": "0",
                        "global_name": NSNull(), "bot": true, "verified": true, "flags": 0,
                    ]))
        case ("GET", 3, "users"?) where resource[1] == "@me" && resource[2] == "guilds":
            outcome = listGuilds(request)
        case ("GET", 3, "guilds"?) where resource[2] == "channels":
            outcome = guildChannels(resource[1])
        case ("POST", 3, "channels"?) where resource[2] == "messages":
            outcome = createMessage(request, channelID: resource[1])
        case ("GET", 3, "channels"?) where resource[2] == "messages":
            outcome = listMessages(request, channelID: resource[1])
        case ("DELETE", 4, "channels"?) where resource[2] == "messages":
            outcome = deleteMessage(channelID: resource[1], messageID: resource[3])
        case ("POST", 3, "webhooks"?):
            outcome = executeWebhook(request, id: resource[1], token: resource[2])
        default:
            outcome = .failure(Failure(status: 404, code: 0, message: "404: Not Found"))
        }
        switch outcome {
        case .success(var reply):
            for field in headers { reply.headers.replaceOrAdd(name: field.name, value: field.value) }
            return reply
        case .failure(let failure):
            return error(failure, headers: headers)
        }
    }

    // MARK: - Routes

    private func listGuilds(_ request: Request) -> Result<Reply, Failure> {
        let query = Self.query(request)
        let limit = Int(query["limit"] ?? "200") ?? -1
        guard (1...200).contains(limit) else {
            return .failure(Self.formError("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 200."))
        }
        var mine = guilds.filter(\.botIsMember).sorted { $0.id < $1.id }
        if let after = query["after"] { mine = mine.filter { Self.less(after, $0.id) } }
        if let before = query["before"] { mine = mine.filter { Self.less($0.id, before) } }
        let page = mine.prefix(limit).map { guild -> [String: Any] in
            ["id": guild.id, "name": guild.name, "icon": NSNull(), "owner": false, "permissions": "274878024704", "features": [String]()]
        }
        return .success(.json(200, object: Array(page)))
    }

    private func guildChannels(_ guildID: String) -> Result<Reply, Failure> {
        guard let guild = guilds.first(where: { $0.id == guildID }) else {
            return .failure(Failure(status: 404, code: 10004, message: "Unknown Guild"))
        }
        guard guild.botIsMember else { return .failure(Failure(status: 403, code: 50001, message: "Missing Access")) }
        let list = channels.filter { $0.guildID == guildID }.enumerated().map { index, channel -> [String: Any] in
            [
                "id": channel.id, "type": channel.type, "guild_id": guildID, "name": channel.name, "position": index, "parent_id": NSNull(),
                "nsfw": false, "topic": channel.type == 0 ? "Talk about \(channel.name)" : NSNull(), "permission_overwrites": [Any](),
            ]
        }
        return .success(.json(200, object: list))
    }

    /// The channel the bot may read or write, or Discord's refusal.
    private func channel(_ id: String, write: Bool) -> Result<Channel, Failure> {
        guard let channel = channels.first(where: { $0.id == id }) else {
            return .failure(Failure(status: 404, code: 10003, message: "Unknown Channel"))
        }
        guard guilds.first(where: { $0.id == channel.guildID })?.botIsMember == true else {
            return .failure(Failure(status: 403, code: 50001, message: "Missing Access"))
        }
        if write && !channel.botCanSend { return .failure(Failure(status: 403, code: 50013, message: "Missing Permissions")) }
        return .success(channel)
    }

    private func createMessage(_ request: Request, channelID: String) -> Result<Reply, Failure> {
        let target: Channel
        switch channel(channelID, write: true) {
        case .failure(let failure): return .failure(failure)
        case .success(let found): target = found
        }
        let body: [String: Any]
        switch Self.jsonBody(request) {
        case .failure(let failure): return .failure(failure)
        case .success(let found): body = found
        }
        return validated(body).flatMap { pair -> Result<Reply, Failure> in
            let (content, embeds) = pair
            if let reference = body["message_reference"] {
                guard let object = reference as? [String: Any], let id = object["message_id"] as? String else {
                    return .failure(Self.formError("message_reference.message_id", "BASE_TYPE_REQUIRED", "This field is required"))
                }
                let exists = state.withLock { $0.messages.contains { $0.id == id && $0.channelID == target.id } }
                if !exists && (object["fail_if_not_exists"] as? Bool ?? true) {
                    return .failure(Self.formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"))
                }
            }
            let reference = (body["message_reference"] as? [String: Any])?["message_id"] as? String
            let message = state.withLock { state -> Message in
                let message = Message(
                    id: Self.snowflake(&state), channelID: target.id, content: content, embeds: embeds, authorID: Self.botUserID,
                    username: "NeonHub", referenceID: reference)
                state.messages.append(message)
                return message
            }
            return .success(.json(200, object: render(message)))
        }
    }

    /// Content and embeds within Discord's limits, or the documented error.
    private func validated(_ body: [String: Any]) -> Result<(String, Data), Failure> {
        let content = body["content"] as? String ?? ""
        guard content.count <= 2000 else { return .failure(Self.formError("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")) }
        let embeds = body["embeds"] as? [[String: Any]] ?? []
        if body["embeds"] != nil && (body["embeds"] as? [[String: Any]]) == nil {
            return .failure(Self.formError("embeds", "BASE_TYPE_ARRAY", "Must be an array."))
        }
        guard embeds.count <= 10 else { return .failure(Self.formError("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")) }
        var total = 0
        for (index, embed) in embeds.enumerated() {
            let title = embed["title"] as? String ?? "", description = embed["description"] as? String ?? ""
            if title.count > 256 {
                return .failure(Self.formError("embeds.\(index).title", "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length."))
            }
            if description.count > 4096 {
                return .failure(Self.formError("embeds.\(index).description", "BASE_TYPE_MAX_LENGTH", "Must be 4096 or fewer in length."))
            }
            let fields = embed["fields"] as? [[String: Any]] ?? []
            if fields.count > 25 {
                return .failure(Self.formError("embeds.\(index).fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
            }
            total +=
                title.count + description.count
                + fields.reduce(0) { $0 + (($1["name"] as? String)?.count ?? 0) + (($1["value"] as? String)?.count ?? 0) }
            total += ((embed["footer"] as? [String: Any])?["text"] as? String)?.count ?? 0
            total += ((embed["author"] as? [String: Any])?["name"] as? String)?.count ?? 0
        }
        guard total <= 6000 else { return .failure(Self.formError("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")) }
        if let mentions = body["allowed_mentions"] {
            guard let object = mentions as? [String: Any], (object["parse"] as? [String] ?? []).allSatisfy(["roles", "users", "everyone"].contains)
            else {
                return .failure(Self.formError("allowed_mentions", "ALLOWED_MENTIONS_PARSE_INVALID", "Invalid allowed_mentions"))
            }
        }
        guard !content.isEmpty || !embeds.isEmpty else { return .failure(Failure(status: 400, code: 50006, message: "Cannot send an empty message")) }
        let data =
            (try? JSONSerialization.data(withJSONObject: embeds.map { $0.merging(["type": "rich"]) { old, _ in old } }, options: [.sortedKeys]))
            ?? Data("[]".utf8)
        return .success((content, data))
    }

    private func listMessages(_ request: Request, channelID: String) -> Result<Reply, Failure> {
        if case .failure(let failure) = channel(channelID, write: false) { return .failure(failure) }
        let query = Self.query(request)
        let limit = Int(query["limit"] ?? "50") ?? -1
        guard (1...100).contains(limit) else {
            return .failure(Self.formError("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100."))
        }
        var list = state.withLock { state in Array(state.messages.filter { $0.channelID == channelID }.reversed()) }
        if let before = query["before"] { list = list.filter { Self.less($0.id, before) } }
        if let after = query["after"] { list = list.filter { Self.less(after, $0.id) } }
        return .success(.json(200, object: list.prefix(limit).map(render)))
    }

    private func deleteMessage(channelID: String, messageID: String) -> Result<Reply, Failure> {
        if case .failure(let failure) = channel(channelID, write: false) { return .failure(failure) }
        return state.withLock { state -> Result<Reply, Failure> in
            guard let index = state.messages.firstIndex(where: { $0.id == messageID && $0.channelID == channelID }) else {
                return .failure(Failure(status: 404, code: 10008, message: "Unknown Message"))
            }
            // Without Manage Messages a bot deletes only its own messages.
            guard state.messages[index].authorID == Self.botUserID else {
                return .failure(Failure(status: 403, code: 50013, message: "Missing Permissions"))
            }
            state.messages.remove(at: index)
            return .success(Reply(status: 204))
        }
    }

    private func executeWebhook(_ request: Request, id: String, token: String) -> Result<Reply, Failure> {
        guard let webhook = webhooks.first(where: { $0.id == id }) else {
            return .failure(Failure(status: 404, code: 10015, message: "Unknown Webhook"))
        }
        guard webhook.token == token else { return .failure(Failure(status: 401, code: 50027, message: "Invalid Webhook Token")) }
        let body: [String: Any]
        switch Self.jsonBody(request) {
        case .failure(let failure): return .failure(failure)
        case .success(let found): body = found
        }
        if let username = body["username"] as? String {
            let lowered = username.lowercased()
            guard (1...80).contains(username.count), !lowered.contains("discord"), !lowered.contains("clyde") else {
                return .failure(Self.formError("username", "USERNAME_INVALID_CONTAINS", "Username cannot contain \"discord\" or \"clyde\""))
            }
        }
        return validated(body).flatMap { pair -> Result<Reply, Failure> in
            let (content, embeds) = pair
            let message = state.withLock { state -> Message in
                let message = Message(
                    id: Self.snowflake(&state), channelID: webhook.channelID, content: content, embeds: embeds, authorID: webhook.id,
                    webhookID: webhook.id, username: body["username"] as? String ?? webhook.name)
                state.messages.append(message)
                return message
            }
            // Without wait=true Discord answers 204 and no message.
            guard Self.query(request)["wait"] == "true" else { return .success(Reply(status: 204)) }
            return .success(.json(200, object: render(message)))
        }
    }

    // MARK: - Rate limits

    /// One request taken from the bucket of `route` and `major`; `remaining` below zero means refused.
    private func take(route: String, major: String) -> Bucket {
        state.withLock { state in
            let key = route + "|" + major
            var bucket = state.buckets[key] ?? Bucket(remaining: routeLimit, resetAt: Date().addingTimeInterval(routeWindow))
            if bucket.resetAt <= Date() { bucket = Bucket(remaining: routeLimit, resetAt: Date().addingTimeInterval(routeWindow)) }
            bucket.remaining -= 1
            state.buckets[key] = bucket.remaining < 0 ? Bucket(remaining: 0, resetAt: bucket.resetAt) : bucket
            return bucket
        }
    }

    /// A 429 as the rate-limit page shows it: Retry-After in whole seconds, the precise wait in
    /// the body, the scope, and for a global limit X-RateLimit-Global instead of route headers.
    private func rateLimited(route: String, scope: String, retryAfter: Double) -> Reply {
        var headers =
            scope == "global"
            ? HTTPHeaders()
            : Self.rateHeaders(route: route, limit: routeLimit, remaining: 0, resetAt: Date().addingTimeInterval(retryAfter))
        headers.replaceOrAdd(name: "Retry-After", value: String(Int(retryAfter.rounded(.up))))
        if scope == "global" { headers.replaceOrAdd(name: "X-RateLimit-Global", value: "true") }
        headers.replaceOrAdd(name: "X-RateLimit-Scope", value: scope)
        let message = scope == "shared" ? "The resource is being rate limited." : "You are being rate limited."
        return .json(
            429, object: ["message": message, "retry_after": (retryAfter * 1000).rounded() / 1000, "global": scope == "global"], headers: headers)
    }

    private static func rateHeaders(route: String, limit: Int, remaining: Int, resetAt: Date) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "X-RateLimit-Limit", value: String(limit))
        headers.add(name: "X-RateLimit-Remaining", value: String(max(0, remaining)))
        headers.add(name: "X-RateLimit-Reset", value: String(format: "%.3f", resetAt.timeIntervalSince1970))
        headers.add(name: "X-RateLimit-Reset-After", value: String(format: "%.3f", max(0, resetAt.timeIntervalSinceNow)))
        headers.add(name: "X-RateLimit-Bucket", value: bucketHash(route))
        return headers
    }

    /// The route with its ids replaced (the bucket) and its top-level resource id (the major parameter).
    private static func route(_ method: String, _ resource: [String]) -> (String, String) {
        var major = ""
        var parts: [String] = []
        for (index, part) in resource.enumerated() {
            if index == 1, ["channels", "guilds", "webhooks"].contains(resource[0]) {
                major = part
                parts.append("{id}")
            } else if index == 2, resource[0] == "webhooks" {
                major += "/" + part
                parts.append("{token}")
            } else if part.allSatisfy(\.isNumber) {
                parts.append("{id}")
            } else {
                parts.append(part)
            }
        }
        return (method + " /" + parts.joined(separator: "/"), major)
    }

    /// A stable 32-hex-digit name for a route (Discord's bucket ids are opaque).
    private static func bucketHash(_ route: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in route.utf8 { a = (a ^ UInt64(byte)) &* 0x100_0000_01b3; b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 &+ 7 }
        return String(format: "%016llx%016llx", a, b)
    }

    // MARK: - Pieces

    private func render(_ message: Message) -> [String: Any] {
        var author: [String: Any] = ["id": message.authorID, "username": message.username, "avatar": NSNull(), "discriminator": "0"]
        if message.authorID == Self.botUserID || message.webhookID != nil { author["bot"] = true }
        var object: [String: Any] = [
            "id": message.id, "type": message.referenceID == nil ? 0 : 19, "channel_id": message.channelID,
            "content": message.content, "author": author, "attachments": [Any](), "mentions": [Any](),
            "mention_roles": [Any](), "pinned": false, "mention_everyone": false, "tts": false,
            "timestamp": "2026-03-01T15:00:00.000000+00:00", "edited_timestamp": NSNull(), "flags": 0, "components": [Any](),
            "embeds": (try? JSONSerialization.jsonObject(with: message.embeds)) ?? [Any](),
        ]
        if let webhook = message.webhookID { object["webhook_id"] = webhook }
        if let reference = message.referenceID {
            object["message_reference"] = ["type": 0, "message_id": reference, "channel_id": message.channelID]
        }
        return object
    }

    private func error(_ failure: Failure, headers: HTTPHeaders) -> Reply {
        var body: [String: Any] = ["message": failure.message, "code": failure.code]
        if let errors = failure.errors, let tree = try? JSONSerialization.jsonObject(with: errors) { body["errors"] = tree }
        return .json(failure.status, object: body, headers: headers)
    }

    /// 50035 Invalid Form Body naming the field (`embeds.0.title` nests as the API does).
    private static func formError(_ field: String, _ code: String, _ message: String) -> Failure {
        var tree: [String: Any] = ["_errors": [["code": code, "message": message]]]
        for key in field.split(separator: ".").reversed() { tree = [String(key): tree] }
        return Failure(
            status: 400, code: 50035, message: "Invalid Form Body", errors: try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys]))
    }

    /// A JSON object body sent as `application/json`, or 50035 (the code also covers a wrong Content-Type).
    private static func jsonBody(_ request: Request) -> Result<[String: Any], Failure> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return .failure(Failure(status: 400, code: 50035, message: "Invalid Form Body"))
        }
        guard let object = request.json as? [String: Any] else {
            return .failure(Failure(status: 400, code: 50109, message: "The request body contains invalid JSON."))
        }
        return .success(object)
    }

    private static func query(_ request: Request) -> [String: String] {
        var items: [String: String] = [:]
        for (name, values) in request.queryItems { items[name] = values.last }
        return items
    }

    /// Snowflakes compare as numbers.
    private static func less(_ a: String, _ b: String) -> Bool { a.count == b.count ? a < b : a.count < b.count }

    private static func snowflake(_ state: inout State) -> String {
        state.sequence += 1
        return String(1_400_000_000_000_000_000 + UInt64(state.sequence))
    }
}
