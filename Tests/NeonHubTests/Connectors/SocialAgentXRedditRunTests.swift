import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The social agent acting through real X and Reddit connections: a run of the social agent's
/// own composition (`SocialAgent`, intent `compose`) that posts its X variant through the
/// `connector.action` tool — the server's connector service, a connection made through the
/// provider fake's OAuth flow, the runtime running the catalog definition against the fake —
/// with the call recorded as the run's `tool_executions` row.
@Suite struct SocialAgentXRedditRunTests {
    /// Composes the posts, then performs `connector`.`action` with the input `post` makes of them.
    struct XRedditSocialAgent: Agent {
        let name: String
        let description = "writes social posts and publishes one through a connector"
        let intents = ["compose"]
        let actions: SupportAgentConnectorRunTests.LateConnectorActions
        let connector: String
        let action: String
        var accountID: String?
        let post: @Sendable (_ composed: JSONValue) -> JSONValue

        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let composed = try await SocialAgent().run(input, intent: "compose", toolbox: toolbox)
            var request: [String: JSONValue] = ["connector": .string(connector), "action": .string(action), "input": post(composed)]
            if let accountID { request["accountId"] = .string(accountID) }
            let sent = try await ConnectorActionTool(actions: actions).invoke(.object(request), toolbox: toolbox)
            return .object(["composed": composed, "sent": sent])
        }
    }

    static func firstPostText(_ composed: JSONValue) -> JSONValue {
        guard case .array(let posts)? = composed["posts"] else { return .null }
        return posts.first?["text"] ?? .null
    }

    @Test func theSocialAgentPostsItsXVariantThroughTheConnectorAndTheRunIsRecorded() async throws {
        let fake = XFake()
        try fake.start()
        defer { fake.stop() }
        let actions = SupportAgentConnectorRunTests.LateConnectorActions()
        let agent = XRedditSocialAgent(name: "social-x", actions: actions, connector: "x", action: "posts.create") { composed in
            .object(["text": Self.firstPostText(composed)])
        }
        try await XRedditQueueSupport.withXQueue(fake, workers: 0, agents: [agent]) { server, client, _ in
            actions.bind(try SupportAgentConnectorRunTests.service(of: server))
            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "social-x", "intent": "compose",
                    "input": ["brief": "Our spring blend is back this Friday with free shipping all weekend", "platforms": ["x"]],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded", "\(envelope)")
            let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))

            let post = try #require(fake.posts.first)
            #expect(fake.posts.count == 1)
            #expect(post.text.contains("spring blend"))
            #expect(post.text.count <= 280)
            let output = try #require(result["output"] as? [String: Any])
            #expect((output["sent"] as? [String: Any])?["id"] as? String == post.id)

            let pool = try #require(server.database?.pool)
            let tools = try await pool.query(
                """
                SELECT status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(tools.count == 1)
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("connector", as: String.self) == "x")
            #expect(try tools.first?.decode("action", as: String.self) == "posts.create")
            #expect(try tools.first?.decode("output", as: String.self).contains(post.id) == true)
            let token = try #require(fake.lastAccessToken)
            let leaked = try await pool.query(
                "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND (input::text || output::text) LIKE \("%" + token + "%")")
            #expect(try leaked.first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func theSocialAgentSubmitsToASubredditThroughTheConnectorAndTheRunIsRecorded() async throws {
        let fake = RedditFake()
        try fake.start()
        defer { fake.stop() }
        let actions = SupportAgentConnectorRunTests.LateConnectorActions()
        let agent = XRedditSocialAgent(name: "social-reddit", actions: actions, connector: "reddit", action: "posts.submit", accountID: "Coffee") {
            composed in
            .object(["kind": .string("self"), "title": .string("Spring blend is back"), "text": Self.firstPostText(composed)])
        }
        try await XRedditQueueSupport.withRedditQueue(fake, workers: 0, agents: [agent]) { server, client, _ in
            actions.bind(try SupportAgentConnectorRunTests.service(of: server))
            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "social-reddit", "intent": "compose",
                    "input": ["brief": "Our spring blend is back this Friday", "platforms": ["linkedin"]],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded", "\(envelope)")
            let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
            let post = try #require(fake.posts.first)
            #expect(post.title == "Spring blend is back" && post.text.contains("spring blend"))
            #expect(post.subreddit == "Coffee")
            let pool = try #require(server.database?.pool)
            let tools = try await pool.query(
                "SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'")
            #expect(try tools.first?.decode("action", as: String.self) == "posts.submit")
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
        }
    }
}
