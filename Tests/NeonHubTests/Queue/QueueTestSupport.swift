import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// What queue tests share: a server on a fresh database with queue workers, connected to the
/// Meta Graph fake; helpers to wait for a job's state and to make a waiting job due now.
enum QueueTestSupport {
    static let page = MetaGraphFake.Page.defaults[0].id

    /// A database app with `workers` workers, Meta pointed at `fake`, connector calls timing
    /// out after `timeout`; `body` gets the server, the client and the Meta connection id.
    static func withMetaQueue(
        _ fake: MetaGraphFake, workers: Int = 2, timeout: Duration = .seconds(2),
        databaseURL: String? = nil, _ configure: @escaping (inout AppConfig) -> Void = { _ in },
        _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["meta": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURL]])
        try await withDatabaseApp(
            databaseURL: databaseURL,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["META": MetaGraphFake.defaultApp])
                $0.workers = workers
                $0.connectorTimeout = timeout
                $0.queueSchedules = false  // the fake's scripted faults are for the jobs under test
                // A job stays `retrying` / `unknown` until a test makes it due (`makeDue`): a 1–2 s
                // backoff can pass between two polls on a loaded machine.
                $0.queueBackoffBase = .seconds(60)
                configure(&$0)
            }
        ) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "meta") { fake.authorize(redirectURI: $0["redirect_uri"]) }
            try await body(server, client, id)
        }
    }

    /// Polls `publish.getJob` until `done` holds (or 20 s pass); the last reading.
    @discardableResult
    static func waitForJob(
        _ client: HTTPTestClient, _ id: String, tenant: String = "tenant-a",
        until done: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            let (_, envelope) = try await client.query("publish.getJob", ["id": id], tenant: tenant)
            last = resultData(envelope) ?? [:]
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("job \(id) did not reach the expected state: \(last)")
        return last
    }

    /// The job's status in a `publish.getJob` reading.
    static func status(_ detail: [String: Any]) -> String? { (detail["job"] as? [String: Any])?["status"] as? String }

    /// The outcomes of the job's attempts, oldest first.
    static func outcomes(_ detail: [String: Any]) -> [String] {
        (detail["attempts"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
    }

    /// Makes a waiting job due now (its backoff skipped); the trigger wakes the workers.
    static func makeDue(_ server: NeonHubServer, _ id: String) async throws {
        let uuid = try #require(UUID(uuidString: id))
        _ = try await server.database!.pool.execute("UPDATE publish_jobs SET run_after = now() WHERE id = \(uuid)")
    }

    /// Schedules `page.createPost` with `message` (and more input) on the Meta connection.
    static func schedulePost(_ client: HTTPTestClient, connection: UUID, message: String, extra: [String: Any] = [:]) async throws -> (
        Int, [String: Any]
    ) {
        var input: [String: Any] = [
            "connectionId": connection.uuidString, "action": "page.createPost", "accountId": page,
            "input": ["message": message],
        ]
        input.merge(extra) { $1 }
        return try await client.mutation("publish.schedule", input)
    }

    /// The scheduled job's id.
    static func jobID(_ envelope: [String: Any]) -> String? { ((resultData(envelope)?["job"]) as? [String: Any])?["id"] as? String }
}
