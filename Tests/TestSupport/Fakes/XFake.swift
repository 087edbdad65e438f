// A fake of the X API v2 (api.x.com) and its OAuth 2.0 endpoints on loopback, following the
// documentation — not what our connector definition assumes:
//
// - OAuth 2.0 Authorization Code Flow with PKCE (authorize URL, token endpoint with HTTP Basic
//   for confidential clients, offline.access refresh tokens, 2-hour access tokens):
//   https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
//   https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
// - POST /2/tweets (text, media.media_ids, reply.in_reply_to_tweet_id, quote_tweet_id; 201):
//   https://docs.x.com/x-api/posts/create-post
// - DELETE /2/tweets/:id ({data: {deleted: true}}): https://docs.x.com/x-api/posts/delete-post
// - GET /2/users/me: https://docs.x.com/x-api/users/get-my-user
// - GET /2/users/:id/tweets (max_results 5–100, pagination_token, meta.next_token, start_time):
//   https://docs.x.com/x-api/users/get-posts
// - GET /2/tweets?ids= (partial errors beside data): https://docs.x.com/x-api/posts/get-posts-by-ids
// - Media upload v2: POST /2/media/upload/initialize, /2/media/upload/{id}/append (multipart
//   media + segment_index 0–999, at most 5 MB a segment), /2/media/upload/{id}/finalize,
//   GET /2/media/upload?command=STATUS&media_id= (processing_info.state pending, in_progress,
//   succeeded, failed; check_after_secs):
//   https://docs.x.com/x-api/media/quickstart/media-upload-chunked
//   https://docs.x.com/x-api/media/media-upload-initialize
//   https://docs.x.com/x-api/media/append-media-upload
// - Rate limits (x-rate-limit-limit / -remaining / -reset in epoch seconds on every answer;
//   429 when spent): https://docs.x.com/x-api/fundamentals/rate-limits
// - Errors (problem documents {title, detail, type, status}; validation errors[] with
//   parameters and message): https://docs.x.com/x-api/fundamentals/response-codes-and-errors
//
// Where the documentation gives no body (a scope the token lacks, a segment over the size
// limit) the fake answers in X's problem shape and says so where it does.

public import Foundation
import HTTPFields
import Synchronization

/// X on loopback: OAuth token and revoke endpoints, users/me, posts (create, delete, list by
/// user, look up by ids) and the v2 chunked media upload. Tokens it issued are the only ones it
/// accepts; posts it created are listed and deletable; media must be uploaded completely and
/// processed before a post can carry it. Knobs: `expire(token:)`, `injectRateLimit(calls:)`,
/// `answerNextPostLate(after:create:)`, `setProcessing(reads:fails:)`.
public final class XFake: ServedFake {
    /// The app registered with X.
    public static let defaultApp = FakeOAuthApp(
        clientID: "eC1mYWtlLWNsaWVudC1pZA", clientSecret: "x-fake-client-secret-0123456789", redirectURI: "http://127.0.0.1/oauth/x/callback")
    /// The authorizing user.
    public static let user = (id: "2244994945", name: "NeonHub Demo", username: "neonhubdemo")
    /// The scopes the definition asks for.
    public static let defaultScopes: Set<String> = ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"]
    /// Access tokens last two hours.
    public static let accessTokenLifetime = 7200
    /// The documented APPEND segment limit.
    public static let maxSegmentBytes = 5 * 1024 * 1024
    /// The media types initialize accepts (the documented enum, images and video).
    static let mediaTypes: Set<String> = [
        "video/mp4", "video/webm", "video/mp2t", "video/quicktime", "image/jpeg", "image/gif", "image/bmp", "image/png", "image/webp",
        "image/pjpeg", "image/tiff",
    ]

    /// A post as the fake keeps it.
    public struct Post: Sendable {
        /// The id.
        public var id: String
        /// The text.
        public var text: String
        /// Media ids attached.
        public var mediaIDs: [String]
        /// The post it replies to.
        public var inReplyTo: String?
        /// When it was created.
        public var createdAt: Date
    }

    private struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var challenge: String
        var method: String
        var used = false
    }

    private struct Token: Sendable {
        var scopes: Set<String>
        var expired = false
    }

    private struct Upload: Sendable {
        var mediaType: String
        var category: String
        var totalBytes: Int
        var segments: [Int: Int] = [:]
        var finalized = false
        var statusReads = 0
    }

    private struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Set<String>] = [:]
        var posts: [Post] = []
        var uploads: [String: Upload] = [:]
        var remaining: [String: Int] = [:]
        var rateLimitedCalls = 0
        var latePosts: [(create: Bool, delay: Duration)] = []
        var processingReads = 1
        var processingFails = false
        var sequence = 0
        var lastToken: String?
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: FakeOAuthApp
    /// Calls per endpoint and window (the reported `x-rate-limit-limit`).
    public let limit = 100
    /// When every window resets (epoch seconds), as the headers report it.
    public let resetEpoch = Int(Date().timeIntervalSince1970) + 900
    private let state = Mutex(State())

    /// A fake for `app`.
    public init(app: FakeOAuthApp = defaultApp) {
        self.app = app
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["title": "Service Unavailable"])
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.x.com`.
    public var baseURL: String { server.baseURL }
    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/2/oauth2/token" }

    // MARK: - Knobs

    /// What the consent screen does with the authorize URL's `query`: a code bound to its
    /// scopes, redirect URI and PKCE challenge; nil when the URL is not a valid authorization
    /// request (wrong client, no `code_challenge`, not `response_type=code`).
    public func authorize(_ query: [String: String]) -> String? {
        guard query["response_type"] == "code", query["client_id"] == app.clientID, let challenge = query["code_challenge"],
            !challenge.isEmpty, let redirect = query["redirect_uri"], query["state"]?.isEmpty == false
        else { return nil }
        let method = query["code_challenge_method"] ?? "plain"
        guard method == "S256" || method == "plain" else { return nil }
        let scopes = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        return state.withLock { state in
            state.sequence += 1
            let code = "VGhpc0lzQUZha2VDb2Rl\(state.sequence)"
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirect, challenge: challenge, method: method)
            return code
        }
    }

    /// An access token issued without the OAuth dance.
    public func issueAccessToken(scopes: Set<String> = XFake.defaultScopes) -> String {
        state.withLock { Self.mint(&$0, scopes: scopes) }
    }

    /// From now on `token` answers 401.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// The next `calls` API calls answer 429 with the window spent.
    public func injectRateLimit(calls: Int = 1) { state.withLock { $0.rateLimitedCalls += calls } }

    /// The next post is answered after `delay` (longer than the client waits); `create` says
    /// whether it is created all the same (the answer lost) or not at all.
    public func answerNextPostLate(after delay: Duration, create: Bool) { state.withLock { $0.latePosts.append((create, delay)) } }

    /// How many STATUS reads a video or GIF stays `in_progress`, and whether it then fails.
    public func setProcessing(reads: Int, fails: Bool = false) {
        state.withLock {
            $0.processingReads = max(0, reads)
            $0.processingFails = fails
        }
    }

    /// The access token issued last (by the token endpoint or `issueAccessToken`).
    public var lastAccessToken: String? { state.withLock { $0.lastToken } }

    /// Refresh grants the token endpoint has answered.
    public var refreshGrants: Int {
        requests.filter { $0.path == "/2/oauth2/token" && $0.formItems["grant_type"] == ["refresh_token"] }.count
    }

    /// The posts that exist, oldest first.
    public var posts: [Post] { state.withLock { $0.posts } }

    /// Bytes received per segment index of an upload.
    public func segments(of mediaID: String) -> [Int: Int] { state.withLock { $0.uploads[mediaID]?.segments ?? [:] } }

    /// Creates a post directly (someone else posting on the account).
    @discardableResult
    public func seedPost(_ text: String, at date: Date = Date()) -> String {
        state.withLock { state in
            let id = Self.nextID(&state)
            state.posts.append(Post(id: id, text: text, mediaIDs: [], inReplyTo: nil, createdAt: date))
            return id
        }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let path = request.path
        if path == "/2/oauth2/token" { return request.method == "POST" ? token(request) : problem(405, "Method Not Allowed", "Method not allowed") }
        if path == "/2/oauth2/revoke" { return revoke(request) }
        guard path.hasPrefix("/2/") else { return problem(404, "Not Found Error", "Not found") }
        // Bearer token (RFC 6750), user context.
        guard let auth = request.header("Authorization"), auth.lowercased().hasPrefix("bearer ") else { return unauthorized() }
        let presented = String(auth.dropFirst(7))
        guard let token = state.withLock({ $0.tokens[presented] }), !token.expired else { return unauthorized() }

        let segments = path.split(separator: "/").map(String.init)
        let endpoint = Self.endpoint(request.method, segments)
        let remaining: Int? = state.withLock { state in
            if state.rateLimitedCalls > 0 {
                state.rateLimitedCalls -= 1
                state.remaining[endpoint] = 0
                return nil
            }
            let left = max(0, (state.remaining[endpoint] ?? limit) - 1)
            state.remaining[endpoint] = left
            return left
        }
        guard let remaining else {
            return problem(429, "Too Many Requests", "Too Many Requests", headers: rateHeaders(remaining: 0))
        }
        var reply = route(request, segments: segments, token: token)
        for (name, value) in rateHeaders(remaining: remaining) { reply.headers.replaceOrAdd(name: name, value: value) }
        return reply
    }

    private func route(_ request: Request, segments: [String], token: Token) -> Reply {
        func need(_ scopes: Set<String>) -> Reply? {
            // A token without the endpoint's scopes: 403 in X's problem shape (no documented body).
            scopes.isSubset(of: token.scopes) ? nil : problem(403, "Forbidden", "You are not permitted to perform this action.")
        }
        switch (request.method, Array(segments.dropFirst())) {
        case ("GET", ["users", "me"]):
            return need(["users.read", "tweet.read"]) ?? me(request)
        case ("POST", ["tweets"]):
            return need(["tweet.read", "tweet.write", "users.read"]) ?? createPost(request)
        case ("DELETE", let rest) where rest.count == 2 && rest[0] == "tweets":
            return need(["tweet.read", "tweet.write", "users.read"]) ?? deletePost(rest[1])
        case ("GET", ["tweets"]):
            return need(["tweet.read", "users.read"]) ?? lookUp(request)
        case ("GET", let rest) where rest.count == 3 && rest[0] == "users" && rest[2] == "tweets":
            return need(["tweet.read", "users.read"]) ?? timeline(request, user: rest[1])
        case ("POST", ["media", "upload", "initialize"]):
            return need(["media.write"]) ?? initialize(request)
        case ("POST", let rest) where rest.count == 4 && rest[0] == "media" && rest[3] == "append":
            return need(["media.write"]) ?? append(request, id: rest[2])
        case ("POST", let rest) where rest.count == 4 && rest[0] == "media" && rest[3] == "finalize":
            return need(["media.write"]) ?? finalize(rest[2])
        case ("GET", ["media", "upload"]):
            return need(["media.write"]) ?? status(request)
        default:
            return problem(404, "Not Found Error", "Not found")
        }
    }

    // MARK: - OAuth

    private func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        }
        // Confidential client: HTTP Basic with client id:secret.
        let expected = "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
        guard request.header("Authorization") == expected else {
            return oauthError(401, "unauthorized_client", "Missing valid authorization header")
        }
        let form = request.formItems.compactMapValues(\.last)
        switch form["grant_type"] {
        case "authorization_code":
            let answer = state.withLock { state -> [String: Any]? in
                guard let code = form["code"], let grant = state.grants[code], !grant.used, grant.redirectURI == form["redirect_uri"],
                    let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier),
                    (grant.method == "S256" ? PKCE.s256Challenge(verifier) : verifier) == grant.challenge
                else { return nil }
                state.grants[code]?.used = true
                return Self.tokenAnswer(&state, scopes: grant.scopes)
            }
            guard let answer else { return oauthError(400, "invalid_request", "Value passed for the authorization code was invalid.") }
            return .json(200, object: answer)
        case "refresh_token":
            let answer = state.withLock { state -> [String: Any]? in
                // Refresh tokens rotate: the one used stops working.
                guard let presented = form["refresh_token"], let scopes = state.refreshTokens.removeValue(forKey: presented) else { return nil }
                return Self.tokenAnswer(&state, scopes: scopes)
            }
            guard let answer else { return oauthError(400, "invalid_request", "Value passed for the token was invalid.") }
            return .json(200, object: answer)
        default:
            return oauthError(400, "unsupported_grant_type", "Grant type is not supported")
        }
    }

    private func revoke(_ request: Request) -> Reply {
        let form = request.formItems.compactMapValues(\.last)
        let revoked = state.withLock { state -> Bool in
            guard let token = form["token"] else { return false }
            let known = state.tokens.removeValue(forKey: token) != nil || state.refreshTokens.removeValue(forKey: token) != nil
            return known
        }
        return .json(200, object: ["revoked": revoked])
    }

    private static func tokenAnswer(_ state: inout State, scopes: Set<String>) -> [String: Any] {
        var answer: [String: Any] = [
            "token_type": "bearer", "expires_in": accessTokenLifetime, "access_token": mint(&state, scopes: scopes),
            "scope": scopes.sorted().joined(separator: " "),
        ]
        if scopes.contains("offline.access") {
            state.sequence += 1
            let refresh = "cmVmcmVzaC10b2tlbi1mYWtl\(state.sequence)"
            state.refreshTokens[refresh] = scopes
            answer["refresh_token"] = refresh
        }
        return answer
    }

    private static func mint(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "eC1hY2Nlc3MtdG9rZW4\(state.sequence)"
        state.tokens[token] = Token(scopes: scopes)
        state.lastToken = token
        return token
    }

    private static func nextID(_ state: inout State) -> String {
        state.sequence += 1
        return String(1_880_000_000_000_000_000 + state.sequence * 1_000)
    }

    // MARK: - Users and posts

    private func me(_ request: Request) -> Reply {
        let fields = Set((request.queryItems["user.fields"]?.last ?? "").split(separator: ",").map(String.init))
        var user: [String: Any] = ["id": Self.user.id, "name": Self.user.name, "username": Self.user.username]
        if fields.contains("profile_image_url") { user["profile_image_url"] = "https://pbs.twimg.com/profile_images/fake_normal.jpg" }
        if fields.contains("verified") { user["verified"] = false }
        if fields.contains("public_metrics") {
            user["public_metrics"] = [
                "followers_count": 1520, "following_count": 180, "tweet_count": posts.count, "listed_count": 12, "like_count": 300,
            ]
        }
        return .json(200, object: ["data": user])
    }

    private func createPost(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let body = request.json as? [String: Any]
        else { return invalid(["body": ["not JSON"]], "The request body must be a JSON object") }
        let known: Set<String> = ["text", "media", "reply", "quote_tweet_id", "reply_settings", "poll", "geo", "for_super_followers_only"]
        if let unknown = body.keys.first(where: { !known.contains($0) }) {
            return invalid([unknown: ["unknown"]], "The `\(unknown)` field is not a recognized field")
        }
        let text = body["text"] as? String
        var mediaIDs: [String] = []
        if let media = body["media"] {
            guard let media = media as? [String: Any], let ids = media["media_ids"] as? [String], (1...4).contains(ids.count) else {
                return invalid(["media.media_ids": ["missing"]], "The `media.media_ids` field must hold 1 to 4 media ids")
            }
            let unusable = state.withLock { state in
                ids.first { id in
                    guard let upload = state.uploads[id], upload.finalized else { return true }
                    return Self.needsProcessing(upload) && (upload.statusReads <= state.processingReads || state.processingFails)
                }
            }
            if let unusable { return invalid(["media.media_ids": [unusable]], "Your media IDs are invalid.") }
            mediaIDs = ids
        }
        guard text?.isEmpty == false || !mediaIDs.isEmpty else {
            return invalid(["text": [""]], "The `text` field is required when no media is attached")
        }
        if let text, text.count > 280 { return invalid(["text": [String(text.prefix(20))]], "The `text` field is too long") }
        var replyTo: String?
        if let reply = body["reply"] {
            guard let reply = reply as? [String: Any], let id = reply["in_reply_to_tweet_id"] as? String, !id.isEmpty else {
                return invalid(["reply.in_reply_to_tweet_id": ["missing"]], "The `reply.in_reply_to_tweet_id` field is required")
            }
            replyTo = id
        }
        let late = state.withLock { state -> (create: Bool, delay: Duration)? in state.latePosts.isEmpty ? nil : state.latePosts.removeFirst() }
        let created = state.withLock { state -> Post? in
            if late?.create == false { return nil }
            if let text, state.posts.contains(where: { $0.text == text }) { return nil }
            let post = Post(id: Self.nextID(&state), text: text ?? "", mediaIDs: mediaIDs, inReplyTo: replyTo, createdAt: Date())
            state.posts.append(post)
            return post
        }
        if let late { return Reply(status: 503, body: []).delayed(late.delay) }
        guard let created else {
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        }
        return .json(201, object: ["data": ["id": created.id, "text": created.text, "edit_history_tweet_ids": [created.id]]])
    }

    private func deletePost(_ id: String) -> Reply {
        let deleted = state.withLock { state -> Bool in
            guard let index = state.posts.firstIndex(where: { $0.id == id }) else { return false }
            state.posts.remove(at: index)
            return true
        }
        guard deleted else {
            return problem(
                404, "Not Found Error", "Could not find tweet with id: [\(id)].", type: "https://api.twitter.com/2/problems/resource-not-found")
        }
        return .json(200, object: ["data": ["deleted": true]])
    }

    private func render(_ post: Post, fields: Set<String>) -> [String: Any] {
        var item: [String: Any] = ["id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]]
        if fields.contains("created_at") { item["created_at"] = ISO8601DateFormatter().string(from: post.createdAt) }
        if fields.contains("conversation_id") { item["conversation_id"] = post.inReplyTo ?? post.id }
        if fields.contains("public_metrics") {
            item["public_metrics"] = ["retweet_count": 2, "reply_count": 1, "like_count": 7, "quote_count": 0, "impression_count": 240]
        }
        if fields.contains("non_public_metrics") { item["non_public_metrics"] = ["impression_count": 240, "url_link_clicks": 9] }
        return item
    }

    private func timeline(_ request: Request, user: String) -> Reply {
        guard user == Self.user.id else {
            return problem(404, "Not Found Error", "Could not find user with id: [\(user)].")
        }
        let query = request.queryItems.compactMapValues(\.last)
        let size = Int(query["max_results"] ?? "10") ?? -1
        guard (5...100).contains(size) else {
            return invalid(
                ["max_results": [query["max_results"] ?? ""]], "The `max_results` query parameter value [\(size)] is not between 5 and 100")
        }
        var since: Date?
        if let start = query["start_time"] {
            guard let date = ISO8601DateFormatter().date(from: start) else {
                return invalid(["start_time": [start]], "Invalid 'start_time':'\(start)'. 'start_time' must be a valid RFC 3339 timestamp")
            }
            since = date
        }
        let newestFirst = posts.reversed().filter { since == nil || $0.createdAt >= since! }
        var offset = 0
        if let token = query["pagination_token"] {
            guard let decoded = Int(token.dropFirst(4)), token.hasPrefix("page") else {
                return invalid(["pagination_token": [token]], "The `pagination_token` query parameter value is invalid")
            }
            offset = decoded
        }
        let fields = Set((query["tweet.fields"] ?? "").split(separator: ",").map(String.init))
        let page = Array(newestFirst.dropFirst(offset).prefix(size))
        var meta: [String: Any] = ["result_count": page.count]
        guard !page.isEmpty else { return .json(200, object: ["meta": meta]) }
        meta["newest_id"] = page.first?.id
        meta["oldest_id"] = page.last?.id
        if offset + size < newestFirst.count { meta["next_token"] = "page\(offset + size)" }
        return .json(200, object: ["data": page.map { render($0, fields: fields) }, "meta": meta])
    }

    private func lookUp(_ request: Request) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        let ids = (query["ids"] ?? "").split(separator: ",").map(String.init)
        guard (1...100).contains(ids.count) else { return invalid(["ids": [query["ids"] ?? ""]], "The `ids` query parameter must hold 1 to 100 ids") }
        let fields = Set((query["tweet.fields"] ?? "").split(separator: ",").map(String.init))
        let all = posts
        var data: [[String: Any]] = []
        var errors: [[String: Any]] = []
        for id in ids {
            if let post = all.first(where: { $0.id == id }) {
                data.append(render(post, fields: fields))
            } else {
                errors.append([
                    "value": id, "detail": "Could not find tweet with ids: [\(id)].", "title": "Not Found Error", "resource_type": "tweet",
                    "parameter": "ids", "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found",
                ])
            }
        }
        var body: [String: Any] = [:]
        if !data.isEmpty { body["data"] = data }
        if !errors.isEmpty { body["errors"] = errors }
        return .json(200, object: body)
    }

    // MARK: - Media upload

    private static func needsProcessing(_ upload: Upload) -> Bool {
        upload.mediaType.hasPrefix("video/") || upload.category == "tweet_gif" || upload.category == "amplify_video"
    }

    private func initialize(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, let body = request.json as? [String: Any]
        else { return invalid(["body": ["not JSON"]], "The request body must be a JSON object") }
        guard let mediaType = body["media_type"] as? String, Self.mediaTypes.contains(mediaType) else {
            return invalid(["media_type": ["\(body["media_type"] ?? "")"]], "The `media_type` field is missing or not supported")
        }
        guard let total = body["total_bytes"] as? Int, (1...536_870_912).contains(total) else {
            return invalid(["total_bytes": ["\(body["total_bytes"] ?? "")"]], "The `total_bytes` field must be between 0 and 536870912")
        }
        let category = body["media_category"] as? String ?? "tweet_image"
        let id = state.withLock { state in
            let id = Self.nextID(&state)
            state.uploads[id] = Upload(mediaType: mediaType, category: category, totalBytes: total)
            return id
        }
        let prefix = mediaType.hasPrefix("video/") ? "7" : mediaType == "image/gif" ? "16" : "3"
        return .json(200, object: ["data": ["id": id, "media_key": "\(prefix)_\(id)", "expires_after_secs": 86_400]])
    }

    private func append(_ request: Request, id: String) -> Reply {
        guard let type = request.header("Content-Type"), type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = type.components(separatedBy: "boundary=").last, !boundary.isEmpty
        else { return invalid(["media": [""]], "The request must be multipart/form-data") }
        let parts = Self.multipart(request.body, boundary: boundary)
        guard let index = parts["segment_index"].flatMap({ Int(String(decoding: $0, as: UTF8.self)) }), (0...999).contains(index) else {
            return invalid(["segment_index": [""]], "The `segment_index` field must be between 0 and 999")
        }
        guard let media = parts["media"], !media.isEmpty else { return invalid(["media": [""]], "The `media` field is required") }
        // Over the documented 5 MB a segment: refused in X's validation shape (no documented body).
        guard media.count <= Self.maxSegmentBytes else { return invalid(["media": ["\(media.count)"]], "The segment is larger than 5 MB") }
        let known = state.withLock { state -> Bool in
            guard state.uploads[id] != nil, state.uploads[id]?.finalized == false else { return false }
            state.uploads[id]?.segments[index] = media.count
            return true
        }
        guard known else { return invalid(["id": [id]], "The media id is invalid or already finalized") }
        return .json(200, object: ["data": ["expires_at": Int(Date().timeIntervalSince1970) + 86_400]])
    }

    private func finalize(_ id: String) -> Reply {
        let outcome = state.withLock { state -> Result<Upload, XFakeProblem> in
            guard var upload = state.uploads[id], !upload.finalized else {
                return .failure(XFakeProblem("The media id is invalid or already finalized"))
            }
            let indexes = upload.segments.keys.sorted()
            guard indexes == Array(0..<indexes.count), upload.segments.values.reduce(0, +) == upload.totalBytes else {
                return .failure(XFakeProblem("Segments do not add up to provided total file size."))
            }
            upload.finalized = true
            state.uploads[id] = upload
            return .success(upload)
        }
        switch outcome {
        case .failure(let failure): return invalid(["id": [id]], failure.message)
        case .success(let upload):
            var data: [String: Any] = ["id": id, "media_key": "3_\(id)", "size": upload.totalBytes, "expires_after_secs": 86_400]
            if Self.needsProcessing(upload) { data["processing_info"] = ["state": "pending", "check_after_secs": 1] }
            return .json(200, object: ["data": data])
        }
    }

    private func status(_ request: Request) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        guard query["command"] == "STATUS", let id = query["media_id"] else {
            return invalid(["command": [query["command"] ?? ""]], "The `command` query parameter must be STATUS with a media_id")
        }
        let reading = state.withLock { state -> (Upload, Int, Bool)? in
            guard state.uploads[id]?.finalized == true else { return nil }
            state.uploads[id]?.statusReads += 1
            return (state.uploads[id]!, state.processingReads, state.processingFails)
        }
        guard let reading else { return invalid(["media_id": [id]], "The media id is invalid") }
        let (upload, reads, fails) = reading
        let info: [String: Any]
        if !Self.needsProcessing(upload) || upload.statusReads > reads {
            info =
                fails && Self.needsProcessing(upload)
                ? ["state": "failed", "progress_percent": 100, "error": ["code": 1, "name": "InvalidMedia", "message": "Unsupported video format"]]
                : ["state": "succeeded", "progress_percent": 100]
        } else {
            info = ["state": "in_progress", "check_after_secs": 1, "progress_percent": 100 * upload.statusReads / (reads + 1)]
        }
        return .json(200, object: ["data": ["id": id, "media_key": "7_\(id)", "processing_info": info]])
    }

    /// The parts of a multipart/form-data body (RFC 7578) by name.
    public static func multipart(_ body: [UInt8], boundary: String) -> [String: [UInt8]] {
        let data = Data(body)
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [String: [UInt8]] = [:]
        var cursor = data.startIndex
        while let start = data.range(of: delimiter, in: cursor..<data.endIndex) {
            guard let next = data.range(of: delimiter, in: start.upperBound..<data.endIndex) else { break }
            let part = data[start.upperBound..<next.lowerBound]
            if let split = part.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
                var content = part[split.upperBound..<part.endIndex]
                if content.suffix(2) == Data("\r\n".utf8) { content = content.dropLast(2) }
                if let name = head.components(separatedBy: "name=\"").dropFirst().first?.components(separatedBy: "\"").first {
                    parts[name] = [UInt8](content)
                }
            }
            cursor = next.lowerBound
        }
        return parts
    }

    // MARK: - Answers

    private static func endpoint(_ method: String, _ segments: [String]) -> String {
        let shape = segments.map { $0.allSatisfy(\.isNumber) ? ":id" : $0 }
        return method + " /" + shape.joined(separator: "/")
    }

    private func rateHeaders(remaining: Int) -> [String: String] {
        ["x-rate-limit-limit": String(limit), "x-rate-limit-remaining": String(remaining), "x-rate-limit-reset": String(resetEpoch)]
    }

    private func unauthorized() -> Reply { problem(401, "Unauthorized", "Unauthorized") }

    private func invalid(_ parameters: [String: [String]], _ message: String) -> Reply {
        .json(
            400,
            object: [
                "errors": [["parameters": parameters, "message": message]], "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request",
            ])
    }

    private func problem(_ status: Int, _ title: String, _ detail: String, type: String = "about:blank", headers: [String: String] = [:]) -> Reply {
        var reply = Reply.json(status, object: ["title": title, "detail": detail, "type": type, "status": status])
        for (name, value) in headers { reply.headers.replaceOrAdd(name: name, value: value) }
        return reply
    }

    private func oauthError(_ status: Int, _ code: String, _ description: String) -> Reply {
        .json(status, object: ["error": code, "error_description": description])
    }
}

/// A refusal inside the fake's state lock, answered outside it.
struct XFakeProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
