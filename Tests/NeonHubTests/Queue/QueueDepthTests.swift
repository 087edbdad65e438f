import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// What the queue gauges and a status-filtered `publish.listJobs` read, now that running jobs
/// are in `publish_jobs_leased` only (migration 0017): they are still counted and still listed.
@Suite struct QueueDepthTests {
    @Test func theGaugesCountRunningJobsBesideTheOthersAndLeaveFinishedOnesOut() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            // The app's own recurring jobs may be in the table already: the test counts what it adds.
            let before = try await Self.counts(store)
            var ids: [UUID] = []
            for index in 0..<6 {
                let added = try await store.enqueue(
                    QueueStore.NewJob(
                        tenantID: "tenant-a", kind: .action, payload: .object([:]), idempotencyKey: "depth-\(index)", maxAttempts: 3))
                ids.append(added.job.id)
            }
            _ = try await store.enqueue(
                QueueStore.NewJob(tenantID: "tenant-b", kind: .cleanup, payload: .object([:]), idempotencyKey: "depth-other", maxAttempts: 3))
            // Four of the six actions are claimed; one of those succeeds and one goes to the DLQ.
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 4, lease: .seconds(30))
            try #require(claims.count == 4)
            let ends = [
                QueueStore.Finish(claims[0], worker: "w1", transition: .init(status: .succeeded, attemptOutcome: "succeeded"), startedAt: .now),
                QueueStore.Finish(
                    claims[1], worker: "w1", transition: .init(status: .dlq, attemptOutcome: "permanent", dlqReason: "permanent"), startedAt: .now),
            ]
            #expect(await store.finish(ends).map { try? $0.get() } == [true, true])
            let queued = try #require(ids.first { id in !claims.contains { $0.job.id == id } })
            _ = try await store.cancel(tenant: "tenant-a", id: queued)

            var added = try await Self.counts(store)
            for (key, count) in before { added[key, default: 0] -= count }
            #expect(added.filter { $0.value != 0 } == ["action/running": 2, "action/dlq": 1, "action/queued": 1, "cleanup/queued": 1])
            #expect(Set(try await store.depth().oldest.keys).isSuperset(of: ["action", "cleanup"]))

            let running = try await store.list(tenant: "tenant-a", status: "running", kind: nil, connectionID: nil, limit: 10, cursor: nil)
            #expect(Set(running.items.map(\.id)) == Set(claims[2...].map(\.job.id)))
            let other = try await store.list(tenant: "tenant-b", status: "running", kind: nil, connectionID: nil, limit: 10, cursor: nil)
            #expect(other.items.isEmpty)
            let dead = try await store.list(tenant: "tenant-a", status: "dlq", kind: nil, connectionID: nil, limit: 10, cursor: nil)
            #expect(dead.items.map(\.id) == [claims[1].job.id])
        }
    }

    private static func counts(_ store: QueueStore) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for sample in try await store.depth().depth { counts["\(sample.kind)/\(sample.status)", default: 0] += sample.count }
        return counts
    }
}
