// A fake of Reddit's OAuth endpoints (www.reddit.com/api/v1) and OAuth API host
// (oauth.reddit.com) on loopback, following the documentation — not what our connector
// definition assumes:
//
// - OAuth2 (web app flow: authorize with duration=permanent, the code exchanged at
//   /api/v1/access_token with HTTP Basic client id:secret and a form body; bearer tokens for
//   oauth.reddit.com; 1-hour access tokens; refresh with grant_type=refresh_token):
//   https://github.com/reddit-archive/reddit/wiki/OAuth2
// - API rules (a unique, descriptive User-Agent `<platform>:<app ID>:<version string> (by
//   /u/<reddit username>)` on every request, generic ones throttled; X-Ratelimit-Used,
//   X-Ratelimit-Remaining, X-Ratelimit-Reset on every answer; 100 queries per minute per
//   client id): https://github.com/reddit-archive/reddit/wiki/API and
//   https://support.reddithelp.com/hc/en-us/articles/16160319875092-Reddit-Data-API-Wiki
// - API reference (/api/v1/me, /subreddits/mine/{where}, /api/submit with api_type=json and
//   json.errors [[CODE, message, field]] answered with HTTP 200, /api/del, /api/info,
//   /user/{username}/submitted, Listings with after/before/limit): https://www.reddit.com/dev/api/
// - Error shapes ({message, error} for HTTP errors): https://www.reddit.com/r/redditdev/wiki/api/errors
//
// A token without the endpoint's scope is refused with 403 in the {message, error} shape (the
// reference names the scope per endpoint but gives no body for the refusal).

import Foundation
import HTTPFields
import Synchronization

/// Reddit on loopback: the token endpoint (authorization code and refresh token grants), the
/// identity, the user's subreddits, submitting and deleting posts, reading them by fullname and
/// the user's submissions. Tokens it issued are the only ones accepted; posts it created are
/// listed and deletable. Every API request must carry a Reddit-style User-Agent. Knobs:
/// `expire(token:)`, `injectRateLimit(calls:)`, `injectSubmitErrors(_:)`, `answerNextSubmitLate(after:)`.
public final class RedditFake: ServedFake {
    /// The app registered with Reddit (a "web app").
    public static let defaultApp = FakeOAuthApp(
        clientID: "p-jcoLKBynTLew", clientSecret: "gko_LXELoV07ZBNUXrvWZfzE3aI", redirectURI: "http://127.0.0.1/oauth/reddit/callback")
    /// A User-Agent as Reddit's API rules ask for it.
    public static let userAgent = "server:com.example.neonhub:v1.2.3 (by /u/neonhub_dev)"
    /// The authorizing user.
    public static let username = "neonhub"
    /// A subreddit the user subscribes to.
    public struct Subreddit: Sendable {
        /// The display name (`NeonHubDemo`).
        public var name: String
        /// `t5_…`.
        public var fullname: String
        /// `any`, `link` or `self`.
        public var type: String
    }

    /// The subreddits every fake has, in listing order.
    public static let defaultSubreddits = [
        Subreddit(name: "NeonHubDemo", fullname: "t5_2qh1i", type: "any"), Subreddit(name: "Coffee", fullname: "t5_2qhze", type: "any"),
        Subreddit(name: "pics", fullname: "t5_2qh0u", type: "link"),
    ]
    /// The scopes the definition asks for.
    public static let defaultScopes: Set<String> = ["identity", "submit", "read", "mysubreddits", "edit", "history"]

    /// A post as the fake keeps it.
    public struct Post: Sendable {
        /// The base-36 id (the fullname without `t3_`).
        public var id: String
        /// The subreddit's display name.
        public var subreddit: String
        /// `self` or `link`.
        public var kind: String
        /// The title.
        public var title: String
        /// The text of a self post.
        public var text: String
        /// The URL of a link post.
        public var url: String?
        /// `t3_<id>`.
        public var fullname: String { "t3_\(id)" }
    }

    private struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var permanent: Bool
        var used = false
    }

    private struct Token: Sendable {
        var scopes: Set<String>
        var expired = false
    }

    private struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Set<String>] = [:]
        var posts: [Post] = []
        var used = 0
        var rateLimitedCalls = 0
        var submitErrors: [[String]] = []
        var lateSubmits: [Duration] = []
        var sequence = 0
        var lastToken: String?
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: FakeOAuthApp
    /// The user's subreddits, in listing order.
    public let subreddits: [Subreddit]
    /// Seconds until the rate-limit window ends, as reported.
    public let windowSeconds = 412
    private let state = Mutex(State())

    /// A fake for `app` whose user also subscribes to `extraSubreddits` more (to page through).
    public init(app: FakeOAuthApp = defaultApp, extraSubreddits: Int = 0) {
        self.app = app
        self.subreddits =
            Self.defaultSubreddits
            + (0..<max(0, extraSubreddits)).map { Subreddit(name: "Extra\($0)", fullname: "t5_x\(String($0, radix: 36))", type: "any") }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["message": "Service Unavailable", "error": 503])
        }
    }

    /// `http://127.0.0.1:<port>`: stands for both `https://oauth.reddit.com` and `https://www.reddit.com`.
    public var baseURL: String { server.baseURL }
    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/api/v1/access_token" }

    // MARK: - Knobs

    /// What the consent screen does with the authorize URL's `query`: a code for its scopes
    /// (space- or comma-separated), nil when it is not a valid request.
    public func authorize(_ query: [String: String]) -> String? {
        guard query["response_type"] == "code", query["client_id"] == app.clientID, query["state"]?.isEmpty == false,
            let redirect = query["redirect_uri"], let duration = query["duration"], ["temporary", "permanent"].contains(duration)
        else { return nil }
        let scopes = Set((query["scope"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
        return state.withLock { state in
            state.sequence += 1
            let code = "Xq0fakecode\(state.sequence)"
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirect, permanent: duration == "permanent")
            return code
        }
    }

    /// An access token issued without the OAuth dance.
    public func issueAccessToken(scopes: Set<String> = RedditFake.defaultScopes) -> String {
        state.withLock { Self.mint(&$0, scopes: scopes) }
    }

    /// From now on `token` answers 401.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// The next `calls` API calls answer 429 with the window spent.
    public func injectRateLimit(calls: Int = 1) { state.withLock { $0.rateLimitedCalls += calls } }

    /// The next submit answers HTTP 200 with these `json.errors` ([CODE, message, field]).
    public func injectSubmitErrors(_ errors: [[String]]) { state.withLock { $0.submitErrors = errors } }

    /// The next submit creates the post but answers only after `delay` (the answer lost).
    public func answerNextSubmitLate(after delay: Duration) { state.withLock { $0.lateSubmits.append(delay) } }

    /// The access token issued last (by the token endpoint or `issueAccessToken`).
    public var lastAccessToken: String? { state.withLock { $0.lastToken } }

    /// Refresh grants the token endpoint has answered.
    public var refreshGrants: Int {
        requests.filter { $0.path == "/api/v1/access_token" && $0.formItems["grant_type"] == ["refresh_token"] }.count
    }

    /// The posts that exist, oldest first.
    public var posts: [Post] { state.withLock { $0.posts } }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    /// Whether `agent` has the documented shape `<platform>:<app ID>:<version> (by /u/<username>)`.
    public static func isDescriptive(_ agent: String?) -> Bool {
        guard let agent, let open = agent.range(of: " (by /u/"), agent.hasSuffix(")") else { return false }
        let head = agent[agent.startIndex..<open.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
        let user = agent[open.upperBound..<agent.index(before: agent.endIndex)]
        return head.count == 3 && head.allSatisfy { !$0.isEmpty && !$0.contains(" ") } && !user.isEmpty
            && user.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    private func handle(_ request: Request) -> Reply {
        if request.path == "/api/v1/access_token" {
            // The token endpoint is on www.reddit.com; the fake only asks it for some User-Agent.
            guard request.header("User-Agent")?.isEmpty == false else { return error(429, "Too Many Requests") }
            return request.method == "POST" ? accessToken(request) : error(405, "Method Not Allowed")
        }
        // Generic User-Agents are throttled on the API host: the fake refuses any that is not descriptive.
        guard Self.isDescriptive(request.header("User-Agent")) else { return error(429, "Too Many Requests") }
        guard let auth = request.header("Authorization"), auth.lowercased().hasPrefix("bearer ") else { return unauthorized() }
        guard let token = state.withLock({ $0.tokens[String(auth.dropFirst(7))] }), !token.expired else { return unauthorized() }
        let used = state.withLock { state -> Int? in
            if state.rateLimitedCalls > 0 {
                state.rateLimitedCalls -= 1
                return nil
            }
            state.used += 1
            return state.used
        }
        guard let used else {
            var reply = error(429, "Too Many Requests")
            for (name, value) in rateHeaders(used: 100) { reply.headers.replaceOrAdd(name: name, value: value) }
            return reply
        }
        var reply = route(request, token: token)
        for (name, value) in rateHeaders(used: used) { reply.headers.replaceOrAdd(name: name, value: value) }
        return reply
    }

    private func route(_ request: Request, token: Token) -> Reply {
        func need(_ scope: String) -> Reply? { token.scopes.contains(scope) ? nil : error(403, "Forbidden") }
        let segments = request.path.split(separator: "/").map(String.init)
        switch (request.method, segments) {
        case ("GET", ["api", "v1", "me"]):
            return need("identity") ?? me()
        case ("GET", let path) where path.count == 3 && path[0] == "subreddits" && path[1] == "mine":
            return need("mysubreddits") ?? mine(request, where: path[2])
        case ("POST", ["api", "submit"]):
            return need("submit") ?? submit(request)
        case ("POST", ["api", "del"]):
            return need("edit") ?? delete(request)
        case ("GET", ["api", "info"]):
            return need("read") ?? info(request)
        case ("GET", let path) where path.count == 3 && path[0] == "user" && path[2] == "submitted":
            return need("history") ?? submitted(request, user: path[1])
        default:
            return error(404, "Not Found")
        }
    }

    // MARK: - OAuth

    private func accessToken(_ request: Request) -> Reply {
        let expected = "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
        guard request.header("Authorization") == expected else { return error(401, "Unauthorized") }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .json(400, object: ["error": "unsupported_grant_type"])
        }
        let form = request.formItems.compactMapValues(\.last)
        switch form["grant_type"] {
        case "authorization_code":
            let answer = state.withLock { state -> [String: Any]? in
                guard let code = form["code"], let grant = state.grants[code], !grant.used, grant.redirectURI == form["redirect_uri"] else {
                    return nil
                }
                state.grants[code]?.used = true
                var answer = Self.tokenAnswer(&state, scopes: grant.scopes)
                if grant.permanent {
                    state.sequence += 1
                    let refresh = "\(state.sequence)-fakeRefreshToken"
                    state.refreshTokens[refresh] = grant.scopes
                    answer["refresh_token"] = refresh
                }
                return answer
            }
            guard let answer else { return .json(400, object: ["error": "invalid_grant"]) }
            return .json(200, object: answer)
        case "refresh_token":
            let answer = state.withLock { state -> [String: Any]? in
                guard let refresh = form["refresh_token"], let scopes = state.refreshTokens[refresh] else { return nil }
                return Self.tokenAnswer(&state, scopes: scopes)
            }
            guard let answer else { return .json(400, object: ["error": "invalid_grant"]) }
            return .json(200, object: answer)
        default:
            return .json(400, object: ["error": "unsupported_grant_type"])
        }
    }

    private static func tokenAnswer(_ state: inout State, scopes: Set<String>) -> [String: Any] {
        ["access_token": mint(&state, scopes: scopes), "token_type": "bearer", "expires_in": 3600, "scope": scopes.sorted().joined(separator: " ")]
    }

    private static func mint(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "\(state.sequence)-fakeAccessTokenReddit"
        state.tokens[token] = Token(scopes: scopes)
        state.lastToken = token
        return token
    }

    // MARK: - API

    private func me() -> Reply {
        .json(
            200,
            object: [
                "id": "abc12", "name": Self.username, "created_utc": 1_600_000_000.0, "total_karma": 1534, "link_karma": 1200,
                "comment_karma": 334, "has_verified_email": true, "is_gold": false,
            ])
    }

    /// A Listing (`kind: Listing`, `data.children`, `data.after`) of `items` paged by `after` and `limit` (≤ 100).
    private func listing(_ request: Request, kind: String, items: [(fullname: String, data: [String: Any])]) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        let limit = min(100, max(1, Int(query["limit"] ?? "25") ?? 25))
        var start = 0
        if let after = query["after"] {
            guard let index = items.firstIndex(where: { $0.fullname == after }) else {
                return .json(200, object: ["kind": "Listing", "data": ["after": NSNull(), "before": NSNull(), "dist": 0, "children": []]])
            }
            start = index + 1
        }
        let page = Array(items.dropFirst(start).prefix(limit))
        let after: Any = start + limit < items.count ? (page.last?.fullname ?? "") : NSNull()
        return .json(
            200,
            object: [
                "kind": "Listing",
                "data": [
                    "after": after, "before": NSNull(), "dist": page.count, "modhash": NSNull(), "geo_filter": "",
                    "children": page.map { ["kind": kind, "data": $0.data] },
                ],
            ])
    }

    private func mine(_ request: Request, where kind: String) -> Reply {
        guard ["subscriber", "contributor", "moderator", "streams"].contains(kind) else { return error(404, "Not Found") }
        let items = subreddits.map { subreddit in
            (
                fullname: subreddit.fullname,
                data: [
                    "display_name": subreddit.name, "name": subreddit.fullname, "title": "\(subreddit.name) community", "subscribers": 1240,
                    "submission_type": subreddit.type, "url": "/r/\(subreddit.name)/", "over18": false,
                ] as [String: Any]
            )
        }
        return listing(request, kind: "t5", items: items)
    }

    private func render(_ post: Post) -> [String: Any] {
        var data: [String: Any] = [
            "id": post.id, "name": post.fullname, "title": post.title, "subreddit": post.subreddit, "selftext": post.text,
            "is_self": post.kind == "self", "score": 1, "upvote_ratio": 1.0, "num_comments": 0, "created_utc": 1_772_380_000.0,
            "author": Self.username, "permalink": "/r/\(post.subreddit)/comments/\(post.id)/\(post.title.lowercased().prefix(20))/",
        ]
        data["url"] = post.url ?? "https://www.reddit.com/r/\(post.subreddit)/comments/\(post.id)/"
        return data
    }

    private func submit(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return error(400, "Bad Request")
        }
        let form = request.formItems.compactMapValues(\.last)
        func failed(_ errors: [[String]]) -> Reply { .json(200, object: ["json": ["errors": errors]]) }
        // Without api_type=json the endpoint answers its legacy jQuery shape; the fake refuses it.
        guard form["api_type"] == "json" else { return error(400, "Bad Request") }
        let injected = state.withLock { state -> [[String]] in
            defer { state.submitErrors = [] }
            return state.submitErrors
        }
        if !injected.isEmpty { return failed(injected) }
        guard let sr = form["sr"], !sr.isEmpty else { return failed([["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]]) }
        guard let subreddit = subreddits.first(where: { $0.name.lowercased() == sr.lowercased() }) else {
            return failed([["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]])
        }
        guard let kind = form["kind"], ["self", "link"].contains(kind) else {
            return failed([["INVALID_OPTION", "that option is not valid", "kind"]])
        }
        guard let title = form["title"], !title.isEmpty else { return failed([["NO_TEXT", "we need something here", "title"]]) }
        guard title.count <= 300 else { return failed([["TOO_LONG", "this is too long (max: 300)", "title"]]) }
        if kind == "self", subreddit.type == "link" { return failed([["NO_SELFS", "that subreddit doesn't allow text posts", "sr"]]) }
        var url: String?
        if kind == "link" {
            guard let given = form["url"], !given.isEmpty else { return failed([["NO_URL", "a url is required", "url"]]) }
            guard given.hasPrefix("http://") || given.hasPrefix("https://") else { return failed([["BAD_URL", "you should check that url", "url"]]) }
            url = given
        }
        let late = state.withLock { state -> Duration? in state.lateSubmits.isEmpty ? nil : state.lateSubmits.removeFirst() }
        let created = state.withLock { state -> Post? in
            if let url, form["resubmit"] != "true", state.posts.contains(where: { $0.url == url && $0.subreddit == subreddit.name }) { return nil }
            state.sequence += 1
            let post = Post(
                id: String(1_000_000 + state.sequence, radix: 36), subreddit: subreddit.name, kind: kind, title: title, text: form["text"] ?? "",
                url: url)
            state.posts.append(post)
            return post
        }
        guard let created else { return failed([["ALREADY_SUB", "that link has already been submitted", "url"]]) }
        let answer = Reply.json(
            200,
            object: [
                "json": [
                    "errors": [] as [Any],
                    "data": [
                        "url":
                            "https://www.reddit.com/r/\(created.subreddit)/comments/\(created.id)/\(title.lowercased().replacingOccurrences(of: " ", with: "_").prefix(30))/",
                        "drafts_count": 0, "id": created.id, "name": created.fullname,
                    ],
                ]
            ])
        return late.map { answer.delayed($0) } ?? answer
    }

    private func delete(_ request: Request) -> Reply {
        let id = request.formItems["id"]?.last ?? ""
        state.withLock { state in state.posts.removeAll { $0.fullname == id } }
        // Reddit answers {} whether or not the thing existed.
        return .json(200, object: [:] as [String: Any])
    }

    private func info(_ request: Request) -> Reply {
        let ids = (request.queryItems["id"]?.last ?? "").split(separator: ",").map(String.init)
        guard ids.count <= 100 else { return error(400, "Bad Request") }
        let all = posts
        let found = ids.compactMap { id in all.first { $0.fullname == id } }
        return listing(request, kind: "t3", items: found.map { ($0.fullname, render($0)) })
    }

    private func submitted(_ request: Request, user: String) -> Reply {
        guard user.lowercased() == Self.username else { return error(404, "Not Found") }
        let newestFirst = posts.reversed().map { ($0.fullname, render($0)) }
        return listing(request, kind: "t3", items: newestFirst)
    }

    // MARK: - Answers

    private func rateHeaders(used: Int) -> [String: String] {
        [
            "X-Ratelimit-Used": String(used), "X-Ratelimit-Remaining": String(format: "%.1f", Double(max(0, 100 - used))),
            "X-Ratelimit-Reset": String(windowSeconds),
        ]
    }

    private func unauthorized() -> Reply {
        var reply = error(401, "Unauthorized")
        reply.headers.replaceOrAdd(name: "www-authenticate", value: "Bearer realm=\"reddit\", error=\"invalid_token\"")
        return reply
    }

    private func error(_ status: Int, _ message: String) -> Reply { .json(status, object: ["message": message, "error": status]) }
}
