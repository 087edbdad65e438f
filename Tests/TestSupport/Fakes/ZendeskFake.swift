// A fake of one Zendesk Support account (https://{subdomain}.zendesk.com) on loopback, following
// Zendesk's documentation — not what our connector definition (configs/connectors/zendesk.json)
// assumes:
//
// - OAuth authorization (GET /oauth/authorizations/new with response_type=code, redirect_uri,
//   client_id, scope — space-separated: read, write, impersonate or <resource>:<read|write> such as
//   tickets:read, users:read —, state, and for PKCE code_challenge with code_challenge_method S256;
//   the code is valid for 120 seconds):
//   https://support.zendesk.com/hc/en-us/articles/4408845965210 (Using OAuth authentication with
//   your application), https://developer.zendesk.com/documentation/ticketing/working-with-oauth/oauth-pkce/
// - Tokens (POST /oauth/tokens; "the POST request takes the following parameters, which must be
//   formatted as JSON": grant_type authorization_code with code, client_id, client_secret,
//   redirect_uri, scope and code_verifier, or refresh_token with refresh_token, client_id,
//   client_secret; optional expires_in (300–172,800 s) and refresh_token_expires_in (604,800–7,776,000 s,
//   default 2,592,000); a refresh returns a new refresh token and deletes the previous access and
//   refresh tokens; clients created after 2026-04-30 get 30-minute access tokens by default):
//   https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/,
//   https://developer.zendesk.com/documentation/api-basics/authentication/refresh-token,
//   https://support.zendesk.com/hc/en-us/articles/9182123625370 (refresh token grant type and
//   token expirations). Token errors are RFC 6749 §5.2 bodies, 400 {"error": "invalid_grant",
//   "error_description"} (https://nango.dev/blog/zendesk-oauth-refresh-token-invalid-grant,
//   https://www.rfc-editor.org/rfc/rfc6749#section-5.2); Zendesk does not document the answer to a
//   body that is not JSON: the fake answers 400 invalid_request in the same shape.
// - Bearer errors: 401 {"error": "invalid_token", "error_description": "The access token provided
//   is expired, revoked, malformed or invalid for other reasons."}; without any credential 401
//   {"error": "Couldn't authenticate you"}; a scope the token lacks is 403 {"error": "Forbidden",
//   "description"}: https://developer.zendesk.com/api-reference/introduction/security-and-auth/,
//   https://developer.zendesk.com/api-reference/introduction/requests/ (errors)
// - Errors ({"error", "description", "details": {field: [{"description", "error"}]}}: 422
//   RecordInvalid "Record validation errors", 404 RecordNotFound "Not found", 400
//   InvalidPaginationParameter): https://developer.zendesk.com/api-reference/introduction/requests/
// - Users (GET /api/v2/users/me → {"user": {id, url, name, email, role, …}}):
//   https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user
// - Tickets (POST /api/v2/tickets {"ticket": {subject, comment: {body|html_body, public}, priority
//   urgent|high|normal|low, type problem|incident|question|task, requester: {name, email, locale_id},
//   tags}} → 201 with the ticket, status "new", and a Location header; GET /api/v2/tickets/{id};
//   GET /api/v2/tickets with cursor pagination — page[size] ≤ 100, page[after], page[before];
//   {tickets, meta: {has_more, after_cursor, before_cursor}, links: {next, prev}}; with cursor
//   pagination the sort parameter takes id, status, updated_at, each optionally prefixed with -):
//   https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/,
//   https://developer.zendesk.com/api-reference/introduction/pagination/,
//   https://developer.zendesk.com/documentation/api-basics/pagination/paginating-through-lists-using-cursor-pagination/
// - Search (GET /api/v2/search?query&sort_by&sort_order&per_page&page → {results (each with
//   result_type), facets, next_page, previous_page, count}; at most 100 per page and 1,000 per
//   query, a page past it is 422; count is the true total):
//   https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/,
//   https://support.zendesk.com/hc/en-us/community/posts/4409222763930 (the 422's description)
// - Rate limits (X-Rate-Limit, X-Rate-Limit-Remaining, ratelimit-limit, ratelimit-remaining,
//   ratelimit-reset on every answer; zendesk-ratelimit-tickets-index on ticket lists; over the
//   limit 429 with Retry-After and a plain-text body, "Number of allowed API requests per minute
//   exceeded"): https://developer.zendesk.com/api-reference/introduction/rate-limits/,
//   https://developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting,
//   https://support.zendesk.com/hc/en-us/community/posts/4600766234138
//
// Served on 127.0.0.1, the fake cannot see the account's host name: it stands for one subdomain,
// `ZendeskFake.subdomain`. Paths are taken with or without Zendesk's `.json` suffix.

public import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// One Zendesk Support account on loopback: OAuth (consent, code exchange with PKCE, rotating
/// refresh tokens), `GET /api/v2/users/me`, `POST /api/v2/tickets`, `GET /api/v2/tickets/{id}`,
/// `GET /api/v2/tickets` (cursor and offset pagination) and `GET /api/v2/search`.
///
/// Only tokens it issued work, for their scopes and until they expire or are rotated away;
/// codes are single use, bound to their redirect URI and PKCE challenge. Knobs:
/// `expire(token:)`, `revoke(token:)`, `injectRateLimit(retryAfter:count:)`,
/// `failNext(status:error:description:count:)`.
public final class ZendeskFake: ServedFake {
    /// The account's subdomain the fake stands for.
    public static let subdomain = "neonhub-demo"
    /// The OAuth client registered in Admin Center (identifier and secret as Zendesk shows them).
    public static let defaultApp = FakeOAuthApp(
        clientID: "neonhub_integration", clientSecret: "5f0c6d2a9b8e4f17a3c2d1e0b9a8f7e6d5c4b3a29180f7e6d5c4b3a2918070f6",
        redirectURI: "http://127.0.0.1/oauth/callback/zendesk")
    /// The scopes of `configs/connectors/zendesk.json`.
    public static let defaultScopes: Set<String> = ["tickets:read", "tickets:write", "users:read"]
    /// The authenticated user's id (`users/me`).
    public static let meID = 9_000_001
    /// Zendesk's 401 body for an unknown, expired or revoked bearer token.
    public static let invalidTokenBody: [String: String] = [
        "error": "invalid_token",
        "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons.",
    ]
    /// The body of an account-wide 429 (plain text).
    public static let rateLimitText = "Number of allowed API requests per minute exceeded"

    /// A ticket as the store holds it.
    public struct Ticket: Sendable, Equatable {
        /// The ticket id.
        public var id: Int
        /// The subject.
        public var subject: String
        /// The first comment's text (the ticket's description).
        public var description: String
        /// new, open, pending, hold, solved or closed.
        public var status: String
        /// urgent, high, normal, low or nil.
        public var priority: String?
        /// problem, incident, question, task or nil.
        public var type: String?
        /// The requester's user id.
        public var requesterID: Int
        /// The tags.
        public var tags: [String]
        /// Whether the first comment is public.
        public var isPublic: Bool
        /// ISO 8601 creation time.
        public var createdAt: String
        /// ISO 8601 time of the last change.
        public var updatedAt: String

        /// A ticket.
        public init(
            id: Int, subject: String, description: String, status: String, priority: String?, type: String?, requesterID: Int,
            tags: [String], isPublic: Bool = true, createdAt: String, updatedAt: String
        ) {
            self.id = id
            self.subject = subject
            self.description = description
            self.status = status
            self.priority = priority
            self.type = type
            self.requesterID = requesterID
            self.tags = tags
            self.isPublic = isPublic
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    /// A user (the authenticated agent and the requesters).
    public struct User: Sendable, Equatable {
        /// The user id.
        public var id: Int
        /// The name.
        public var name: String
        /// The email address.
        public var email: String
        /// end-user, agent or admin.
        public var role: String
    }

    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var challenge: String?
        var challengeMethod: String?
        var issuedAt: Date
        var used = false
    }

    struct Token: Sendable {
        var scopes: Set<String>
        var expiresAt: Date?
        var revoked = false
    }

    struct Refresh: Sendable {
        var scopes: Set<String>
        var access: String
        var expiresAt: Date
        var revoked = false
    }

    enum Fault: Sendable {
        case rateLimited(retryAfter: Int)
        case failure(status: Int, error: String, description: String)
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Refresh] = [:]
        var tickets: [Ticket]
        var users: [User]
        var window: [Date] = []
        var sequence = 0
        var clock = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The OAuth client.
    public let app: FakeOAuthApp
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()
    /// The account-wide limit per minute (Growth and Professional plans: 400).
    let limitPerMinute = 400

    /// An account holding `tickets` (250 seeded ones by default), the authenticated admin and 25 requesters.
    public init(app: FakeOAuthApp = defaultApp, tickets: [Ticket] = ZendeskFake.tickets(count: 250)) {
        self.app = app
        var users = [User(id: Self.meID, name: "Ada Admin", email: "ada.admin@example.com", role: "admin")]
        users += (0..<25).map { User(id: 20_000 + $0, name: "Requester \($0 + 1)", email: "requester\($0 + 1)@example.com", role: "end-user") }
        state = Mutex(State(tickets: tickets, users: users))
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "ServiceUnavailable", "description": "fake gone"])
        }
    }

    // MARK: - Addresses and knobs

    /// `http://127.0.0.1:<port>`: stands for `https://neonhub-demo.zendesk.com`.
    public var baseURL: String { server.baseURL }
    /// The API base (`…/api/v2`), what the definition's `baseUrl` names.
    public var apiBaseURL: String { "\(baseURL)/api/v2" }
    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/oauth/tokens" }
    /// The consent screen.
    public var authorizeURL: String { "\(baseURL)/oauth/authorizations/new" }

    /// An access token for `scopes` lasting `lifetime` (nil: does not expire), issued without the OAuth dance.
    public func issueToken(scopes: Set<String> = ZendeskFake.defaultScopes, lifetime: TimeInterval? = 1800) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes, lifetime: lifetime) }
    }

    /// From now on `token` (an access or a refresh token) is past its expiry.
    public func expire(token: String) {
        state.withLock { state in
            state.tokens[token]?.expiresAt = Date().addingTimeInterval(-1)
            state.refreshTokens[token]?.expiresAt = Date().addingTimeInterval(-1)
        }
    }

    /// From now on `token` (an access or a refresh token) is revoked.
    public func revoke(token: String) {
        state.withLock { state in
            state.tokens[token]?.revoked = true
            state.refreshTokens[token]?.revoked = true
        }
    }

    /// Every refresh token issued so far is revoked (the grant was removed in Admin Center).
    public func revokeRefreshTokens() {
        state.withLock { state in
            for token in state.refreshTokens.keys { state.refreshTokens[token]?.revoked = true }
        }
    }

    /// Whether `token` is a refresh token that still works.
    public func isValid(refreshToken token: String) -> Bool {
        state.withLock { state in state.refreshTokens[token].map { !$0.revoked && $0.expiresAt > Date() } ?? false }
    }

    /// The next `count` API calls answer 429 with `Retry-After: retryAfter` and the plain-text body.
    public func injectRateLimit(retryAfter: Int = 93, count: Int = 1) {
        faults.add(.rateLimited(retryAfter: retryAfter), calls: count)
    }

    /// The next `count` API calls answer `status` with `{"error": error, "description": description}`.
    public func failNext(status: Int, error: String, description: String, count: Int = 1) {
        faults.add(.failure(status: status, error: error, description: description), calls: count)
    }

    /// The tickets in the store, seeded and created, in id order.
    public var tickets: [Ticket] { state.withLock { $0.tickets } }
    /// The users of the account.
    public var users: [User] { state.withLock { $0.users } }
    /// The requests made to `POST /oauth/tokens`.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/tokens") }

    /// The requests made with `method` to `path` (without `.json`; `*` matches one segment).
    public func requests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] {
        let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
        return server.requests.filter { request in
            let segments = Self.normalized(request.path).split(separator: "/", omittingEmptySubsequences: false)
            return request.method == method && segments.count == pattern.count && zip(pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    enum Route {
        case me, createTicket, listTickets, search
        case ticket(String)

        /// The scopes any one of which lets a token call the route.
        var scopes: Set<String> {
            switch self {
            case .me: ["read", "users:read"]
            case .createTicket: ["write", "tickets:write"]
            case .listTickets, .ticket, .search: ["read", "tickets:read"]
            }
        }
    }

    /// The path without a trailing slash or `.json`.
    static func normalized(_ path: String) -> String {
        var path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if path.hasSuffix(".json") { path = String(path.dropLast(5)) }
        return path
    }

    private func handle(_ request: Request) -> Reply {
        let path = Self.normalized(request.path)
        if path == "/oauth/tokens" {
            guard request.method == "POST" else { return zendeskError(404, "InvalidEndpoint", "Not found") }
            return token(request)
        }
        let route: Route
        switch (request.method, path) {
        case ("GET", "/api/v2/users/me"): route = .me
        case ("POST", "/api/v2/tickets"): route = .createTicket
        case ("GET", "/api/v2/tickets"): route = .listTickets
        case ("GET", "/api/v2/search"): route = .search
        case ("GET", _) where path.hasPrefix("/api/v2/tickets/") && !path.dropFirst(16).contains("/"): route = .ticket(String(path.dropFirst(16)))
        default: return zendeskError(404, "InvalidEndpoint", "Not found")
        }
        if let refused = authenticate(request, scopes: route.scopes) { return refused }
        var headers = rateHeaders()
        if case .listTickets = route {
            headers.add(name: "zendesk-ratelimit-tickets-index", value: "total=100; remaining=99; resets=\(secondsToMinuteEnd())")
        }
        if let fault = faults.take() {
            switch fault {
            case .rateLimited(let retryAfter):
                headers.replaceOrAdd(name: "X-Rate-Limit-Remaining", value: "0")
                headers.replaceOrAdd(name: "ratelimit-remaining", value: "0")
                headers.add(name: "Retry-After", value: String(retryAfter))
                headers.add(name: "Content-Type", value: "text/plain")
                return Reply(status: 429, headers: headers, body: Array(Self.rateLimitText.utf8))
            case .failure(let status, let error, let description):
                return zendeskError(status, error, description, headers: headers)
            }
        }
        var reply: Reply
        switch route {
        case .me: reply = me()
        case .createTicket: reply = createTicket(request)
        case .listTickets: reply = listTickets(request)
        case .ticket(let id): reply = showTicket(id)
        case .search: reply = search(request)
        }
        for field in headers { reply.headers.replaceOrAdd(name: field.name, value: field.value) }
        return reply
    }

    private func secondsToMinuteEnd() -> Int { 60 - Int(Date().timeIntervalSince1970) % 60 }

    /// The account-wide limit of the current minute, with Zendesk's two header families.
    private func rateHeaders() -> HTTPHeaders {
        let now = Date()
        let used = state.withLock { state -> Int in
            state.window = state.window.filter { now.timeIntervalSince($0) < 60 } + [now]
            return state.window.count
        }
        let remaining = String(max(0, limitPerMinute - used))
        var headers = HTTPHeaders()
        headers.add(name: "X-Rate-Limit", value: String(limitPerMinute))
        headers.add(name: "X-Rate-Limit-Remaining", value: remaining)
        headers.add(name: "ratelimit-limit", value: String(limitPerMinute))
        headers.add(name: "ratelimit-remaining", value: remaining)
        headers.add(name: "ratelimit-reset", value: String(secondsToMinuteEnd()))
        return headers
    }

    // MARK: - Pieces

    static let seedEpoch = Date(timeIntervalSince1970: 1_767_603_600)  // 2026-01-05T09:00:00Z

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Zendesk's error body: `{"error", "description"}` plus `details` when given.
    func zendeskError(
        _ status: Int, _ error: String, _ description: String, details: [String: Any]? = nil, headers: HTTPHeaders = HTTPHeaders()
    ) -> Reply {
        var body: [String: Any] = ["error": error, "description": description]
        if let details { body["details"] = details }
        return .json(status, object: body, headers: headers)
    }
}
