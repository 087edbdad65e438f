import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A job runs in the trace of the request that scheduled it: `publish_jobs.trace_parent` is
/// the request's span, and the post the worker makes (another task, later) sends the same
/// trace id with a span of its own.
@Suite struct QueueTraceTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    @Test func aScheduledPostCarriesTheTraceOfTheRequestThatScheduledIt() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake) { server, client, connection in
            let reply = try await client.request(
                "POST", "/trpc/publish.schedule",
                headers: [
                    "Content-Type": "application/json", "Authorization": "Bearer \(signedToken())",
                    "traceparent": "00-\(Self.trace)-00f067aa0ba902b7-01",
                ],
                body: try JSONSerialization.data(withJSONObject: [
                    "connectionId": connection.uuidString, "action": "page.createPost", "accountId": QueueTestSupport.page,
                    "input": ["message": "Traced launch"],
                ]))
            #expect(reply.status == 200)
            let requestSpan = try #require(reply.header("traceparent").flatMap(TraceParent.init))
            let id = try #require(QueueTestSupport.jobID(try reply.json()))
            try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }

            let stored = try await server.database!.pool.query("SELECT trace_parent FROM publish_jobs WHERE id = \(UUID(uuidString: id)!)")
            #expect(try stored.first?.decode("trace_parent", as: String?.self) == requestSpan.description)
            let post = try #require(fake.server.requests.last { $0.method == "POST" && $0.path.hasSuffix("/feed") })
            let sent = try #require(post.header("traceparent").flatMap(TraceParent.init))
            #expect(sent.traceID == Self.trace)
            #expect(sent.parentID != requestSpan.parentID && sent.parentID != "00f067aa0ba902b7")
        }
    }
}
