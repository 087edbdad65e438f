import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// The X definition run by the real runtime against the X fake (which follows X API v2's
/// posts, users, media upload, rate-limit and error documentation): what the catalog sends
/// must be what X accepts, field by field. Publishing through the queue and the token refresh
/// are in `XRedditQueueTests`.
@Suite struct XRuntimeTests {
    static func runtime(_ fake: XFake, flows: ConnectorFlowRegistry = .standard) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "x"), baseURLOverrides: ["x": fake.baseURL], flows: flows,
            allowPrivateMediaHosts: true)
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withX(flows: ConnectorFlowRegistry = .standard, _ body: (XFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = XFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake, flows: flows)) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func theUserIsTheAccountAndTheRateLimitHeadersAreRead() async throws {
        try await withX { fake, runtime in
            let token = fake.issueAccessToken()
            let me = try await runtime.execute(ConnectorCall(connector: "x", action: "users.me")) { _ in .token(token) }
            #expect(me.output["id"] == .string(XFake.user.id))
            #expect(me.output["username"] == .string(XFake.user.username))
            #expect(me.output["followers"] == .number(1520))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/2/users/me")
            #expect(sent.queryItems["user.fields"] == ["id,name,username,profile_image_url,public_metrics,verified"])
            #expect(sent.header("Authorization") == "Bearer \(token)")
            // x-rate-limit-* on the answer: what the queue learns the connection's budget from.
            let reading = try #require(me.rateLimit)
            #expect(reading.source == "x-rate-limit-remaining")
            #expect(reading.remaining == 99)
            #expect(reading.resetsAt == Date(timeIntervalSince1970: TimeInterval(fake.resetEpoch)))
        }
    }

    @Test func postsRepliesAndDeletionsSendTheDocumentedBodies() async throws {
        try await withX { fake, runtime in
            let token = fake.issueAccessToken()
            let created = try await runtime.execute(
                ConnectorCall(connector: "x", action: "posts.create", input: .object(["text": .string("Spring blend is back")]))
            ) { _ in .token(token) }
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output["text"] == .string("Spring blend is back"))
            #expect(fake.posts.map(\.id) == [id])
            let post = try #require(fake.server.requests("POST", "/2/tweets").last)
            #expect(post.header("Content-Type") == "application/json")
            // Only what was given: no empty media or reply objects, which X refuses.
            #expect(try JSONValue.parse(post.body) == .object(["text": .string("Spring blend is back")]))

            let reply = try await runtime.execute(
                ConnectorCall(
                    connector: "x", action: "posts.create",
                    input: .object(["text": .string("Thanks!"), "reply": .object(["in_reply_to_tweet_id": .string(id)])]))
            ) { _ in .token(token) }
            #expect(
                try JSONValue.parse(try #require(fake.server.requests("POST", "/2/tweets").last).body)
                    == .object(["text": .string("Thanks!"), "reply": .object(["in_reply_to_tweet_id": .string(id)])]))
            #expect(fake.posts.last?.inReplyTo == id)

            let replyID = try #require(JSONPath.text(reply.output["id"]))
            let deleted = try await runtime.execute(
                ConnectorCall(connector: "x", action: "posts.delete", input: .object(["id": .string(replyID)]))
            ) { _ in .token(token) }
            #expect(deleted.output == .object(["deleted": .bool(true)]))
            #expect(fake.requests.last?.method == "DELETE")
            #expect(fake.requests.last?.path == "/2/tweets/\(replyID)")
            #expect(fake.posts.map(\.id) == [id])
        }
    }

    @Test func theUsersPostsArePagedByPaginationTokenAndMetricsAreRead() async throws {
        try await withX { fake, runtime in
            let token = fake.issueAccessToken()
            let seeded = (1...7).map { fake.seedPost("Post \($0)", at: Date().addingTimeInterval(TimeInterval($0))) }
            let listed = try await runtime.execute(
                ConnectorCall(connector: "x", action: "users.posts", input: .object(["max_results": .number(5)]), accountID: XFake.user.id)
            ) { _ in .token(token) }
            #expect(Self.items(listed.output).compactMap { JSONPath.text($0["id"]) } == seeded.reversed())
            #expect(listed.pages == 2)
            let reads = fake.server.requests("GET", "/2/users/*/tweets")
            #expect(reads.map { $0.queryItems["pagination_token"] } == [nil, ["page5"]])
            #expect(reads.allSatisfy { $0.path == "/2/users/\(XFake.user.id)/tweets" && $0.queryItems["max_results"] == ["5"] })
            #expect(reads.first?.queryItems["tweet.fields"] == ["created_at,public_metrics,conversation_id"])
            #expect(Self.items(listed.output).first?["likes"] == .number(7))

            let metrics = try await runtime.execute(
                ConnectorCall(connector: "x", action: "posts.metrics", input: .object(["ids": .string("\(seeded[0]),\(seeded[1])")]))
            ) { _ in .token(token) }
            guard case .array(let rows) = metrics.output else {
                Issue.record("posts.metrics answered \(metrics.output)")
                return
            }
            #expect(rows.compactMap { JSONPath.text($0["id"]) } == [seeded[0], seeded[1]])
            #expect(rows.first?["linkClicks"] == .number(9))
        }
    }

    @Test func errorsAreClassifiedByXsProblemTitlesAndTheResetHeader() async throws {
        try await withX { fake, runtime in
            let token = fake.issueAccessToken()
            func post(_ text: String, with credential: String? = nil) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(ConnectorCall(connector: "x", action: "posts.create", input: .object(["text": .string(text)]))) { _ in
                        .token(credential ?? token)
                    }
                }
            }
            let expired = fake.issueAccessToken()
            fake.expire(token: expired)
            let auth = await post("Anything", with: expired)
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "Unauthorized")
            #expect(auth?.message.contains(expired) == false)

            _ = try await runtime.execute(ConnectorCall(connector: "x", action: "posts.create", input: .object(["text": .string("Once")]))) { _ in
                .token(token)
            }
            let duplicate = await post("Once")
            #expect(duplicate?.code == .providerRejected)
            #expect(duplicate?.providerCode == "Forbidden")
            #expect(duplicate?.message.contains("duplicate content") == true)

            let tooLong = await post(String(repeating: "a", count: 300))
            #expect(tooLong?.code == .providerRejected)
            #expect(tooLong?.providerCode == "Invalid Request")

            let readOnly = fake.issueAccessToken(scopes: ["tweet.read", "users.read"])
            let noScope = await post("No write scope", with: readOnly)
            #expect(noScope?.code == .providerRejected)

            // 429 on a write: not repeated; the reset comes from x-rate-limit-reset (epoch seconds).
            let before = fake.requests.count
            fake.injectRateLimit(calls: 1)
            let sentAt = Int(Date().timeIntervalSince1970)
            let limited = await post("Throttled")
            let answeredBy = Int(Date().timeIntervalSince1970)
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "Too Many Requests")
            let resetAt = try #require(limited?.resetAt)
            #expect(abs(resetAt.timeIntervalSince1970 - TimeInterval(fake.resetEpoch)) < 2)
            // Read at a moment between the call and its answer.
            let untilReset = (fake.resetEpoch - answeredBy - 1)...(fake.resetEpoch - sentAt + 1)
            #expect(untilReset.contains(limited?.retryAfterSeconds ?? 0), "the wait is the time left until x-rate-limit-reset")
            #expect(fake.requests.count == before + 1)
            #expect(fake.posts.count == 1)
        }
    }

    /// Serves `bytes` as `path` on loopback (the media a user names by URL).
    static func mediaHost(_ bytes: [UInt8], path: String, type: String) throws -> FakeProviderServer {
        let host = FakeProviderServer()
        host.on("GET", path, reply: FakeProviderServer.Reply(status: 200, headers: ["Content-Type": type], body: bytes))
        try host.start()
        return host
    }

    @Test func aVideoIsUploadedInSegmentsPolledUntilProcessedAndPosted() async throws {
        let flows = ConnectorFlowRegistry([XMediaUploadFlow(segmentBytes: 4, maxWait: .milliseconds(5))])
        try await withX(flows: flows) { fake, runtime in
            let token = fake.issueAccessToken()
            fake.setProcessing(reads: 2)
            let bytes = Array("0123456789".utf8)
            let host = try Self.mediaHost(bytes, path: "/clip.mp4", type: "video/mp4")
            try await host.serving {
                let uploaded = try await runtime.execute(
                    ConnectorCall(
                        connector: "x", action: "media.upload",
                        input: .object(["mediaUrl": .string("\(host.baseURL)/clip.mp4"), "mediaType": .string("video/mp4")]))
                ) { _ in .token(token) }
                let id = try #require(JSONPath.text(uploaded.output["id"]))
                #expect(uploaded.output["state"] == .string("succeeded"))
                #expect(uploaded.output["segments"] == .number(3))

                let initialize = try #require(fake.server.requests("POST", "/2/media/upload/initialize").first)
                #expect(
                    try JSONValue.parse(initialize.body)
                        == .object(["media_type": .string("video/mp4"), "total_bytes": .number(10), "media_category": .string("tweet_video")]))
                let appends = fake.server.requests("POST", "/2/media/upload/*/append")
                #expect(appends.allSatisfy { $0.path == "/2/media/upload/\(id)/append" })
                #expect(
                    appends.map { XFake.multipart($0.body, boundary: String($0.header("Content-Type")?.split(separator: "=").last ?? "")) }
                        .map { String(decoding: $0["segment_index"] ?? [], as: UTF8.self) } == ["0", "1", "2"])
                #expect(fake.segments(of: id) == [0: 4, 1: 4, 2: 2])
                #expect(fake.server.requests("POST", "/2/media/upload/*/finalize").count == 1)
                let polls = fake.server.requests("GET", "/2/media/upload")
                #expect(polls.count == 3)  // in_progress, in_progress, succeeded
                #expect(polls.allSatisfy { $0.queryItems["command"] == ["STATUS"] && $0.queryItems["media_id"] == [id] })

                let posted = try await runtime.execute(
                    ConnectorCall(
                        connector: "x", action: "posts.create",
                        input: .object(["text": .string("Roasting day"), "media": .object(["media_ids": .array([.string(id)])])]))
                ) { _ in .token(token) }
                #expect(JSONPath.text(posted.output["id"]) != nil)
                #expect(fake.posts.last?.mediaIDs == [id])
            }
        }
    }

    @Test func failedProcessingIsRejectedAndDefaultSegmentsStayWithinFiveMegabytes() async throws {
        // The production segment size is within X's 5 MB APPEND limit; the fake's loopback server
        // takes bodies up to 1 MiB, so the upload below uses 512 KiB segments.
        #expect(XMediaUploadFlow().segmentBytes == 4 * 1024 * 1024)
        #expect(XMediaUploadFlow().segmentBytes <= XFake.maxSegmentBytes)
        let flows = ConnectorFlowRegistry([XMediaUploadFlow(segmentBytes: 512 * 1024)])
        try await withX(flows: flows) { fake, runtime in
            let token = fake.issueAccessToken()
            let image = [UInt8](repeating: 0xAB, count: 1_200_000)
            let host = try Self.mediaHost(image, path: "/big.png", type: "image/png")
            try await host.serving {
                let uploaded = try await runtime.execute(
                    ConnectorCall(
                        connector: "x", action: "media.upload",
                        input: .object(["mediaUrl": .string("\(host.baseURL)/big.png"), "mediaType": .string("image/png")]))
                ) { _ in .token(token) }
                let id = try #require(JSONPath.text(uploaded.output["id"]))
                #expect(fake.segments(of: id) == [0: 524_288, 1: 524_288, 2: 151_424])
                #expect(fake.server.requests("GET", "/2/media/upload").isEmpty, "an image needs no processing")

                fake.setProcessing(reads: 0, fails: true)
                let failed = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(
                        ConnectorCall(
                            connector: "x", action: "media.upload",
                            input: .object(["mediaUrl": .string("\(host.baseURL)/big.png"), "mediaType": .string("video/mp4")]))
                    ) { _ in .token(token) }
                }
                #expect(failed?.code == .providerRejected)
                #expect(failed?.message.contains("Unsupported video format") == true)
            }
        }
    }
}
