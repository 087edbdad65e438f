// A fake of Lever's Data API (v1) and of its OAuth authorization server on loopback, following
// Lever's documentation — not what our connector definition assumes:
//
// - OAuth for partner integrations (https://hire.lever.co/developer/oauth): the customer's Super
//   Admin is sent to `https://auth.lever.co/authorize` with `client_id`, `redirect_uri`, `state`
//   (required, to be checked on the way back), `response_type=code`, `scope` (space-separated;
//   `offline_access` for a refresh token), `prompt=consent` and `audience=https://api.lever.co/v1/`
//   (the sandbox: `https://sandbox-lever.auth0.com/authorize`, audience
//   `https://api.sandbox.lever.co/v1/`, API `https://api.sandbox.lever.co/v1`); the redirect back
//   carries `code` and `state`. The code is exchanged at `POST https://auth.lever.co/oauth/token`
//   with `grant_type=authorization_code`, `client_id`, `client_secret`, `redirect_uri`, `code`; the
//   answer is `{access_token, refresh_token, token_type: "Bearer", scope, expires_in: 3600}`.
//   `grant_type=refresh_token` (with `client_id`, `client_secret`, `refresh_token`) answers a new
//   access token AND a new refresh token: the refresh token is single use (rotation). Without the
//   `audience` the consent covers `offline_access` only (the page's debugging notes, as summarised
//   in github.com/api-evangelist/lever-co authentication/lever-co-authentication.yml, which the
//   fake also follows for the one-hour `expires_in` and write scopes implying read).
// - Lever's authorization server is Auth0 (the sandbox host is `sandbox-lever.auth0.com`): token
//   errors are Auth0's `{error, error_description}` — 401 `access_denied` for a bad client, 403
//   `invalid_grant` for a bad code or refresh token, 400 `invalid_request`, 403
//   `unsupported_grant_type`; reusing a rotated refresh token revokes its whole family
//   (https://auth0.com/docs/api/authentication#get-token,
//   https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation).
// - The Data API (https://hire.lever.co/developer/documentation): base `https://api.lever.co/v1`,
//   HTTPS only, `Authorization: Bearer <access token>` for OAuth apps; every answer is JSON, a
//   resource in `{data: {…}}`, a list in `{data: […], hasNext, next}` where `next` (present while
//   `hasNext` is true) is an offset token sent back as `offset`, `limit` 1–100 (default 100).
//   Timestamps are milliseconds since the epoch, and so are the `*_at_start`/`*_at_end` filters.
//   Errors are `{code, message}` with the HTTP status (400 bad request, 401 bad credentials,
//   403 not permitted, 404 unknown resource, 429 too many requests, 5xx).
// - Rate limits (same page, "Rate limits"): a token bucket per API key or token, 10 requests a
//   second steady state with bursts up to 20; over it, 429. No `Retry-After` is documented.
// - `GET /opportunities` (filters `tag`, `email`, `origin`, `source`, `confidentiality`, `stage_id`,
//   `posting_id`, `archived_posting_id`, `created_at_start/end`, `updated_at_start/end`,
//   `advanced_at_start/end`, `archived_at_start/end`, `archived`, `archive_reason_id`, `snoozed`,
//   `contact_id`, each repeatable where it names ids; `expand` of `applications`, `stage`, `owner`,
//   `followers`, `sourcedBy`, `contact`), `GET /opportunities/:opportunity` (the same `expand`),
//   both needing `opportunities:read:admin`; `GET /postings` (`state` of published, internal,
//   closed, draft, pending, rejected; `team`, `department`, `location`, `commitment`, `level`,
//   `tag`, `confidentiality`, `updated_at_start/end`), needing `postings:read:admin`.
//
// Assumed where the references are silent: the error `code` strings (restify's, as Lever's API
// answers them: `BadRequestError`, `UnauthorizedError`, `ForbiddenError`, `ResourceNotFound`,
// `TooManyRequests`) and messages; a `limit` outside 1–100 and an unknown `expand`, `state` or
// malformed timestamp are 400s; lists newest first; the offset token's shape (a percent-encoded
// `[createdAt,"id"]`, recalled from Lever's example, not verified), valid only as handed out; the token bucket
// refilled continuously; no check of `redirect_uri` against the app's registered callbacks.

import Foundation
import HTTPFields
import Synchronization

/// Lever on loopback: the Data API (opportunities, postings) and its Auth0 authorization server
/// (consent, code exchange, rotating refresh tokens), Bearer tokens with scopes, Lever's
/// `{code, message}` errors and its 10-per-second token bucket.
///
/// Knobs: `authorize(_:)` (the consent screen), `issueToken(scopes:)`, `expire(token:)`,
/// `injectRateLimit(calls:retryAfter:)`, `addOpportunities(_:posting:)`, `bucketCapacity`.
public final class LeverFake: ServedFake {
    /// The production API audience the authorize request must name.
    public static let audience = "https://api.lever.co/v1/"
    /// The scopes our connector asks for.
    public static let defaultScopes: Set<String> = ["offline_access", "opportunities:read:admin", "postings:read:admin"]
    /// Seconds an access token lives (`expires_in`).
    public static let accessTokenLifetime = 3600

    /// An issued access token.
    struct Token: Sendable {
        var scopes: Set<String>
        var expired = false
    }

    /// A pending authorization code.
    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var used = false
    }

    /// A refresh token: its family (revoked together on reuse) and whether it was already used.
    struct Refresh: Sendable {
        var scopes: Set<String>
        var family: Int
        var used = false
    }

    /// A throttle scripted ahead of the bucket.
    struct Throttle: Sendable {
        var retryAfter: Int?
    }

    struct State: Sendable {
        var sequence = 0
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Refresh] = [:]
        var revokedFamilies: Set<Int> = []
        var buckets: [String: (level: Double, at: Date)] = [:]
        var opportunities: [Opportunity] = []
        var postings: [Posting] = []
    }

    public let server = FakeProviderServer()
    /// The registered app (client id and secret issued by Lever).
    public let app = FakeOAuthApp(
        clientID: "LvR7qk2mXcT9bH4nWfJ8sD3aP6yE1uZ0", clientSecret: "lever-fake-secret-9Qd2Kx7Vb4Tn8Mw3Rc6Hj1Zp5Ys0Lf",
        redirectURI: "https://app.example.test/oauth/callback/lever")
    let state = Mutex(State())
    let throttles = ScriptedFaults<Throttle>()
    /// Requests a burst may hold (20) and the steady refill a second (10).
    let bucket = Mutex((capacity: 20.0, perSecond: 10.0))

    /// Five opportunities over three postings and four postings (published, internal, closed, draft).
    public init() {
        state.withLock { state in
            state.postings = Self.seedPostings()
            state.opportunities = Self.seedOpportunities()
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "ServiceUnavailable", "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.lever.co` and `https://auth.lever.co`.
    public var baseURL: String { server.baseURL }
    /// The API base, `<baseURL>/v1`.
    public var apiBaseURL: String { baseURL + "/v1" }
    /// The token endpoint, `<baseURL>/oauth/token`.
    public var tokenURL: String { baseURL + "/oauth/token" }
    /// The authorize endpoint, `<baseURL>/authorize` (not served: `authorize(_:)` is the consent).
    public var authorizeURL: String { baseURL + "/authorize" }
    /// Every request to the token endpoint.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/token") }

    /// Every opportunity, newest first.
    public var opportunities: [Opportunity] { state.withLock { $0.opportunities }.sorted(by: Self.newestFirst) }
    /// Every posting.
    public var postings: [Posting] { state.withLock { $0.postings } }

    /// Sets the bucket: `capacity` requests in a burst, refilled by `perSecond`.
    public func setBucket(capacity: Double, perSecond: Double) { bucket.withLock { $0 = (capacity, perSecond) } }

    /// The next `calls` API requests are answered 429, with `Retry-After` when `retryAfter` is given.
    public func injectRateLimit(calls: Int = 1, retryAfter: Int? = nil) {
        throttles.add(Throttle(retryAfter: retryAfter), calls: calls)
    }

    // MARK: - Consent and tokens

    /// What the consent screen at `/authorize` does with the authorize URL's `query`: the redirect's
    /// query, `code` and `state`, or Auth0's `error` and `error_description` (and `state`). A
    /// request without the audience is granted `offline_access` only.
    public func authorize(_ query: [String: String]) -> [String: String] {
        var answer: [String: String] = [:]
        if let given = query["state"] { answer["state"] = given }
        func refuse(_ error: String, _ description: String) -> [String: String] {
            answer["error"] = error
            answer["error_description"] = description
            return answer
        }
        guard query["client_id"] == app.clientID else { return refuse("unauthorized_client", "Unknown client") }
        guard query["response_type"] == "code" else { return refuse("unsupported_response_type", "Unsupported response type") }
        guard let redirect = query["redirect_uri"], !redirect.isEmpty else { return refuse("invalid_request", "Missing redirect_uri") }
        guard let given = query["state"], !given.isEmpty else { return refuse("invalid_request", "Missing required parameter: state") }
        let asked = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        let scopes = query["audience"] == Self.audience ? asked : asked.intersection(["offline_access"])
        let code = state.withLock { state -> String in
            state.sequence += 1
            let code = "lvr-code-\(state.sequence)-" + UUID().uuidString.prefix(8).lowercased()
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirect)
            return code
        }
        answer["code"] = code
        return answer
    }

    /// An access token for `scopes`, issued without the OAuth dance.
    public func issueToken(scopes: Set<String> = LeverFake.defaultScopes) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes) }
    }

    /// The access token stops working (it expired): the API answers 401.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// Whether an access token is known and not expired.
    public func isValid(token: String) -> Bool { state.withLock { $0.tokens[token].map { !$0.expired } ?? false } }

    /// Every refresh token handed out so far, used or not.
    public var issuedRefreshTokens: [String] { state.withLock { Array($0.refreshTokens.keys) } }

    /// Whether a refresh token would still be accepted.
    public func isValid(refreshToken: String) -> Bool {
        state.withLock { state in
            guard let refresh = state.refreshTokens[refreshToken] else { return false }
            return !refresh.used && !state.revokedFamilies.contains(refresh.family)
        }
    }

    static func mintAccess(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "eyJhbGciOiJSUzI1NiJ9.lever-fake-\(state.sequence)." + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        state.tokens[token] = Token(scopes: scopes)
        return token
    }

    static func mintRefresh(_ state: inout State, scopes: Set<String>, family: Int?) -> String {
        state.sequence += 1
        let token = "v1.MRrt-lever-\(state.sequence)-" + UUID().uuidString.lowercased()
        state.refreshTokens[token] = Refresh(scopes: scopes, family: family ?? state.sequence)
        return token
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        if request.path == "/oauth/token" {
            return request.method == "POST" ? token(request) : Self.oauthError(405, "invalid_request", "Method not allowed")
        }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 3, segments[0].isEmpty, segments[1] == "v1" else {
            return Self.error(404, "ResourceNotFound", "\(request.path) does not exist")
        }
        let route = Array(segments.dropFirst(2))
        let scope: String
        switch (request.method, route) {
        case ("GET", let path) where path.first == "opportunities" && path.count <= 2 && path.last?.isEmpty == false:
            scope = "opportunities:read:admin"
        case ("GET", ["postings"]): scope = "postings:read:admin"
        default: return Self.error(404, "ResourceNotFound", "\(request.method) \(request.path) does not exist")
        }
        guard let header = request.header("Authorization"), header.lowercased().hasPrefix("bearer ") else {
            return Self.error(401, "UnauthorizedError", "Missing or invalid Authorization header")
        }
        let value = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = state.withLock({ $0.tokens[value] }) else { return Self.error(401, "UnauthorizedError", "Invalid token") }
        guard !token.expired else { return Self.error(401, "UnauthorizedError", "Token expired") }
        if let throttle = throttles.take() { return Self.throttled(retryAfter: throttle.retryAfter) }
        guard take(from: value) else { return Self.throttled(retryAfter: nil) }
        guard token.scopes.contains(scope) || token.scopes.contains(scope.replacingOccurrences(of: ":read:", with: ":write:")) else {
            return Self.error(403, "ForbiddenError", "Token is missing the \(scope) scope")
        }
        switch route {
        case ["opportunities"]: return listOpportunities(request)
        case ["postings"]: return listPostings(request)
        default: return getOpportunity(route[1], request)
        }
    }

    /// One request from the token's bucket; false when it is empty.
    private func take(from token: String) -> Bool {
        let (capacity, perSecond) = bucket.withLock { $0 }
        return state.withLock { state in
            let now = Date()
            let current = state.buckets[token] ?? (capacity, now)
            let level = min(capacity, current.level + now.timeIntervalSince(current.at) * perSecond)
            guard level >= 1 else {
                state.buckets[token] = (level, now)
                return false
            }
            state.buckets[token] = (level - 1, now)
            return true
        }
    }

    // MARK: - POST /oauth/token

    /// The token endpoint: a form (or JSON) body with the client in `client_id`/`client_secret`.
    func token(_ request: Request) -> Reply {
        var form: [String: String] = [:]
        let type = request.header("Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            for (name, values) in request.formItems { form[name] = values.last }
        } else if type.hasPrefix("application/json"), let object = request.json as? [String: Any] {
            for (name, value) in object { if let text = value as? String { form[name] = text } }
        } else {
            return Self.oauthError(400, "invalid_request", "Unsupported content type")
        }
        guard form["client_id"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return Self.oauthError(401, "access_denied", "Unauthorized")
        }
        switch form["grant_type"] {
        case "authorization_code":
            return state.withLock { state -> Reply in
                guard let code = form["code"], let grant = state.grants[code], !grant.used else {
                    return Self.oauthError(403, "invalid_grant", "Invalid authorization code")
                }
                guard form["redirect_uri"] == grant.redirectURI else {
                    return Self.oauthError(403, "invalid_grant", "Redirect URI mismatch.")
                }
                state.grants[code]?.used = true
                var body: [String: Any] = [
                    "access_token": Self.mintAccess(&state, scopes: grant.scopes), "token_type": "Bearer",
                    "expires_in": Self.accessTokenLifetime, "scope": grant.scopes.sorted().joined(separator: " "),
                ]
                if grant.scopes.contains("offline_access") {
                    body["refresh_token"] = Self.mintRefresh(&state, scopes: grant.scopes, family: nil)
                }
                return .json(200, object: body)
            }
        case "refresh_token":
            return state.withLock { state -> Reply in
                guard let given = form["refresh_token"], let refresh = state.refreshTokens[given],
                    !state.revokedFamilies.contains(refresh.family)
                else { return Self.oauthError(403, "invalid_grant", "Unknown or invalid refresh token.") }
                guard !refresh.used else {
                    // Reuse of a rotated token: the whole family is revoked.
                    state.revokedFamilies.insert(refresh.family)
                    return Self.oauthError(403, "invalid_grant", "Unknown or invalid refresh token.")
                }
                state.refreshTokens[given]?.used = true
                return .json(
                    200,
                    object: [
                        "access_token": Self.mintAccess(&state, scopes: refresh.scopes), "token_type": "Bearer",
                        "expires_in": Self.accessTokenLifetime, "scope": refresh.scopes.sorted().joined(separator: " "),
                        "refresh_token": Self.mintRefresh(&state, scopes: refresh.scopes, family: refresh.family),
                    ])
            }
        default:
            return Self.oauthError(403, "unsupported_grant_type", "Unsupported grant type: \(form["grant_type"] ?? "")")
        }
    }

    // MARK: - Answers

    /// Lever's error: `{code, message}` with the status.
    static func error(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, object: ["code": code, "message": message])
    }

    /// 429 `TooManyRequests`, with `Retry-After` only when scripted.
    static func throttled(retryAfter: Int?) -> Reply {
        var headers = HTTPHeaders()
        if let retryAfter { headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter)) }
        return .json(429, object: ["code": "TooManyRequests", "message": "Rate limit exceeded"], headers: headers)
    }

    /// Auth0's token error.
    static func oauthError(_ status: Int, _ error: String, _ description: String) -> Reply {
        .json(status, object: ["error": error, "error_description": description])
    }
}
