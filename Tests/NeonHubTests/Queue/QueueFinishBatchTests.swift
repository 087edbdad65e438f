import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `QueueStore.finish(_:)`: several attempts' ends in one statement, each still guarded by its
/// own lease and answered on its own.
@Suite struct QueueFinishBatchTests {
    @Test func oneStatementWritesEachEndAsItsOwnTransitionAndSkipsALostLease() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = server.database!.pool
            let store = server.queue.store
            let draft = try #require(
                try await pool.query(
                    "INSERT INTO content_drafts (tenant_id, title, content) VALUES ('tenant-a', 'Launch', 'Hello') RETURNING id"
                ).first?.decode("id", as: UUID.self))
            var ids: [UUID] = []
            for index in 0..<4 {
                let added = try await store.enqueue(
                    QueueStore.NewJob(
                        tenantID: "tenant-a", kind: .action, draftID: index == 0 ? draft : nil,
                        payload: .object(["input": .object(["text": .string("post \(index)")])]), idempotencyKey: "batch-\(index)",
                        maxAttempts: 3))
                ids.append(added.job.id)
            }
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 10, lease: .seconds(30))
            try #require(Set(claims.map(\.job.id)) == Set(ids))
            let byID = Dictionary(uniqueKeysWithValues: claims.map { ($0.job.id, $0) })
            // The fourth job's lease went to another worker meanwhile.
            _ = try await pool.execute("UPDATE publish_jobs SET locked_by = 'w2' WHERE id = \(ids[3])")
            let failure = JobFailure(
                code: "providerUnavailable", message: "502 from the platform", httpStatus: 502,
                request: .object(["method": .string("POST")]), response: .object(["status": .number(502)]))
            let ends = [
                QueueStore.Finish(
                    byID[ids[0]]!, worker: "w1",
                    transition: .init(status: .succeeded, attemptOutcome: "succeeded", remoteID: "post-1", remoteURL: "https://example.test/p/1"),
                    startedAt: .now),
                QueueStore.Finish(
                    byID[ids[1]]!, worker: "w1",
                    transition: .init(
                        status: .queued, attemptOutcome: "deferred", runAfter: Date().addingTimeInterval(60), waitReason: "processing",
                        refundAttempt: true, checkpoint: ["containerId": .string("c-9")]),
                    startedAt: .now),
                QueueStore.Finish(
                    byID[ids[2]]!, worker: "w1",
                    transition: .init(status: .dlq, attemptOutcome: "retryable", failure: failure, dlqReason: "max_attempts: providerUnavailable"),
                    startedAt: .now),
                QueueStore.Finish(byID[ids[3]]!, worker: "w1", transition: .init(status: .succeeded, attemptOutcome: "succeeded"), startedAt: .now),
            ]
            let results = await store.finish(ends).map { try? $0.get() }
            #expect(results == [true, true, true, false])

            let first = try #require(try await store.job(tenant: "tenant-a", id: ids[0]))
            #expect(first.status == .succeeded && first.remoteID == "post-1" && first.finishedAt != nil)
            let published = try await pool.query("SELECT status, published_url FROM content_drafts WHERE id = \(draft)").first
            #expect(try published?.decode("status", as: String.self) == "published")
            #expect(try published?.decode("published_url", as: String.self) == "https://example.test/p/1")

            let deferred = try #require(try await store.job(tenant: "tenant-a", id: ids[1]))
            #expect(deferred.status == .queued && deferred.attempts == 0 && deferred.waitReason == "processing")
            #expect(deferred.payload["checkpoint"]?["containerId"] == .string("c-9") && deferred.payload["input"]?["text"] == .string("post 1"))
            #expect(deferred.runAfter > Date().addingTimeInterval(30) && deferred.finishedAt == nil)

            let dead = try #require(try await store.job(tenant: "tenant-a", id: ids[2]))
            #expect(dead.status == .dlq && dead.dlqReason == "max_attempts: providerUnavailable")
            let attempt = try #require(try await store.attempts(tenant: "tenant-a", job: ids[2]).first)
            #expect(attempt.outcome == "retryable" && attempt.httpStatus == 502 && attempt.worker == "w1")

            let lost = try #require(try await store.job(tenant: "tenant-a", id: ids[3]))
            #expect(lost.status == .running)  // untouched: w2 holds it
            let rows = try await pool.query("SELECT count(*)::int AS n FROM publish_attempts WHERE job_id = \(ids[3])").first
            #expect(try rows?.decode("n", as: Int.self) == 0)
            // Every attempt written started at its claim's time, to the microsecond.
            let started = try await store.attempts(tenant: "tenant-a", job: ids[0]).first?.startedAt
            #expect(started.map { abs($0.timeIntervalSince(byID[ids[0]]!.startedAt)) < 0.000_001 } == true)
        }
    }

    /// A worker whose lease expired and the one that reclaimed the job (another worker, or the
    /// same one claiming it again) finish it in one batch: only the current claim's end counts.
    @Test(arguments: ["w2", "w1"])
    func twoEndsOfOneJobInOneBatchWriteOnlyTheCurrentClaims(_ reclaimer: String) async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            let ids = try await QueueWorkerTests.add(server, count: 1)
            let stale = try #require(try await store.claim(worker: "w1", kinds: [.action], limit: 1, lease: .seconds(30)).first)
            _ = try await server.database!.pool.execute("UPDATE publish_jobs SET locked_until = now() - interval '1 second' WHERE id = \(ids[0])")
            let current = try #require(try await store.claim(worker: reclaimer, kinds: [.action], limit: 1, lease: .seconds(30)).first)
            let ends = [
                QueueStore.Finish(stale, worker: "w1", transition: .init(status: .succeeded, attemptOutcome: "succeeded"), startedAt: .now),
                QueueStore.Finish(current, worker: reclaimer, transition: .init(status: .succeeded, attemptOutcome: "succeeded"), startedAt: .now),
            ]
            let results = await store.finish(ends).map { try? $0.get() }
            #expect(results == [false, true])
            let attempts = try await store.attempts(tenant: "tenant-a", job: ids[0])
            #expect(attempts.map(\.outcome) == ["abandoned", "succeeded"])
            #expect(attempts.map(\.attempt) == [1, 2])
            #expect(attempts.last?.worker == reclaimer)
        }
    }

    @Test func anEndTheDatabaseRefusesDoesNotFailTheOthersOfItsBatch() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            let ids = try await QueueWorkerTests.add(server, count: 3)
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 10, lease: .seconds(30))
            try #require(claims.count == 3)
            let ends = claims.enumerated().map { index, claim in
                // The attempts table's CHECK refuses this outcome: the whole statement fails.
                QueueStore.Finish(
                    claim, worker: "w1", transition: .init(status: .succeeded, attemptOutcome: index == 1 ? "not-an-outcome" : "succeeded"),
                    startedAt: .now)
            }
            let results = await store.finish(ends)
            let refused = claims[1].job.id
            for (claim, result) in zip(claims, results) {
                if claim.job.id == refused {
                    #expect(throws: (any Error).self) { try result.get() }
                } else {
                    #expect((try? result.get()) == true)
                }
            }
            let statuses = try await server.database!.pool.query("SELECT id, status FROM publish_jobs WHERE id IN (\(ids[0]), \(ids[1]), \(ids[2]))")
            let byID = Dictionary(
                uniqueKeysWithValues: try statuses.map { (try $0.decode("id", as: UUID.self), try $0.decode("status", as: String.self)) })
            #expect(byID[refused] == "running")  // kept its lease: it will be reclaimed
            #expect(byID.filter { $0.key != refused }.values.allSatisfy { $0 == "succeeded" })
        }
    }
}
