import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// `instagram.publish` (the `meta.instagramPublish` flow) run by the real runtime against the
/// Meta Graph fake, which keeps containers `IN_PROGRESS` for a set number of status reads and
/// refuses `media_publish` before `FINISHED`: create the container → poll → publish.
@Suite struct InstagramPublishFlowTests {
    static let igUser = MetaGraphFake.Page.defaults[0].instagramUserID ?? ""
    static let interval = Duration.milliseconds(30)

    static func runtime(_ fake: MetaGraphFake, maxPolls: Int = 4) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "meta"),
            baseURLOverrides: ["meta": fake.apiBaseURL],
            flows: ConnectorFlowRegistry([InstagramPublishFlow(maxPolls: maxPolls, pollInterval: interval)]))
    }

    static func publish(_ runtime: ConnectorRuntime, _ input: [String: JSONValue], token: String) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: "meta", action: "instagram.publish", input: .object(input), accountID: igUser)) { _ in
            .token(token)
        }
    }

    @Test func anImageContainerIsPublishedOnceItIsFinished() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        fake.setContainerPolls(2)  // two reads answer IN_PROGRESS, the third FINISHED
        let token = fake.issueUserToken()
        let result = try await Self.publish(
            try Self.runtime(fake),
            [
                "mediaType": .string("IMAGE"), "imageUrl": .string("https://cdn.example.com/roast.jpg"),
                "caption": .string("Spring roast #coffee"),
            ], token: token)
        let mediaID = try #require(JSONPath.text(result.output["id"]))
        #expect(fake.mediaIDs == [mediaID])
        let containerID = try #require(JSONPath.text(result.output["containerId"]))
        #expect(result.attempts == 5)

        let sent = fake.requests
        #expect(
            sent.map { "\($0.method) \($0.path)" } == [
                "POST /v25.0/\(Self.igUser)/media",
                "GET /v25.0/\(containerID)", "GET /v25.0/\(containerID)", "GET /v25.0/\(containerID)",
                "POST /v25.0/\(Self.igUser)/media_publish",
            ])
        let create = sent[0]
        #expect(create.formItems["image_url"] == ["https://cdn.example.com/roast.jpg"])
        #expect(create.formItems["caption"] == ["Spring roast #coffee"])
        #expect(create.formItems["media_type"] == nil && create.formItems["video_url"] == nil)
        #expect(create.header("Authorization") == "Bearer \(token)")
        for poll in sent[1...3] { #expect(poll.queryItems["fields"]?.first?.split(separator: ",").contains("status_code") == true) }
        // The polls are spaced, not a busy loop.
        for (earlier, later) in zip(sent[1...2], sent[2...3]) {
            #expect(later.receivedAt.timeIntervalSince(earlier.receivedAt) >= 0.025)
        }
        #expect(sent[4].formItems["creation_id"] == [containerID])
    }

    @Test func aReelIsCreatedWithItsVideoAndPublished() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        fake.setContainerPolls(1)
        let result = try await Self.publish(
            try Self.runtime(fake),
            [
                "mediaType": .string("REELS"), "videoUrl": .string("https://cdn.example.com/reel.mp4"),
                "caption": .string("Behind the scenes"), "shareToFeed": .bool(true),
            ], token: fake.issueUserToken())
        let mediaID = try #require(JSONPath.text(result.output["id"]))
        #expect(fake.mediaIDs == [mediaID])
        let create = try #require(fake.server.requests("POST", "/v25.0/\(Self.igUser)/media").first)
        #expect(create.formItems["media_type"] == ["REELS"])
        #expect(create.formItems["video_url"] == ["https://cdn.example.com/reel.mp4"])
        #expect(create.formItems["share_to_feed"] == ["true"])
        #expect(create.formItems["image_url"] == nil)
        // The published reel is listed as a video.
        let listed = try await Self.runtime(fake).execute(ConnectorCall(connector: "meta", action: "instagram.listMedia", accountID: Self.igUser)) {
            _ in
            .token(fake.issueUserToken())
        }
        guard case .array(let media)? = listed.output["items"] else { Issue.record("no items"); return }
        #expect(media.contains { JSONPath.text($0["id"]) == mediaID && JSONPath.text($0["mediaType"]) == "VIDEO" })
    }

    @Test func aContainerInErrorOrExpiredIsAPermanentErrorAndNothingIsPublished() async throws {
        for outcome in [MetaGraphFake.ContainerOutcome.error, .expired] {
            let fake = MetaGraphFake()
            try fake.start()
            defer { fake.stop() }
            fake.setContainerPolls(1, outcome: outcome)
            let thrown = await #expect(throws: ConnectorError.self) {
                try await Self.publish(
                    try Self.runtime(fake), ["mediaType": .string("IMAGE"), "imageUrl": .string("https://cdn.example.com/broken.jpg")],
                    token: fake.issueUserToken())
            }
            #expect(thrown?.code == .providerRejected)
            #expect(thrown?.providerCode == outcome.rawValue)
            let containerID = try #require(fake.server.requests("GET", "/v25.0/*").last?.path.split(separator: "/").last.map(String.init))
            #expect(thrown?.message.contains(containerID) == true)
            #expect(fake.server.requests("GET", "/v25.0/*").count == 2)
            #expect(fake.server.requests("POST", "/v25.0/*/media_publish").isEmpty)
            #expect(fake.mediaIDs.isEmpty)
        }
    }

    @Test func stillProcessingAtTheBoundNamesTheContainerWhichCanBePublishedLater() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        fake.setContainerPolls(5)
        let token = fake.issueUserToken()
        let runtime = try Self.runtime(fake, maxPolls: 3)
        let thrown = await #expect(throws: ConnectorError.self) {
            try await Self.publish(runtime, ["mediaType": .string("IMAGE"), "imageUrl": .string("https://cdn.example.com/slow.jpg")], token: token)
        }
        #expect(thrown?.code == .providerTimeout)
        #expect(thrown?.providerCode == "IN_PROGRESS")
        let containerID = try #require(fake.server.requests("GET", "/v25.0/*").last?.path.split(separator: "/").last.map(String.init))
        #expect(thrown?.message.contains("still processing") == true)
        #expect(thrown?.message.contains(containerID) == true)
        #expect(fake.server.requests("GET", "/v25.0/*").count == 3)  // the bound
        #expect(fake.server.requests("POST", "/v25.0/*/media_publish").isEmpty)

        // Resumed with the plain actions the error names.
        var status = ""
        for _ in 0..<5 where status != "FINISHED" {
            let read = try await runtime.execute(
                ConnectorCall(
                    connector: "meta", action: "instagram.containerStatus",
                    input: .object(["containerId": .string(containerID)]), accountID: Self.igUser)
            ) { _ in .token(token) }
            status = JSONPath.text(read.output["statusCode"]) ?? ""
        }
        #expect(status == "FINISHED")
        let published = try await runtime.execute(
            ConnectorCall(
                connector: "meta", action: "instagram.publishContainer",
                input: .object(["containerId": .string(containerID)]), accountID: Self.igUser)
        ) { _ in .token(token) }
        #expect(fake.mediaIDs == [try #require(JSONPath.text(published.output["id"]))])
    }

    @Test func anExpiredTokenIsRefreshedOnceForTheWholeFlow() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        fake.setContainerPolls(1)
        let stale = fake.issueUserToken()
        let fresh = fake.issueUserToken()
        fake.expire(token: stale)
        let refreshes = Atomic<Int>(0)
        let result = try await Self.runtime(fake).execute(
            ConnectorCall(
                connector: "meta", action: "instagram.publish",
                input: .object(["mediaType": .string("IMAGE"), "imageUrl": .string("https://cdn.example.com/a.jpg")]),
                accountID: Self.igUser)
        ) { refresh in
            guard refresh else { return .token(stale, canRefresh: true) }
            refreshes.add(1, ordering: .relaxed)
            return .token(fresh)
        }
        #expect(fake.mediaIDs == [try #require(JSONPath.text(result.output["id"]))])
        #expect(refreshes.load(ordering: .relaxed) == 1)
        // The refused request was the first; every later step used the refreshed token.
        let tokens = fake.requests.map { $0.header("Authorization") }
        #expect(tokens.first == "Bearer \(stale)")
        #expect(tokens.dropFirst().allSatisfy { $0 == "Bearer \(fresh)" })
        #expect(tokens.count == 5)  // refused create, create, two polls, publish
    }
}
