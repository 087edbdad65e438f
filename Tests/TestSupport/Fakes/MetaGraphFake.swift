// A fake of Meta's Graph API (Facebook Pages and the Instagram API with Facebook Login) on
// loopback, following the providers' documentation — not what our connector definition assumes:
//
// - Manually building a login flow (code exchange):
//   https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#exchangecode
// - Long-lived tokens (fb_exchange_token) and Page tokens:
//   https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
// - Page access tokens via /me/accounts: https://developers.facebook.com/docs/pages-api/getting-started
// - User accounts edge: https://developers.facebook.com/docs/graph-api/reference/user/accounts
// - Cursor pagination: https://developers.facebook.com/docs/graph-api/results
// - Page feed: https://developers.facebook.com/docs/graph-api/reference/page/feed#publish
// - Page photos: https://developers.facebook.com/docs/graph-api/reference/page/photos#Creating
// - Pages API posts (publish, delete): https://developers.facebook.com/docs/pages-api/posts
// - Instagram content publishing:
//   https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/content-publishing
// - IG User media: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
// - IG User media_publish: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
// - IG Container: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
// - IG User content_publishing_limit:
//   https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
// - Page insights: https://developers.facebook.com/docs/graph-api/reference/insights
// - IG Media insights: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
// - Error envelope and codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
// - Rate limits, X-App-Usage and X-Business-Use-Case-Usage:
//   https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// - Instagram error codes (9007 / 2207027, media not ready):
//   https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
//
// Where the documentation is silent the fake says so in a comment and follows what Graph is
// observed to answer (for example the HTTP status of an error: Graph answers its error envelope
// with 400 for OAuth, permission, parameter and throttling errors, with a `WWW-Authenticate`
// header on token errors). The webhook verification handshake is our server's job, not the fake's.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Meta's Graph API on loopback: OAuth code and long-lived exchanges, `/me/accounts` with Page
/// tokens and cursor paging, Page feed and photo posts, Instagram containers (polled until
/// `FINISHED`) and `media_publish`, insights and deletes, with Graph's error envelope.
///
/// It keeps state like the real thing: the tokens it issued are the only ones it accepts, posts
/// it created are listed and deletable, and a deleted post is gone. Knobs: `expire(token:)`,
/// `revoke(token:)`, `injectRateLimit(code:calls:)`, `failNext(_:error:)`, `containerPolls`.
public final class MetaGraphFake: ServedFake {
    /// The app registered with the provider (what an authorization's client and redirect must match).
    public typealias App = FakeOAuthApp

    /// The app these tests register by default.
    public static let defaultApp = FakeOAuthApp(
        clientID: "1234567890123456", clientSecret: "fake-meta-app-secret", redirectURI: "http://127.0.0.1/oauth/meta/callback")

    /// A Facebook Page the user can act on, optionally linked to an Instagram professional account.
    public struct Page: Sendable {
        /// The Page id.
        public var id: String
        /// The Page name.
        public var name: String
        /// The Page category.
        public var category: String
        /// The linked Instagram professional account's IG user id, if any.
        public var instagramUserID: String?
        /// That account's username.
        public var instagramUsername: String?

        /// A Page.
        public init(
            id: String, name: String, category: String = "Shopping & retail",
            instagramUserID: String? = nil, instagramUsername: String? = nil
        ) {
            self.id = id
            self.name = name
            self.category = category
            self.instagramUserID = instagramUserID
            self.instagramUsername = instagramUsername
        }

        /// The two Pages a fake has unless told otherwise; the first is linked to Instagram.
        public static let defaults: [Page] = [
            Page(id: "104567890123456", name: "NeonHub Demo Store", instagramUserID: "17841400000000001", instagramUsername: "neonhub.demo"),
            Page(id: "112233445566778", name: "Example Coffee Roasters", category: "Coffee Shop"),
        ]
    }

    /// An error in Graph's envelope `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
    public struct GraphError: Error, Sendable {
        /// The HTTP status it is answered with.
        public var status: Int
        /// `error.message`.
        public var message: String
        /// `error.type`.
        public var type: String
        /// `error.code`.
        public var code: Int
        /// `error.error_subcode`.
        public var subcode: Int?
        /// `error.is_transient`, where Graph sends it.
        public var isTransient: Bool?
        /// Extra response headers.
        public var headers: [String: String]

        /// An error.
        public init(
            status: Int = 400, message: String, type: String = "OAuthException", code: Int, subcode: Int? = nil,
            isTransient: Bool? = nil, headers: [String: String] = [:]
        ) {
            self.status = status
            self.message = message
            self.type = type
            self.code = code
            self.subcode = subcode
            self.isTransient = isTransient
            self.headers = headers
        }

        /// Code 100: an invalid parameter.
        public static func invalidParameter(_ message: String = "(#100) Invalid parameter", subcode: Int? = nil) -> GraphError {
            GraphError(message: message, code: 100, subcode: subcode)
        }

        /// Code 368: temporarily blocked for policy violations.
        public static let blocked = GraphError(
            message: "(#368) The action attempted has been deemed abusive or is otherwise disallowed", code: 368, subcode: 1_390_008)

        /// Code 506: a duplicate post.
        public static let duplicatePost = GraphError(message: "(#506) Duplicate status message", code: 506)

        /// Code 2: a temporary service problem.
        public static let serviceUnavailable = GraphError(
            status: 500, message: "An unexpected error has occurred. Please retry your request later.", code: 2, isTransient: true)
    }

    /// Where a container ends up after its `IN_PROGRESS` polls.
    public enum ContainerOutcome: String, Sendable {
        /// Ready to publish.
        case finished = "FINISHED"
        /// Could not be processed.
        case error = "ERROR"
        /// Not published within 24 hours.
        case expired = "EXPIRED"
    }

    private enum TokenKind: Sendable, Equatable {
        case user(longLived: Bool)
        case page(id: String)
    }

    private enum TokenState: Sendable { case valid, expired, revoked }

    private struct Token: Sendable {
        var kind: TokenKind
        var scopes: Set<String>
        var state: TokenState = .valid
    }

    private struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var used = false
    }

    private struct Post: Sendable {
        var id: String
        var pageID: String
        var message: String?
        var link: String?
        var photoID: String?
        var published: Bool
        var createdTime: String
    }

    private struct Container: Sendable {
        var id: String
        var igUserID: String
        var mediaType: String
        var caption: String?
        var pollsLeft: Int
        var outcome: ContainerOutcome
        var mediaID: String?
    }

    private struct Media: Sendable {
        var id: String
        var igUserID: String
        var caption: String?
        var mediaType: String
        var productType: String
        var timestamp: String
    }

    private struct Fault: Sendable {
        var error: GraphError
        var rateLimitCode: Int?
    }

    private struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var pageTokens: [String: String] = [:]  // "\(userToken)|\(pageID)" → page token
        var posts: [String: Post] = [:]
        var postOrder: [String] = []
        var containers: [String: Container] = [:]
        var media: [String: Media] = [:]
        var mediaOrder: [String] = []
        var latePosts: [(create: Bool, delay: Duration, hangUp: Bool)] = []
        var containerPolls = 1
        var containerOutcome = ContainerOutcome.finished
        var sequence = 0
        var callCount = 0
        var reportedUsage: Int?
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: App
    /// The Pages the user administers.
    public let pages: [Page]
    /// The Graph API version the fake serves, e.g. `v25.0`.
    public let version: String
    /// The scopes `authorize()` grants unless told otherwise (those of `configs/connectors/meta.json`).
    public static let defaultScopes: Set<String> = [
        "pages_show_list", "pages_read_engagement", "pages_manage_posts", "read_insights", "business_management",
        "instagram_basic", "instagram_content_publish", "instagram_manage_insights",
    ]

    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake for `app` with `pages`, serving Graph `version`.
    public init(app: App = defaultApp, pages: [Page] = Page.defaults, version: String = "v25.0") {
        self.app = app
        self.pages = pages
        self.version = version
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "fake gone"])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for `https://graph.facebook.com`.
    public var baseURL: String { server.baseURL }

    /// The versioned API root, `http://127.0.0.1:<port>/v25.0` (the definition's `baseUrl`).
    public var apiBaseURL: String { "\(baseURL)/\(version)" }

    /// The token endpoint (the definition's `auth.tokenUrl`).
    public var tokenURL: String { "\(apiBaseURL)/oauth/access_token" }

    // MARK: - Knobs

    /// What the OAuth dialog would do when the user consents: an authorization code for
    /// `scopes`, bound to `redirectURI` (the app's by default), good for one exchange.
    public func authorize(scopes: Set<String> = MetaGraphFake.defaultScopes, redirectURI: String? = nil) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = "AQD-fake-code-\(state.sequence)"
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirectURI ?? app.redirectURI)
            return code
        }
    }

    /// A user token issued without the OAuth dance (for tests that start from a connected account).
    public func issueUserToken(longLived: Bool = true, scopes: Set<String> = MetaGraphFake.defaultScopes) -> String {
        state.withLock { Self.mint(&$0, kind: .user(longLived: longLived), scopes: scopes) }
    }

    /// The Page token the fake hands out for `pageID` with `userToken` (what `/me/accounts` answers).
    public func pageToken(for pageID: String, userToken: String) -> String? {
        state.withLock { state in
            guard let user = state.tokens[userToken], case .user = user.kind, pages.contains(where: { $0.id == pageID }) else { return nil }
            return Self.pageToken(&state, userToken: userToken, pageID: pageID, scopes: user.scopes)
        }
    }

    /// From now on `token` answers error 190, subcode 463 (session expired).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.state = .expired } }

    /// From now on `token` answers error 190, subcode 458 (the user removed the app).
    public func revoke(token: String) { state.withLock { $0.tokens[token]?.state = .revoked } }

    /// The next `calls` API calls (not the OAuth endpoint) answer the throttling error `code`
    /// (4 app, 17 user, 32 Page, 613 custom, 80001 Pages BUC, 80002 Instagram BUC) with the
    /// usage header Graph documents for it at 100 %.
    public func injectRateLimit(code: Int, calls: Int = 1) {
        let message: String
        switch code {
        case 4: message = "(#4) Application request limit reached"
        case 17: message = "(#17) User request limit reached"
        case 32: message = "(#32) Page request limit reached"
        case 613: message = "(#613) Calls to this api have exceeded the rate limit."
        default: message = "(#\(code)) There have been too many calls to this account. Wait a bit and try again."
        }
        let error = GraphError(message: message, code: code, isTransient: code == 4 || code == 17 ? true : nil)
        faults.add(Fault(error: error, rateLimitCode: code), calls: calls)
    }

    /// From now on successful answers report `percent` usage in their usage header (Graph
    /// sends the used share of the budget, 0–100, before it starts refusing calls).
    public func reportUsage(percent: Int) { state.withLock { $0.reportedUsage = percent } }

    /// The next `calls` API calls (not the OAuth endpoint) answer `error`.
    public func failNext(_ calls: Int = 1, error: GraphError) {
        faults.add(Fault(error: error, rateLimitCode: nil), calls: calls)
    }

    /// The next feed post is answered only after `delay` (longer than the client waits): with
    /// `create` it is created first — the write happened and the answer was lost — without,
    /// nothing is created. Either way the client sees a timeout.
    public func answerNextPostLate(after delay: Duration, create: Bool) {
        state.withLock { $0.latePosts.append((create, delay, false)) }
    }

    /// The next feed post is created and its connection closed without an answer: the write
    /// happened and the client sees the connection lost after sending.
    public func loseTheAnswerToNextPost() {
        state.withLock { $0.latePosts.append((true, .zero, true)) }
    }

    /// How many status reads a new container answers `IN_PROGRESS` before its outcome (default 1).
    public func setContainerPolls(_ polls: Int, outcome: ContainerOutcome = .finished) {
        state.withLock {
            $0.containerPolls = max(0, polls)
            $0.containerOutcome = outcome
        }
    }

    /// The ids of the Page posts that exist (created and not deleted), newest first.
    public var postIDs: [String] { state.withLock { $0.postOrder.reversed() } }

    /// The ids of the Instagram media published, newest first.
    public var mediaIDs: [String] { state.withLock { $0.mediaOrder.reversed() } }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        var segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        segments.removeFirst()  // the empty segment before the leading "/"
        guard segments.first == version, segments.count >= 2, !segments.contains("") else {
            return error(GraphError(message: "Unknown path components: \(request.path)", code: 2500))
        }
        segments.removeFirst()
        let params = Self.parameters(request)

        if segments == ["oauth", "access_token"] {
            guard request.method == "GET" || request.method == "POST" else { return unknownPath(request) }
            return oauth(params)
        }

        // Authentication comes first: a missing, unknown, expired or revoked token never reaches the node.
        guard let tokenString = Self.accessToken(request, params) else {
            if segments.first == "me" {
                return error(GraphError(message: "An active access token must be used to query information about the current user.", code: 2500))
            }
            return error(GraphError(message: "An access token is required to request this resource.", code: 104))
        }
        let lookup = state.withLock { state -> Token? in
            state.callCount += 1; return state.tokens[tokenString]
        }
        guard let token = lookup else {
            return tokenError(GraphError(message: "Invalid OAuth access token - Cannot parse access token", code: 190))
        }
        switch token.state {
        case .expired:
            return tokenError(
                GraphError(
                    message:
                        "Error validating access token: Session has expired on Sunday, 01-Mar-26 10:00:00 PST. The current time is Sunday, 01-Mar-26 11:00:00 PST.",
                    code: 190, subcode: 463))
        case .revoked:
            return tokenError(
                GraphError(
                    message: "Error validating access token: The user has not authorized application \(app.clientID).", code: 190, subcode: 458))
        case .valid:
            break
        }

        // Scripted faults (rate limits, 368, 100 …) next.
        if let fault = faults.take() {
            var failure = fault.error
            if let code = fault.rateLimitCode {
                failure.headers.merge(usageHeaders(token: token, segments: segments, exhausted: true, code: code)) { $1 }
            }
            return error(failure)
        }

        var reply = route(request, segments: segments, params: params, token: tokenString, info: token)
        for (name, value) in usageHeaders(token: token, segments: segments, exhausted: false, code: nil) {
            reply.headers.replaceOrAdd(name: name, value: value)
        }
        return reply
    }

    private func route(_ request: Request, segments: [String], params: [String: String], token: String, info: Token) -> Reply {
        switch (request.method, segments.count) {
        case ("GET", 1) where segments[0] == "me":
            return me(info)
        case ("GET", 2) where segments == ["me", "accounts"]:
            return accounts(params, token: token, info: info)
        case ("GET", 1):
            return readNode(segments[0], params: params, info: info)
        case ("DELETE", 1):
            return deleteNode(segments[0], info: info)
        case ("POST", 2) where segments[1] == "feed":
            return createFeedPost(pageID: segments[0], params: params, info: info)
        case ("GET", 2) where segments[1] == "feed" || segments[1] == "posts":
            return listPosts(pageID: segments[0], params: params, token: token, info: info, edge: segments[1])
        case ("POST", 2) where segments[1] == "photos":
            return createPhoto(pageID: segments[0], params: params, info: info)
        case ("POST", 2) where segments[1] == "media":
            return createContainer(igUserID: segments[0], params: params, info: info)
        case ("GET", 2) where segments[1] == "media":
            return listMedia(igUserID: segments[0], params: params, token: token, info: info)
        case ("POST", 2) where segments[1] == "media_publish":
            return publish(igUserID: segments[0], params: params, info: info)
        case ("GET", 2) where segments[1] == "content_publishing_limit":
            return publishingLimit(igUserID: segments[0], info: info)
        case ("GET", 2) where segments[1] == "insights", ("GET", 3) where segments[1] == "insights":
            return insights(objectID: segments[0], pathMetrics: segments.count == 3 ? segments[2] : nil, params: params, info: info)
        default:
            return unknownPath(request)
        }
    }

    // MARK: - OAuth

    /// `GET /oauth/access_token`: the code exchange, or `grant_type=fb_exchange_token`.
    private func oauth(_ params: [String: String]) -> Reply {
        guard let clientID = params["client_id"], !clientID.isEmpty else {
            return error(GraphError(message: "Missing client_id parameter.", code: 101))
        }
        guard clientID == app.clientID else {
            return error(GraphError(message: "Error validating application. Invalid application ID.", code: 101))
        }
        guard let secret = params["client_secret"], !secret.isEmpty else {
            return error(GraphError(message: "Missing client_secret parameter.", code: 1))
        }
        guard secret == app.clientSecret else {
            return error(GraphError(message: "Error validating client secret.", code: 1))
        }
        if params["grant_type"] == "fb_exchange_token" {
            guard let old = params["fb_exchange_token"], !old.isEmpty else {
                return error(.invalidParameter("Missing fb_exchange_token parameter."))
            }
            let outcome = state.withLock { state -> Result<String, GraphError> in
                guard let token = state.tokens[old], case .user = token.kind else {
                    return .failure(GraphError(message: "Invalid OAuth access token - Cannot parse access token", code: 190))
                }
                guard token.state == .valid else {
                    return .failure(GraphError(message: "Error validating access token: Session has expired.", code: 190, subcode: 463))
                }
                return .success(Self.mint(&state, kind: .user(longLived: true), scopes: token.scopes))
            }
            switch outcome {
            case .success(let token):
                return .json(200, object: ["access_token": token, "token_type": "bearer", "expires_in": 5_183_944])
            case .failure(let failure):
                return tokenError(failure)
            }
        }
        if let grant = params["grant_type"], grant != "authorization_code" {
            return error(.invalidParameter("Unsupported grant_type: \(grant)"))
        }
        guard let redirect = params["redirect_uri"], !redirect.isEmpty else {
            return error(.invalidParameter("Missing redirect_uri parameter.", subcode: 36008))
        }
        guard let code = params["code"], !code.isEmpty else {
            return error(.invalidParameter("Missing code parameter."))
        }
        let outcome = state.withLock { state -> Result<String, GraphError> in
            guard let grant = state.grants[code] else {
                return .failure(.invalidParameter("Invalid verification code format.", subcode: 36007))
            }
            guard !grant.used else {
                return .failure(.invalidParameter("This authorization code has been used.", subcode: 36009))
            }
            guard grant.redirectURI == redirect else {
                return .failure(
                    .invalidParameter(
                        "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
                        subcode: 36008))
            }
            state.grants[code]?.used = true
            return .success(Self.mint(&state, kind: .user(longLived: false), scopes: grant.scopes))
        }
        switch outcome {
        case .success(let token):
            // A short-lived user token: about an hour or two.
            return .json(200, object: ["access_token": token, "token_type": "bearer", "expires_in": 5_183])
        case .failure(let failure):
            return error(failure)
        }
    }

    // MARK: - Nodes and edges

    private func me(_ info: Token) -> Reply {
        switch info.kind {
        case .user:
            return .json(200, object: ["id": "10158000000000001", "name": "Avery Example"])
        case .page(let id):
            let page = pages.first { $0.id == id }
            return .json(200, object: ["id": id, "name": page?.name ?? ""])
        }
    }

    /// `GET /me/accounts`: Pages with Page tokens, cursor paging (`limit`, `after`, `before`).
    private func accounts(_ params: [String: String], token: String, info: Token) -> Reply {
        guard case .user = info.kind else {
            return error(GraphError(message: "(#100) Tried accessing nonexisting field (accounts) on node type (Page)", code: 100))
        }
        guard info.scopes.contains("pages_show_list") else {
            return error(GraphError(message: "(#200) Requires pages_show_list permission to manage the object", code: 200))
        }
        let limit: Int
        switch Self.limit(params) {
        case .success(let value): limit = value
        case .failure(let failure): return error(failure)
        }
        let items: [[String: Any]] = state.withLock { state in
            pages.map { page in
                var item: [String: Any] = [
                    "id": page.id, "name": page.name, "category": page.category,
                    "category_list": [["id": "2200", "name": page.category]],
                    "access_token": Self.pageToken(&state, userToken: token, pageID: page.id, scopes: info.scopes),
                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                ]
                if let ig = page.instagramUserID {
                    item["instagram_business_account"] = ["id": ig, "username": page.instagramUsername ?? "", "name": page.name]
                }
                return item
            }
        }
        let defaults: Set<String> = ["id", "name", "category", "category_list", "access_token", "tasks"]
        return paged(
            items.map { Self.select($0, fields: params["fields"], defaults: defaults) },
            params: params, limit: limit, path: "me/accounts", token: token)
    }

    private func readNode(_ id: String, params: [String: String], info: Token) -> Reply {
        let found: Reply? = state.withLock { state in
            if var container = state.containers[id] {
                // Each read is a poll: IN_PROGRESS while polls are left, then the outcome.
                let status: String
                if container.mediaID != nil {
                    status = "PUBLISHED"
                } else if container.pollsLeft > 0 {
                    container.pollsLeft -= 1
                    status = "IN_PROGRESS"
                } else {
                    status = container.outcome.rawValue
                }
                state.containers[id] = container
                let descriptions = [
                    "IN_PROGRESS": "In Progress: Media is still being processed.",
                    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                    "PUBLISHED": "Published: Media has been published.",
                    "ERROR": "Error: Media upload has failed with error code 2207026",
                    "EXPIRED": "Expired: Media was not published within 24 hours.",
                ]
                let full: [String: Any] = ["id": id, "status_code": status, "status": descriptions[status] ?? status]
                return .json(200, object: Self.select(full, fields: params["fields"], defaults: ["id"]))
            }
            if let post = state.posts[id] {
                return .json(200, object: Self.select(Self.render(post), fields: params["fields"], defaults: ["id", "message", "created_time"]))
            }
            if let media = state.media[id] {
                let full: [String: Any] = [
                    "id": media.id, "caption": media.caption ?? "", "media_type": media.mediaType,
                    "media_product_type": media.productType, "timestamp": media.timestamp,
                    "permalink": "https://www.instagram.com/p/\(media.id)/", "like_count": 0, "comments_count": 0,
                ]
                return .json(200, object: Self.select(full, fields: params["fields"], defaults: ["id"]))
            }
            return nil
        }
        if let found { return found }
        if let page = pages.first(where: { $0.id == id }) {
            return .json(
                200,
                object: Self.select(
                    ["id": page.id, "name": page.name, "category": page.category], fields: params["fields"], defaults: ["id", "name"]))
        }
        if let page = pages.first(where: { $0.instagramUserID == id }) {
            return .json(
                200,
                object: Self.select(
                    ["id": id, "username": page.instagramUsername ?? "", "name": page.name],
                    fields: params["fields"], defaults: ["id"]))
        }
        return error(Self.unsupported("get", id))
    }

    /// `DELETE /{page-post-id}` with the Page's token → `{"success":true}`.
    private func deleteNode(_ id: String, info: Token) -> Reply {
        let outcome = state.withLock { state -> GraphError? in
            guard let post = state.posts[id] else { return Self.unsupported("delete", id) }
            guard info.kind == .page(id: post.pageID) else {
                return GraphError(message: "(#200) Permissions error", code: 200)
            }
            guard info.scopes.contains("pages_manage_posts") else {
                return GraphError(message: "(#200) Requires pages_manage_posts permission to manage the object", code: 200)
            }
            state.posts[id] = nil
            state.postOrder.removeAll { $0 == id }
            return nil
        }
        if let outcome { return error(outcome) }
        return .json(200, object: ["success": true])
    }

    /// The checks every Page edge shares: the Page exists and the token is that Page's, with the scopes.
    private func requirePageToken(_ pageID: String, _ info: Token, scopes: [String]) -> GraphError? {
        guard pages.contains(where: { $0.id == pageID }) else { return Self.unsupported("post", pageID) }
        guard info.kind == .page(id: pageID) else {
            // Publishing and reading Page edges need a Page access token, not the user token.
            return GraphError(
                message:
                    "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission",
                code: 200)
        }
        for scope in scopes where !info.scopes.contains(scope) {
            return GraphError(message: "(#200) Requires \(scope) permission to manage the object", code: 200)
        }
        return nil
    }

    /// `POST /{page-id}/feed` with `message` and/or `link` → `{"id":"{page-id}_{post-id}"}`.
    private func createFeedPost(pageID: String, params: [String: String], info: Token) -> Reply {
        if let failure = requirePageToken(pageID, info, scopes: ["pages_manage_posts", "pages_read_engagement"]) { return error(failure) }
        let late = state.withLock { $0.latePosts.isEmpty ? nil : $0.latePosts.removeFirst() }
        if let late, !late.create { return Reply.json(500, object: ["error": ["message": "lost", "code": 2]]).delayed(late.delay) }
        let message = params["message"].flatMap { $0.isEmpty ? nil : $0 }
        let link = params["link"].flatMap { $0.isEmpty ? nil : $0 }
        guard message != nil || link != nil else {
            return error(.invalidParameter("(#100) Missing message or attachment"))
        }
        if let link, URL(string: link)?.scheme?.hasPrefix("http") != true {
            return error(GraphError(message: "(#100) Param link must be a valid URL", code: 100))
        }
        var published = true
        if let raw = params["published"] {
            guard let value = Self.bool(raw) else { return error(.invalidParameter("(#100) Param published must be a boolean")) }
            published = value
        }
        if params["scheduled_publish_time"] != nil && published {
            return error(.invalidParameter("(#100) You cannot specify a scheduled publish time on a published post"))
        }
        let id = state.withLock { state -> String? in
            if let message, state.posts.values.contains(where: { $0.pageID == pageID && $0.message == message && $0.link == link }) {
                return nil
            }
            let id = "\(pageID)_\(Self.nextID(&state, base: 122_100_000_000_000_000))"
            state.posts[id] = Post(id: id, pageID: pageID, message: message, link: link, photoID: nil, published: published, createdTime: Self.now())
            state.postOrder.append(id)
            return id
        }
        guard let id else { return error(.duplicatePost) }
        if let late { return late.hangUp ? Reply.json(200, object: ["id": id]).hungUp() : Reply.json(200, object: ["id": id]).delayed(late.delay) }
        return .json(200, object: ["id": id])
    }

    /// `GET /{page-id}/feed` or `/posts`: the Page's posts, newest first, cursor paged.
    private func listPosts(pageID: String, params: [String: String], token: String, info: Token, edge: String) -> Reply {
        if let failure = requirePageToken(pageID, info, scopes: ["pages_read_engagement"]) { return error(failure) }
        let limit: Int
        switch Self.limit(params) {
        case .success(let value): limit = value
        case .failure(let failure): return error(failure)
        }
        let items = state.withLock { state in
            state.postOrder.reversed().compactMap { state.posts[$0] }.filter { $0.pageID == pageID && $0.published }.map(Self.render)
        }
        return paged(
            items.map { Self.select($0, fields: params["fields"], defaults: ["id", "message", "created_time"]) },
            params: params, limit: limit, path: "\(pageID)/\(edge)", token: token)
    }

    /// `POST /{page-id}/photos` with `url` (and `caption`) → `{"id","post_id"}`.
    private func createPhoto(pageID: String, params: [String: String], info: Token) -> Reply {
        if let failure = requirePageToken(pageID, info, scopes: ["pages_manage_posts", "pages_read_engagement"]) { return error(failure) }
        guard let url = params["url"], !url.isEmpty else {
            return error(GraphError(message: "(#324) Requires upload file", code: 324))
        }
        guard URL(string: url)?.scheme?.hasPrefix("http") == true else {
            return error(.invalidParameter("(#100) url should represent a valid URL"))
        }
        var published = true
        if let raw = params["published"] {
            guard let value = Self.bool(raw) else { return error(.invalidParameter("(#100) Param published must be a boolean")) }
            published = value
        }
        let (photoID, postID) = state.withLock { state in
            let photo = String(Self.nextID(&state, base: 122_100_000_000_001_000))
            let post = "\(pageID)_\(Self.nextID(&state, base: 122_100_000_000_000_000))"
            state.posts[post] = Post(
                id: post, pageID: pageID, message: params["caption"], link: nil, photoID: photo, published: published, createdTime: Self.now())
            state.postOrder.append(post)
            return (photo, post)
        }
        return .json(200, object: ["id": photoID, "post_id": postID])
    }

    private func requireInstagramUser(_ igUserID: String, _ info: Token, scopes: [String]) -> GraphError? {
        guard let page = pages.first(where: { $0.instagramUserID == igUserID }) else { return Self.unsupported("post", igUserID) }
        switch info.kind {
        case .user: break
        case .page(let id) where id == page.id: break
        case .page: return GraphError(message: "(#10) Application does not have permission for this action", code: 10)
        }
        for scope in scopes where !info.scopes.contains(scope) {
            return GraphError(message: "(#10) Application does not have permission for this action", code: 10)
        }
        return nil
    }

    /// `POST /{ig-user-id}/media`: an image (`image_url`) or a reel (`video_url`, `media_type=REELS`) container.
    private func createContainer(igUserID: String, params: [String: String], info: Token) -> Reply {
        if let failure = requireInstagramUser(igUserID, info, scopes: ["instagram_basic", "instagram_content_publish"]) { return error(failure) }
        let imageURL = params["image_url"].flatMap { $0.isEmpty ? nil : $0 }
        let videoURL = params["video_url"].flatMap { $0.isEmpty ? nil : $0 }
        let mediaType = params["media_type"]
        let type: String
        switch mediaType {
        case nil, "IMAGE"?:
            guard imageURL != nil else { return error(.invalidParameter("(#100) The parameter image_url is required.")) }
            guard videoURL == nil else { return error(.invalidParameter("(#100) Only one of image_url and video_url can be set.")) }
            type = "IMAGE"
        case "REELS"?:
            guard videoURL != nil else { return error(.invalidParameter("(#100) The parameter video_url is required.")) }
            type = "REELS"
        case "STORIES"?:
            guard (imageURL == nil) != (videoURL == nil) else {
                return error(.invalidParameter("(#100) Stories require exactly one of image_url or video_url."))
            }
            type = "STORIES"
        case "VIDEO"?:
            // VIDEO containers were retired in favour of REELS.
            return error(.invalidParameter("(#100) The media_type VIDEO is no longer supported. Please use REELS instead.", subcode: 2_207_067))
        case let other?:
            return error(.invalidParameter("(#100) Param media_type must be one of {CAROUSEL, REELS, STORIES, IMAGE} - got \"\(other)\"."))
        }
        if let caption = params["caption"], caption.count > 2200 {
            return error(.invalidParameter("(#100) The caption is too long.", subcode: 2_207_010))
        }
        let id = state.withLock { state in
            let id = String(Self.nextID(&state, base: 17_889_455_560_051_000))
            state.containers[id] = Container(
                id: id, igUserID: igUserID, mediaType: type, caption: params["caption"],
                pollsLeft: state.containerPolls, outcome: state.containerOutcome)
            return id
        }
        return .json(200, object: ["id": id])
    }

    /// `POST /{ig-user-id}/media_publish` with `creation_id` → `{"id":"{ig-media-id}"}`.
    private func publish(igUserID: String, params: [String: String], info: Token) -> Reply {
        if let failure = requireInstagramUser(igUserID, info, scopes: ["instagram_basic", "instagram_content_publish"]) { return error(failure) }
        guard let creationID = params["creation_id"], !creationID.isEmpty else {
            return error(.invalidParameter("(#100) The parameter creation_id is required."))
        }
        let outcome = state.withLock { state -> Result<String, GraphError> in
            guard var container = state.containers[creationID], container.igUserID == igUserID else {
                return .failure(GraphError(message: "Media ID is not available", code: 9007, subcode: 2_207_006))
            }
            if container.mediaID != nil {
                return .failure(GraphError(message: "Media ID is not available", code: 9007, subcode: 2_207_006))
            }
            guard container.pollsLeft == 0 else {
                return .failure(GraphError(message: "Media ID is not available", code: 9007, subcode: 2_207_027))
            }
            guard container.outcome == .finished else {
                return .failure(GraphError(message: "Media ID is not available", code: 9007, subcode: 2_207_006))
            }
            let mediaID = String(Self.nextID(&state, base: 17_920_238_422_030_000))
            container.mediaID = mediaID
            state.containers[creationID] = container
            state.media[mediaID] = Media(
                id: mediaID, igUserID: igUserID, caption: container.caption,
                mediaType: container.mediaType == "REELS" ? "VIDEO" : "IMAGE",
                productType: container.mediaType == "REELS" ? "REELS" : container.mediaType == "STORIES" ? "STORY" : "FEED",
                timestamp: Self.now())
            state.mediaOrder.append(mediaID)
            return .success(mediaID)
        }
        switch outcome {
        case .success(let id): return .json(200, object: ["id": id])
        case .failure(let failure): return error(failure)
        }
    }

    private func listMedia(igUserID: String, params: [String: String], token: String, info: Token) -> Reply {
        if let failure = requireInstagramUser(igUserID, info, scopes: ["instagram_basic"]) { return error(failure) }
        let limit: Int
        switch Self.limit(params) {
        case .success(let value): limit = value
        case .failure(let failure): return error(failure)
        }
        let items: [[String: Any]] = state.withLock { state in
            state.mediaOrder.reversed().compactMap { state.media[$0] }.filter { $0.igUserID == igUserID }.map { media in
                [
                    "id": media.id, "caption": media.caption ?? "", "media_type": media.mediaType, "media_product_type": media.productType,
                    "timestamp": media.timestamp, "permalink": "https://www.instagram.com/p/\(media.id)/",
                ]
            }
        }
        return paged(
            items.map { Self.select($0, fields: params["fields"], defaults: ["id"]) },
            params: params, limit: limit, path: "\(igUserID)/media", token: token)
    }

    private func publishingLimit(igUserID: String, info: Token) -> Reply {
        if let failure = requireInstagramUser(igUserID, info, scopes: ["instagram_basic", "instagram_content_publish"]) { return error(failure) }
        let used = state.withLock { state in state.media.values.filter { $0.igUserID == igUserID }.count }
        return .json(200, object: ["data": [["quota_usage": used, "config": ["quota_total": 100, "quota_duration": 86400]]]])
    }

    /// Metrics Meta retired (Page impressions and fans on 2025-11-15, IG `impressions` on 2025-04-21):
    /// asking for them answers error 100 like any metric that is not valid.
    private static let retiredMetrics: Set<String> = [
        "page_impressions", "page_impressions_unique", "page_fans", "page_fan_adds", "page_fan_removes",
        "post_impressions", "post_impressions_unique", "impressions", "video_views",
    ]

    /// `GET /{object-id}/insights?metric=a,b` (or `/insights/{metrics}`): one entry per metric.
    private func insights(objectID: String, pathMetrics: String?, params: [String: String], info: Token) -> Reply {
        enum Kind { case page, post, igUser, igMedia }
        let kind: Kind
        let known = state.withLock { state in (state.posts[objectID] != nil, state.media[objectID] != nil) }
        if pages.contains(where: { $0.id == objectID }) {
            kind = .page
        } else if known.0 {
            kind = .post
        } else if pages.contains(where: { $0.instagramUserID == objectID }) {
            kind = .igUser
        } else if known.1 {
            kind = .igMedia
        } else {
            return error(Self.unsupported("get", objectID))
        }
        switch kind {
        case .page:
            if let failure = requirePageToken(objectID, info, scopes: ["read_insights", "pages_read_engagement"]) { return error(failure) }
        case .post:
            let owner = String(objectID.split(separator: "_").first ?? "")
            if let failure = requirePageToken(owner, info, scopes: ["read_insights", "pages_read_engagement"]) { return error(failure) }
        case .igUser:
            if let failure = requireInstagramUser(objectID, info, scopes: ["instagram_basic", "instagram_manage_insights"]) { return error(failure) }
        case .igMedia:
            let owner = state.withLock { $0.media[objectID]?.igUserID } ?? ""
            if let failure = requireInstagramUser(owner, info, scopes: ["instagram_basic", "instagram_manage_insights"]) { return error(failure) }
        }
        let metricList = pathMetrics?.removingPercentEncoding ?? params["metric"]
        guard let metricList, !metricList.isEmpty else {
            return error(.invalidParameter("(#100) The value must be a valid insights metric"))
        }
        let metrics = metricList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for metric in metrics
        where metric.isEmpty || Self.retiredMetrics.contains(metric)
            || !metric.allSatisfy({ $0.isLowercase || $0 == "_" || $0.isNumber })
        {
            return error(.invalidParameter("(#100) The value must be a valid insights metric"))
        }
        let period: String
        switch kind {
        case .page: period = params["period"] ?? "day"
        case .igUser: period = params["period"] ?? "day"
        case .post, .igMedia: period = "lifetime"
        }
        let data: [[String: Any]] = metrics.enumerated().map { index, metric in
            var entry: [String: Any] = [
                "name": metric, "period": period, "title": metric, "description": "\(metric) (fake)",
                "id": "\(objectID)/insights/\(metric)/\(period)",
            ]
            if kind == .igUser && params["metric_type"] == "total_value" {
                entry["total_value"] = ["value": 100 + index]
            } else if period == "lifetime" {
                entry["values"] = [["value": 42 + index]]
            } else {
                entry["values"] = [
                    ["value": 42 + index, "end_time": "2026-03-01T08:00:00+0000"],
                    ["value": 57 + index, "end_time": "2026-03-02T08:00:00+0000"],
                ]
            }
            return entry
        }
        return .json(200, object: ["data": data])
    }

    // MARK: - Pieces

    private func unknownPath(_ request: Request) -> Reply {
        error(GraphError(message: "Unknown path components: \(request.path.dropFirst(version.count + 1))", code: 2500))
    }

    private static func unsupported(_ verb: String, _ id: String) -> GraphError {
        GraphError(
            message:
                "Unsupported \(verb) request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            type: "GraphMethodException", code: 100, subcode: 33)
    }

    /// `X-App-Usage` for user tokens, `X-Business-Use-Case-Usage` for Page tokens and Instagram
    /// objects (percentages; 100 means throttled).
    private func usageHeaders(token: Token, segments: [String], exhausted: Bool, code: Int?) -> [String: String] {
        // A one-user app: 200 calls per hour (Platform Rate Limits), so each call uses 0.5 %.
        let count = exhausted ? 100 : state.withLock { $0.reportedUsage ?? min(99, $0.callCount / 2) }
        let buc: Bool
        if let code { buc = ![4, 17].contains(code) } else if case .page = token.kind { buc = true } else { buc = false }
        if !buc {
            return ["X-App-Usage": #"{"call_count":\#(count),"total_cputime":\#(exhausted ? 40 : 1),"total_time":\#(exhausted ? 62 : 1)}"#]
        }
        var objectID = segments.first ?? ""
        var type = "pages"
        if case .page(let id) = token.kind { objectID = id }
        if pages.contains(where: { $0.instagramUserID == segments.first }) {
            objectID = segments.first ?? objectID
            type = "instagram"
        }
        let regain = exhausted ? 17 : 0
        return [
            "X-Business-Use-Case-Usage":
                #"{"\#(objectID)":[{"type":"\#(type)","call_count":\#(count),"total_cputime":\#(exhausted ? 12 : 1),"total_time":\#(exhausted ? 20 : 1),"estimated_time_to_regain_access":\#(regain)}]}"#
        ]
    }

    private func paged(_ items: [[String: Any]], params: [String: String], limit: Int, path: String, token: String) -> Reply {
        var start = 0
        if let after = params["after"] {
            guard let index = Self.decodeCursor(after) else { return error(.invalidParameter("(#100) Invalid cursor")) }
            start = index + 1
        } else if let before = params["before"] {
            guard let index = Self.decodeCursor(before) else { return error(.invalidParameter("(#100) Invalid cursor")) }
            start = max(0, index - limit)
        }
        let end = min(items.count, start + limit)
        let slice = start < end ? Array(items[start..<end]) : []
        var body: [String: Any] = ["data": slice]
        if !slice.isEmpty {
            var paging: [String: Any] = ["cursors": ["before": Self.encodeCursor(start), "after": Self.encodeCursor(end - 1)]]
            var query = "access_token=\(Self.formEscape(token))&limit=\(limit)"
            if let fields = params["fields"] { query += "&fields=\(Self.formEscape(fields))" }
            if end < items.count { paging["next"] = "\(apiBaseURL)/\(path)?\(query)&after=\(Self.encodeCursor(end - 1))" }
            if start > 0 { paging["previous"] = "\(apiBaseURL)/\(path)?\(query)&before=\(Self.encodeCursor(start))" }
            body["paging"] = paging
        }
        return .json(200, object: body)
    }

    private func error(_ failure: GraphError) -> Reply {
        var inner: [String: Any] = [
            "message": failure.message, "type": failure.type, "code": failure.code,
            "fbtrace_id": "Fk" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(9)),
        ]
        if let subcode = failure.subcode { inner["error_subcode"] = subcode }
        if let transient = failure.isTransient { inner["is_transient"] = transient }
        var headers = HTTPHeaders()
        for (name, value) in failure.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        return .json(failure.status, object: ["error": inner], headers: headers)
    }

    /// Token errors also carry `WWW-Authenticate`, as Graph sends them.
    private func tokenError(_ failure: GraphError) -> Reply {
        var failure = failure
        failure.headers["WWW-Authenticate"] = #"OAuth "Facebook Platform" "invalid_token" "\#(failure.message)""#
        return error(failure)
    }

    private static func mint(_ state: inout State, kind: TokenKind, scopes: Set<String>) -> String {
        state.sequence += 1
        let token: String
        switch kind {
        case .user(let longLived): token = "EAAFake\(longLived ? "Long" : "Short")User\(state.sequence)"
        case .page(let id): token = "EAAFakePage\(id)x\(state.sequence)"
        }
        state.tokens[token] = Token(kind: kind, scopes: scopes)
        return token
    }

    private static func pageToken(_ state: inout State, userToken: String, pageID: String, scopes: Set<String>) -> String {
        let key = "\(userToken)|\(pageID)"
        if let existing = state.pageTokens[key] { return existing }
        let token = mint(&state, kind: .page(id: pageID), scopes: scopes)
        state.pageTokens[key] = token
        return token
    }

    private static func nextID(_ state: inout State, base: Int) -> Int {
        state.sequence += 1
        return base + state.sequence
    }

    private static func render(_ post: Post) -> [String: Any] {
        var item: [String: Any] = [
            "id": post.id, "created_time": post.createdTime, "is_published": post.published,
            "permalink_url": "https://www.facebook.com/\(post.pageID)/posts/\(post.id.split(separator: "_").last ?? "")",
            "status_type": post.photoID != nil ? "added_photos" : "mobile_status_update",
        ]
        if let message = post.message { item["message"] = message }
        if let link = post.link { item["link"] = link }
        return item
    }

    /// Graph answers the requested `fields` (top level; `a{b,c}` keeps `a` whole), or its defaults.
    private static func select(_ object: [String: Any], fields: String?, defaults: Set<String>) -> [String: Any] {
        var wanted = defaults
        if let fields, !fields.isEmpty {
            wanted = ["id"]
            var depth = 0
            var current = ""
            for character in fields + "," {
                switch character {
                case "{": depth += 1; if depth == 1 { wanted.insert(current); current = "" }
                case "}": depth -= 1
                case "," where depth == 0: if !current.isEmpty { wanted.insert(current) }; current = ""
                default: if depth == 0 { current.append(character) }
                }
            }
        }
        return object.filter { wanted.contains($0.key) }
    }

    private static func limit(_ params: [String: String]) -> Result<Int, GraphError> {
        guard let raw = params["limit"] else { return .success(25) }
        guard let value = Int(raw), value > 0 else { return .failure(.invalidParameter("(#100) Param limit must be a positive integer")) }
        return .success(min(value, 100))
    }

    private static func bool(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }

    private static func encodeCursor(_ index: Int) -> String {
        Data("cursor:\(index)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func decodeCursor(_ cursor: String) -> Int? {
        var text = cursor
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8), decoded.hasPrefix("cursor:") else {
            return nil
        }
        return Int(decoded.dropFirst("cursor:".count))
    }

    private static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        return formatter.string(from: Date()) + "+0000"
    }

    /// Graph reads parameters from the query string and from a form (or JSON) body alike.
    private static func parameters(_ request: Request) -> [String: String] {
        var params: [String: String] = [:]
        for (name, values) in request.queryItems { params[name] = values.last }
        let contentType = request.header("Content-Type")?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            for (name, values) in request.formItems { params[name] = values.last }
        } else if contentType.hasPrefix("application/json"), let object = request.json as? [String: Any] {
            for (name, value) in object {
                switch value {
                case let text as String: params[name] = text
                case let number as NSNumber: params[name] = number.stringValue
                default: break
                }
            }
        }
        return params
    }

    /// The token from `access_token` or from `Authorization: Bearer …` / `OAuth …`.
    private static func accessToken(_ request: Request, _ params: [String: String]) -> String? {
        if let token = params["access_token"], !token.isEmpty { return token }
        guard let header = request.header("Authorization") else { return nil }
        for scheme in ["Bearer ", "OAuth "] where header.lowercased().hasPrefix(scheme.lowercased()) {
            let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        return nil
    }
}
