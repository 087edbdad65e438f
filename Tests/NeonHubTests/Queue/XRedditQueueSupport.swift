import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// A database app whose X or Reddit connection was made through the provider fake's OAuth
/// flow (authorize URL, consent, callback, code exchange), with queue workers: what the X and
/// Reddit queue, refresh and agent tests share.
enum XRedditQueueSupport {
    /// A database app with `workers` workers, X pointed at `fake`, connector calls timing out
    /// after `timeout`; `body` gets the server, the client and the X connection id.
    static func withXQueue(
        _ fake: XFake, workers: Int = 2, timeout: Duration = .seconds(2), agents: [any Agent] = [],
        _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["x": ["baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL]])
        try await withDatabaseApp(
            agents: agents,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["X": XFake.defaultApp])
                $0.workers = workers
                $0.connectorTimeout = timeout
                $0.queueSchedules = false
                $0.queueBackoffBase = .seconds(60)  // a waiting job is made due by the test (`makeDue`)
            }
        ) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "x") { query in fake.authorize(query) ?? "refused-authorization" }
            try await body(server, client, id)
        }
    }

    /// The same for Reddit, with `REDDIT_USER_AGENT` set to the fake's descriptive agent.
    static func withRedditQueue(
        _ fake: RedditFake, workers: Int = 2, timeout: Duration = .seconds(2), agents: [any Agent] = [],
        _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["reddit": ["baseUrl": fake.baseURL, "tokenUrl": fake.tokenURL]])
        try await withDatabaseApp(
            agents: agents,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["REDDIT": RedditFake.defaultApp])
                $0.connectorEnvironment["REDDIT_USER_AGENT"] = RedditFake.userAgent
                $0.workers = workers
                $0.connectorTimeout = timeout
                $0.queueSchedules = false
                $0.queueBackoffBase = .seconds(60)
            }
        ) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "reddit") { query in fake.authorize(query) ?? "refused-authorization" }
            try await body(server, client, id)
        }
    }

    /// Schedules `action` with `input` on `connection` as `account`.
    static func schedule(
        _ client: HTTPTestClient, connection: UUID, action: String, account: String, input: [String: Any]
    ) async throws -> String {
        let (status, envelope) = try await client.mutation(
            "publish.schedule", ["connectionId": connection.uuidString, "action": action, "accountId": account, "input": input])
        #expect(status == 200, "\(envelope)")
        return try #require(QueueTestSupport.jobID(envelope))
    }
}
