import Foundation
import HTTPFields
import Synchronization

// The Data API reads and writes and the Analytics report of `YouTubeFake`, as documented at
//   https://developers.google.com/youtube/v3/docs (channels.list, videos.list/update/delete,
//   playlistItems.list) and
//   https://developers.google.com/youtube/analytics/reference/reports/query
// (YouTubeFake.swift's header cites the page of each route).
extension YouTubeFake {
    typealias Recorded = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    static let readScopes: Set<String> = [readonlyScope, manageScope, forceSSLScope]
    static let writeScopes: Set<String> = [manageScope, forceSSLScope]

    /// Runs `body` after the token check and the quota charge.
    func guarded(_ request: Recorded, scopes: Set<String>, units: Int, _ body: () -> Reply) -> Reply {
        if let refused = authenticate(request, scopes: scopes) { return refused.reply }
        if let spent = charge(units) { return spent.reply }
        return body()
    }

    /// The `part` parameter's parts, or the 400 for a missing one.
    static func parts(_ request: Recorded) -> Result<Set<String>, YouTubeAPIError> {
        guard let part = request.queryItems["part"]?.first, !part.isEmpty else { return .failure(.required("part")) }
        return .success(Set(part.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }))
    }

    func installDataRoutes() {
        api.on("GET", "/youtube/v3/channels") { [unowned self] request in
            guarded(request, scopes: Self.readScopes, units: 1) {
                let parts: Set<String>
                switch Self.parts(request) {
                case .failure(let error): return error.reply
                case .success(let found): parts = found
                }
                guard request.queryItems["mine"] == ["true"] || request.queryItems["id"] != nil else {
                    return YouTubeAPIError(
                        code: 400, reason: "missingRequiredParameter", domain: "youtube.parameter",
                        message: "No filter selected. Expected one of: forHandle, forUsername, id, managedByMe, mine"
                    ).reply
                }
                var channel: [String: Any] = ["kind": "youtube#channel", "etag": "etag-channel", "id": Self.channelID]
                if parts.contains("snippet") {
                    channel["snippet"] = [
                        "title": "NeonHub Demo", "description": "Coffee stories", "customUrl": "@neonhubdemo", "publishedAt": "2020-01-01T00:00:00Z",
                    ]
                }
                if parts.contains("contentDetails") {
                    channel["contentDetails"] = ["relatedPlaylists": ["likes": "", "uploads": Self.uploadsPlaylist]]
                }
                if parts.contains("statistics") {
                    channel["statistics"] = [
                        "viewCount": "120000", "subscriberCount": "2100", "hiddenSubscriberCount": false, "videoCount": String(videos.count),
                    ]
                }
                return .json(
                    200,
                    object: [
                        "kind": "youtube#channelListResponse", "etag": "etag-channels", "pageInfo": ["totalResults": 1, "resultsPerPage": 5],
                        "items": [channel],
                    ])
            }
        }
        api.on("GET", "/youtube/v3/videos") { [unowned self] request in
            guarded(request, scopes: Self.readScopes, units: 1) {
                let parts: Set<String>
                switch Self.parts(request) {
                case .failure(let error): return error.reply
                case .success(let found): parts = found
                }
                guard let ids = request.queryItems["id"]?.first?.split(separator: ",").map(String.init), !ids.isEmpty else {
                    return YouTubeAPIError(
                        code: 400, reason: "missingRequiredParameter", domain: "youtube.parameter",
                        message: "No filter selected. Expected one of: chart, id, myRating"
                    ).reply
                }
                let stored = videos
                let items = ids.compactMap { id in stored.first { $0.id == id } }.map { Self.resource($0, parts: parts) }
                return .json(
                    200,
                    object: [
                        "kind": "youtube#videoListResponse", "etag": "etag-videos", "items": items,
                        "pageInfo": ["totalResults": items.count, "resultsPerPage": items.count],
                    ])
            }
        }
        api.on("PUT", "/youtube/v3/videos") { [unowned self] request in
            guarded(request, scopes: Self.writeScopes, units: 50) { update(request) }
        }
        api.on("DELETE", "/youtube/v3/videos") { [unowned self] request in
            guarded(request, scopes: Self.writeScopes, units: 50) {
                guard let id = request.queryItems["id"]?.first, !id.isEmpty else { return YouTubeAPIError.required("id").reply }
                let removed = state.withLock { state -> Bool in
                    guard let index = state.videos.firstIndex(where: { $0.id == id }) else { return false }
                    state.videos.remove(at: index)
                    return true
                }
                return removed ? Reply(status: 204) : YouTubeAPIError.videoNotFound("id").reply
            }
        }
        api.on("GET", "/youtube/v3/playlistItems") { [unowned self] request in
            guarded(request, scopes: Self.readScopes, units: 1) { playlistItems(request) }
        }
    }

    /// videos.update: both parts replaced whole.
    private func update(_ request: Recorded) -> Reply {
        let parts: Set<String>
        switch Self.parts(request) {
        case .failure(let error): return error.reply
        case .success(let found): parts = found
        }
        let body: [String: Any]
        switch Self.jsonBody(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        guard let id = body["id"] as? String else { return YouTubeAPIError.required("id").reply }
        let snippet = body["snippet"] as? [String: Any] ?? [:]
        let status = body["status"] as? [String: Any] ?? [:]
        guard parts.isSubset(of: ["snippet", "status", "id"]), !parts.isDisjoint(with: ["snippet", "status"]) else {
            return YouTubeAPIError(code: 400, reason: "unexpectedPart", domain: "youtube.part", message: "The request specifies an unexpected part.")
                .reply
        }
        if parts.contains("snippet"), let invalid = Self.validate(snippet: snippet, status: parts.contains("status") ? status : [:]) {
            return invalid.reply
        }
        let updated = state.withLock { state -> Video? in
            guard let index = state.videos.firstIndex(where: { $0.id == id }) else { return nil }
            var video = state.videos[index]
            if parts.contains("snippet") {
                video.title = snippet["title"] as? String ?? ""
                video.categoryId = snippet["categoryId"] as? String ?? video.categoryId
                video.description = snippet["description"] as? String  // unset: deleted
                video.tags = snippet["tags"] as? [String]
            }
            if parts.contains("status") {
                video.privacyStatus = status["privacyStatus"] as? String ?? "public"
                video.publishAt = status["publishAt"] as? String
                video.madeForKids = status["selfDeclaredMadeForKids"] as? Bool ?? false
            }
            state.videos[index] = video
            return video
        }
        guard let updated else {
            return YouTubeAPIError(
                code: 404, reason: "videoNotFound",
                message:
                    "The video that you are trying to update cannot be found. Check the value of the <code>id</code> field in the request body to ensure that it is correct.",
                location: "body.id"
            ).reply
        }
        return .json(200, object: Self.resource(updated, parts: parts))
    }

    /// playlistItems.list of the uploads playlist, newest first; page tokens are `PT<offset>`.
    private func playlistItems(_ request: Recorded) -> Reply {
        let parts: Set<String>
        switch Self.parts(request) {
        case .failure(let error): return error.reply
        case .success(let found): parts = found
        }
        guard let playlist = request.queryItems["playlistId"]?.first ?? request.queryItems["id"]?.first else {
            return YouTubeAPIError(
                code: 400, reason: "missingRequiredParameter", domain: "youtube.parameter",
                message: "No filter selected. Expected one of: id, playlistId"
            ).reply
        }
        guard playlist == Self.uploadsPlaylist else {
            return YouTubeAPIError(
                code: 404, reason: "playlistNotFound", domain: "youtube.playlistItem",
                message: "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", location: "playlistId"
            ).reply
        }
        let size = request.queryItems["maxResults"]?.first.map { Int($0) ?? -1 } ?? 5
        guard (0...50).contains(size) else {
            return YouTubeAPIError(
                code: 400, reason: "invalidValue", domain: "youtube.parameter", message: "Invalid value for maxResults.", location: "maxResults"
            ).reply
        }
        var offset = 0
        if let token = request.queryItems["pageToken"]?.first {
            guard token.hasPrefix("PT"), let start = Int(token.dropFirst(2)), start >= 0 else {
                return YouTubeAPIError(
                    code: 400, reason: "invalidPageToken", domain: "youtube.parameter",
                    message: "The request specifies an invalid page token.", location: "pageToken"
                ).reply
            }
            offset = start
        }
        let all = videos
        let page = Array(all.dropFirst(offset).prefix(size))
        let items: [[String: Any]] = page.enumerated().map { index, video in
            var item: [String: Any] = ["kind": "youtube#playlistItem", "etag": "etag-pi-\(video.id)", "id": "PLI-\(video.id)"]
            if parts.contains("snippet") {
                item["snippet"] = [
                    "publishedAt": video.publishedAt, "channelId": Self.channelID, "title": video.title, "description": video.description ?? "",
                    "playlistId": Self.uploadsPlaylist, "position": offset + index,
                    "resourceId": ["kind": "youtube#video", "videoId": video.id],
                ]
            }
            if parts.contains("contentDetails") { item["contentDetails"] = ["videoId": video.id, "videoPublishedAt": video.publishedAt] }
            if parts.contains("status") { item["status"] = ["privacyStatus": video.privacyStatus] }
            return item
        }
        var answer: [String: Any] = [
            "kind": "youtube#playlistItemListResponse", "etag": "etag-pl-\(offset)", "items": items,
            "pageInfo": ["totalResults": all.count, "resultsPerPage": size],
        ]
        if offset + size < all.count { answer["nextPageToken"] = "PT\(offset + size)" }
        if offset > 0 { answer["prevPageToken"] = "PT\(max(0, offset - size))" }
        return .json(200, object: answer)
    }

    func installAnalyticsRoutes() {
        let known: Set<String> = [
            "views", "estimatedMinutesWatched", "averageViewDuration", "likes", "comments", "shares", "subscribersGained", "subscribersLost",
        ]
        analytics.on("GET", "/v2/reports") { [unowned self] request in
            if let refused = authenticate(request, scopes: [Self.analyticsScope, "https://www.googleapis.com/auth/yt-analytics-monetary.readonly"]) {
                return refused.reply
            }
            let query = request.queryItems
            for name in ["ids", "startDate", "endDate", "metrics"] where query[name]?.first?.isEmpty ?? true {
                return YouTubeAPIError(code: 400, reason: "required", domain: "global", message: "Required parameter: \(name)", location: name).reply
            }
            guard query["ids"] == ["channel==MINE"] || query["ids"] == ["channel==\(Self.channelID)"] else {
                return YouTubeAPIError(code: 403, reason: "forbidden", domain: "global", message: "Forbidden").reply
            }
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            guard let start = formatter.date(from: query["startDate"]![0]), let end = formatter.date(from: query["endDate"]![0]), start <= end else {
                return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Invalid value for startDate or endDate.").reply
            }
            let metrics = query["metrics"]![0].split(separator: ",").map(String.init)
            if let unknown = metrics.first(where: { !known.contains($0) }) {
                return YouTubeAPIError(
                    code: 400, reason: "badRequest", domain: "global", message: "Unknown identifier (\(unknown)) given in field parameters.metrics."
                ).reply
            }
            let byDay = query["dimensions"]?.first == "day"
            var headers: [[String: Any]] = byDay ? [["name": "day", "columnType": "DIMENSION", "dataType": "STRING"]] : []
            headers += metrics.map { ["name": $0, "columnType": "METRIC", "dataType": "INTEGER"] }
            var days: [Date] = []
            var day = start
            while day <= end {
                days.append(day)
                day = day.addingTimeInterval(86400)
            }
            let rows: [[Any]] =
                byDay
                ? days.enumerated().map { index, day in [formatter.string(from: day)] + metrics.indices.map { (index + 1) * 10 + $0 } }
                : [metrics.indices.map { days.count * 10 + $0 }]
            return .json(200, object: ["kind": "youtubeAnalytics#resultTable", "columnHeaders": headers, "rows": rows])
        }
    }
}
