import Foundation
import HTTPFields
import Logging
import TestSupport

@testable import NeonHub

/// What the YouTube runtime, queue and agent tests share: the fakes started and stopped, a
/// runtime pointed at both YouTube hosts with an upload flow whose waits are short, and the
/// video file served on loopback as a user's media URL.
enum YouTubeTestSupport {
    /// The upload flow with test waits: a bytes PUT unanswered for `putTimeout` counts as dropped.
    static func flow(putTimeout: Duration = .seconds(1), maxInterruptions: Int = 3) -> YouTubeResumableUploadFlow {
        YouTubeResumableUploadFlow(
            maxBytes: 8 * 1_048_576, maxInterruptions: maxInterruptions, pause: .milliseconds(10), putTimeout: putTimeout,
            statusTimeout: .seconds(5))
    }

    /// The real catalog run against `fake`, with `flow` as `youtube.resumableUpload`.
    static func runtime(_ fake: YouTubeFake, flow: YouTubeResumableUploadFlow = flow()) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "youtube"), baseURLOverrides: ["youtube": fake.api.baseURL],
            actionBaseURLOverrides: ["youtube": fake.hosts], flows: ConnectorFlowRegistry([flow]), allowPrivateMediaHosts: true)
    }

    /// Serves `bytes` as `GET /clip.mp4` (`video/mp4`).
    static func mediaHost(_ bytes: [UInt8]) throws -> FakeProviderServer {
        let host = FakeProviderServer()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "video/mp4")
        host.on("GET", "/clip.mp4", reply: FakeProviderServer.Reply(status: 200, headers: headers, body: bytes))
        try host.start()
        return host
    }

    /// A file of `count` bytes that is not periodic in any small step (a misplaced byte shows).
    static func file(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x9E37_79B9
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// Runs `body` with started OAuth and YouTube fakes, stopping them afterwards.
    static func withFakes(dropFor: Duration = .seconds(3), _ body: (YouTubeFake, GoogleOAuthFake) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = YouTubeFake(oauth: oauth, dropFor: dropFor)
        try oauth.start()
        try fake.start()
        do {
            try await body(fake, oauth)
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    /// The items of a paged read's output.
    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }
}
