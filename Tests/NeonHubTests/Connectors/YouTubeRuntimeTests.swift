import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The YouTube definition run by the real runtime against the YouTube fake (Data API and
/// Analytics API on their own loopback hosts, following Google's references) and Google's
/// OAuth fake: every template action's request field by field, the documented answers and
/// errors, paging, the quota signal and the token refresh. Uploads: `YouTubeUploadRuntimeTests`.
@Suite struct YouTubeRuntimeTests {
    static let connector = "youtube"

    func run(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: Self.connector, action: action, input: .object(input))) { _ in .token(token) }
    }

    @Test func theChannelIsTheAccountWithItsUploadsPlaylist() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.readonlyScope]).accessToken
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog[Self.connector]?.definition.accounts?.action == "channels.mine")
            let result = try await run(try YouTubeTestSupport.runtime(fake), "channels.mine", token: token)
            guard case .array(let channels) = result.output else {
                Issue.record("channels.mine answers a list")
                return
            }
            #expect(channels.count == 1)
            #expect(channels[0]["id"] == .string(YouTubeFake.channelID))
            #expect(channels[0]["uploadsPlaylistId"] == .string(YouTubeFake.uploadsPlaylist))
            #expect(channels[0]["title"] == .string("NeonHub Demo"))
            #expect(channels[0]["videos"] == .string("3"))
            let sent = try #require(fake.api.requests.last)
            #expect(sent.method == "GET" && sent.path == "/youtube/v3/channels")
            #expect(sent.queryItems == ["part": ["snippet,statistics,contentDetails"], "mine": ["true"]])
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(sent.body.isEmpty)
        }
    }

    @Test func theUploadsPlaylistIsReadPageByPageNewestFirst() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.readonlyScope]).accessToken
            let result = try await run(
                try YouTubeTestSupport.runtime(fake), "uploads.list",
                ["playlistId": .string(YouTubeFake.uploadsPlaylist), "maxResults": .number(2)], token: token)
            let items = YouTubeTestSupport.items(result.output)
            #expect(items.compactMap { JSONPath.text($0["videoId"]) } == ["dQw4w9WgXcQ", "aBcDeFgHiJk", "Zx9_Yw8-Vu7"])
            #expect(items[2]["privacyStatus"] == .string("unlisted"))
            #expect(items[0]["title"] == .string("Spring blend: how we roast"))
            #expect(items[0]["publishedAt"] == .string("2026-03-01T15:00:00Z"))
            #expect(result.pages == 2)
            let pages = fake.api.requests("GET", "/youtube/v3/playlistItems")
            #expect(
                pages.first?.queryItems == [
                    "part": ["snippet,contentDetails,status"], "playlistId": [YouTubeFake.uploadsPlaylist], "maxResults": ["2"],
                ])
            #expect(pages.last?.queryItems["pageToken"] == ["PT2"])
            #expect(fake.unitsUsed == 2, "1 unit a page")
        }
    }

    @Test func videosAreReadUpdatedWholeAndDeleted() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.forceSSLScope]).accessToken
            let runtime = try YouTubeTestSupport.runtime(fake)
            let listed = try await run(runtime, "videos.list", ["ids": .string("dQw4w9WgXcQ,aBcDeFgHiJk")], token: token)
            guard case .array(let videos) = listed.output else {
                Issue.record("videos.list answers a list")
                return
            }
            #expect(videos.compactMap { JSONPath.text($0["id"]) } == ["dQw4w9WgXcQ", "aBcDeFgHiJk"])
            #expect(videos[0]["views"] != nil && videos[0]["privacyStatus"] == .string("public"))
            #expect(fake.api.requests.last?.queryItems == ["part": ["snippet,status,statistics"], "id": ["dQw4w9WgXcQ,aBcDeFgHiJk"]])

            let updated = try await run(
                runtime, "videos.update",
                [
                    "id": .string("dQw4w9WgXcQ"), "title": .string("Spring blend (2026)"), "categoryId": .string("26"),
                    "privacyStatus": .string("private"),
                ],
                token: token)
            #expect(updated.output["title"] == .string("Spring blend (2026)"))
            #expect(updated.output["privacyStatus"] == .string("private"))
            let put = try #require(fake.api.requests("PUT", "/youtube/v3/videos").first)
            #expect(put.queryItems == ["part": ["snippet,status"]])
            #expect(put.header("Content-Type") == "application/json")
            let body = try #require(put.json as? [String: Any])
            #expect(body["id"] as? String == "dQw4w9WgXcQ")
            #expect((body["snippet"] as? [String: Any])?.keys.sorted() == ["categoryId", "title"], "only what was given: YouTube deletes the rest")
            #expect((body["status"] as? [String: Any])?.keys.sorted() == ["privacyStatus"])
            #expect(fake.videos.first { $0.id == "dQw4w9WgXcQ" }?.description == nil, "the update replaced the snippet whole")

            _ = try await run(runtime, "videos.delete", ["id": .string("aBcDeFgHiJk")], token: token)
            let delete = try #require(fake.api.requests("DELETE", "/youtube/v3/videos").first)
            #expect(delete.queryItems == ["id": ["aBcDeFgHiJk"]] && delete.body.isEmpty)
            #expect(!fake.videos.contains { $0.id == "aBcDeFgHiJk" })
            let missing = await #expect(throws: ConnectorError.self) {
                try await run(runtime, "videos.delete", ["id": .string("aBcDeFgHiJk")], token: token)
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "videoNotFound")
            #expect(fake.unitsUsed == 1 + 50 + 50 + 50, "the cost table: list 1, update and delete 50")
        }
    }

    @Test func aSpentDailyQuotaIsRateLimitedUntilMidnightPacific() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.readonlyScope]).accessToken
            fake.setQuota(unitsPerDay: 0)
            let error = await #expect(throws: ConnectorError.self) {
                try await run(try YouTubeTestSupport.runtime(fake), "channels.mine", token: token)
            }
            #expect(error?.code == .providerRateLimited, "a 403 whose reason is quotaExceeded")
            #expect(error?.providerCode == "quotaExceeded")
            #expect(error?.retryAfterSeconds == nil && error?.resetAt == nil, "YouTube names no reset time")
            #expect(error?.message.contains("midnight Pacific") == true)
            #expect(fake.api.requests.count == 1, "not retried: the quota will not come back within the call")
            // The queue waits for the catalog's documented reset: the next midnight in Los Angeles.
            let limit = try #require(try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)[Self.connector]?.definition.rateLimit)
            #expect(limit.requests == 100 && limit.resets == "midnightPacific")
            let now = Date()
            var pacific = Calendar(identifier: .gregorian)
            pacific.timeZone = try #require(TimeZone(identifier: "America/Los_Angeles"))
            let tomorrow = try #require(pacific.date(byAdding: .day, value: 1, to: pacific.startOfDay(for: now)))
            #expect(limit.nextReset(after: now) == tomorrow)
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndAMissingScopeIsPermanent() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let tokens = oauth.issueTokens(scopes: YouTubeFake.allScopes)
            oauth.expire(accessToken: tokens.accessToken)
            let runtime = try YouTubeTestSupport.runtime(fake)
            let credentials = try GoogleConnectorTestSupport.credentials(Self.connector, oauth: oauth, tokens: tokens)
            let result = try await runtime.execute(
                ConnectorCall(connector: Self.connector, action: "channels.mine", input: .object([:])), credentials: credentials)
            guard case .array(let channels) = result.output else {
                Issue.record("channels.mine answers a list")
                return
            }
            #expect(channels.first?["id"] == .string(YouTubeFake.channelID))
            let sent = fake.api.requests("GET", "/youtube/v3/channels")
            #expect(sent.count == 2)
            #expect(sent[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(sent[1].header("Authorization") != sent[0].header("Authorization"))
            let refresh = try #require(oauth.requests.last { $0.path == "/token" })
            #expect(refresh.formItems["grant_type"] == ["refresh_token"])
            #expect(refresh.formItems["refresh_token"] == [tokens.refreshToken ?? ""])

            let uploadOnly = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let refused = await #expect(throws: ConnectorError.self) {
                try await run(runtime, "videos.delete", ["id": .string("dQw4w9WgXcQ")], token: uploadOnly)
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "insufficientPermissions")
            #expect(refused?.message.contains(uploadOnly) == false)
        }
    }

    @Test func analyticsReportsComeFromTheirOwnHost() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.analyticsScope]).accessToken
            let runtime = try YouTubeTestSupport.runtime(fake)
            let report = try await run(
                runtime, "analytics.report",
                ["startDate": .string("2026-02-01"), "endDate": .string("2026-02-03"), "metrics": .string("views,likes")], token: token)
            guard case .array(let rows)? = report.output["rows"], case .array(let headers)? = report.output["columnHeaders"] else {
                Issue.record("a result table")
                return
            }
            #expect(rows.count == 3)
            #expect(rows.first == .array([.string("2026-02-01"), .number(10), .number(11)]))
            #expect(headers.compactMap { JSONPath.text($0["name"]) } == ["day", "views", "likes"])
            let sent = try #require(fake.analytics.requests.first)
            #expect(sent.path == "/v2/reports")
            #expect(
                sent.queryItems == [
                    "ids": ["channel==MINE"], "startDate": ["2026-02-01"], "endDate": ["2026-02-03"], "metrics": ["views,likes"],
                    "dimensions": ["day"], "sort": ["day"],
                ])
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(fake.api.requests.isEmpty, "nothing on the Data API host")
            let unknown = await #expect(throws: ConnectorError.self) {
                try await run(
                    runtime, "analytics.report",
                    ["startDate": .string("2026-02-01"), "endDate": .string("2026-02-03"), "metrics": .string("viewz")], token: token)
            }
            #expect(unknown?.code == .providerRejected && unknown?.providerCode == "badRequest")
        }
    }
}
