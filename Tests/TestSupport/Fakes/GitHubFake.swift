// A fake of GitHub's REST API (https://api.github.com) and of its OAuth app web flow
// (https://github.com/login/oauth/…) on loopback, following GitHub's documentation — not what
// our connector definition (configs/connectors/github.json) assumes:
//
// - The OpenAPI description (github.com/github/rest-api-description,
//   descriptions/api.github.com/api.github.com.json) and the reference pages:
//   `GET /user` https://docs.github.com/en/rest/users/users#get-the-authenticated-user;
//   `GET /user/repos` (visibility, affiliation, type — "will cause a 422 error if used in the same
//   request as visibility or affiliation" —, sort created|updated|pushed|full_name, direction,
//   per_page ≤ 100 default 30, page) https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user;
//   `GET /repos/{owner}/{repo}/issues` (state open|closed|all, labels comma-separated, sort,
//   direction, since, per_page, page; "pull requests are issues": they carry a `pull_request`
//   key), `POST /repos/{owner}/{repo}/issues` (title required; body, milestone, labels,
//   assignees; 201, 404, 410, 422) https://docs.github.com/en/rest/issues/issues;
//   `POST /repos/{owner}/{repo}/issues/{issue_number}/comments` (body required; 201)
//   https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
// - Headers: `Accept: application/vnd.github+json`, `X-GitHub-Api-Version` (2022-11-28 when
//   absent; an unsupported version is 400), `Authorization: Bearer` (or `token`), a `User-Agent`
//   on every request: https://docs.github.com/en/rest/about-the-rest-api/api-versions,
//   https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api,
//   https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent
// - Pagination through `Link` (rel next/prev/first/last; repository lists link to
//   `/repositories/{id}/…`): https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
// - Errors {message, documentation_url} and 422 {message: "Validation Failed", errors: [{resource,
//   field, code}]}; 401 "Bad credentials" / "Requires authentication":
//   https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api,
//   https://docs.github.com/en/rest/overview/resources-in-the-rest-api#client-errors
// - Rate limits: x-ratelimit-limit, -remaining, -used, -reset (UTC epoch seconds), -resource on
//   every answer; the primary limit answers 403 or 429 with x-ratelimit-remaining: 0, a secondary
//   limit 403 or 429 with retry-after: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
// - OAuth (GitHubFake+OAuth.swift): https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps,
//   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors,
//   https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens,
//   scopes https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
//
// One loopback server stands for both hosts (github.com for /login/oauth, api.github.com for the
// rest). Assumed where the documentation is silent: the texts of the 422 `errors` entries for a
// bad label, assignee or milestone, and of the answer to a request without User-Agent (GitHub
// documents only that it is refused; the fake answers 403 with a message naming it).

public import Foundation
import HTTPFields
import Synchronization

/// GitHub on loopback: `GET /user`, `GET /user/repos`, `GET|POST /repos/{owner}/{repo}/issues`
/// (and `GET /repositories/{id}/issues`, where its `Link` headers point),
/// `POST /repos/{owner}/{repo}/issues/{number}/comments`, and the OAuth app endpoints
/// `GET /login/oauth/authorize` and `POST /login/oauth/access_token`.
///
/// It keeps state like the real thing: only tokens it issued work, private repositories need the
/// `repo` scope, codes are single use and bound to their redirect URI and PKCE challenge, created
/// issues and comments are in the store. Knobs: `revoke(token:)`,
/// `injectPrimaryRateLimit(status:resetIn:calls:)`, `injectSecondaryRateLimit(status:retryAfter:calls:)`,
/// `addRepositories(_:)`, `addIssues(_:to:)`.
public final class GitHubFake: ServedFake {
    /// The OAuth app registered with GitHub (client ids are `Iv1.`/`Ov23` strings, secrets 40 hex digits).
    public static let defaultApp = FakeOAuthApp(
        clientID: "Ov23liFAKEc1i3nt1d00", clientSecret: "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567",
        redirectURI: "http://localhost/oauth/callback/github")
    /// The authenticated user's login.
    public static let login = "octocat"
    /// The authenticated user's id.
    public static let userID = 583_231
    /// The collaborator who may be assigned in `octocat/Hello-World`.
    public static let collaborator = "hubot"
    /// The per-hour primary limit of a user token.
    public static let hourlyLimit = 5000
    /// API versions GitHub supports.
    public static let supportedVersions: Set<String> = ["2022-11-28", "2026-03-10"]

    /// A repository the user can reach.
    public struct Repository: Sendable {
        /// The numeric id.
        public var id: Int
        /// `owner/name`.
        public var fullName: String
        /// Private or public.
        public var isPrivate: Bool
        /// `owner`, `collaborator` or `organization_member`: how the user reaches it.
        public var affiliation: String
        /// Whether the Issues feature is on (off: 410 on its issues).
        public var hasIssues: Bool
        /// The milestone numbers that exist.
        public var milestones: [Int]
        /// Last change (sorting `updated`).
        public var updatedAt: Date
        /// Creation (sorting `created`).
        public var createdAt: Date
    }

    /// An issue or pull request.
    public struct Issue: Sendable {
        /// The global id.
        public var id: Int
        /// The number within the repository.
        public var number: Int
        /// The title.
        public var title: String
        /// The body, if any.
        public var body: String?
        /// `open` or `closed`.
        public var state: String
        /// Label names.
        public var labels: [String]
        /// Assignee logins.
        public var assignees: [String]
        /// The milestone number, if any.
        public var milestone: Int?
        /// Whether it is a pull request.
        public var isPullRequest: Bool
        /// The author's login.
        public var author: String
        /// Comments on it.
        public var comments: Int
        /// Creation time.
        public var createdAt: Date
        /// Last change.
        public var updatedAt: Date
    }

    /// A comment on an issue.
    public struct Comment: Sendable {
        /// The comment id.
        public var id: Int
        /// `owner/name` of the repository.
        public var repository: String
        /// The issue's number.
        public var issueNumber: Int
        /// The text.
        public var body: String
    }

    enum Fault: Sendable {
        case primary(status: Int, resetIn: Int)
        case secondary(status: Int, retryAfter: Int)
    }

    struct Grant: Sendable {
        var scopes: [String]
        var redirectURI: String
        var challenge: String?
        var issuedAt: Date
        var used = false
    }

    struct State: Sendable {
        var repositories: [Repository]
        var issues: [String: [Issue]] = [:]
        var comments: [Comment] = []
        var grants: [String: Grant] = [:]
        var tokens: [String: [String]] = [:]
        var refreshTokens: [String: [String]] = [:]
        var revoked: Set<String> = []
        var used = 0
        var sequence = 0
        var nextIssueID = 1_000_001
        var nextCommentID = 2_000_001
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The OAuth app.
    public let app: FakeOAuthApp
    /// Whether user tokens expire (a GitHub App with expiration on): then the token answer has
    /// `expires_in`, `refresh_token` and `refresh_token_expires_in`, and refresh grants work.
    public let expiringTokens: Bool
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()
    /// The start of the current rate-limit hour.
    let window = Date()

    static let seedEpoch = Date(timeIntervalSince1970: 1_767_603_600)  // 2026-01-05T09:00:00Z

    /// An account with `octocat/Hello-World` (public, three issues of which one is a pull
    /// request, milestone 1), `octocat/secret-plans` (private), `octocat/Spoon-Knife` (issues
    /// disabled), `octo-org/octo-repo` (private, organization) and `hubot/bench` (collaborator).
    public init(app: FakeOAuthApp = defaultApp, expiringTokens: Bool = false) {
        self.app = app
        self.expiringTokens = expiringTokens
        let at = { (minutes: Int) in Self.seedEpoch.addingTimeInterval(TimeInterval(minutes * 60)) }
        let repositories = [
            Repository(
                id: 1_296_269, fullName: "octocat/Hello-World", isPrivate: false, affiliation: "owner", hasIssues: true, milestones: [1],
                updatedAt: at(50), createdAt: at(0)),
            Repository(
                id: 1_296_270, fullName: "octocat/secret-plans", isPrivate: true, affiliation: "owner", hasIssues: true, milestones: [],
                updatedAt: at(40), createdAt: at(1)),
            Repository(
                id: 1_300_192, fullName: "octocat/Spoon-Knife", isPrivate: false, affiliation: "owner", hasIssues: false, milestones: [],
                updatedAt: at(30), createdAt: at(2)),
            Repository(
                id: 1_296_271, fullName: "octo-org/octo-repo", isPrivate: true, affiliation: "organization_member", hasIssues: true,
                milestones: [], updatedAt: at(20), createdAt: at(3)),
            Repository(
                id: 1_296_272, fullName: "hubot/bench", isPrivate: false, affiliation: "collaborator", hasIssues: true, milestones: [],
                updatedAt: at(10), createdAt: at(4)),
        ]
        var initial = State(repositories: repositories)
        initial.issues["octocat/Hello-World"] = [
            Issue(
                id: 1, number: 1, title: "Found a bug", body: "I'm having a problem with this.", state: "open", labels: ["bug"],
                assignees: [], milestone: 1, isPullRequest: false, author: "hubot", comments: 0, createdAt: at(5), updatedAt: at(45)),
            Issue(
                id: 2, number: 2, title: "Add a README", body: nil, state: "open", labels: [], assignees: [Self.login], milestone: nil,
                isPullRequest: true, author: Self.login, comments: 1, createdAt: at(6), updatedAt: at(46)),
            Issue(
                id: 3, number: 3, title: "Crash on start", body: nil, state: "closed", labels: ["bug", "crash"], assignees: [],
                milestone: nil, isPullRequest: false, author: "hubot", comments: 2, createdAt: at(7), updatedAt: at(47)),
        ]
        state = Mutex(initial)
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["message": "Service Unavailable"])
        }
    }

    // MARK: - Knobs and what it holds

    /// `http://127.0.0.1:<port>`: stands for `https://api.github.com` and `https://github.com`.
    public var baseURL: String { server.baseURL }

    /// An access token for `scopes`, issued without the OAuth dance.
    public func issueToken(scopes: [String] = ["repo", "read:user"]) -> String {
        state.withLock { Self.mint(&$0, prefix: "gho_", scopes: scopes, into: \.tokens) }
    }

    /// From now on `token` is refused: 401 "Bad credentials" (the user revoked the app).
    public func revoke(token: String) { _ = state.withLock { $0.revoked.insert(token) } }

    /// The next `calls` API requests hit the primary limit: `status` (403 or 429) with
    /// x-ratelimit-remaining: 0 and x-ratelimit-reset `resetIn` seconds from now.
    public func injectPrimaryRateLimit(status: Int = 403, resetIn: Int = 1800, calls: Int = 1) {
        faults.add(.primary(status: status, resetIn: resetIn), calls: calls)
    }

    /// The next `calls` API requests hit a secondary limit: `status` (403 or 429) with
    /// retry-after: `retryAfter`.
    public func injectSecondaryRateLimit(status: Int = 403, retryAfter: Int = 60, calls: Int = 1) {
        faults.add(.secondary(status: status, retryAfter: retryAfter), calls: calls)
    }

    /// The repositories the user reaches.
    public var repositories: [Repository] { state.withLock { $0.repositories } }

    /// The issues and pull requests of `repository` (`owner/name`), by number.
    public func issues(in repository: String) -> [Issue] { state.withLock { $0.issues[repository] ?? [] } }

    /// Every comment created.
    public var comments: [Comment] { state.withLock { $0.comments } }

    /// The requests made to `POST /login/oauth/access_token`.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/login/oauth/access_token") }

    /// The requests made with `method` to `path` (`*` matches one path segment).
    public func requests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] { server.requests(method, path) }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/login/oauth/authorize"): return authorizePage(request)
        case ("POST", "/login/oauth/access_token"): return accessToken(request)
        default: break
        }
        guard let agent = request.header("User-Agent"), !agent.isEmpty else {
            return Self.error(
                403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
                doc: "https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent")
        }
        if let version = request.header("X-GitHub-Api-Version"), !Self.supportedVersions.contains(version) {
            return Self.error(
                400, "Invalid API version provided \(version). Please use a supported version.",
                doc: "https://docs.github.com/rest/about-the-rest-api/api-versions")
        }
        let header = request.header("Authorization") ?? ""
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else {
            return Self.error(401, "Requires authentication", doc: "https://docs.github.com/rest")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let scopes = state.withLock({ $0.revoked.contains(token) ? nil : $0.tokens[token] }) else {
            return Self.error(401, "Bad credentials", doc: "https://docs.github.com/rest")
        }
        let used = state.withLock { state -> Int in
            state.used += 1
            return state.used
        }
        if let fault = faults.take() { return limited(fault, used: used) }
        var reply = route(request, scopes: scopes)
        for field in rateHeaders(used: used, remaining: max(0, Self.hourlyLimit - used)) {
            reply.headers.replaceOrAdd(name: field.name, value: field.value)
        }
        reply.headers.replaceOrAdd(name: "X-OAuth-Scopes", value: scopes.joined(separator: ", "))
        reply.headers.replaceOrAdd(name: "X-GitHub-Media-Type", value: "github.v3; format=json")
        return reply
    }

    private func route(_ request: Request, scopes: [String]) -> Reply {
        let path = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (request.method, path) {
        case ("GET", ["user"]): return user()
        case ("GET", ["user", "repos"]): return listRepositories(request, scopes: scopes)
        case ("GET", let p) where p.count == 4 && p[0] == "repos" && p[3] == "issues":
            return listIssues(request, repository: "\(p[1])/\(p[2])", scopes: scopes)
        case ("GET", let p) where p.count == 3 && p[0] == "repositories" && p[2] == "issues":
            let name = state.withLock { state in state.repositories.first { String($0.id) == p[1] }?.fullName }
            guard let name else { return Self.notFound("https://docs.github.com/rest/issues/issues#list-repository-issues") }
            return listIssues(request, repository: name, scopes: scopes)
        case ("POST", let p) where p.count == 4 && p[0] == "repos" && p[3] == "issues":
            return createIssue(request, repository: "\(p[1])/\(p[2])", scopes: scopes)
        case ("POST", let p) where p.count == 6 && p[0] == "repos" && p[3] == "issues" && p[5] == "comments":
            guard let number = Int(p[4]) else { return Self.notFound("https://docs.github.com/rest/issues/comments") }
            return createComment(request, repository: "\(p[1])/\(p[2])", number: number, scopes: scopes)
        default:
            return Self.notFound("https://docs.github.com/rest")
        }
    }

    /// The rate-limit headers GitHub sends on every API answer.
    func rateHeaders(used: Int, remaining: Int, reset: Date? = nil) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "x-ratelimit-limit", value: String(Self.hourlyLimit))
        headers.add(name: "x-ratelimit-remaining", value: String(remaining))
        headers.add(name: "x-ratelimit-reset", value: String(Int((reset ?? window.addingTimeInterval(3600)).timeIntervalSince1970)))
        headers.add(name: "x-ratelimit-used", value: String(used))
        headers.add(name: "x-ratelimit-resource", value: "core")
        return headers
    }

    private func limited(_ fault: Fault, used: Int) -> Reply {
        let requestID = "C0DE:4B1D:\(String(used, radix: 16).uppercased()):FAKE"
        switch fault {
        case .primary(let status, let resetIn):
            let message =
                "API rate limit exceeded for user ID \(Self.userID). If you reach out to GitHub Support for help, please include the "
                + "request ID \(requestID) and timestamp \(ISO8601DateFormatter().string(from: Date()))."
            return Self.error(
                status, message, doc: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                headers: rateHeaders(used: Self.hourlyLimit, remaining: 0, reset: Date().addingTimeInterval(TimeInterval(resetIn))))
        case .secondary(let status, let retryAfter):
            var headers = rateHeaders(used: used, remaining: max(0, Self.hourlyLimit - used))
            headers.add(name: "retry-after", value: String(retryAfter))
            let message =
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub "
                + "Support for help, please include the request ID \(requestID)."
            return Self.error(
                status, message,
                doc: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                headers: headers)
        }
    }

    // MARK: - Pieces

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func mint(_ state: inout State, prefix: String, scopes: [String], into tokens: WritableKeyPath<State, [String: [String]]>) -> String {
        state.sequence += 1
        let hex = String(format: "%08lX", state.sequence) + "FAKE"
        let token = prefix + String((hex + String(repeating: "x", count: 36)).prefix(36))
        state[keyPath: tokens][token] = scopes
        return token
    }

    /// GitHub's error body `{message, documentation_url}` (plus `errors` for validation failures).
    static func error(_ status: Int, _ message: String, doc: String, errors: [[String: Any]]? = nil, headers: HTTPHeaders = HTTPHeaders())
        -> Reply
    {
        var body: [String: Any] = ["message": message, "documentation_url": doc]
        if let errors { body["errors"] = errors }
        var reply = Reply.json(status, object: body, headers: headers)
        reply.headers.replaceOrAdd(name: "Content-Type", value: "application/json; charset=utf-8")
        return reply
    }

    /// 404 `{"message": "Not Found"}`: also what a repository the token cannot see answers.
    static func notFound(_ doc: String) -> Reply { error(404, "Not Found", doc: doc) }

    /// 422 Validation Failed with one `{resource, field, code}` entry.
    static func invalid(_ resource: String, field: String, code: String, doc: String, value: Any? = nil) -> Reply {
        var entry: [String: Any] = ["resource": resource, "field": field, "code": code]
        if let value { entry["value"] = value }
        return error(422, "Validation Failed", doc: doc, errors: [entry])
    }
}
