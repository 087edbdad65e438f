import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Videos published through the queue end to end: `publish.schedule` over HTTP, workers in the
/// server, a connection made through Google's OAuth fake (PKCE), the YouTube fake as the
/// platform, a real Postgres; and a social-agent run acting through the YouTube connection.
@Suite struct YouTubeQueueTests {
    /// A database app with queue workers, YouTube pointed at `fake` (both hosts) and `oauth`, the
    /// media host allowed on loopback; `body` gets the server, the client and the connection id.
    static func withYouTubeQueue(
        _ fake: YouTubeFake, oauth: GoogleOAuthFake, workers: Int = 2, agents: [any Agent] = [],
        quotaClock: @escaping @Sendable () -> Date = { Date() }, _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let url = TestTemporaryFiles.url("endpoints-youtube")
        let entry: [String: Any] = [
            "baseUrl": fake.api.baseURL, "tokenUrl": oauth.tokenURL, "authorizeUrl": oauth.authorizeURL, "revokeUrl": oauth.revokeURL,
            "baseUrls": fake.hosts,
        ]
        try JSONSerialization.data(withJSONObject: ["youtube": entry]).write(to: url)
        let endpoints = url.path
        try await withDatabaseApp(
            agents: agents,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["YOUTUBE": GoogleOAuthFake.defaultApp])
                $0.workers = workers
                $0.connectorTimeout = .seconds(5)
                $0.connectorMediaFromPrivateHosts = true
                $0.queueSchedules = false
                $0.queueBackoffBase = .seconds(60)
                $0.quotaClock = quotaClock
            }
        ) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "youtube") { query in
                oauth.authorize(
                    scopes: YouTubeFake.allScopes, redirectURI: query["redirect_uri"], codeChallenge: query["code_challenge"],
                    codeChallengeMethod: "S256", prompt: "consent")
            }
            try await body(server, client, id)
        }
    }

    static func schedule(_ client: HTTPTestClient, connection: UUID, title: String, media: FakeProviderServer) async throws -> String {
        try await XRedditQueueSupport.schedule(
            client, connection: connection, action: "videos.upload", account: YouTubeFake.channelID,
            input: ["title": title, "privacyStatus": "public", "videoUrl": "\(media.baseURL)/clip.mp4"])
    }

    @Test func aScheduledVideoIsUploadedOnceWithItsIdAndWatchURLStored() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let file = YouTubeTestSupport.file(200_000)
            let media = try YouTubeTestSupport.mediaHost(file)
            do {
                try await Self.withYouTubeQueue(fake, oauth: oauth) { _, client, connection in
                    let id = try await Self.schedule(client, connection: connection, title: "Spring blend is back", media: media)
                    let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                    let job = try #require(done["job"] as? [String: Any])
                    let created = fake.videos.filter { $0.title == "Spring blend is back" }
                    #expect(created.count == 1, "one video at YouTube")
                    let video = try #require(created.first)
                    #expect(video.bytes == file)
                    #expect(video.privacyStatus == "public")
                    #expect(job["remoteId"] as? String == video.id)
                    #expect(job["remoteUrl"] as? String == "https://www.youtube.com/watch?v=\(video.id)")
                    #expect(QueueTestSupport.outcomes(done) == ["succeeded"])
                    #expect(fake.api.requests("POST", "/upload/youtube/v3/videos").count == 1)
                    #expect(fake.api.requests("PUT", "/upload/youtube/v3/videos").count == 1)
                }
            } catch {
                await media.stopWithoutBlocking()
                throw error
            }
            await media.stopWithoutBlocking()
        }
    }

    @Test func aSpentUploadQuotaWaitsForMidnightPacificWithoutUploading() async throws {
        let (clock, offset) = try QuotaAwarenessTests.noonClock(in: "America/Los_Angeles")
        var pacific = Calendar(identifier: .gregorian)
        pacific.timeZone = try #require(TimeZone(identifier: "America/Los_Angeles"))
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let media = try YouTubeTestSupport.mediaHost(YouTubeTestSupport.file(1000))
            fake.setQuota(insertsPerDay: 0)
            do {
                try await Self.withYouTubeQueue(fake, oauth: oauth, workers: 1, quotaClock: clock) { _, client, connection in
                    let id = try await Self.schedule(client, connection: connection, title: "Over quota", media: media)
                    let limited = try await QueueTestSupport.waitForJob(client, id) {
                        (($0["job"] as? [String: Any])?["waitReason"] as? String)?.hasPrefix("rate_limited") == true
                    }
                    #expect(QueueTestSupport.outcomes(limited) == ["rate_limited"])
                    let runAfterText = try #require((limited["job"] as? [String: Any])?["runAfter"] as? String)
                    let runAfter = try #require(QuotaAwarenessTests.parseTimestamp(runAfterText))
                    let midnight = try #require(pacific.date(byAdding: .day, value: 1, to: pacific.startOfDay(for: clock())))
                    // The job waits in real time what the clock has left to its midnight.
                    #expect(abs(runAfter.addingTimeInterval(offset).timeIntervalSince(midnight)) < 60, "\(runAfter) + \(offset) s vs \(midnight)")
                    #expect(fake.api.requests("PUT", "/upload/youtube/v3/videos").isEmpty)
                    #expect(fake.videos.count == 3)
                }
            } catch {
                await media.stopWithoutBlocking()
                throw error
            }
            await media.stopWithoutBlocking()
        }
    }

    @Test func theSocialAgentWritesAVideoDescriptionThroughTheConnectorAndTheRunIsRecorded() async throws {
        try await YouTubeTestSupport.withFakes { fake, oauth in
            let actions = SupportAgentConnectorRunTests.LateConnectorActions()
            let agent = SocialAgentXRedditRunTests.XRedditSocialAgent(
                name: "social-youtube", actions: actions, connector: "youtube", action: "videos.update", accountID: YouTubeFake.channelID
            ) { composed in
                .object([
                    "id": .string("dQw4w9WgXcQ"), "title": .string("Spring blend: how we roast"), "categoryId": .string("22"),
                    "privacyStatus": .string("public"), "description": SocialAgentXRedditRunTests.firstPostText(composed),
                ])
            }
            try await Self.withYouTubeQueue(fake, oauth: oauth, workers: 0, agents: [agent]) { server, client, _ in
                actions.bind(try SupportAgentConnectorRunTests.service(of: server))
                let (status, envelope) = try await client.mutation(
                    "agents.run",
                    ["agent": "social-youtube", "intent": "compose", "input": ["brief": "Our spring blend is back this Friday", "platforms": ["x"]]])
                #expect(status == 200)
                let result = try #require(resultData(envelope))
                #expect(result["status"] as? String == "succeeded", "\(envelope)")
                let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
                let video = try #require(fake.videos.first { $0.id == "dQw4w9WgXcQ" })
                #expect(video.description?.contains("spring blend") == true)
                let update = try #require(fake.api.requests("PUT", "/youtube/v3/videos").first)
                #expect(update.queryItems == ["part": ["snippet,status"]])
                let pool = try #require(server.database?.pool)
                let tools = try await pool.query(
                    """
                    SELECT status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                    FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                    """)
                #expect(tools.count == 1)
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("connector", as: String.self) == "youtube")
                #expect(try tools.first?.decode("action", as: String.self) == "videos.update")
                #expect(try tools.first?.decode("output", as: String.self).contains("dQw4w9WgXcQ") == true)
                let token = String(try #require(update.header("Authorization")?.dropFirst(7)))
                let leaked = try await pool.query(
                    "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND (input::text || output::text) LIKE \("%" + token + "%")"
                )
                #expect(try leaked.first?.decode("n", as: Int.self) == 0)
            }
        }
    }
}
