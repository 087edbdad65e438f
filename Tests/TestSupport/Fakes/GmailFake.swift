// A fake of the Gmail API v1 (gmail.googleapis.com/gmail/v1) on loopback, following Google's
// documentation — not what our connector definition assumes:
//
// - REST reference (users.getProfile, users.messages send/list/get, users.drafts
//   create/list/send, users.threads list/get, users.labels list, users.watch), with each
//   method's request body, query parameters, response body and authorization scopes:
//   https://developers.google.com/workspace/gmail/api/reference/rest
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.drafts/create
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.drafts/send
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.threads/list
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users/getProfile
//   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users/watch
// - Sending email (an RFC 2822 message, base64url in `raw`):
//   https://developers.google.com/workspace/gmail/api/guides/sending
// - Drafts (a sent draft is deleted and becomes a new SENT message):
//   https://developers.google.com/workspace/gmail/api/guides/drafts
// - Resolve errors (bodies `{error: {code, message, errors: [{domain, reason, message}]}}`:
//   400 badRequest/invalidArgument, 401 authError, 403 dailyLimitExceeded /
//   userRateLimitExceeded / rateLimitExceeded, 429 rateLimitExceeded, 500 backendError):
//   https://developers.google.com/workspace/gmail/api/guides/handle-errors
// - Usage limits (quota units, no usage headers): https://developers.google.com/workspace/gmail/api/reference/quota
// - Search operators for `q`: https://support.google.com/mail/answer/7190
//
// Tokens are the Google OAuth fake's: a token it issued, not expired or revoked, with one of
// the method's documented scopes. The raw message is decoded (base64url) and read by
// `MIMEReader`, which is stricter than Gmail: it refuses what the RFCs forbid (bare LF,
// non-ASCII headers, broken multiparts) so our builder is held to the standard. Where Google
// documents no body (a scope the token lacks, a missing recipient, an unknown id) the fake
// answers what Gmail is observed to answer: 403 insufficientPermissions "Request had
// insufficient authentication scopes.", 400 invalidArgument "Recipient address required",
// 404 notFound "Requested entity was not found.".

public import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Gmail on loopback: `/gmail/v1/users/me/…` for profile, messages (send, list with `q` and
/// `pageToken`, get), drafts (create, list, send), threads (list, get), labels and watch.
/// Knobs: `seedInbound`, `injectRateLimit`, `failNext`; what was sent: `sent`, `drafts`.
public final class GmailFake: ServedFake {
    /// A message in the mailbox, with its decoded MIME.
    public struct Message: Sendable {
        /// The message id (16 hex digits).
        public var id: String
        /// The thread id.
        public var threadId: String
        /// SENT, INBOX, UNREAD, DRAFT…
        public var labelIds: [String]
        /// The message as sent or received.
        public var mime: MIMEEntity
        /// The raw bytes.
        public var raw: Data
        /// Milliseconds since 1970.
        public var internalDate: Int
        /// The first text of the body.
        public var snippet: String
    }

    /// A Gmail API error (`error.errors[0].reason`, `error.code`, `error.message`).
    public struct GmailError: Error, Sendable {
        /// The HTTP status (and `error.code`).
        public var status: Int
        /// `errors[0].reason`.
        public var reason: String
        /// `errors[0].domain`.
        public var domain: String
        /// `message`.
        public var message: String
        /// Extra headers.
        public var headers: [String: String]

        /// An error.
        public init(status: Int, reason: String, domain: String = "global", message: String, headers: [String: String] = [:]) {
            self.status = status
            self.reason = reason
            self.domain = domain
            self.message = message
            self.headers = headers
        }

        /// 401 authError "Invalid Credentials" (documented).
        public static let invalidCredentials = GmailError(
            status: 401, reason: "authError", message: "Invalid Credentials",
            headers: ["WWW-Authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""])
        /// 429 rateLimitExceeded (documented).
        public static let rateLimited = GmailError(status: 429, reason: "rateLimitExceeded", domain: "usageLimits", message: "Rate Limit Exceeded")
        /// 403 userRateLimitExceeded (documented).
        public static let userRateLimited = GmailError(
            status: 403, reason: "userRateLimitExceeded", domain: "usageLimits", message: "User Rate Limit Exceeded")
        /// 500 backendError (documented).
        public static let backendError = GmailError(status: 500, reason: "backendError", message: "Backend Error")
    }

    static let scopePrefix = "https://www.googleapis.com/auth/"
    /// Each method's documented scopes (any one suffices).
    static let sendScopes = ["https://mail.google.com/", scopePrefix + "gmail.modify", scopePrefix + "gmail.compose", scopePrefix + "gmail.send"]
    static let composeScopes = ["https://mail.google.com/", scopePrefix + "gmail.modify", scopePrefix + "gmail.compose"]
    static let readScopes = [
        "https://mail.google.com/", scopePrefix + "gmail.modify", scopePrefix + "gmail.readonly", scopePrefix + "gmail.metadata",
    ]
    static let profileScopes = readScopes + [scopePrefix + "gmail.compose"]
    static let draftReadScopes = [
        "https://mail.google.com/", scopePrefix + "gmail.modify", scopePrefix + "gmail.compose", scopePrefix + "gmail.readonly",
    ]

    private struct State: Sendable {
        var messages: [String: Message] = [:]
        var order: [String] = []
        var drafts: [String: String] = [:]  // draft id → message id
        var draftOrder: [String] = []
        var sequence = 0
        var historyId = 4_820_313
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// Where tokens are checked.
    public let oauth: GoogleOAuthFake
    /// The mailbox's address (`users/me/profile` `emailAddress`).
    public let emailAddress: String
    private let state = Mutex(State())
    private let faults = ScriptedFaults<GmailError>()

    /// A mailbox for `oauth`'s user (or `emailAddress`), with three inbound messages.
    public init(oauth: GoogleOAuthFake, emailAddress: String? = nil) {
        self.oauth = oauth
        self.emailAddress = emailAddress ?? oauth.user.email
        seedInbound(from: "Sam Buyer <sam.buyer@example.com>", subject: "Wholesale pricing", text: "Can we book a tasting next week?")
        seedInbound(from: "Lee Chen <lee@example.org>", subject: "Invoice 1042", text: "The invoice is attached.")
        seedInbound(from: "Sam Buyer <sam.buyer@example.com>", subject: "Re: Wholesale pricing", text: "Thursday works for us.", unread: false)
        server.onEveryRequest { [self] request in handle(request) }
    }

    /// The API base (`…/gmail/v1`): the definition's `baseUrl` override.
    public var apiBaseURL: String { server.baseURL + "/gmail/v1" }

    // MARK: - Knobs and state

    /// Adds a message received from `from` (newest first in lists).
    @discardableResult
    public func seedInbound(from: String, subject: String, text: String, unread: Bool = true) -> String {
        let raw = Data(
            "From: \(from)\r\nTo: \(emailAddress)\r\nSubject: \(subject)\r\nMessage-ID: <seed\(state.withLock { $0.sequence })@mail.example.com>\r\nDate: Sun, 01 Mar 2026 15:46:40 +0000\r\n\r\n\(text)\r\n"
                .utf8)
        let mime = (try? MIMEReader.parse(raw)) ?? MIMEEntity(headers: [], mediaType: "text/plain", parameters: [:], body: Data(text.utf8), parts: [])
        return state.withLock { state in
            let id = Self.nextID(&state)
            let thread =
                state.order.compactMap { state.messages[$0] }.first {
                    Self.baseSubject($0.mime.decodedHeader("Subject")) == Self.baseSubject(subject)
                }?.threadId ?? id
            state.messages[id] = Message(
                id: id, threadId: thread, labelIds: ["INBOX"] + (unread ? ["UNREAD"] : []), mime: mime, raw: raw,
                internalDate: 1_772_380_000_000 + state.sequence, snippet: String(text.prefix(100)))
            state.order.insert(id, at: 0)
            return id
        }
    }

    /// The next `calls` API requests answer `error`.
    public func failNext(_ error: GmailError, calls: Int = 1) {
        faults.add(error, calls: calls)
    }

    /// The next `calls` requests are over a rate limit (429 by default; `retryAfter` adds the header, which Gmail does not document).
    public func injectRateLimit(_ error: GmailError = .rateLimited, calls: Int = 1, retryAfter: Int? = nil) {
        var error = error
        if let retryAfter { error.headers["Retry-After"] = String(retryAfter) }
        failNext(error, calls: calls)
    }

    /// Messages sent (messages.send and drafts.send), oldest first.
    public var sent: [Message] {
        state.withLock { state in state.order.reversed().compactMap { state.messages[$0] }.filter { $0.labelIds.contains("SENT") } }
    }

    /// Drafts by id, with their message.
    public var drafts: [String: Message] {
        state.withLock { state in state.drafts.compactMapValues { state.messages[$0] } }
    }

    /// A message by id.
    public func message(_ id: String) -> Message? { state.withLock { $0.messages[id] } }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let prefix = "/gmail/v1/users/"
        guard request.path.hasPrefix(prefix) else { return Self.error(GmailError(status: 404, reason: "notFound", message: "Not Found")) }
        let rest = request.path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let user = rest.first, user == "me" || user == emailAddress else {
            return Self.error(GmailError(status: 403, reason: "forbidden", message: "Delegation denied for \(emailAddress)"))
        }
        let route = Array(rest.dropFirst())
        let scopes: [String]
        switch (request.method, route.first ?? "", route.count) {
        case ("GET", "profile", 1): scopes = Self.profileScopes
        case ("POST", "messages", 2) where route[1] == "send": scopes = Self.sendScopes
        case ("POST", "drafts", 1), ("POST", "drafts", 2): scopes = Self.composeScopes
        case ("GET", "drafts", 1): scopes = Self.draftReadScopes
        case ("GET", "messages", _), ("GET", "threads", _), ("GET", "labels", 1), ("POST", "watch", 1): scopes = Self.readScopes
        default: return Self.error(GmailError(status: 404, reason: "notFound", message: "Not Found"))
        }
        if let failure = authorize(request, scopes: scopes) { return Self.error(failure) }
        if let fault = faults.take() { return Self.error(fault) }
        switch (request.method, route.first ?? "", route.count) {
        case ("GET", "profile", _): return profile()
        case ("POST", "messages", _): return send(request)
        case ("POST", "drafts", 1): return createDraft(request)
        case ("POST", "drafts", _) where route[1] == "send": return sendDraft(request)
        case ("GET", "drafts", _): return listDrafts(request)
        case ("GET", "messages", 1): return list(request, threads: false)
        case ("GET", "messages", 2): return getMessage(route[1], request)
        case ("GET", "threads", 1): return list(request, threads: true)
        case ("GET", "threads", 2): return getThread(route[1], request)
        case ("GET", "labels", _): return labels()
        case ("POST", "watch", _): return watch(request)
        default: return Self.error(GmailError(status: 404, reason: "notFound", message: "Not Found"))
        }
    }

    private func authorize(_ request: Request, scopes: [String]) -> GmailError? {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else { return .invalidCredentials }
        let token = String(header.dropFirst(7))
        guard oauth.isValid(accessToken: token), let granted = oauth.grantedScopes(accessToken: token) else { return .invalidCredentials }
        guard granted.contains(where: scopes.contains) else {
            return GmailError(status: 403, reason: "insufficientPermissions", message: "Request had insufficient authentication scopes.")
        }
        return nil
    }

    // MARK: - Methods

    private func profile() -> Reply {
        state.withLock { state in
            .json(
                200,
                object: [
                    "emailAddress": emailAddress, "messagesTotal": state.messages.count,
                    "threadsTotal": Set(state.messages.values.map(\.threadId)).count, "historyId": String(state.historyId),
                ])
        }
    }

    /// `{raw, threadId?}` → the stored message, or the documented validation errors.
    private func readMessage(_ body: [String: Any]?, request: Request) -> Result<(MIMEEntity, Data, String?), GmailError> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return .failure(
                GmailError(status: 400, reason: "badRequest", message: "Invalid JSON payload received. Content-Type must be application/json."))
        }
        guard let body, let raw = body["raw"] as? String, !raw.isEmpty else {
            return .failure(
                GmailError(
                    status: 400, reason: "invalidArgument",
                    message: "'raw' RFC822 payload message string or uploading message via /upload/* URL required"))
        }
        guard raw.range(of: "^[A-Za-z0-9_-]+=*$", options: .regularExpression) != nil, let data = Data(base64URLText: raw) else {
            return .failure(GmailError(status: 400, reason: "invalidArgument", message: "Invalid value for ByteString: \(raw.prefix(20))"))
        }
        let mime: MIMEEntity
        do { mime = try MIMEReader.parse(data) } catch {
            return .failure(GmailError(status: 400, reason: "invalidArgument", message: "Invalid RFC 822 message: \(error)"))
        }
        for name in ["To", "Cc", "Bcc"] where mime.addresses(name).contains(where: { !$0.contains("@") || $0.contains(" ") }) {
            return .failure(GmailError(status: 400, reason: "invalidArgument", message: "Invalid \(name) header"))
        }
        guard !(mime.addresses("To") + mime.addresses("Cc") + mime.addresses("Bcc")).isEmpty else {
            return .failure(GmailError(status: 400, reason: "invalidArgument", message: "Recipient address required"))
        }
        let thread = body["threadId"] as? String
        if let thread, !state.withLock({ state in state.messages.values.contains { $0.threadId == thread } }) {
            return .failure(GmailError(status: 404, reason: "notFound", message: "Requested entity was not found."))
        }
        return .success((mime, data, thread))
    }

    private func store(_ mime: MIMEEntity, raw: Data, thread: String?, labels: [String]) -> Message {
        state.withLock { state in
            let id = Self.nextID(&state)
            state.historyId += 1
            let text = mime.leaves.first { $0.mediaType == "text/plain" }?.text ?? mime.leaves.first?.text ?? ""
            let message = Message(
                id: id, threadId: thread ?? id, labelIds: labels, mime: mime, raw: raw,
                internalDate: 1_772_390_000_000 + state.sequence, snippet: String(text.prefix(100)))
            state.messages[id] = message
            state.order.insert(id, at: 0)
            return message
        }
    }

    private func send(_ request: Request) -> Reply {
        switch readMessage(request.json as? [String: Any], request: request) {
        case .failure(let error): return Self.error(error)
        case .success(let (mime, raw, thread)):
            // Gmail delivers to Bcc and strips the header from what it keeps.
            var kept = mime
            kept.headers.removeAll { $0.name.lowercased() == "bcc" }
            let message = store(kept, raw: raw, thread: thread, labels: ["SENT"])
            return .json(200, object: ["id": message.id, "threadId": message.threadId, "labelIds": message.labelIds])
        }
    }

    private func createDraft(_ request: Request) -> Reply {
        guard let draft = (request.json as? [String: Any])?["message"] as? [String: Any] else {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Missing draft message"))
        }
        switch readMessage(draft, request: request) {
        case .failure(let error): return Self.error(error)
        case .success(let (mime, raw, thread)):
            let message = store(mime, raw: raw, thread: thread, labels: ["DRAFT"])
            let id = state.withLock { state -> String in
                let id = "r-\(5_316_468_454_437_521_000 + state.sequence)"
                state.drafts[id] = message.id
                state.draftOrder.insert(id, at: 0)
                return id
            }
            return .json(200, object: ["id": id, "message": ["id": message.id, "threadId": message.threadId, "labelIds": message.labelIds]])
        }
    }

    private func sendDraft(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let id = (request.json as? [String: Any])?["id"] as? String
        else {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Missing draft ID"))
        }
        let sent: Message? = state.withLock { state in
            guard let messageID = state.drafts.removeValue(forKey: id), let draft = state.messages.removeValue(forKey: messageID) else { return nil }
            state.draftOrder.removeAll { $0 == id }
            state.order.removeAll { $0 == messageID }
            let newID = Self.nextID(&state)
            var message = draft
            message.id = newID
            if message.threadId == messageID { message.threadId = newID }
            message.labelIds = ["SENT"]
            message.mime.headers.removeAll { $0.name.lowercased() == "bcc" }
            state.messages[newID] = message
            state.order.insert(newID, at: 0)
            return message
        }
        guard let sent else { return Self.error(GmailError(status: 404, reason: "notFound", message: "Requested entity was not found.")) }
        return .json(200, object: ["id": sent.id, "threadId": sent.threadId, "labelIds": sent.labelIds])
    }

    private func listDrafts(_ request: Request) -> Reply {
        let query = request.queryItems
        let all: [[String: Any]] = state.withLock { state in
            state.draftOrder.compactMap { id in
                state.drafts[id].flatMap { state.messages[$0] }.map { ["id": id, "message": ["id": $0.id, "threadId": $0.threadId]] }
            }
        }
        return page(all, key: "drafts", query: query)
    }

    /// `maxResults` (default 100, at most 500) and an opaque `pageToken`; `nextPageToken` while more remain.
    private func page(_ items: [[String: Any]], key: String, query: [String: [String]]) -> Reply {
        if let max = query["maxResults"]?.last, Int(max) == nil || Int(max)! < 1 {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Invalid value for maxResults"))
        }
        let size = min(500, query["maxResults"]?.last.flatMap { Int($0) } ?? 100)
        var start = 0
        if let token = query["pageToken"]?.last {
            guard token.hasPrefix("p"), let offset = Int(token.dropFirst()), offset <= items.count else {
                return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Invalid pageToken"))
            }
            start = offset
        }
        let slice = Array(items.dropFirst(start).prefix(size))
        var body: [String: Any] = ["resultSizeEstimate": items.count]
        if !slice.isEmpty { body[key] = slice }
        if start + slice.count < items.count { body["nextPageToken"] = "p\(start + slice.count)" }
        return .json(200, object: body)
    }

    private func list(_ request: Request, threads: Bool) -> Reply {
        let query = request.queryItems
        let q = query["q"]?.last ?? ""
        let label = query["labelIds"]?.last
        let includeSpamTrash = query["includeSpamTrash"]?.last == "true"
        let matches: [Message] = state.withLock { state in
            state.order.compactMap { state.messages[$0] }.filter { message in
                if message.labelIds == ["DRAFT"] { return false }
                if !includeSpamTrash && (message.labelIds.contains("SPAM") || message.labelIds.contains("TRASH")) { return false }
                if let label, !message.labelIds.contains(label) { return false }
                return Self.matches(q, message)
            }
        }
        if threads {
            var seen = Set<String>()
            let items: [[String: Any]] = matches.compactMap { message in
                guard seen.insert(message.threadId).inserted else { return nil }
                return ["id": message.threadId, "snippet": message.snippet, "historyId": String(4_820_000 + message.internalDate % 1000)]
            }
            return page(items, key: "threads", query: query)
        }
        return page(matches.map { ["id": $0.id, "threadId": $0.threadId] }, key: "messages", query: query)
    }

    /// Gmail search operators the fake knows (`from:`, `to:`, `subject:`, `is:unread`,
    /// `in:sent`, `label:`, `has:attachment`) and bare words (in the subject or body); all must hold.
    static func matches(_ q: String, _ message: Message) -> Bool {
        for term in q.split(separator: " ").map({ $0.lowercased() }) where !term.isEmpty {
            let parts = term.split(separator: ":", maxSplits: 1).map(String.init)
            let subject = (message.mime.decodedHeader("Subject") ?? "").lowercased()
            let holds: Bool
            switch (parts.count == 2 ? parts[0] : "", parts.last ?? "") {
            case ("from", let v): holds = (message.mime.header("From") ?? "").lowercased().contains(v)
            case ("to", let v): holds = (message.mime.header("To") ?? "").lowercased().contains(v)
            case ("subject", let v): holds = subject.contains(v)
            case ("is", "unread"): holds = message.labelIds.contains("UNREAD")
            case ("in", "sent"): holds = message.labelIds.contains("SENT")
            case ("in", "inbox"): holds = message.labelIds.contains("INBOX")
            case ("label", let v): holds = message.labelIds.map { $0.lowercased() }.contains(v)
            case ("has", "attachment"):
                holds = message.mime.leaves.contains { $0.header("Content-Disposition")?.lowercased().hasPrefix("attachment") == true }
            case ("", let word): holds = subject.contains(word) || message.snippet.lowercased().contains(word)
            default: holds = false
            }
            if !holds { return false }
        }
        return true
    }

    private func representation(_ message: Message, format: String, metadataHeaders: [String]) -> [String: Any] {
        var body: [String: Any] = [
            "id": message.id, "threadId": message.threadId, "labelIds": message.labelIds,
            "snippet": message.snippet, "historyId": "4820300", "internalDate": String(message.internalDate),
            "sizeEstimate": message.raw.count,
        ]
        switch format {
        case "minimal": break
        case "raw": body["raw"] = message.raw.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        default:
            let headers = message.mime.headers.filter { header in
                format == "full" || metadataHeaders.isEmpty || metadataHeaders.contains { $0.caseInsensitiveCompare(header.name) == .orderedSame }
            }
            body["payload"] = [
                "partId": "", "mimeType": message.mime.mediaType, "filename": "",
                "headers": headers.map { ["name": $0.name, "value": $0.value] },
            ]
        }
        return body
    }

    private func format(_ request: Request) -> String? {
        let format = request.queryItems["format"]?.last ?? "full"
        return ["minimal", "full", "raw", "metadata"].contains(format) ? format : nil
    }

    private func getMessage(_ id: String, _ request: Request) -> Reply {
        guard let format = format(request) else {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Invalid value for format"))
        }
        guard let message = message(id) else {
            return Self.error(GmailError(status: 404, reason: "notFound", message: "Requested entity was not found."))
        }
        return .json(200, object: representation(message, format: format, metadataHeaders: request.queryItems["metadataHeaders"] ?? []))
    }

    private func getThread(_ id: String, _ request: Request) -> Reply {
        guard let format = format(request), format != "raw" else {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Invalid value for format"))
        }
        let messages = state.withLock { state in
            state.order.reversed().compactMap { state.messages[$0] }.filter { $0.threadId == id && $0.labelIds != ["DRAFT"] }
        }
        guard !messages.isEmpty else { return Self.error(GmailError(status: 404, reason: "notFound", message: "Requested entity was not found.")) }
        let headers = request.queryItems["metadataHeaders"] ?? []
        return .json(
            200,
            object: ["id": id, "historyId": "4820300", "messages": messages.map { representation($0, format: format, metadataHeaders: headers) }])
    }

    private func labels() -> Reply {
        let system = ["INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT"]
        var labels: [[String: Any]] = system.map { ["id": $0, "name": $0, "type": "system"] }
        labels.append(["id": "Label_1", "name": "Leads", "type": "user", "messageListVisibility": "show", "labelListVisibility": "labelShow"])
        return .json(200, object: ["labels": labels])
    }

    private func watch(_ request: Request) -> Reply {
        guard let body = request.json as? [String: Any], let topic = body["topicName"] as? String else {
            return Self.error(
                GmailError(
                    status: 400, reason: "invalidArgument", message: "Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC"))
        }
        guard topic.range(of: "^projects/[^/]+/topics/[^/]+$", options: .regularExpression) != nil else {
            return Self.error(
                GmailError(
                    status: 400, reason: "invalidArgument", message: "Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC"))
        }
        if let behavior = body["labelFilterBehavior"] as? String, !["include", "exclude"].contains(behavior) {
            return Self.error(GmailError(status: 400, reason: "invalidArgument", message: "Invalid value at 'label_filter_behavior'"))
        }
        return .json(200, object: ["historyId": "4820313", "expiration": "1772984800000"])
    }

    // MARK: - Helpers

    private static func nextID(_ state: inout State) -> String {
        state.sequence += 1
        return String(format: "18e0f3a2%08x", state.sequence)
    }

    static func baseSubject(_ subject: String?) -> String {
        var s = (subject ?? "").lowercased()
        while s.hasPrefix("re: ") || s.hasPrefix("fwd: ") { s = String(s.drop { $0 != " " }.dropFirst()) }
        return s
    }

    private static func error(_ error: GmailError) -> Reply {
        var headers = HTTPHeaders()
        for (name, value) in error.headers { headers.add(name: name, value: value) }
        return .json(
            error.status,
            object: [
                "error": [
                    "code": error.status, "message": error.message,
                    "errors": [["domain": error.domain, "reason": error.reason, "message": error.message]],
                ]
            ],
            headers: headers)
    }
}

extension Data {
    /// Decodes base64url (RFC 4648 §5), padded or not.
    init?(base64URLText text: String) {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        self.init(base64Encoded: standard)
    }
}
