import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The social agent hands its posts to the queue: the run's `publish.schedule` call creates
/// the job, the run records the job id, the job points back to the run, and the worker
/// publishes the agent's text at the platform.
@Suite struct SocialAgentPublishTests {
    @Test func theSocialAgentsFacebookPostIsQueuedAsPartOfItsRunAndPublished() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake) { server, client, connection in
            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "social",
                    "input": [
                        "brief": "Our spring collection lands on Friday with free shipping all weekend", "platforms": ["facebook", "x"],
                        "publish": [["platform": "facebook", "connectionId": connection.uuidString, "accountId": QueueTestSupport.page]],
                    ],
                ])
            #expect(status == 200)
            let run = try #require(resultData(envelope))
            #expect(run["status"] as? String == "succeeded")
            let runID = try #require(run["runId"] as? String)
            let output = try #require(run["output"] as? [String: Any])
            let scheduled = try #require(output["scheduled"] as? [[String: Any]])
            #expect(scheduled.count == 1)
            let jobID = try #require((scheduled.first?["job"] as? [String: Any])?["jobId"] as? String)
            let facebookText = try #require(
                (output["posts"] as? [[String: Any]])?.first { $0["platform"] as? String == "facebook" }?["text"] as? String)

            // The run's tool calls include the scheduling, with the job id in its output.
            let (_, opened) = try await client.query("agents.getRun", ["id": runID])
            let tools = try #require(resultData(opened)?["toolExecutions"] as? [[String: Any]])
            let call = try #require(tools.first { $0["tool"] as? String == "publish.schedule" })
            #expect((call["output"] as? [String: Any])?["jobId"] as? String == jobID)

            let done = try await QueueTestSupport.waitForJob(client, jobID) { QueueTestSupport.status($0) == "succeeded" }
            #expect(
                (done["job"] as? [String: Any])?["runId"] as? String == runID.lowercased()
                    || (done["job"] as? [String: Any])?["runId"] as? String == runID)
            #expect(fake.postIDs.count == 1)
            #expect(fake.requests.last { $0.method == "POST" && $0.path.hasSuffix("/feed") }?.formItems["message"] == [facebookText])
        }
    }

    @Test func aPublishTargetTheQueueCannotServeFailsTheRunAndNothingIsQueued() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake) { server, client, connection in
            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "social",
                    "input": ["brief": "Hello", "publish": [["platform": "x", "connectionId": connection.uuidString]]],
                ])
            // agents.run answers the recorded run: failed, with the reason.
            #expect(status == 200)
            #expect(resultData(envelope)?["status"] as? String == "failed")
            let reason = String(describing: resultData(envelope)?["error"] ?? "")
            #expect(reason.contains("facebook and linkedin"))
            let count = try await server.database!.pool.query("SELECT count(*)::int FROM publish_jobs WHERE kind = 'publish'").first?.decode(
                0, as: Int.self)
            #expect(count == 0)
        }
    }
}
