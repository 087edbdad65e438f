// A fake of Slack's Web API (https://slack.com/api/<method>) and its OAuth v2 token method on
// loopback, following Slack's documentation — not what our connector definition assumes:
//
// - Web API basics (HTTP 200 with {"ok": false, "error"}, Bearer tokens, JSON bodies on write
//   methods with Content-Type application/json; charset=utf-8, warnings such as missing_charset):
//   https://docs.slack.dev/apis/web-api/
// - Rate limits (tiers per method per workspace; HTTP 429 with Retry-After in seconds):
//   https://docs.slack.dev/apis/web-api/rate-limits
// - Pagination (cursor, limit, response_metadata.next_cursor empty on the last page, invalid_cursor):
//   https://docs.slack.dev/apis/web-api/pagination
// - oauth.v2.access (code exchange; bot token at access_token, token_type bot, team, authed_user;
//   errors invalid_code, bad_redirect_uri, invalid_client_id, bad_client_secret):
//   https://docs.slack.dev/reference/methods/oauth.v2.access
// - auth.test: https://docs.slack.dev/reference/methods/auth.test
// - chat.postMessage (channel, text/blocks, thread_ts; no_text, invalid_blocks, msg_too_long,
//   not_in_channel, is_archived, channel_not_found, rate_limited):
//   https://docs.slack.dev/reference/methods/chat.postMessage
// - chat.scheduleMessage (post_at; time_in_past, time_too_far past 120 days, invalid_time,
//   restricted_too_many past 30 per channel in 5 minutes):
//   https://docs.slack.dev/reference/methods/chat.scheduleMessage
// - chat.deleteScheduledMessage (invalid_scheduled_message_id):
//   https://docs.slack.dev/reference/methods/chat.deleteScheduledMessage
// - chat.update / chat.delete (message_not_found, cant_update_message, cant_delete_message):
//   https://docs.slack.dev/reference/methods/chat.update, https://docs.slack.dev/reference/methods/chat.delete
// - conversations.list (types, exclude_archived, limit ≤ 1000, cursor):
//   https://docs.slack.dev/reference/methods/conversations.list
// - conversations.history (newest first, has_more, limit ≤ 999):
//   https://docs.slack.dev/reference/methods/conversations.history
// - users.info (user_not_found; profile.email only with users:read.email):
//   https://docs.slack.dev/reference/methods/users.info
// - users.lookupByEmail (users:read.email; users_not_found):
//   https://docs.slack.dev/reference/methods/users.lookupByEmail
//
// Where the documentation names an error but gives no extra fields, the fake answers only
// {"ok": false, "error": <code>}.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Slack on loopback: `/api/oauth.v2.access` and the Web API methods the connector uses
/// (`auth.test`, `chat.postMessage`, `chat.scheduleMessage`, `chat.deleteScheduledMessage`,
/// `chat.update`, `chat.delete`, `conversations.list`, `conversations.history`, `users.info`,
/// `users.lookupByEmail`).
///
/// It keeps state like the real thing: only tokens it issued work, messages it accepted are in
/// the history and can be edited or deleted by the bot that posted them, scheduled messages
/// can be cancelled. Knobs: `expire(token:)`, `revoke(token:)`, `injectRateLimit(method:calls:retryAfter:)`,
/// `failNext(method:error:)`.
public final class SlackFake: ServedFake {
    /// The app registered with Slack.
    public static let defaultApp = FakeOAuthApp(
        clientID: "1111111111.2222222222", clientSecret: "fake-slack-client-secret",
        redirectURI: "http://127.0.0.1/oauth/callback/slack")
    /// The bot scopes a token gets unless told otherwise (those of `configs/connectors/slack.json`).
    public static let defaultScopes: Set<String> = [
        "chat:write", "chat:write.public", "channels:read", "groups:read", "im:read", "mpim:read",
        "channels:history", "users:read", "users:read.email", "team:read",
    ]
    /// The workspace.
    public static let teamID = "T0123ABCDE"
    /// The bot's user id.
    public static let botUserID = "U0BOT00001"
    /// The bot id.
    public static let botID = "B0789KLMNO"

    /// A conversation.
    public struct Channel: Sendable {
        /// `C…` (public) or `G…`/`C…` (private).
        public var id: String
        /// The name.
        public var name: String
        /// Private channel.
        public var isPrivate: Bool
        /// Archived.
        public var isArchived: Bool
        /// Whether the bot is a member.
        public var isMember: Bool
        /// The topic.
        public var topic: String

        /// A channel.
        public init(id: String, name: String, isPrivate: Bool = false, isArchived: Bool = false, isMember: Bool = true, topic: String = "") {
            self.id = id
            self.name = name
            self.isPrivate = isPrivate
            self.isArchived = isArchived
            self.isMember = isMember
            self.topic = topic
        }

        /// Five channels: three public (one the bot is not in), one private the bot is in, one archived.
        public static let defaults: [Channel] = [
            Channel(id: "C012AB3CD", name: "general", topic: "Company-wide announcements"),
            Channel(id: "C061FA5PB", name: "marketing", topic: "Campaign launches"),
            Channel(id: "C07NOTIN1", name: "random", isMember: false),
            Channel(id: "G0PRIVATE", name: "leadership", isPrivate: true),
            Channel(id: "C0ARCHIVE", name: "old-launch", isArchived: true),
        ]
    }

    /// A workspace member.
    public struct User: Sendable {
        /// `U…`.
        public var id: String
        /// The handle.
        public var name: String
        /// The full name.
        public var realName: String
        /// The address.
        public var email: String
        /// The time zone.
        public var tz: String

        /// A member.
        public init(id: String, name: String, realName: String, email: String, tz: String = "Europe/Berlin") {
            self.id = id
            self.name = name
            self.realName = realName
            self.email = email
            self.tz = tz
        }

        /// Two members.
        public static let defaults: [User] = [
            User(id: "U0456FGHIJ", name: "avery", realName: "Avery Example", email: "avery@example.com"),
            User(id: "U0999ZZZZZ", name: "sam", realName: "Sam Sample", email: "sam@example.com", tz: "America/New_York"),
        ]
    }

    private enum TokenState: Sendable { case valid, expired, revoked }

    private struct Token: Sendable {
        var scopes: Set<String>
        var state: TokenState = .valid
    }

    private struct Message: Sendable {
        var channel: String
        var ts: String
        var text: String
        var blocks: Data?
        var threadTS: String?
        var user: String
        var botID: String?
    }

    private struct Scheduled: Sendable {
        var id: String
        var channel: String
        var postAt: Int
        var text: String
        var createdAt: Date
    }

    private struct Fault: Sendable {
        var method: String?
        var status: Int
        var error: String
        var headers: [String: String]
    }

    private struct State: Sendable {
        var grants: [String: (scopes: Set<String>, redirectURI: String, used: Bool)] = [:]
        var tokens: [String: Token] = [:]
        var messages: [Message] = []
        var scheduled: [String: Scheduled] = [:]
        var sequence = 0
        var clock = 1_772_380_000
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: FakeOAuthApp
    /// The workspace's conversations.
    public let channels: [Channel]
    /// The workspace's members.
    public let users: [User]
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake workspace.
    public init(app: FakeOAuthApp = defaultApp, channels: [Channel] = Channel.defaults, users: [User] = User.defaults) {
        self.app = app
        self.channels = channels
        self.users = users
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["ok": false, "error": "service_unavailable"])
        }
    }

    // MARK: - Lifecycle and knobs

    /// `http://127.0.0.1:<port>`: stands for `https://slack.com` (methods under `/api`).
    public var baseURL: String { server.baseURL }

    /// The requests made to one Web API method.
    public func requests(_ method: String) -> [FakeProviderServer.RecordedRequest] {
        server.requests.filter { $0.path == "/api/\(method)" }
    }

    /// What the consent screen would do: a code for `scopes`, bound to `redirectURI`.
    public func authorize(scopes: Set<String> = SlackFake.defaultScopes, redirectURI: String? = nil) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = "1111111111.\(state.sequence).fakecode"
            state.grants[code] = (scopes, redirectURI ?? app.redirectURI, false)
            return code
        }
    }

    /// A bot token issued without the OAuth dance.
    public func issueBotToken(scopes: Set<String> = SlackFake.defaultScopes) -> String {
        state.withLock { Self.mint(&$0, scopes: scopes) }
    }

    /// From now on `token` answers `token_expired` (a rotating token past its 12 hours).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.state = .expired } }

    /// From now on `token` answers `token_revoked`.
    public func revoke(token: String) { state.withLock { $0.tokens[token]?.state = .revoked } }

    /// The next `calls` calls to `method` (any method when nil) answer HTTP 429 with
    /// `Retry-After: retryAfter` and `{"ok": false, "error": "ratelimited"}`.
    public func injectRateLimit(method: String? = nil, calls: Int = 1, retryAfter: Int = 30) {
        faults.add(Fault(method: method, status: 429, error: "ratelimited", headers: ["Retry-After": String(retryAfter)]), calls: calls)
    }

    /// The next `calls` calls to `method` (any when nil) answer HTTP 200 `{"ok": false, "error": error}`
    /// (`internal_error`, chat.postMessage's own `rate_limited`, …).
    public func failNext(method: String? = nil, calls: Int = 1, error: String) {
        faults.add(Fault(method: method, status: 200, error: error, headers: [:]), calls: calls)
    }

    /// The messages in `channel`, newest first, as `(ts, text, blocks JSON)`.
    public func messages(in channel: String) -> [(ts: String, text: String, blocks: Any?)] {
        state.withLock { state in
            state.messages.filter { $0.channel == channel }.reversed().map {
                ($0.ts, $0.text, $0.blocks.flatMap { try? JSONSerialization.jsonObject(with: $0) })
            }
        }
    }

    /// The ids of the messages still scheduled.
    public var scheduledMessageIDs: [String] { state.withLock { $0.scheduled.keys.sorted() } }

    /// Adds a message by a person to `channel` (for history reads).
    public func seedMessage(channel: String, text: String, user: String = "U0999ZZZZZ") {
        state.withLock { state in
            state.clock += 1
            state.messages.append(Message(channel: channel, ts: "\(state.clock).000100", text: text, user: user))
        }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        guard request.path.hasPrefix("/api/") else { return .json(404, object: ["ok": false, "error": "unknown_method"]) }
        let method = String(request.path.dropFirst("/api/".count))
        if method == "oauth.v2.access" { return oauthAccess(request) }
        let known = [
            "auth.test", "chat.postMessage", "chat.scheduleMessage", "chat.deleteScheduledMessage", "chat.update", "chat.delete",
            "conversations.list", "conversations.history", "users.info", "users.lookupByEmail",
        ]
        guard known.contains(method) else { return .json(404, object: ["ok": false, "error": "unknown_method", "req_method": method]) }
        guard request.method == "GET" || request.method == "POST" else { return slackError("method_not_supported_for_channel_type") }

        // Authentication: the token in the Authorization header (Bearer).
        guard let header = request.header("Authorization"), !header.isEmpty else { return slackError("not_authed") }
        guard header.hasPrefix("Bearer ") else { return slackError("invalid_auth") }
        let value = String(header.dropFirst("Bearer ".count))
        guard let token = state.withLock({ $0.tokens[value] }) else { return slackError("invalid_auth") }
        switch token.state {
        case .expired: return slackError("token_expired")
        case .revoked: return slackError("token_revoked")
        case .valid: break
        }
        if let fault = faults.take(where: { $0.method == nil || $0.method == method }) {
            var headers = HTTPHeaders()
            for (name, value) in fault.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
            return .json(fault.status, object: ["ok": false, "error": fault.error], headers: headers)
        }
        let parsed = arguments(request)
        guard case .success(let (args, warning)) = parsed else {
            if case .failure(let error) = parsed { return slackError(error.code) }
            return slackError("invalid_arguments")
        }
        let writeMethods: Set<String> = ["chat.postMessage", "chat.scheduleMessage", "chat.deleteScheduledMessage", "chat.update", "chat.delete"]
        guard !writeMethods.contains(method) || request.method == "POST" else { return slackError("invalid_arguments") }
        var reply: [String: Any]
        switch method {
        case "auth.test": reply = authTest()
        case "chat.postMessage": reply = postMessage(args, token: token)
        case "chat.scheduleMessage": reply = scheduleMessage(args, token: token)
        case "chat.deleteScheduledMessage": reply = deleteScheduled(args, token: token)
        case "chat.update": reply = update(args, token: token)
        case "chat.delete": reply = delete(args, token: token)
        case "conversations.list": reply = list(args, token: token)
        case "conversations.history": reply = history(args, token: token)
        case "users.info": reply = userInfo(args, token: token)
        default: reply = lookupByEmail(args, token: token)
        }
        if let warning, reply["ok"] as? Bool == true {
            reply["warning"] = warning
            reply["response_metadata"] = (reply["response_metadata"] as? [String: Any] ?? [:]).merging(["warnings": [warning]]) { $1 }
        }
        return .json(200, object: reply)
    }

    /// Arguments from the query (GET) or the body: JSON (`application/json`, its charset
    /// expected) or a form; a JSON body that does not parse is `invalid_json`.
    private func arguments(_ request: Request) -> Result<([String: Any], String?), SlackCode> {
        var args: [String: Any] = [:]
        for (name, values) in request.queryItems { args[name] = values.last }
        guard request.method == "POST", !request.body.isEmpty else { return .success((args, nil)) }
        let type = request.header("Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("application/json") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) else { return .failure(SlackCode(code: "invalid_json")) }
            guard let members = object as? [String: Any] else { return .failure(SlackCode(code: "json_not_object")) }
            args.merge(members) { $1 }
            return .success((args, type.contains("charset=utf-8") ? nil : "missing_charset"))
        }
        if type.hasPrefix("application/x-www-form-urlencoded") {
            for (name, values) in request.formItems { args[name] = values.last }
            return .success((args, nil))
        }
        return .failure(SlackCode(code: "invalid_form_data"))
    }

    private struct SlackCode: Error { var code: String }

    // MARK: - OAuth

    /// `POST /api/oauth.v2.access`: form `code`, `redirect_uri`; client credentials by HTTP Basic or in the form.
    private func oauthAccess(_ request: Request) -> Reply {
        guard request.method == "POST" else { return slackError("invalid_arguments") }
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        var clientID = form["client_id"], clientSecret = form["client_secret"]
        if let basic = request.header("Authorization"), basic.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        {
            clientID = String(decoded[..<colon]).removingPercentEncoding
            clientSecret = String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        guard clientID == app.clientID else { return slackError("invalid_client_id") }
        guard clientSecret == app.clientSecret else { return slackError("bad_client_secret") }
        guard let code = form["code"], !code.isEmpty else { return slackError("invalid_code") }
        let outcome = state.withLock { state -> Result<[String: Any], SlackCode> in
            guard let grant = state.grants[code], !grant.used else { return .failure(SlackCode(code: "invalid_code")) }
            if let redirect = form["redirect_uri"], redirect != grant.redirectURI { return .failure(SlackCode(code: "bad_redirect_uri")) }
            state.grants[code]?.used = true
            let token = Self.mint(&state, scopes: grant.scopes)
            return .success([
                "ok": true, "access_token": token, "token_type": "bot", "scope": grant.scopes.sorted().joined(separator: ","),
                "bot_user_id": Self.botUserID, "app_id": "A0FAKEAPP1", "team": ["name": "NeonHub Demo", "id": Self.teamID],
                "enterprise": NSNull(), "authed_user": ["id": "U0456FGHIJ"], "is_enterprise_install": false,
            ])
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let error): return slackError(error.code)
        }
    }

    // MARK: - Methods

    private func authTest() -> [String: Any] {
        [
            "ok": true, "url": "https://neonhub-demo.slack.com/", "team": "NeonHub Demo", "user": "neonhub", "team_id": Self.teamID,
            "user_id": Self.botUserID, "bot_id": Self.botID, "is_enterprise_install": false,
        ]
    }

    /// The channel a write may post to, or the documented error.
    private func writable(_ args: [String: Any], token: Token) -> Result<Channel, SlackCode> {
        guard token.scopes.contains("chat:write") else { return .failure(SlackCode(code: "missing_scope")) }
        guard let id = Self.text(args["channel"]), let channel = channels.first(where: { $0.id == id || "#" + $0.name == id }) else {
            return .failure(SlackCode(code: "channel_not_found"))
        }
        if channel.isArchived { return .failure(SlackCode(code: "is_archived")) }
        // A private channel the bot is not in is invisible; a public one needs chat:write.public.
        if !channel.isMember {
            if channel.isPrivate { return .failure(SlackCode(code: "channel_not_found")) }
            if !token.scopes.contains("chat:write.public") { return .failure(SlackCode(code: "not_in_channel")) }
        }
        return .success(channel)
    }

    /// Text and blocks of a message, or the documented error (`no_text`, `invalid_blocks`, `msg_too_long`).
    private func content(_ args: [String: Any]) -> Result<(text: String, blocks: Data?), SlackCode> {
        let text = Self.text(args["text"]) ?? ""
        var blocks: Data?
        if let raw = args["blocks"] {
            // Blocks come as a JSON array (or, in a form, as its JSON text).
            let parsed: Any? = (raw as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? raw
            guard let array = parsed as? [Any], !array.isEmpty, array.count <= 50,
                array.allSatisfy({ ($0 as? [String: Any])?["type"] is String })
            else { return .failure(SlackCode(code: "invalid_blocks")) }
            blocks = try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys])
        }
        if text.isEmpty && blocks == nil { return .failure(SlackCode(code: "no_text")) }
        if text.count > 40_000 { return .failure(SlackCode(code: "msg_too_long")) }
        return .success((text, blocks))
    }

    private func postMessage(_ args: [String: Any], token: Token) -> [String: Any] {
        let channel: Channel
        switch writable(args, token: token) {
        case .failure(let error): return failure(error.code, token: token, needed: "chat:write")
        case .success(let found): channel = found
        }
        let body: (text: String, blocks: Data?)
        switch content(args) {
        case .failure(let error): return failure(error.code, token: token)
        case .success(let found): body = found
        }
        let message = state.withLock { state -> Message in
            state.clock += 1
            let message = Message(
                channel: channel.id, ts: "\(state.clock).000200", text: body.text, blocks: body.blocks,
                threadTS: Self.text(args["thread_ts"]), user: Self.botUserID, botID: Self.botID)
            state.messages.append(message)
            return message
        }
        return ["ok": true, "channel": channel.id, "ts": message.ts, "message": render(message)]
    }

    private func scheduleMessage(_ args: [String: Any], token: Token) -> [String: Any] {
        let channel: Channel
        switch writable(args, token: token) {
        case .failure(let error): return failure(error.code, token: token, needed: "chat:write")
        case .success(let found): channel = found
        }
        guard let raw = args["post_at"] else { return failure("invalid_time", token: token) }
        guard let postAt = (raw as? NSNumber)?.intValue ?? (raw as? String).flatMap({ Int($0) }) else { return failure("invalid_time", token: token) }
        let now = Int(Date().timeIntervalSince1970)
        if postAt <= now { return failure("time_in_past", token: token) }
        if postAt > now + 120 * 86_400 { return failure("time_too_far", token: token) }
        let body: (text: String, blocks: Data?)
        switch content(args) {
        case .failure(let error): return failure(error.code, token: token)
        case .success(let found): body = found
        }
        let outcome = state.withLock { state -> Scheduled? in
            let recent = state.scheduled.values.filter { $0.channel == channel.id && Date().timeIntervalSince($0.createdAt) < 300 }
            guard recent.count < 30 else { return nil }
            state.sequence += 1
            let scheduled = Scheduled(
                id: "Q\(1_298_393_284 + state.sequence)", channel: channel.id, postAt: postAt, text: body.text, createdAt: Date())
            state.scheduled[scheduled.id] = scheduled
            return scheduled
        }
        guard let scheduled = outcome else { return failure("restricted_too_many", token: token) }
        return [
            "ok": true, "channel": channel.id, "scheduled_message_id": scheduled.id, "post_at": postAt,
            "message": ["text": body.text, "type": "delayed_message", "user": Self.botUserID, "bot_id": Self.botID],
        ]
    }

    private func deleteScheduled(_ args: [String: Any], token: Token) -> [String: Any] {
        guard token.scopes.contains("chat:write") else { return failure("missing_scope", token: token, needed: "chat:write") }
        guard let channel = Self.text(args["channel"]), channels.contains(where: { $0.id == channel }) else {
            return failure("channel_not_found", token: token)
        }
        guard let id = Self.text(args["scheduled_message_id"]) else { return failure("invalid_scheduled_message_id", token: token) }
        let removed = state.withLock { state -> Bool in
            guard state.scheduled[id]?.channel == channel else { return false }
            state.scheduled[id] = nil
            return true
        }
        return removed ? ["ok": true] : failure("invalid_scheduled_message_id", token: token)
    }

    /// The message `ts` in `channel` the bot may change, or the documented error.
    private func ownMessage(_ args: [String: Any], token: Token, refusal: String) -> Result<Int, SlackCode> {
        guard token.scopes.contains("chat:write") else { return .failure(SlackCode(code: "missing_scope")) }
        guard let channel = Self.text(args["channel"]), channels.contains(where: { $0.id == channel }) else {
            return .failure(SlackCode(code: "channel_not_found"))
        }
        guard let ts = Self.text(args["ts"]) else { return .failure(SlackCode(code: "message_not_found")) }
        return state.withLock { state in
            guard let index = state.messages.firstIndex(where: { $0.channel == channel && $0.ts == ts }) else {
                return .failure(SlackCode(code: "message_not_found"))
            }
            guard state.messages[index].botID == Self.botID else { return .failure(SlackCode(code: refusal)) }
            return .success(index)
        }
    }

    private func update(_ args: [String: Any], token: Token) -> [String: Any] {
        let index: Int
        switch ownMessage(args, token: token, refusal: "cant_update_message") {
        case .failure(let error): return failure(error.code, token: token, needed: "chat:write")
        case .success(let found): index = found
        }
        let body: (text: String, blocks: Data?)
        switch content(args) {
        case .failure(let error): return failure(error.code, token: token)
        case .success(let found): body = found
        }
        let message = state.withLock { state -> Message in
            state.messages[index].text = body.text
            if body.blocks != nil { state.messages[index].blocks = body.blocks }
            return state.messages[index]
        }
        return [
            "ok": true, "channel": message.channel, "ts": message.ts, "text": message.text, "message": ["text": message.text, "user": message.user],
        ]
    }

    private func delete(_ args: [String: Any], token: Token) -> [String: Any] {
        let index: Int
        switch ownMessage(args, token: token, refusal: "cant_delete_message") {
        case .failure(let error): return failure(error.code, token: token, needed: "chat:write")
        case .success(let found): index = found
        }
        let message = state.withLock { $0.messages.remove(at: index) }
        return ["ok": true, "channel": message.channel, "ts": message.ts]
    }

    private func list(_ args: [String: Any], token: Token) -> [String: Any] {
        let types = (Self.text(args["types"]) ?? "public_channel").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let known: Set<String> = ["public_channel", "private_channel", "mpim", "im"]
        guard types.allSatisfy(known.contains) else { return failure("invalid_types", token: token) }
        if types.contains("public_channel") && !token.scopes.contains("channels:read") {
            return failure("missing_scope", token: token, needed: "channels:read")
        }
        if types.contains("private_channel") && !token.scopes.contains("groups:read") {
            return failure("missing_scope", token: token, needed: "groups:read")
        }
        let limit = Self.text(args["limit"]).flatMap { Int($0) } ?? 100
        guard (1...1000).contains(limit) else { return failure("invalid_limit", token: token) }
        let excludeArchived = Self.text(args["exclude_archived"]) == "true" || Self.text(args["exclude_archived"]) == "1"
        let visible = channels.filter { channel in
            (channel.isPrivate ? types.contains("private_channel") && channel.isMember : types.contains("public_channel"))
                && !(excludeArchived && channel.isArchived)
        }
        let start: Int
        switch Self.decodeCursor(args["cursor"], prefix: "channel:") {
        case .failure: return failure("invalid_cursor", token: token)
        case .success(let offset): start = offset
        }
        let page = visible.dropFirst(start).prefix(limit)
        let next = start + page.count < visible.count ? Self.encodeCursor("channel:\(start + page.count)") : ""
        return ["ok": true, "channels": page.map(render), "response_metadata": ["next_cursor": next]]
    }

    private func history(_ args: [String: Any], token: Token) -> [String: Any] {
        guard let id = Self.text(args["channel"]), let channel = channels.first(where: { $0.id == id }) else {
            return failure("channel_not_found", token: token)
        }
        let scope = channel.isPrivate ? "groups:history" : "channels:history"
        guard token.scopes.contains(scope) else { return failure("missing_scope", token: token, needed: scope) }
        guard channel.isMember else { return failure("not_in_channel", token: token) }
        let limit = Self.text(args["limit"]).flatMap { Int($0) } ?? 100
        guard (1...999).contains(limit) else { return failure("invalid_limit", token: token) }
        let oldest = Self.text(args["oldest"]).flatMap { Double($0) } ?? 0
        let latest = Self.text(args["latest"]).flatMap { Double($0) } ?? .infinity
        let all = state.withLock { state in Array(state.messages.filter { $0.channel == id }.reversed()) }
            .filter { (Double($0.ts) ?? 0) > oldest && (Double($0.ts) ?? 0) < latest }
        let start: Int
        switch Self.decodeCursor(args["cursor"], prefix: "history:") {
        case .failure: return failure("invalid_cursor", token: token)
        case .success(let offset): start = offset
        }
        let page = Array(all.dropFirst(start).prefix(limit))
        let more = start + page.count < all.count
        return [
            "ok": true, "messages": page.map(render), "has_more": more, "pin_count": 0,
            "response_metadata": ["next_cursor": more ? Self.encodeCursor("history:\(start + page.count)") : ""],
        ]
    }

    private func userInfo(_ args: [String: Any], token: Token) -> [String: Any] {
        guard token.scopes.contains("users:read") else { return failure("missing_scope", token: token, needed: "users:read") }
        guard let id = Self.text(args["user"]), let user = users.first(where: { $0.id == id }) else { return failure("user_not_found", token: token) }
        var object = render(user, withEmail: token.scopes.contains("users:read.email"))
        if Self.text(args["include_locale"]) == "true" { object["locale"] = "en-US" }
        return ["ok": true, "user": object]
    }

    private func lookupByEmail(_ args: [String: Any], token: Token) -> [String: Any] {
        guard token.scopes.contains("users:read.email") else { return failure("missing_scope", token: token, needed: "users:read.email") }
        guard let email = Self.text(args["email"]), let user = users.first(where: { $0.email.lowercased() == email.lowercased() }) else {
            return failure("users_not_found", token: token)
        }
        return ["ok": true, "user": render(user, withEmail: true)]
    }

    // MARK: - Pieces

    private func render(_ message: Message) -> [String: Any] {
        var object: [String: Any] = ["type": "message", "text": message.text, "ts": message.ts, "user": message.user]
        if let botID = message.botID { object["bot_id"] = botID; object["app_id"] = "A0FAKEAPP1" }
        if let blocks = message.blocks, let array = try? JSONSerialization.jsonObject(with: blocks) { object["blocks"] = array }
        if let thread = message.threadTS { object["thread_ts"] = thread }
        return object
    }

    private func render(_ channel: Channel) -> [String: Any] {
        [
            "id": channel.id, "name": channel.name, "is_channel": true, "is_group": false, "is_im": false, "is_private": channel.isPrivate,
            "is_archived": channel.isArchived, "is_general": channel.name == "general", "is_member": channel.isMember, "created": 1_449_252_889,
            "topic": ["value": channel.topic, "creator": "", "last_set": 0], "purpose": ["value": "", "creator": "", "last_set": 0],
            "num_members": 12,
        ]
    }

    private func render(_ user: User, withEmail: Bool) -> [String: Any] {
        var profile: [String: Any] = [
            "real_name": user.realName, "display_name": user.name, "team": Self.teamID,
            "image_72": "https://a.slack-edge.com/placeholder-72.png",
        ]
        if withEmail { profile["email"] = user.email }
        return [
            "id": user.id, "team_id": Self.teamID, "name": user.name, "deleted": false, "real_name": user.realName, "tz": user.tz,
            "is_bot": false, "is_admin": false, "profile": profile,
        ]
    }

    /// `{"ok": false, "error": code}`; `missing_scope` also names the scope needed and the ones the token has.
    private func failure(_ code: String, token: Token, needed: String? = nil) -> [String: Any] {
        var body: [String: Any] = ["ok": false, "error": code]
        if code == "missing_scope" {
            body["needed"] = needed ?? ""
            body["provided"] = token.scopes.sorted().joined(separator: ",")
        }
        return body
    }

    private func slackError(_ code: String) -> Reply { .json(200, object: ["ok": false, "error": code]) }

    private static func mint(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "xoxb-1234567890-\(1_000_000_000 + state.sequence)-fakeBotToken\(state.sequence)"
        state.tokens[token] = Token(scopes: scopes)
        return token
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string.isEmpty ? nil : string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    /// Slack's cursors are opaque base64 strings.
    static func encodeCursor(_ value: String) -> String { Data(value.utf8).base64EncodedString() }

    private static func decodeCursor(_ raw: Any?, prefix: String) -> Result<Int, SlackCode> {
        guard let cursor = text(raw) else { return .success(0) }
        guard let data = Data(base64Encoded: cursor), let decoded = String(data: data, encoding: .utf8), decoded.hasPrefix(prefix),
            let offset = Int(decoded.dropFirst(prefix.count)), offset >= 0
        else { return .failure(SlackCode(code: "invalid_cursor")) }
        return .success(offset)
    }
}
