import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// TikTok through the whole server against `TikTokFake`: the OAuth v2 dance (client_key,
/// comma-separated scopes), the rotating refresh token stored after each refresh, a direct post
/// through `publish.schedule` that waits for TikTok's processing without holding a worker, and
/// a social agent run that reads the creator through `connector.action`.
@Suite struct TikTokConnectionTests {
    /// A database app with queue workers, TikTok pointed at `fake` (flows with short waits: two
    /// status reads a run, a 200 ms deferral), connected through OAuth; `body` gets the server,
    /// the client, the connection and the consent URL's query.
    static func withTikTokQueue(
        _ fake: TikTokFake, agents: [any Agent] = [],
        _ body: (NeonHubServer, HTTPTestClient, UUID, [String: String]) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["tiktok": ["baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL]])
        try await withDatabaseApp(
            agents: agents,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["TIKTOK": TikTokFake.defaultApp])
                $0.workers = 2
                $0.queueSchedules = false
                $0.connectorFlows = ConnectorFlowRegistry([
                    TikTokVideoPublishFlow(mode: .directPost, pollsPerRun: 2, pollInterval: .milliseconds(5), resumeAfter: .milliseconds(200)),
                    TikTokVideoPublishFlow(mode: .inbox, pollsPerRun: 2, pollInterval: .milliseconds(5), resumeAfter: .milliseconds(200)),
                    TikTokVideoPublishFlow(mode: .photo, pollsPerRun: 2, pollInterval: .milliseconds(5), resumeAfter: .milliseconds(200)),
                ])
            }
        ) { server, client in
            var consent: [String: String] = [:]
            let id = try await OAuthTestSupport.connect(client, connector: "tiktok") { query in
                consent = query
                return fake.authorize(redirectURI: query["redirect_uri"])
            }
            try await body(server, client, id, consent)
        }
    }

    /// Schedules a direct post of `input` through `publish.schedule`; the job's id.
    static func scheduleVideo(_ client: HTTPTestClient, connection: UUID, input: [String: Any]) async throws -> String {
        let (status, envelope) = try await client.mutation(
            "publish.schedule",
            ["connectionId": connection.uuidString, "action": "video.publish", "accountId": TikTokFake.openID, "input": input])
        #expect(status == 200, "\(envelope)")
        return try #require(QueueTestSupport.jobID(envelope))
    }

    static func refreshGrants(_ fake: TikTokFake) -> [FakeProviderServer.RecordedRequest] {
        fake.requests.filter { $0.path == "/v2/oauth/token/" && $0.formItems["grant_type"] == ["refresh_token"] }
    }

    @Test func connectingUsesClientKeyAndEachRefreshStoresTheRotatedRefreshToken() async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake) { _, client, connection, consent in
                #expect(consent["client_key"] == TikTokFake.defaultApp.clientID)
                #expect(consent["client_id"] == nil)
                #expect(consent["response_type"] == "code")
                #expect(consent["scope"]?.contains(",") == true && consent["scope"]?.contains(" ") == false)
                let exchange = try #require(fake.requests.first { $0.path == "/v2/oauth/token/" })
                #expect(exchange.formItems["client_key"] == [TikTokFake.defaultApp.clientID])
                #expect(exchange.formItems["client_id"] == nil)
                #expect(exchange.formItems["grant_type"] == ["authorization_code"])

                // Twice: the token dies, the call refreshes. The second refresh only works if the
                // first one stored the rotated refresh token (TikTok retired the old one).
                for round in 1...2 {
                    let bearer = try #require(fake.requests.last { $0.path.hasPrefix("/v2/user/") }?.header("Authorization"))
                    fake.expire(token: String(bearer.dropFirst("Bearer ".count)))
                    let (status, envelope) = try await client.mutation(
                        "connectors.executeAction", ["connectionId": connection.uuidString, "action": "user.info"])
                    #expect(status == 200, "\(envelope)")
                    #expect(Self.refreshGrants(fake).count == round)
                }
                let used = Self.refreshGrants(fake).compactMap { $0.formItems["refresh_token"]?.first }
                #expect(used.count == 2 && used[0] != used[1])
                #expect(!fake.isValid(refreshToken: used[0]))
                #expect(Self.refreshGrants(fake).allSatisfy { $0.formItems["client_key"] == [TikTokFake.defaultApp.clientID] })
            }
        }
    }

    @Test func aDirectPostStillProcessingIsDeferredThenSucceedsAndIsUploadedOnce() async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake) { server, client, connection, _ in
                fake.setProcessingPolls(3)  // reads 1–3 processing, read 4 complete: two runs of two reads
                let (status, envelope) = try await client.mutation(
                    "publish.schedule",
                    [
                        "connectionId": connection.uuidString, "action": "video.publish", "accountId": TikTokFake.openID,
                        "input": [
                            "title": "Spring drop #coffee", "privacyLevel": "SELF_ONLY", "videoUrl": "https://www.example.com/media/spring.mp4",
                        ],
                    ])
                #expect(status == 200, "\(envelope)")
                let id = try #require(QueueTestSupport.jobID(envelope))
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                #expect(QueueTestSupport.outcomes(done) == ["deferred", "succeeded"])
                let publishes = fake.publishes
                #expect(publishes.count == 1)
                let publishID = try #require(publishes.keys.first)
                #expect((done["job"] as? [String: Any])?["remoteId"] as? String == publishID)
                #expect(fake.server.requests("POST", "/v2/post/publish/video/init/").count == 1, "uploaded once")
                #expect(fake.server.requests("POST", "/v2/post/publish/status/fetch/").count == 4)
                #expect(fake.completedPublishes == 1)
                // The checkpoint was kept beside the job's input, where the second run found it.
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await server.database!.pool.query("SELECT payload::text AS p FROM publish_jobs WHERE id = \(uuid)").first)
                let payload = try JSONValue.parse(Array(try row.decode("p", as: String.self).utf8))
                #expect(payload["checkpoint"]?["publishId"] == .string(publishID))
                #expect(payload["input"]?["publishId"] == nil)
                #expect(payload["input"]?["title"] == .string("Spring drop #coffee"))
            }
        }
    }

    /// While TikTok processes a video the job cannot be cancelled (the post would go on at
    /// TikTok); when TikTok then fails it, a replay from the dead-letter queue uploads it again
    /// instead of asking about the failed publish forever.
    @Test func aVideoTikTokIsProcessingCannotBeCancelledAndAFailedOneIsUploadedAgainOnReplay() async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake) { _, client, connection, _ in
                fake.setProcessingPolls(1_000_000)
                let id = try await Self.scheduleVideo(
                    client, connection: connection,
                    input: ["title": "Autumn blend", "privacyLevel": "SELF_ONLY", "videoUrl": "https://www.example.com/media/autumn.mp4"])
                let waiting = try await QueueTestSupport.waitForJob(client, id) {
                    (($0["job"] as? [String: Any])?["waitReason"] as? String)?.hasPrefix("pending:") == true
                }
                #expect(QueueTestSupport.outcomes(waiting).first == "deferred")
                // (A cancel that lands while a worker polls is refused as `running`: ask again.)
                var refusal = ""
                for _ in 0..<40 {
                    let (cancelStatus, refused) = try await client.mutation("publish.cancel", ["id": id])
                    #expect(cancelStatus == 412)
                    refusal = (refused["error"] as? [String: Any])?["message"] as? String ?? ""
                    if !refusal.contains("running") { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(refusal.contains("already processing"), "\(refusal)")
                let first = try #require(fake.publishes.keys.first)

                fake.fail(publish: first, reason: "duration_check_failed")
                let dead = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "dlq" }
                #expect((dead["job"] as? [String: Any])?["dlqReason"] as? String == "permanent: providerRejected")

                fake.setProcessingPolls(0)
                let (retried, _) = try await client.mutation("publish.retry", ["id": id])
                #expect(retried == 200)
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                #expect(fake.server.requests("POST", "/v2/post/publish/video/init/").count == 2, "uploaded again")
                let second = try #require(fake.publishes.keys.first { $0 != first })
                #expect((done["job"] as? [String: Any])?["remoteId"] as? String == second)
            }
        }
    }

    /// Found by a review: when TikTok's status reads failed (a 5xx, the network, their 30 a
    /// minute spent) after the post had been started, the retry started it again — a second
    /// copy of the video on the creator's profile. Now the retry resumes from the publish id.
    @Test func aRetryAfterTheStatusReadsFailedReadsTheStatusAgainAndNeverPostsTwice() async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake) { server, client, connection, _ in
                fake.fail(path: "/v2/post/publish/status/fetch/", status: 500)
                let id = try await Self.scheduleVideo(
                    client, connection: connection,
                    input: ["title": "Winter roast", "privacyLevel": "SELF_ONLY", "videoUrl": "https://www.example.com/media/winter.mp4"])
                let retrying = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "retrying" }
                // One retryable attempt or more: a busy test run may look only after the second.
                let outcomes = QueueTestSupport.outcomes(retrying)
                #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0 == "retryable" }, "\(outcomes)")
                let publishID = try #require(fake.publishes.keys.first)
                let uuid = try #require(UUID(uuidString: id))
                let row = try #require(try await server.database!.pool.query("SELECT payload::text AS p FROM publish_jobs WHERE id = \(uuid)").first)
                let payload = try JSONValue.parse(Array(try row.decode("p", as: String.self).utf8))
                #expect(payload["checkpoint"]?["publishId"] == .string(publishID))

                fake.fail(path: "/v2/post/publish/status/fetch/", status: nil)
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                #expect(fake.server.requests("POST", "/v2/post/publish/video/init/").count == 1, "started once")
                #expect(fake.publishes.count == 1)
                #expect((done["job"] as? [String: Any])?["remoteId"] as? String == publishID)
            }
        }
    }

    /// Found by a review of the fix above: a refusal of a status read (here 400; a revoked
    /// credential is the same) sent the job to the DLQ without its publish id, and the replay
    /// uploaded the video again. The DLQ keeps the checkpoint; the replay reads the same publish.
    @Test func aReplayAfterARefusedStatusReadResumesTheSamePublish() async throws {
        let fake = TikTokFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake) { _, client, connection, _ in
                fake.fail(path: "/v2/post/publish/status/fetch/", status: 400, code: "invalid_params", message: "The request is invalid.")
                let id = try await Self.scheduleVideo(
                    client, connection: connection,
                    input: ["title": "Cold brew", "privacyLevel": "SELF_ONLY", "videoUrl": "https://www.example.com/media/cold.mp4"])
                _ = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "dlq" }
                let publishID = try #require(fake.publishes.keys.first)

                fake.fail(path: "/v2/post/publish/status/fetch/", status: nil)
                let (retried, _) = try await client.mutation("publish.retry", ["id": id])
                #expect(retried == 200)
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                #expect(fake.server.requests("POST", "/v2/post/publish/video/init/").count == 1, "started once")
                #expect((done["job"] as? [String: Any])?["remoteId"] as? String == publishID)
            }
        }
    }

    /// The social agent checking what the creator may post before it drafts a TikTok: it reads
    /// `creator.info` through `connector.action`.
    struct TikTokCreatorCheckAgent: Agent {
        let name = "social-tiktok"
        let description = "reads the TikTok creator's posting options before drafting"
        let intents = ["compose"]
        let actions: SupportAgentConnectorRunTests.LateConnectorActions

        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let creator = try await ConnectorActionTool(actions: actions).invoke(
                .object(["connector": .string("tiktok"), "action": .string("creator.info"), "input": .object([:])]), toolbox: toolbox)
            let options = creator["privacyLevelOptions"] ?? .array([])
            return .object(["privacyLevelOptions": options, "brief": input["brief"] ?? .null])
        }
    }

    @Test func aSocialAgentRunReadsTheCreatorThroughConnectorActionAndIsRecorded() async throws {
        let fake = TikTokFake()
        try fake.start()
        let actions = SupportAgentConnectorRunTests.LateConnectorActions()
        try await fake.server.serving {
            try await Self.withTikTokQueue(fake, agents: [TikTokCreatorCheckAgent(actions: actions)]) { server, client, _, _ in
                actions.bind(try SupportAgentConnectorRunTests.service(of: server))
                let (status, envelope) = try await client.mutation(
                    "agents.run", ["agent": "social-tiktok", "intent": "compose", "input": ["brief": "Spring drop"]])
                #expect(status == 200)
                let result = try #require(resultData(envelope))
                #expect(result["status"] as? String == "succeeded", "\(envelope)")
                let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
                #expect(
                    (result["output"] as? [String: Any])?["privacyLevelOptions"] as? [String] == [
                        "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY",
                    ])
                let query = try #require(fake.server.requests("POST", "/v2/post/publish/creator_info/query/").last)
                #expect(query.header("Authorization")?.hasPrefix("Bearer act.fake") == true)
                let pool = try #require(server.database?.pool)
                let tools = try await pool.query(
                    """
                    SELECT status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                    FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                    """)
                #expect(tools.count == 1)
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("connector", as: String.self) == "tiktok")
                #expect(try tools.first?.decode("action", as: String.self) == "creator.info")
                #expect(try tools.first?.decode("output", as: String.self).contains("SELF_ONLY") == true)
                let leaked = try await pool.query(
                    "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND output::text LIKE '%act.fake%'")
                #expect(try leaked.first?.decode("n", as: Int.self) == 0)
            }
        }
    }
}
