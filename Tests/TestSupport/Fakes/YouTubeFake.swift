// A fake of the YouTube Data API v3 and the YouTube Analytics API v2 on loopback — two servers,
// as on the real hosts (www.googleapis.com, youtubeanalytics.googleapis.com) — following
// Google's documentation, not what our connector definition assumes:
//
// - channels.list (GET /youtube/v3/channels; `part` required; one filter of id, mine,
//   forHandle…; contentDetails.relatedPlaylists.uploads; statistics counts as strings):
//   https://developers.google.com/youtube/v3/docs/channels/list
// - videos.list (GET /youtube/v3/videos?part&id=a,b — unknown ids are left out of items):
//   https://developers.google.com/youtube/v3/docs/videos/list
// - videos.update (PUT /youtube/v3/videos?part=snippet,status; the parts are replaced whole:
//   "if you are updating the snippet … title and categoryId are required", unset values deleted):
//   https://developers.google.com/youtube/v3/docs/videos/update
// - videos.delete (DELETE /youtube/v3/videos?id=; 204, 404 videoNotFound):
//   https://developers.google.com/youtube/v3/docs/videos/delete
// - playlistItems.list (GET /youtube/v3/playlistItems?part&playlistId; maxResults 0–50, default
//   5; pageToken / nextPageToken / prevPageToken; 404 playlistNotFound):
//   https://developers.google.com/youtube/v3/docs/playlistItems/list
// - videos.insert through the resumable upload protocol (POST
//   /upload/youtube/v3/videos?uploadType=resumable&part=… with the video resource as JSON,
//   X-Upload-Content-Length and X-Upload-Content-Type → 200 with the session URI in Location;
//   PUT the bytes (Content-Length, Content-Type, Content-Range when resuming) → 201 with the
//   video; PUT with Content-Range: bytes */TOTAL → 308 Resume Incomplete with Range: bytes=0-N,
//   no Range when nothing arrived; 404 for an expired session):
//   https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol and
//   https://developers.google.com/youtube/v3/docs/videos/insert (errors invalidTitle,
//   invalidDescription, invalidTags, invalidCategoryId, invalidPublishAt; title ≤ 100
//   characters, description ≤ 5,000 bytes, no < or >; tags ≤ 500 characters; publishAt only
//   with privacyStatus private; status.selfDeclaredMadeForKids)
// - Quota: https://developers.google.com/youtube/v3/determine_quota_cost — list methods 1 unit,
//   videos.update and videos.delete 50, of 10,000 units a day; videos.insert its own bucket of
//   100 calls a day; over it 403 quotaExceeded (youtube.quota), reset at midnight Pacific; no
//   rate-limit headers, no Retry-After.
// - YouTube Analytics reports.query (GET /v2/reports?ids&startDate&endDate&metrics, optional
//   dimensions, filters, sort, maxResults; answer columnHeaders [{name, columnType, dataType}]
//   and rows): https://developers.google.com/youtube/analytics/reference/reports/query
// - Scopes per method (youtube.readonly, youtube, youtube.force-ssl, youtube.upload,
//   yt-analytics.readonly) and the error bodies: YouTubeAPIError.swift.

import Foundation
import HTTPFields
import Synchronization

/// YouTube on loopback: `api` (Data API and uploads) and `analytics`. Knobs: `dropNextUpload`,
/// `failNextUpload`, `unitsPerDay`/`insertsPerDay`; readings: `videos`, `bytes(of:)`, `unitsUsed`,
/// `insertCalls`, `sessions`.
public final class YouTubeFake: Sendable {
    /// `https://www.googleapis.com/auth/youtube.upload`.
    public static let uploadScope = "https://www.googleapis.com/auth/youtube.upload"
    /// `https://www.googleapis.com/auth/youtube.readonly`.
    public static let readonlyScope = "https://www.googleapis.com/auth/youtube.readonly"
    /// `https://www.googleapis.com/auth/youtube.force-ssl`.
    public static let forceSSLScope = "https://www.googleapis.com/auth/youtube.force-ssl"
    /// `https://www.googleapis.com/auth/youtube` (manage the account: every Data API method).
    public static let manageScope = "https://www.googleapis.com/auth/youtube"
    /// `https://www.googleapis.com/auth/yt-analytics.readonly`.
    public static let analyticsScope = "https://www.googleapis.com/auth/yt-analytics.readonly"
    /// Every scope the connector asks for.
    public static let allScopes = [uploadScope, readonlyScope, forceSSLScope, analyticsScope]
    /// The authorized user's channel and its uploads playlist.
    public static let channelID = "UCexampleChannel00000001"
    /// `contentDetails.relatedPlaylists.uploads`.
    public static let uploadsPlaylist = "UUexampleChannel00000001"
    /// The video categories the fake knows (assignable ones of the US region).
    public static let categories: Set<String> = ["1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28"]

    /// A video on the channel.
    public struct Video: Sendable {
        public var id: String
        public var title: String
        public var description: String?
        public var tags: [String]?
        public var categoryId: String
        public var privacyStatus: String
        public var publishAt: String?
        public var madeForKids: Bool
        public var publishedAt: String
        public var uploadStatus: String
        /// The bytes uploaded (empty for seeded videos).
        public var bytes: [UInt8]
    }

    /// One resumable upload session.
    struct Session: Sendable {
        var total: Int
        var contentType: String
        var metadata: Video
        var received: [UInt8] = []
        var videoID: String?
    }

    /// What the next bytes PUT suffers: `keep` bytes arrive, then the connection drops (no
    /// answer) or the server answers `status`.
    struct Fault: Sendable {
        var keep: Int
        var status: Int?
    }

    struct State: Sendable {
        var videos: [Video] = YouTubeFake.seeded
        var sessions: [String: Session] = [:]
        var faults: [Fault] = []
        var unitsUsed = 0
        var insertCalls = 0
        var unitsPerDay = 10_000
        var insertsPerDay = 100
        var nextVideo = 1
    }

    /// www.googleapis.com: the Data API and the upload endpoint.
    public let api = FakeProviderServer(maxBodyBytes: 64 * 1_048_576)
    /// youtubeanalytics.googleapis.com.
    public let analytics = FakeProviderServer()
    /// Google's token server, which issued the tokens this fake accepts.
    public let oauth: GoogleOAuthFake
    /// How long a dropped PUT stays unanswered (longer than the client waits).
    public let dropFor: Duration
    let state = Mutex(State())

    /// A fake accepting `oauth`'s tokens, with three videos on the channel.
    public init(oauth: GoogleOAuthFake, dropFor: Duration = .seconds(3)) {
        self.oauth = oauth
        self.dropFor = dropFor
        installDataRoutes()
        installUploadRoutes()
        installAnalyticsRoutes()
    }

    /// Starts both servers.
    public func start() throws {
        try api.start()
        try analytics.start()
    }

    /// Stops both servers without blocking the cooperative pool.
    public func stop() async {
        await api.stopWithoutBlocking()
        await analytics.stopWithoutBlocking()
    }

    /// `request.baseUrl` overrides for the definition (`analytics.report`'s own host).
    public var hosts: [String: String] { ["https://youtubeanalytics.googleapis.com": analytics.baseURL] }

    // MARK: - Knobs and readings

    /// The next bytes PUT stores its first `keep` bytes and is never answered (a dropped connection).
    public func dropNextUpload(after keep: Int) { state.withLock { $0.faults.append(Fault(keep: keep, status: nil)) } }

    /// The next bytes PUT stores its first `keep` bytes and is answered `status` (503 backendError;
    /// 401 authError, as when the token expires during the upload).
    public func failNextUpload(after keep: Int, status: Int = 503) { state.withLock { $0.faults.append(Fault(keep: keep, status: status)) } }

    /// The daily budgets (units for everything but videos.insert; videos.insert calls).
    public func setQuota(unitsPerDay: Int? = nil, insertsPerDay: Int? = nil) {
        state.withLock { state in
            if let unitsPerDay { state.unitsPerDay = unitsPerDay }
            if let insertsPerDay { state.insertsPerDay = insertsPerDay }
        }
    }

    /// The channel's videos, newest first.
    public var videos: [Video] { state.withLock { $0.videos } }

    /// The bytes stored for video `id`.
    public func bytes(of id: String) -> [UInt8]? { state.withLock { $0.videos.first { $0.id == id }?.bytes } }

    /// Units charged today (the cost table; videos.insert not included).
    public var unitsUsed: Int { state.withLock { $0.unitsUsed } }

    /// videos.insert calls today (sessions opened).
    public var insertCalls: Int { state.withLock { $0.insertCalls } }

    /// Upload sessions opened so far.
    public var sessions: Int { state.withLock { $0.sessions.count } }

    // MARK: - Shared checks

    /// The bearer token's check: nil when it is valid and has one of `scopes`.
    func authenticate(_ request: FakeProviderServer.RecordedRequest, scopes: Set<String>) -> YouTubeAPIError? {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "), header.count > 7 else { return .authError }
        let token = String(header.dropFirst(7))
        guard oauth.isValid(accessToken: token), let granted = oauth.grantedScopes(accessToken: token) else { return .authError }
        return scopes.isDisjoint(with: granted) ? .insufficientPermissions : nil
    }

    /// Charges `units` of the day's 10,000 (every request, even an invalid one, costs at least 1).
    func charge(_ units: Int) -> YouTubeAPIError? {
        state.withLock { state in
            guard state.unitsUsed + units <= state.unitsPerDay else { return .quotaExceeded }
            state.unitsUsed += units
            return nil
        }
    }

    /// A request's JSON object body (sent as `application/json`), or the 400 YouTube answers.
    static func jsonBody(_ request: FakeProviderServer.RecordedRequest) -> Result<[String: Any], YouTubeAPIError> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, let object = request.json as? [String: Any]
        else { return .failure(YouTubeAPIError(code: 400, reason: "parseError", domain: "global", message: "Parse Error")) }
        return .success(object)
    }

    /// The metadata checks of videos.insert and videos.update (snippet title, description, tags,
    /// categoryId; status privacyStatus and publishAt).
    static func validate(snippet: [String: Any], status: [String: Any]) -> YouTubeAPIError? {
        let title = snippet["title"] as? String ?? ""
        if title.trimmingCharacters(in: .whitespaces).isEmpty || title.count > 100 || title.contains(where: { $0 == "<" || $0 == ">" }) {
            return .badRequest(
                "invalidTitle", "The request metadata specifies an invalid or empty video title.", location: "body.snippet.title")
        }
        if let description = snippet["description"] as? String,
            description.utf8.count > 5000 || description.contains(where: { $0 == "<" || $0 == ">" })
        {
            return .badRequest(
                "invalidDescription", "The request metadata specifies an invalid video description.", location: "body.snippet.description")
        }
        if let tags = snippet["tags"] as? [String], tags.reduce(0, { $0 + $1.count }) > 500 {
            return .badRequest("invalidTags", "The request metadata specifies invalid video keywords.", location: "body.snippet.tags")
        }
        guard let category = snippet["categoryId"] as? String, categories.contains(category) else {
            return .badRequest(
                "invalidCategoryId", "The <code>snippet.categoryId</code> property specifies an invalid category ID.",
                location: "body.snippet.categoryId")
        }
        let privacy = status["privacyStatus"] as? String ?? "public"
        guard ["public", "unlisted", "private"].contains(privacy) else {
            return .badRequest("invalidValue", "Invalid value for status.privacyStatus.", location: "body.status.privacyStatus")
        }
        if let publishAt = status["publishAt"] as? String {
            guard privacy == "private", let date = ISO8601DateFormatter().date(from: publishAt), date > Date() else {
                return .badRequest(
                    "invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time.",
                    location: "body.status.publishAt")
            }
        }
        return nil
    }

    /// The video resource as YouTube answers it, with the `parts` asked for.
    static func resource(_ video: Video, parts: Set<String>) -> [String: Any] {
        var resource: [String: Any] = ["kind": "youtube#video", "etag": "etag-\(video.id)", "id": video.id]
        if parts.contains("snippet") {
            var snippet: [String: Any] = [
                "publishedAt": video.publishedAt, "channelId": channelID, "title": video.title, "categoryId": video.categoryId,
                "channelTitle": "NeonHub Demo", "description": video.description ?? "",
                "thumbnails": ["default": ["url": "https://i.ytimg.com/vi/\(video.id)/default.jpg", "width": 120, "height": 90]],
            ]
            if let tags = video.tags { snippet["tags"] = tags }
            resource["snippet"] = snippet
        }
        if parts.contains("status") {
            var status: [String: Any] = [
                "uploadStatus": video.uploadStatus, "privacyStatus": video.privacyStatus, "license": "youtube", "embeddable": true,
                "publicStatsViewable": true, "madeForKids": video.madeForKids, "selfDeclaredMadeForKids": video.madeForKids,
            ]
            if let publishAt = video.publishAt { status["publishAt"] = publishAt }
            resource["status"] = status
        }
        if parts.contains("statistics") {
            let views = video.bytes.isEmpty ? 1000 * (video.title.count % 7 + 1) : 0
            resource["statistics"] = [
                "viewCount": String(views), "likeCount": String(views / 20), "favoriteCount": "0", "commentCount": String(views / 100),
            ]
        }
        return resource
    }

    /// Three processed videos, newest first.
    static let seeded: [Video] = [
        Video(
            id: "dQw4w9WgXcQ", title: "Spring blend: how we roast", description: "Behind the scenes.", tags: ["coffee", "roasting"],
            categoryId: "22", privacyStatus: "public", publishAt: nil, madeForKids: false, publishedAt: "2026-03-01T15:00:00Z",
            uploadStatus: "processed", bytes: []),
        Video(
            id: "aBcDeFgHiJk", title: "Latte art in 10s", description: nil, tags: nil, categoryId: "26", privacyStatus: "public",
            publishAt: nil, madeForKids: false, publishedAt: "2026-02-10T12:00:00Z", uploadStatus: "processed", bytes: []),
        Video(
            id: "Zx9_Yw8-Vu7", title: "Cupping notes", description: "Unlisted for the team.", tags: nil, categoryId: "22",
            privacyStatus: "unlisted", publishAt: nil, madeForKids: false, publishedAt: "2026-01-20T09:30:00Z", uploadStatus: "processed",
            bytes: []),
    ]
}
