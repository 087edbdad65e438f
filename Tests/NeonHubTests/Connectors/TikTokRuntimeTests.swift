import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// The TikTok definition and its publish flows run by the real runtime against the TikTok fake
/// (which follows the Display API, the Content Posting API, the media transfer guide and the
/// v2 error envelope): what the catalog sends must be what TikTok accepts, field by field.
@Suite struct TikTokRuntimeTests {
    /// Flows with short waits: status reads 5 ms apart, `polls` per run.
    static func flows(polls: Int = 3, chunkSize: Int = 5 * 1_048_576) -> ConnectorFlowRegistry {
        ConnectorFlowRegistry([
            TikTokVideoPublishFlow(mode: .directPost, chunkSize: chunkSize, pollsPerRun: polls, pollInterval: .milliseconds(5)),
            TikTokVideoPublishFlow(mode: .inbox, chunkSize: chunkSize, pollsPerRun: polls, pollInterval: .milliseconds(5)),
            TikTokVideoPublishFlow(mode: .photo, pollsPerRun: polls, pollInterval: .milliseconds(5)),
        ])
    }

    static func runtime(_ fake: TikTokFake, polls: Int = 3) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "tiktok"), baseURLOverrides: ["tiktok": fake.baseURL],
            flows: flows(polls: polls), allowPrivateMediaHosts: true)
    }

    /// Runs `body` with a started fake, a runtime pointed at it and a fresh token.
    func withTikTok(polls: Int = 3, _ body: (TikTokFake, ConnectorRuntime, String) async throws -> Void) async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake, polls: polls), fake.issueTokens().access) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "tiktok", action: action, input: .object(input))
    }

    static func json(_ request: FakeProviderServer.RecordedRequest?) throws -> JSONValue {
        try JSONValue.parse(try #require(request).body)
    }

    @Test func readsAreSentAsTikTokDocumentsThemAndTheListPagesByTheBodyCursor() async throws {
        try await withTikTok { fake, runtime, token in
            let user = try await runtime.execute(Self.call("user.info")) { _ in .token(token) }
            #expect(user.output["id"] == .string(TikTokFake.openID))
            #expect(user.output["username"] == .string("neonhub.demo"))
            let info = try #require(fake.requests.last)
            #expect(info.method == "GET" && info.path == "/v2/user/info/")
            #expect(info.header("Authorization") == "Bearer \(token)")
            #expect(info.queryItems["fields"]?.first?.split(separator: ",").contains("open_id") == true)

            let creator = try await runtime.execute(Self.call("creator.info")) { _ in .token(token) }
            #expect(
                creator.output["privacyLevelOptions"] == .array(["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"].map(JSONValue.string)))
            let query = try #require(fake.requests.last)
            #expect(query.method == "POST" && query.path == "/v2/post/publish/creator_info/query/")
            #expect(query.header("Content-Type") == "application/json; charset=UTF-8")

            // Two videos a page: the second request carries the first answer's cursor, as an int64, in the body.
            let listed = try await runtime.execute(Self.call("videos.list", ["max_count": .number(2)])) { _ in .token(token) }
            guard case .array(let items)? = listed.output["items"] else { Issue.record("no items"); return }
            #expect(items.compactMap { JSONPath.text($0["id"]) } == ["7340000000000000001", "7330000000000000002", "7320000000000000003"])
            #expect(listed.pages == 2)
            let pages = fake.server.requests("POST", "/v2/video/list/")
            #expect(try Self.json(pages.first) == .object(["max_count": .number(2)]))
            #expect(try Self.json(pages.last) == .object(["max_count": .number(2), "cursor": .number(1_771_000_000_000)]))
            #expect(pages.last?.query?.contains("cursor") == false, "the cursor goes in the body, not the query")
            #expect(pages.first?.queryItems["fields"]?.first?.contains("video_description") == true)

            let metrics = try await runtime.execute(Self.call("videos.query", ["videoIds": .array([.string("7340000000000000001")])])) { _ in
                .token(token)
            }
            #expect(metrics.output == .array([.object(["id": .string("7340000000000000001"), "views": .number(1000), "likes": .number(50)])]))
            #expect(
                try Self.json(fake.server.requests("POST", "/v2/video/query/").last)
                    == .object(["filters": .object(["video_ids": .array([.string("7340000000000000001")])])]))
        }
    }

    @Test func aDirectPostFromAURLReadsTheCreatorInitsAndPollsUntilComplete() async throws {
        try await withTikTok { fake, runtime, token in
            let result = try await runtime.execute(
                Self.call(
                    "video.publish",
                    [
                        "title": .string("Spring drop #coffee"), "privacyLevel": .string("SELF_ONLY"),
                        "videoUrl": .string("https://www.example.com/media/spring.mp4"), "disableComment": .bool(true),
                    ])
            ) { _ in .token(token) }
            #expect(result.output["status"] == .string("PUBLISH_COMPLETE"))
            let publishID = try #require(JSONPath.text(result.output["publishId"]))
            #expect(result.output["id"] == .string(publishID))
            #expect(publishID.hasPrefix("v_pub_file~"))
            #expect(
                fake.requests.map(\.path) == [
                    "/v2/post/publish/creator_info/query/", "/v2/post/publish/video/init/", "/v2/post/publish/status/fetch/",
                    "/v2/post/publish/status/fetch/",
                ])
            let sent = try Self.json(fake.server.requests("POST", "/v2/post/publish/video/init/").first)
            #expect(
                sent["source_info"]
                    == .object(["source": .string("PULL_FROM_URL"), "video_url": .string("https://www.example.com/media/spring.mp4")]))
            // The creator turned stitching off: it is sent disabled whatever the input said.
            #expect(
                sent["post_info"]
                    == .object([
                        "title": .string("Spring drop #coffee"), "privacy_level": .string("SELF_ONLY"), "disable_comment": .bool(true),
                        "disable_duet": .bool(false), "disable_stitch": .bool(true), "brand_content_toggle": .bool(false),
                        "brand_organic_toggle": .bool(false), "is_aigc": .bool(false),
                    ]))
            #expect(
                try Self.json(fake.server.requests("POST", "/v2/post/publish/status/fetch/").last) == .object(["publish_id": .string(publishID)]))
            #expect(fake.completedPublishes == 1)
        }
    }

    @Test func aFileUploadGoesInTheDocumentedChunksWithContentRange() async throws {
        let size = 11 * 1_048_576, chunk = 5 * 1_048_576
        let media = FakeProviderServer()
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: "video/mp4")
        media.on("GET", "/clips/spring.mp4", reply: .init(status: 200, headers: headers, body: (0..<size).map { UInt8($0 % 251) }))
        try media.start()
        try await media.serving {
            try await withTikTok { fake, runtime, token in
                let result = try await runtime.execute(
                    Self.call("video.upload", ["videoFileUrl": .string("\(media.baseURL)/clips/spring.mp4")])
                ) { _ in .token(token) }
                #expect(result.output["status"] == .string("SEND_TO_USER_INBOX"))
                let initBody = try Self.json(fake.server.requests("POST", "/v2/post/publish/inbox/video/init/").first)
                // 11 MiB in 5 MiB chunks: floor(11 / 5) = 2 chunks, the last one takes the trailing 1 MiB.
                #expect(
                    initBody
                        == .object([
                            "source_info": .object([
                                "source": .string("FILE_UPLOAD"), "video_size": .number(Double(size)), "chunk_size": .number(Double(chunk)),
                                "total_chunk_count": .number(2),
                            ])
                        ]))
                let puts = fake.requests.filter { $0.method == "PUT" }
                #expect(puts.map { $0.header("Content-Range") } == ["bytes 0-\(chunk - 1)/\(size)", "bytes \(chunk)-\(size - 1)/\(size)"])
                #expect(puts.allSatisfy { $0.header("Content-Type") == "video/mp4" })
                #expect(puts.map(\.body.count) == [chunk, size - chunk])
                #expect(puts.last?.body.first == UInt8(chunk % 251))
                let publishID = try #require(JSONPath.text(result.output["publishId"]))
                #expect(fake.publishes[publishID]?.uploadedBytes == size)
            }
        }
    }

    @Test func chunkPlansFollowTheMediaTransferGuide() throws {
        let small = try #require(TikTokChunkPlan(videoSize: 3_000_000, preferred: 16 * 1_048_576))
        #expect(small.count == 1 && small.chunkSize == 3_000_000)
        let example = try #require(TikTokChunkPlan(videoSize: 50_000_123, preferred: 10_000_000))
        #expect(example.count == 5 && example.chunkSize == 10_000_000)
        #expect(example.ranges.last == 40_000_000..<50_000_123)
        #expect(TikTokFake.chunkProblem(size: example.videoSize, chunk: example.chunkSize, count: example.count) == nil)
        let tiny = try #require(TikTokChunkPlan(videoSize: 30_000_000, preferred: 1_000))
        #expect(tiny.chunkSize == TikTokChunkPlan.minimumChunk, "clamped up to 5 MB")
        #expect(TikTokFake.chunkProblem(size: tiny.videoSize, chunk: tiny.chunkSize, count: tiny.count) == nil)
        #expect(TikTokChunkPlan(videoSize: 0, preferred: 10_000_000) == nil)
    }

    @Test func aPrivacyLevelTheCreatorDoesNotOfferIsRefusedBeforeAnythingIsSent() async throws {
        try await withTikTok { fake, runtime, token in
            fake.setPrivacyLevelOptions(["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
            let error = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(
                    Self.call(
                        "video.publish",
                        ["privacyLevel": .string("PUBLIC_TO_EVERYONE"), "videoUrl": .string("https://www.example.com/media/spring.mp4")])
                ) { _ in .token(token) }
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.providerCode == "privacy_level_option_mismatch")
            #expect(error?.message.contains("FOLLOWER_OF_CREATOR") == true)
            #expect(fake.requests.map(\.path) == ["/v2/post/publish/creator_info/query/"], "nothing was initialized")
            // The same check before a photo post.
            let photo = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(
                    Self.call(
                        "photo.publish",
                        ["privacyLevel": .string("PUBLIC_TO_EVERYONE"), "photoUrls": .array([.string("https://www.example.com/media/1.jpg")])])
                ) { _ in .token(token) }
            }
            #expect(photo?.code == .invalidInput)
            #expect(fake.server.requests("POST", "/v2/post/publish/content/init/").isEmpty)
        }
    }

    @Test func stillProcessingIsPendingWithACheckpointAndTheResumeOnlyPolls() async throws {
        try await withTikTok(polls: 2) { fake, runtime, token in
            fake.setProcessingPolls(3)
            var input: [String: JSONValue] = ["privacyLevel": .string("SELF_ONLY"), "videoUrl": .string("https://www.example.com/media/spring.mp4")]
            let before = Date()
            let pending = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(Self.call("video.publish", input)) { _ in .token(token) }
            }
            #expect(pending?.code == .providerPending)
            #expect(pending?.providerCode == "PROCESSING_DOWNLOAD")
            let checkpoint = try #require(pending?.checkpoint)
            let publishID = try #require(JSONPath.text(checkpoint["publishId"]))
            #expect(checkpoint["statusChecks"] == .number(2))
            #expect(try #require(pending?.resumeAt) > before)
            // Resumed with the checkpoint: only the status is read, nothing is initialized again.
            input.merge(checkpoint) { $1 }
            let done = try await runtime.execute(Self.call("video.publish", input)) { _ in .token(token) }
            #expect(done.output["publishId"] == .string(publishID))
            #expect(done.output["status"] == .string("PUBLISH_COMPLETE"))
            #expect(fake.server.requests("POST", "/v2/post/publish/video/init/").count == 1)
            #expect(fake.server.requests("POST", "/v2/post/publish/creator_info/query/").count == 1)
            #expect(fake.server.requests("POST", "/v2/post/publish/status/fetch/").count == 4)
        }
    }

    @Test func tikToksErrorCodesAreClassifiedWithTheirCodeAndMessage() async throws {
        // A failed publish: FAILED with TikTok's fail_reason is final.
        try await withTikTok { fake, runtime, token in
            fake.failPublish(reason: "file_format_check_failed")
            let failed = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(
                    Self.call("video.publish", ["privacyLevel": .string("SELF_ONLY"), "videoUrl": .string("https://www.example.com/media/a.mp4")])
                ) { _ in .token(token) }
            }
            #expect(failed?.code == .providerRejected)
            #expect(failed?.providerCode == "file_format_check_failed")
        }
        // The daily cap (403 spam_risk_too_many_posts) is permanent, with the catalog's explanation.
        try await withTikTok { fake, runtime, token in
            fake.failNext(status: 403, code: "spam_risk_too_many_posts", message: "The daily post cap from the API is reached.")
            let capped = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(
                    Self.call(
                        "photo.init",
                        ["privacyLevel": .string("SELF_ONLY"), "photoUrls": .array([.string("https://www.example.com/media/a.jpg")])])
                ) { _ in .token(token) }
            }
            #expect(capped?.code == .providerRejected)
            #expect(capped?.providerCode == "spam_risk_too_many_posts")
            #expect(capped?.message.contains("HTTP 403") == true && capped?.message.contains("tomorrow") == true)
        }
        // 429 rate_limit_exceeded: rate-limited; TikTok sends no reset, so the catalog's one-minute window is the reset.
        try await withTikTok { fake, runtime, token in
            fake.failNext(20, status: 429, code: "rate_limit_exceeded", message: "API rate limit was exceeded, please try again later.")
            let limited = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(Self.call("creator.info")) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "rate_limit_exceeded")
            #expect(limited?.resetAt == nil)
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let now = Date()
            #expect(catalog["tiktok"]?.definition.rateLimit.nextReset(after: now) == now.addingTimeInterval(60))
        }
        // An error envelope on HTTP 200 is an error all the same.
        try await withTikTok { fake, runtime, token in
            fake.failNext(status: 200, code: "scope_permission_missed", message: "video.list is required for these fields")
            let refused = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(Self.call("videos.query", ["videoIds": .array([.string("1")])])) { _ in .token(token) }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "scope_permission_missed")
        }
        // Validation: 400 invalid_params.
        try await withTikTok { fake, runtime, token in
            let invalid = await #expect(throws: ConnectorError.self) {
                _ = try await runtime.execute(
                    Self.call(
                        "photo.publish",
                        [
                            "privacyLevel": .string("SELF_ONLY"), "photoUrls": .array([.string("https://www.example.com/media/a.jpg")]),
                            "photoCoverIndex": .number(3),
                        ])
                ) { _ in .token(token) }
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "invalid_params")
            #expect(fake.publishes.isEmpty)
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceWithinACall() async throws {
        try await withTikTok { fake, runtime, token in
            fake.expire(token: token)
            let fresh = fake.issueTokens().access
            let result = try await runtime.execute(Self.call("user.info")) { refresh in .token(refresh ? fresh : token, canRefresh: true) }
            #expect(result.output["id"] == .string(TikTokFake.openID))
            #expect(fake.requests.map { $0.header("Authorization") } == ["Bearer \(token)", "Bearer \(fresh)"])
        }
    }

    @Test func aPhotoPostIsSentAsDocumented() async throws {
        try await withTikTok { fake, runtime, token in
            let result = try await runtime.execute(
                Self.call(
                    "photo.publish",
                    [
                        "title": .string("Roastery"), "description": .string("Three roasts #coffee"), "privacyLevel": .string("SELF_ONLY"),
                        "photoUrls": .array([.string("https://www.example.com/media/1.jpg"), .string("https://www.example.com/media/2.jpg")]),
                        "photoCoverIndex": .number(1),
                    ])
            ) { _ in .token(token) }
            #expect(JSONPath.text(result.output["publishId"])?.hasPrefix("p_pub_url~") == true)
            #expect(result.output["status"] == .string("PUBLISH_COMPLETE"))
            #expect(fake.requests.first?.path == "/v2/post/publish/creator_info/query/", "the creator's options are read first")
            let sent = try Self.json(fake.server.requests("POST", "/v2/post/publish/content/init/").first)
            #expect(sent["media_type"] == .string("PHOTO"))
            #expect(sent["post_mode"] == .string("DIRECT_POST"))
            #expect(
                sent["source_info"]
                    == .object([
                        "source": .string("PULL_FROM_URL"), "photo_cover_index": .number(1),
                        "photo_images": .array([.string("https://www.example.com/media/1.jpg"), .string("https://www.example.com/media/2.jpg")]),
                    ]))
            #expect(sent["post_info"]?["privacy_level"] == .string("SELF_ONLY"))
            #expect(sent["post_info"]?["auto_add_music"] == .bool(true))
        }
    }
}
