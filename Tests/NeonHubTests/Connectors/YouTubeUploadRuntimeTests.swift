import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `videos.upload` (flow `youtube.resumableUpload`) run by the real runtime against the YouTube
/// fake, which follows the resumable upload guide: the session request field by field, the
/// bytes PUT, and resumption from the byte the server reports after a dropped connection or a 5xx.
@Suite struct YouTubeUploadRuntimeTests {
    static func upload(
        _ runtime: ConnectorRuntime, media: FakeProviderServer, token: String, extra: [String: JSONValue] = [:]
    ) async throws -> ConnectorResult {
        var input: [String: JSONValue] = [
            "title": .string("Spring blend: how we roast"), "description": .string("Behind the scenes."),
            "tags": .array([.string("coffee"), .string("roasting")]), "privacyStatus": .string("unlisted"),
            "videoUrl": .string("\(media.baseURL)/clip.mp4"),
        ]
        for (name, value) in extra { input[name] = value }
        return try await runtime.execute(
            ConnectorCall(connector: "youtube", action: "videos.upload", input: .object(input), accountID: YouTubeFake.channelID)
        ) { _ in .token(token) }
    }

    static func puts(_ fake: YouTubeFake) -> [FakeProviderServer.RecordedRequest] { fake.api.requests("PUT", "/upload/youtube/v3/videos") }

    @Test func theSessionCarriesTheMetadataAndTheBytesArriveInOnePut() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let file = YouTubeTestSupport.file(300_000)
            let media = try YouTubeTestSupport.mediaHost(file)
            let result = try await Self.upload(try YouTubeTestSupport.runtime(fake), media: media, token: token)
            await media.stopWithoutBlocking()

            let start = try #require(fake.api.requests("POST", "/upload/youtube/v3/videos").first)
            #expect(start.queryItems == ["uploadType": ["resumable"], "part": ["snippet,status"]])
            #expect(start.header("Authorization") == "Bearer \(token)")
            #expect(start.header("X-Upload-Content-Length") == "300000")
            #expect(start.header("X-Upload-Content-Type") == "video/mp4")
            #expect(start.header("Content-Type") == "application/json; charset=UTF-8")
            let body = try #require(start.json as? [String: Any])
            let snippet = try #require(body["snippet"] as? [String: Any])
            #expect(snippet["title"] as? String == "Spring blend: how we roast")
            #expect(snippet["description"] as? String == "Behind the scenes.")
            #expect(snippet["tags"] as? [String] == ["coffee", "roasting"])
            #expect(snippet["categoryId"] as? String == "22", "the schema's default category")
            #expect(snippet.count == 4)
            let status = try #require(body["status"] as? [String: Any])
            #expect(status["privacyStatus"] as? String == "unlisted")
            #expect(status["selfDeclaredMadeForKids"] as? Bool == false)
            #expect(status.count == 2, "no publishAt when none is given")
            #expect(body.count == 2)

            let puts = Self.puts(fake)
            #expect(puts.count == 1)
            #expect(puts[0].queryItems["upload_id"]?.first?.hasPrefix("ys_") == true)
            #expect(puts[0].header("Authorization") == "Bearer \(token)")
            #expect(puts[0].header("Content-Type") == "video/mp4")
            #expect(puts[0].header("Content-Range") == nil)
            #expect(puts[0].body == file)

            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == file)
            #expect(result.output["privacyStatus"] == .string("unlisted"))
            #expect(result.output["status"] == .string("uploaded"))
            #expect(result.output["channelId"] == .string(YouTubeFake.channelID))
            #expect(result.output["bytes"] == .number(300_000))
            #expect(result.output["resumes"] == .number(0))
            #expect(fake.insertCalls == 1)
        }
    }

    @Test func aDroppedConnectionIsResumedFromTheByteTheServerReports() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let file = YouTubeTestSupport.file(1_048_576 + 17)
            let media = try YouTubeTestSupport.mediaHost(file)
            fake.dropNextUpload(after: 262_144)
            let result = try await Self.upload(try YouTubeTestSupport.runtime(fake), media: media, token: token)
            await media.stopWithoutBlocking()

            let puts = Self.puts(fake)
            #expect(puts.map { $0.header("Content-Range") } == [nil, "bytes */1048593", "bytes 262144-1048592/1048593"])
            #expect(puts[1].body.isEmpty && puts[1].header("Content-Length") == "0")
            #expect(puts[2].body == Array(file[262_144...]))
            #expect(puts.allSatisfy { $0.header("Authorization") == "Bearer \(token)" })
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == file, "the video is exactly the file: nothing lost, nothing twice")
            #expect(result.output["resumes"] == .number(1))
            #expect(fake.sessions == 1 && fake.insertCalls == 1, "one session, resumed; not a second upload")
        }
    }

    @Test func aServerErrorOnAPutIsResumedTheSameWay() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let file = YouTubeTestSupport.file(500_000)
            let media = try YouTubeTestSupport.mediaHost(file)
            fake.failNextUpload(after: 123_457, status: 503)
            let result = try await Self.upload(try YouTubeTestSupport.runtime(fake), media: media, token: token)
            await media.stopWithoutBlocking()

            let puts = Self.puts(fake)
            #expect(puts.map { $0.header("Content-Range") } == [nil, "bytes */500000", "bytes 123457-499999/500000"])
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == file)
            #expect(result.output["resumes"] == .number(1))
        }
    }

    @Test func repeatedInterruptionsLeaveTheOutcomeUnknownInsteadOfUploadingAgain() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let media = try YouTubeTestSupport.mediaHost(YouTubeTestSupport.file(10_000))
            for _ in 0..<4 { fake.failNextUpload(after: 1000, status: 503) }
            let runtime = try YouTubeTestSupport.runtime(fake, flow: YouTubeTestSupport.flow(maxInterruptions: 3))
            let error = await #expect(throws: ConnectorError.self) { try await Self.upload(runtime, media: media, token: token) }
            await media.stopWithoutBlocking()
            #expect(error?.code == .providerTimeout)
            #expect(error?.providerCode == "backendError")
            #expect(fake.api.requests("POST", "/upload/youtube/v3/videos").count == 1, "never a second session")
        }
    }

    @Test func refusedMetadataAndSchedulingRulesStopBeforeAnyBytes() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let token = oauth.issueTokens(scopes: [YouTubeFake.uploadScope]).accessToken
            let media = try YouTubeTestSupport.mediaHost(YouTubeTestSupport.file(1000))
            let runtime = try YouTubeTestSupport.runtime(fake)
            // publishAt without private: refused here, nothing sent to YouTube.
            let early = await #expect(throws: ConnectorError.self) {
                try await Self.upload(runtime, media: media, token: token, extra: ["publishAt": .string("2030-01-01T09:00:00Z")])
            }
            #expect(early?.code == .invalidInput)
            #expect(fake.api.requests.isEmpty)
            // A category YouTube does not know: its invalidCategoryId, permanent, no PUT.
            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.upload(runtime, media: media, token: token, extra: ["categoryId": .string("999")])
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "invalidCategoryId")
            #expect(Self.puts(fake).isEmpty)
            // Scheduled: private with publishAt is accepted and kept.
            let scheduled = try await Self.upload(
                runtime, media: media, token: token,
                extra: ["privacyStatus": .string("private"), "publishAt": .string("2030-01-01T09:00:00Z")])
            await media.stopWithoutBlocking()
            #expect(scheduled.output["publishAt"] == .string("2030-01-01T09:00:00Z"))
            #expect(scheduled.output["privacyStatus"] == .string("private"))
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceDuringTheUpload() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let tokens = oauth.issueTokens(scopes: [YouTubeFake.uploadScope])
            oauth.expire(accessToken: tokens.accessToken)
            let file = YouTubeTestSupport.file(4096)
            let media = try YouTubeTestSupport.mediaHost(file)
            let credentials = try GoogleConnectorTestSupport.credentials("youtube", oauth: oauth, tokens: tokens)
            let result = try await YouTubeTestSupport.runtime(fake).execute(
                ConnectorCall(
                    connector: "youtube", action: "videos.upload",
                    input: .object(["title": .string("Refreshed"), "videoUrl": .string("\(media.baseURL)/clip.mp4")])),
                credentials: credentials)
            await media.stopWithoutBlocking()
            let starts = fake.api.requests("POST", "/upload/youtube/v3/videos")
            #expect(starts.count == 2, "refused with the expired token, then sent once with the new one")
            #expect(starts[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            let renewed = try #require(starts[1].header("Authorization"))
            #expect(renewed != "Bearer \(tokens.accessToken)")
            #expect(Self.puts(fake).map { $0.header("Authorization") } == [renewed])
            #expect(oauth.requests.filter { $0.path == "/token" }.count == 1)
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == file)
        }
    }

    @Test func theRangeHeaderAndTheUploadTypeAreReadAsTheGuideSays() {
        #expect(GoogleResumableUpload.received("bytes=0-262143") == 262_144)
        #expect(GoogleResumableUpload.received(nil) == 0, "no Range: nothing stored")
        #expect(GoogleResumableUpload.received("garbage") == 0)
        #expect(YouTubeResumableUploadFlow.uploadType("video/mp4; codecs=avc1") == "video/mp4")
        #expect(YouTubeResumableUploadFlow.uploadType("image/png") == "application/octet-stream")
        #expect(YouTubeResumableUploadFlow.uploadType(nil) == "application/octet-stream")
    }

    @Test func inMockModeTheUploadRunsItsStepsFromTheFixtures() async throws {
        let (runtime, _) = try MockModeTests.mockRuntime()
        let result = try await runtime.execute(
            ConnectorCall(
                connector: "youtube", action: "videos.upload",
                input: .object(["title": .string("Mock"), "videoUrl": .string("https://media.example.org/a.mp4")]))
        ) { _ in .none }
        #expect(result.output["id"] == .string("dQw4w9WgXcQ"))
        #expect(result.output["status"] == .string("uploaded"))
        #expect(result.output["resumes"] == .number(0))
    }

    @Test func aTokenThatExpiresDuringTheBytesIsRefreshedAndTheUploadResumed() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let tokens = oauth.issueTokens(scopes: [YouTubeFake.uploadScope])
            let file = YouTubeTestSupport.file(70_000)
            let media = try YouTubeTestSupport.mediaHost(file)
            fake.failNextUpload(after: 0, status: 401)
            let credentials = try GoogleConnectorTestSupport.credentials("youtube", oauth: oauth, tokens: tokens)
            let result = try await YouTubeTestSupport.runtime(fake).execute(
                ConnectorCall(
                    connector: "youtube", action: "videos.upload",
                    input: .object(["title": .string("Long upload"), "videoUrl": .string("\(media.baseURL)/clip.mp4")])),
                credentials: credentials)
            await media.stopWithoutBlocking()
            let puts = Self.puts(fake)
            #expect(puts.map { $0.header("Content-Range") } == [nil, "bytes */70000", nil], "nothing arrived: the whole file again")
            #expect(puts[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            let renewed = try #require(puts[1].header("Authorization"))
            #expect(renewed != puts[0].header("Authorization") && puts[2].header("Authorization") == renewed)
            #expect(oauth.requests.filter { $0.path == "/token" }.count == 1, "refreshed once")
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == file)
            #expect(fake.sessions == 1)
        }
    }
}
