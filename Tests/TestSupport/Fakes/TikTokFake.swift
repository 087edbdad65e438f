// A fake of TikTok's OAuth v2 token endpoint and open API (open.tiktokapis.com: Display API and
// Content Posting API) and of the upload host its FILE_UPLOAD inits hand out, on loopback,
// following the documentation — not what our connector definition assumes:
//
// - OAuth v2 user access token management (token endpoint, form body with client_key,
//   client_secret; refresh_token grant; 24 h access tokens; a refresh may rotate the refresh token):
//   https://developers.tiktok.com/doc/oauth-user-access-token-management
// - Login Kit for Web (authorize URL with client_key, comma-separated scope):
//   https://developers.tiktok.com/doc/login-kit-web
// - Error handling ({data, error: {code, message, log_id}}; access_token_invalid 401,
//   invalid_params 400, rate_limit_exceeded 429, scope_not_authorized 401, internal_error 500):
//   https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
// - Rate limits (per endpoint, one-minute sliding window, 429 rate_limit_exceeded, no headers):
//   https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit
// - Get user info (GET /v2/user/info/?fields=…): https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
// - List videos (POST /v2/video/list/?fields=…, max_count ≤ 20, cursor in the body):
//   https://developers.tiktok.com/doc/tiktok-api-v2-video-list
// - Query videos (POST /v2/video/query/?fields=…, filters.video_ids ≤ 20):
//   https://developers.tiktok.com/doc/tiktok-api-v2-video-query
// - Query creator info (20/min): https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
// - Direct post (POST /v2/post/publish/video/init/, 6/min):
//   https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
// - Upload to inbox (POST /v2/post/publish/inbox/video/init/, 6/min):
//   https://developers.tiktok.com/doc/content-posting-api-reference-upload-video
// - Media transfer guide (chunks 5–64 MB, last up to 128 MB, floor(video_size / chunk_size)
//   chunks, 1–1000, sequential PUTs with Content-Range, 206 then 201):
//   https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
// - Photo post (POST /v2/post/publish/content/init/, media_type PHOTO, 1–35 photo_images):
//   https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
// - Get post status (POST /v2/post/publish/status/fetch/, 30/min; publicaly_available_post_id):
//   https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
//
// Where the documentation gives a code but no HTTP status (privacy_level_option_mismatch,
// url_ownership_unverified), the fake answers 400 and 403 and says so at the line.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// TikTok on loopback: `/v2/oauth/token/`, `/v2/user/info/`, `/v2/video/list/`,
/// `/v2/video/query/`, the Content Posting endpoints and the upload URL they hand out.
///
/// It keeps state like the real thing: only tokens it issued are accepted, refresh tokens rotate
/// (the previous one stops working when `rotatesRefreshTokens`), a FILE_UPLOAD publish waits for
/// every chunk in order, and a publish's status moves from processing to complete after
/// `processingPolls` status reads. Knobs: `expire(token:)`, `failNext(_:code:message:)`,
/// `failPublish(reason:)`, `setLimit(path:perMinute:)`, `processingPolls`, `privacyLevelOptions`.
public final class TikTokFake: ServedFake {
    /// The app registered at TikTok for Developers (`client_key` is TikTok's client id).
    public static let defaultApp = FakeOAuthApp(
        clientID: "awfakeclientkey1", clientSecret: "fake-tiktok-secret", redirectURI: "http://127.0.0.1/oauth/tiktok/callback")
    /// Access tokens live 24 hours (`expires_in` 86400).
    public static let accessTokenLifetime = 86_400
    /// Refresh tokens live 365 days (`refresh_expires_in`).
    public static let refreshTokenLifetime = 31_536_000
    /// The documented per-minute limits, per endpoint and token.
    public static let documentedLimits: [String: Int] = [
        "/v2/user/info/": 600, "/v2/video/list/": 600, "/v2/video/query/": 600, "/v2/post/publish/creator_info/query/": 20,
        "/v2/post/publish/video/init/": 6, "/v2/post/publish/inbox/video/init/": 6, "/v2/post/publish/content/init/": 6,
        "/v2/post/publish/status/fetch/": 30,
    ]
    /// The creator's `open_id`.
    public static let openID = "-000Wm7Fj8ZQwVE7bJk1Nnm2KxS7-fake"

    /// A publish TikTok knows about.
    public struct Publish: Sendable {
        /// `publish_id`.
        public var id: String
        /// `video.init`, `inbox`, or `photo`.
        public var kind: String
        /// `FILE_UPLOAD` or `PULL_FROM_URL`.
        public var source: String
        /// The `post_info` sent (JSON text), if any.
        public var postInfo: String?
        /// FILE_UPLOAD: `video_size`, `chunk_size`, `total_chunk_count`.
        public var videoSize = 0, chunkSize = 0, chunkCount = 0
        /// The chunks received so far.
        public var chunksReceived = 0
        /// The bytes received so far.
        public var uploadedBytes = 0
        /// Status reads so far.
        public var statusReads = 0
        /// Set when the publish fails.
        public var failReason: String?
        /// The post id once public.
        public var postID: Int64?
    }

    private struct Token: Sendable {
        var scopes: Set<String>
        var expired = false
        var openID: String
    }

    private struct Fault: Sendable {
        var status: Int
        var code: String
        var message: String
    }

    private struct State: Sendable {
        var grants: [String: (scopes: Set<String>, redirectURI: String)] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Bool] = [:]
        var publishes: [String: Publish] = [:]
        var uploadTokens: [String: String] = [:]
        var calls: [String: [Date]] = [:]
        var limits = TikTokFake.documentedLimits
        var failNextPublish: String?
        var failingPaths: [String: Fault] = [:]
        var processingPolls = 1
        var privacyLevelOptions = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        var rotatesRefreshTokens = true
        var frozenNow: Date?
        var sequence = 0
        var videos: [(id: String, title: String, createTime: Int)] = [
            ("7340000000000000001", "Spring drop #coffee", 1_772_380_000), ("7330000000000000002", "Latte art in 10s", 1_771_000_000),
            ("7320000000000000003", "Roastery tour", 1_770_000_000),
        ]
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer(maxBodyBytes: 72 * 1_048_576)
    /// The app.
    public let app: FakeOAuthApp
    /// URL prefixes verified for PULL_FROM_URL.
    public let verifiedPrefixes: [String]
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake for `app`; PULL_FROM_URL media must start with one of `verifiedPrefixes`.
    public init(app: FakeOAuthApp = defaultApp, verifiedPrefixes: [String] = ["https://www.example.com/media/"]) {
        self.app = app
        self.verifiedPrefixes = verifiedPrefixes
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": ["code": "internal_error", "message": "fake gone", "log_id": ""]])
        }
    }

    // MARK: - Lifecycle and knobs

    /// `http://127.0.0.1:<port>`: stands for `https://open.tiktokapis.com` and the upload host.
    public var baseURL: String { server.baseURL }

    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/v2/oauth/token/" }

    /// What the consent screen would do: an authorization code for `scopes`.
    public func authorize(
        scopes: Set<String> = ["user.info.basic", "video.publish", "video.upload", "video.list"], redirectURI: String? = nil
    ) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = "fakecode\(state.sequence)*!"
            state.grants[code] = (scopes, redirectURI ?? app.redirectURI)
            return code
        }
    }

    /// An access token (and its refresh token) issued without the OAuth dance.
    public func issueTokens(scopes: Set<String> = ["user.info.basic", "video.publish", "video.upload", "video.list"]) -> (
        access: String, refresh: String
    ) {
        state.withLock { Self.mint(&$0, scopes: scopes) }
    }

    /// From now on `token` answers 401 access_token_invalid.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// Whether a refresh token is still accepted.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refreshTokens[refreshToken] ?? false } }

    /// Whether a refresh answers a new refresh token and retires the old one (default true).
    public func setRotatesRefreshTokens(_ rotates: Bool) { state.withLock { $0.rotatesRefreshTokens = rotates } }

    /// The next `calls` API calls answer `status` with TikTok's error `code` and `message`.
    public func failNext(_ calls: Int = 1, status: Int, code: String, message: String) {
        faults.add(Fault(status: status, code: code, message: message), calls: calls)
    }

    /// Every call to `path` answers `status` with TikTok's error `code` and `message` until
    /// called again with a nil status (an outage of one endpoint, such as the status reads).
    public func fail(path: String, status: Int?, code: String = "internal_error", message: String = "Something went wrong.") {
        state.withLock { $0.failingPaths[path] = status.map { Fault(status: $0, code: code, message: message) } }
    }

    /// The next publish ends FAILED with `reason` (a documented fail_reason).
    public func failPublish(reason: String) { state.withLock { $0.failNextPublish = reason } }

    /// A publish already under way ends FAILED with `reason` from its next status read (TikTok
    /// reports failures found while processing the same way as at the start).
    public func fail(publish id: String, reason: String) { state.withLock { $0.publishes[id]?.failReason = reason } }

    /// Status reads that still answer processing before a publish completes (default 1).
    public func setProcessingPolls(_ polls: Int) { state.withLock { $0.processingPolls = polls } }

    /// The requests per minute `path` takes per token.
    public func setLimit(path: String, perMinute: Int) { state.withLock { $0.limits[path] = perMinute } }

    /// Stops the rate-limit windows' clock now (false: the wall clock again), so a test counts
    /// requests in one window however slowly a loaded machine sends them.
    public func freezeClock(_ frozen: Bool = true) { state.withLock { $0.frozenNow = frozen ? Date() : nil } }

    /// The creator's privacy_level_options.
    public func setPrivacyLevelOptions(_ options: [String]) { state.withLock { $0.privacyLevelOptions = options } }

    /// Every publish, by publish id.
    public var publishes: [String: Publish] { state.withLock { $0.publishes } }

    /// Publishes that reached PUBLISH_COMPLETE or SEND_TO_USER_INBOX.
    public var completedPublishes: Int {
        state.withLock { state in
            state.publishes.values.filter { $0.failReason == nil && $0.statusReads > state.processingPolls && Self.uploadDone($0) }.count
        }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        if request.path == "/v2/oauth/token/" { return oauthToken(request) }
        if request.path == "/upload/video/" { return upload(request) }
        let routes: [String: String] = [
            "/v2/user/info/": "GET", "/v2/video/list/": "POST", "/v2/video/query/": "POST", "/v2/post/publish/creator_info/query/": "POST",
            "/v2/post/publish/video/init/": "POST", "/v2/post/publish/inbox/video/init/": "POST", "/v2/post/publish/content/init/": "POST",
            "/v2/post/publish/status/fetch/": "POST",
        ]
        guard let method = routes[request.path] else { return error(404, "invalid_params", "Unknown endpoint \(request.path)") }
        guard method == request.method else { return error(405, "invalid_params", "Method not allowed") }
        // Authorization: Bearer {access_token}, a token this fake issued and did not expire.
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
            let token = state.withLock({ $0.tokens[String(header.dropFirst(7))] }), !token.expired
        else { return error(401, "access_token_invalid", "The access token is invalid or not found in the request.") }
        let bearer = String(header.dropFirst(7))
        if let fault = faults.take() ?? state.withLock({ $0.failingPaths[request.path] }) { return error(fault.status, fault.code, fault.message) }
        if limited(path: request.path, token: bearer) {
            return error(429, "rate_limit_exceeded", "API rate limit was exceeded, please try again later.")
        }
        if method == "POST" {
            // Content-Type: application/json; charset=UTF-8 (required by each POST's reference).
            guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
                return error(400, "invalid_params", "Content-Type must be application/json; charset=UTF-8")
            }
        }
        let body = request.json as? [String: Any] ?? [:]
        switch request.path {
        case "/v2/user/info/": return userInfo(request, token: token)
        case "/v2/video/list/": return videoList(request, body: body, token: token)
        case "/v2/video/query/": return videoQuery(request, body: body, token: token)
        case "/v2/post/publish/creator_info/query/": return creatorInfo(token: token)
        case "/v2/post/publish/video/init/": return videoInit(body, token: token, inbox: false)
        case "/v2/post/publish/inbox/video/init/": return videoInit(body, token: token, inbox: true)
        case "/v2/post/publish/content/init/": return photoInit(body, token: token)
        default: return status(body)
        }
    }

    /// One-minute sliding window per endpoint and token.
    private func limited(path: String, token: String) -> Bool {
        state.withLock { state in
            let now = state.frozenNow ?? Date(), key = token + " " + path
            let recent = (state.calls[key] ?? []).filter { now.timeIntervalSince($0) < 60 }
            guard recent.count < state.limits[path, default: 600] else {
                state.calls[key] = recent
                return true
            }
            state.calls[key] = recent + [now]
            return false
        }
    }

    // MARK: - OAuth

    private func oauthToken(_ request: Request) -> Reply {
        guard request.method == "POST" else { return oauthError("invalid_request", "Method not allowed") }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return oauthError("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        }
        let form = request.formItems.compactMapValues(\.first)
        // client_key (TikTok's name for the client id), never client_id.
        guard form["client_key"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return oauthError("invalid_client", "Client key or secret is incorrect.")
        }
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], let grant = state.withLock({ $0.grants.removeValue(forKey: code) }) else {
                return oauthError("invalid_grant", "Authorization code is expired.")
            }
            guard form["redirect_uri"] == grant.redirectURI else { return oauthError("invalid_request", "Redirect URI mismatch.") }
            let minted = state.withLock { Self.mint(&$0, scopes: grant.scopes) }
            return tokenReply(access: minted.access, refresh: minted.refresh, scopes: grant.scopes)
        case "refresh_token":
            guard let old = form["refresh_token"] else { return oauthError("invalid_request", "refresh_token is required.") }
            let minted: (access: String, refresh: String)? = state.withLock { state in
                guard state.refreshTokens[old] == true else { return nil }
                let scopes: Set<String> = ["user.info.basic", "video.publish", "video.upload", "video.list"]
                if state.rotatesRefreshTokens {
                    state.refreshTokens[old] = false
                    return Self.mint(&state, scopes: scopes)
                }
                let access = Self.mint(&state, scopes: scopes).access
                return (access, old)
            }
            guard let minted else { return oauthError("invalid_grant", "Refresh token is invalid or expired.") }
            return tokenReply(
                access: minted.access, refresh: minted.refresh, scopes: ["user.info.basic", "video.publish", "video.upload", "video.list"])
        default:
            return oauthError("unsupported_grant_type", "The grant type is not supported.")
        }
    }

    private static func mint(_ state: inout State, scopes: Set<String>) -> (access: String, refresh: String) {
        state.sequence += 1
        let access = "act.fake\(state.sequence)token", refresh = "rft.fake\(state.sequence)refresh"
        state.tokens[access] = Token(scopes: scopes, openID: openID)
        state.refreshTokens[refresh] = true
        return (access, refresh)
    }

    private func tokenReply(access: String, refresh: String, scopes: Set<String>) -> Reply {
        .json(
            200,
            object: [
                "access_token": access, "expires_in": Self.accessTokenLifetime, "open_id": Self.openID,
                "refresh_expires_in": Self.refreshTokenLifetime, "refresh_token": refresh, "scope": scopes.sorted().joined(separator: ","),
                "token_type": "Bearer",
            ])
    }

    /// The token endpoint's documented error shape: `error`, `error_description`, `log_id`.
    private func oauthError(_ code: String, _ description: String) -> Reply {
        .json(400, object: ["error": code, "error_description": description, "log_id": "20260301120000FAKEOAUTH"])
    }

    // MARK: - Display API

    private func userInfo(_ request: Request, token: Token) -> Reply {
        guard token.scopes.contains("user.info.basic") else { return error(401, "scope_not_authorized", "user.info.basic is required") }
        guard let fields = request.queryItems["fields"]?.first, !fields.isEmpty else { return error(400, "invalid_params", "fields is required") }
        let all: [String: Any] = [
            "open_id": token.openID, "union_id": "c9c60f44-a68e-4f5d-84dd-fake", "avatar_url": "https://p16-sign.tiktokcdn-us.com/fake.jpeg",
            "display_name": "NeonHub Demo", "username": "neonhub.demo", "follower_count": 2048, "following_count": 31, "likes_count": 12850,
            "video_count": 42, "is_verified": false, "profile_deep_link": "https://vm.tiktok.com/ZMfake/",
        ]
        var user: [String: Any] = [:]
        for field in fields.split(separator: ",").map(String.init) {
            guard let value = all[field] else { return error(400, "invalid_params", "Unknown field \(field)") }
            user[field] = value
        }
        return ok(["user": user])
    }

    private func videoList(_ request: Request, body: [String: Any], token: Token) -> Reply {
        guard token.scopes.contains("video.list") else { return error(401, "scope_not_authorized", "video.list is required") }
        guard request.queryItems["fields"]?.first?.isEmpty == false else { return error(400, "invalid_params", "fields is required") }
        let maxCount = (body["max_count"] as? NSNumber)?.intValue ?? 20
        guard (1...20).contains(maxCount) else { return error(400, "invalid_params", "max_count must be 1–20") }
        if let cursor = body["cursor"], !(cursor is NSNumber) {
            return error(400, "invalid_params", "cursor must be an int64")
        }
        let cursor = (body["cursor"] as? NSNumber)?.int64Value
        let videos = state.withLock { $0.videos }.filter { cursor == nil || Int64($0.createTime) * 1000 < cursor! }
        let page = Array(videos.prefix(maxCount))
        let items: [[String: Any]] = page.map {
            [
                "id": $0.id, "title": $0.title, "video_description": $0.title, "create_time": $0.createTime,
                "share_url": "https://www.tiktok.com/@neonhub.demo/video/\($0.id)", "duration": 15, "view_count": 1000, "like_count": 50,
                "comment_count": 4, "share_count": 2, "cover_image_url": "https://p16-sign.tiktokcdn-us.com/cover.jpeg",
            ]
        }
        let next = page.last.map { Int64($0.createTime) * 1000 } ?? 0
        return ok(["videos": items, "cursor": next, "has_more": videos.count > page.count])
    }

    private func videoQuery(_ request: Request, body: [String: Any], token: Token) -> Reply {
        guard token.scopes.contains("video.list") else { return error(401, "scope_not_authorized", "video.list is required") }
        guard request.queryItems["fields"]?.first?.isEmpty == false else { return error(400, "invalid_params", "fields is required") }
        guard let ids = (body["filters"] as? [String: Any])?["video_ids"] as? [String], (1...20).contains(ids.count) else {
            return error(400, "invalid_params", "filters.video_ids must hold 1–20 ids")
        }
        let known = state.withLock { $0.videos }.filter { ids.contains($0.id) }
        return ok(["videos": known.map { ["id": $0.id, "title": $0.title, "create_time": $0.createTime, "view_count": 1000, "like_count": 50] }])
    }

    // MARK: - Content Posting API

    private func creatorInfo(token: Token) -> Reply {
        guard token.scopes.contains("video.publish") else { return error(401, "scope_not_authorized", "video.publish is required") }
        let options = state.withLock { $0.privacyLevelOptions }
        return ok([
            "creator_avatar_url": "https://p16-sign.tiktokcdn-us.com/fake.jpeg", "creator_username": "neonhub.demo",
            "creator_nickname": "NeonHub Demo", "privacy_level_options": options, "comment_disabled": false, "duet_disabled": false,
            "stitch_disabled": true, "max_video_post_duration_sec": 300,
        ])
    }

    private func videoInit(_ body: [String: Any], token: Token, inbox: Bool) -> Reply {
        let scope = inbox ? "video.upload" : "video.publish"
        guard token.scopes.contains(scope) else { return error(401, "scope_not_authorized", "\(scope) is required") }
        guard let source = body["source_info"] as? [String: Any], let kind = source["source"] as? String else {
            return error(400, "invalid_params", "source_info.source is required")
        }
        var postInfoText: String?
        if !inbox {
            guard let info = body["post_info"] as? [String: Any], let level = info["privacy_level"] as? String else {
                return error(400, "invalid_params", "post_info.privacy_level is required")
            }
            // The code is documented; its HTTP status is not: 400 here.
            guard state.withLock({ $0.privacyLevelOptions }).contains(level) else {
                return error(400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's privacy_level_options.")
            }
            if let title = info["title"] as? String, title.utf16.count > 2200 { return error(400, "invalid_params", "title is too long") }
            postInfoText = (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        }
        var publish = Publish(id: "", kind: inbox ? "inbox" : "video.init", source: kind, postInfo: postInfoText)
        switch kind {
        case "PULL_FROM_URL":
            guard let url = source["video_url"] as? String else { return error(400, "invalid_params", "source_info.video_url is required") }
            // The code is documented; its HTTP status is not: 403 here.
            guard verifiedPrefixes.contains(where: { url.hasPrefix($0) }) else {
                return error(403, "url_ownership_unverified", "The video_url's domain or prefix is not verified.")
            }
        case "FILE_UPLOAD":
            guard let size = (source["video_size"] as? NSNumber)?.intValue, let chunk = (source["chunk_size"] as? NSNumber)?.intValue,
                let count = (source["total_chunk_count"] as? NSNumber)?.intValue, size > 0, chunk > 0
            else { return error(400, "invalid_params", "video_size, chunk_size and total_chunk_count are required for FILE_UPLOAD") }
            if let problem = Self.chunkProblem(size: size, chunk: chunk, count: count) { return error(400, "invalid_params", problem) }
            publish.videoSize = size
            publish.chunkSize = chunk
            publish.chunkCount = count
        default:
            return error(400, "invalid_params", "source_info.source must be FILE_UPLOAD or PULL_FROM_URL")
        }
        let (id, uploadToken) = state.withLock { state -> (String, String) in
            state.sequence += 1
            publish.id = (inbox ? "v_inbox_file~v2." : "v_pub_file~v2-1.") + "73400000000\(state.sequence)"
            if let reason = state.failNextPublish {
                publish.failReason = reason
                state.failNextPublish = nil
            }
            state.publishes[publish.id] = publish
            let uploadToken = "upl\(state.sequence)"
            state.uploadTokens[uploadToken] = publish.id
            return (publish.id, uploadToken)
        }
        var data: [String: Any] = ["publish_id": id]
        if kind == "FILE_UPLOAD" { data["upload_url"] = "\(baseURL)/upload/video/?upload_id=\(uploadToken.dropFirst(3))&upload_token=\(uploadToken)" }
        return ok(data)
    }

    /// The media transfer guide's chunk rules, or nil when they hold.
    public static func chunkProblem(size: Int, chunk: Int, count: Int) -> String? {
        let minimum = 5 * 1_048_576, maximum = 64_000_000, lastMaximum = 128_000_000
        guard (1...1000).contains(count) else { return "total_chunk_count must be 1–1000" }
        if size < minimum { return chunk == size && count == 1 ? nil : "a video under 5 MB goes as one chunk of its whole size" }
        if count == 1 { return chunk == size && size <= maximum ? nil : "a video over 64 MB must go in several chunks" }
        guard (minimum...maximum).contains(chunk) else { return "chunk_size must be 5–64 MB" }
        guard count == size / chunk else { return "total_chunk_count must be video_size / chunk_size rounded down" }
        return size - chunk * (count - 1) <= lastMaximum ? nil : "the last chunk may be at most 128 MB"
    }

    private func upload(_ request: Request) -> Reply {
        guard request.method == "PUT" else { return error(405, "invalid_params", "Method not allowed") }
        guard let token = request.queryItems["upload_token"]?.first, let id = state.withLock({ $0.uploadTokens[token] }) else {
            return error(404, "invalid_params", "Unknown upload URL")
        }
        guard let type = request.header("Content-Type"), ["video/mp4", "video/quicktime", "video/webm"].contains(type.lowercased()) else {
            return error(400, "invalid_file_upload", "Content-Type must be the video's MIME type")
        }
        return state.withLock { state -> Reply in
            guard var publish = state.publishes[id], publish.chunksReceived < publish.chunkCount else {
                return Self.errorReply(400, "invalid_file_upload", "Every chunk was already received")
            }
            let first = publish.chunksReceived * publish.chunkSize
            let last = publish.chunksReceived == publish.chunkCount - 1 ? publish.videoSize - 1 : first + publish.chunkSize - 1
            // Content-Range: bytes {FIRST_BYTE}-{LAST_BYTE}/{TOTAL_BYTE_LENGTH}, chunks in order.
            guard request.header("Content-Range") == "bytes \(first)-\(last)/\(publish.videoSize)", request.body.count == last - first + 1 else {
                return Self.errorReply(400, "invalid_file_upload", "Expected bytes \(first)-\(last)/\(publish.videoSize)")
            }
            publish.chunksReceived += 1
            publish.uploadedBytes += request.body.count
            state.publishes[id] = publish
            return Reply(status: publish.chunksReceived == publish.chunkCount ? 201 : 206)
        }
    }

    private func photoInit(_ body: [String: Any], token: Token) -> Reply {
        guard body["media_type"] as? String == "PHOTO" else { return error(400, "invalid_params", "media_type must be PHOTO") }
        guard let mode = body["post_mode"] as? String, ["DIRECT_POST", "MEDIA_UPLOAD"].contains(mode) else {
            return error(400, "invalid_params", "post_mode must be DIRECT_POST or MEDIA_UPLOAD")
        }
        guard token.scopes.contains(mode == "DIRECT_POST" ? "video.publish" : "video.upload") else {
            return error(401, "scope_not_authorized", "the scope for \(mode) is required")
        }
        guard let source = body["source_info"] as? [String: Any], source["source"] as? String == "PULL_FROM_URL",
            let images = source["photo_images"] as? [String], (1...35).contains(images.count)
        else { return error(400, "invalid_params", "source_info needs PULL_FROM_URL and 1–35 photo_images") }
        guard let cover = (source["photo_cover_index"] as? NSNumber)?.intValue, (0..<images.count).contains(cover) else {
            return error(400, "invalid_params", "photo_cover_index must index photo_images")
        }
        guard images.allSatisfy({ url in verifiedPrefixes.contains { url.hasPrefix($0) } }) else {
            return error(403, "url_ownership_unverified", "A photo URL's domain or prefix is not verified.")
        }
        let info = body["post_info"] as? [String: Any] ?? [:]
        if mode == "DIRECT_POST" {
            guard let level = info["privacy_level"] as? String else { return error(400, "invalid_params", "post_info.privacy_level is required") }
            guard state.withLock({ $0.privacyLevelOptions }).contains(level) else {
                return error(400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's privacy_level_options.")
            }
        }
        if let title = info["title"] as? String, title.utf16.count > 90 { return error(400, "invalid_params", "title is at most 90 characters") }
        let id = state.withLock { state -> String in
            state.sequence += 1
            let id = "p_pub_url~v2.73400000000\(state.sequence)"
            state.publishes[id] = Publish(id: id, kind: "photo", source: "PULL_FROM_URL", postInfo: nil)
            return id
        }
        return ok(["publish_id": id])
    }

    private func status(_ body: [String: Any]) -> Reply {
        guard let id = body["publish_id"] as? String else { return error(400, "invalid_params", "publish_id is required") }
        return state.withLock { state -> Reply in
            guard var publish = state.publishes[id] else { return Self.errorReply(400, "invalid_params", "Unknown publish_id") }
            // Processing reads count once every byte is in.
            if Self.uploadDone(publish) { publish.statusReads += 1 }
            var data: [String: Any] = ["uploaded_bytes": publish.uploadedBytes, "publicaly_available_post_id": [Int64]()]
            if !Self.uploadDone(publish) {
                data["status"] = "PROCESSING_UPLOAD"
            } else if let reason = publish.failReason {
                data["status"] = "FAILED"
                data["fail_reason"] = reason
            } else if publish.statusReads <= state.processingPolls {
                data["status"] = publish.source == "PULL_FROM_URL" ? "PROCESSING_DOWNLOAD" : "PROCESSING_UPLOAD"
            } else if publish.kind == "inbox" {
                data["status"] = "SEND_TO_USER_INBOX"
            } else {
                if publish.postID == nil { publish.postID = 7_340_000_000 + Int64(state.sequence) }
                data["status"] = "PUBLISH_COMPLETE"
                data["publicaly_available_post_id"] = [publish.postID!]
            }
            state.publishes[id] = publish
            return .json(200, object: ["data": data, "error": Self.okError])
        }
    }

    private static func uploadDone(_ publish: Publish) -> Bool { publish.source != "FILE_UPLOAD" || publish.chunksReceived == publish.chunkCount }

    // MARK: - Answers

    private static var okError: [String: Any] { ["code": "ok", "message": "", "log_id": "20260301120000FAKEOK"] }

    private func ok(_ data: [String: Any]) -> Reply { .json(200, object: ["data": data, "error": Self.okError]) }

    private func error(_ status: Int, _ code: String, _ message: String) -> Reply { Self.errorReply(status, code, message) }

    /// `{"data": {}, "error": {"code", "message", "log_id"}}` with the documented HTTP status.
    private static func errorReply(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, object: ["data": [String: Any](), "error": ["code": code, "message": message, "log_id": "20260301120000FAKEERR"]])
    }
}
