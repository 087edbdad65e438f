import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `QUEUE_RETENTION_DAYS`: the hourly cleanup deletes finished tenant jobs (succeeded,
/// cancelled) older than the retention with their attempts, and nothing else — not a `dlq`
/// job, not a recent one, not one still to run — and without the setting deletes none.
@Suite struct QueueRetentionTests {
    /// Inserts a job of tenant `t1` with `status`, finished `daysAgo` days ago (nil: not
    /// finished), with one attempt row; returns its id.
    static func job(_ pool: PostgresPool, _ status: String, finishedDaysAgo daysAgo: Int?) async throws -> UUID {
        let finished: String? = daysAgo.map { "\($0)" }
        let rows = try await pool.query(
            """
            INSERT INTO publish_jobs (tenant_id, kind, status, idempotency_key, max_attempts, finished_at)
            VALUES ('t1', 'publish', \(status), \(UUID().uuidString), 3, now() - (\(finished)::int * interval '1 day'))
            RETURNING id
            """)
        let id = try #require(rows.first).decode("id", as: UUID.self)
        try await pool.execute(
            """
            INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, finished_at)
            VALUES (\(id), 't1', 1, 'w', 'succeeded', now())
            """)
        return id
    }

    static func remaining(_ pool: PostgresPool, _ ids: [UUID]) async throws -> (jobs: Set<UUID>, attempts: Int) {
        let list = ids.map { $0.uuidString.lowercased() }.joined(separator: ",")
        let jobs = try await pool.query("SELECT id FROM publish_jobs WHERE id = ANY(string_to_array(\(list), ',')::uuid[])")
            .map { try $0.decode("id", as: UUID.self) }
        let attempts = try await pool.query(
            "SELECT count(*)::int AS n FROM publish_attempts WHERE job_id = ANY(string_to_array(\(list), ',')::uuid[])"
        ).first?.decode("n", as: Int.self)
        return (Set(jobs), attempts ?? -1)
    }

    @Test func finishedJobsOlderThanTheRetentionGoWithTheirAttemptsAndNothingElse() async throws {
        try await withDatabaseApp { server, _ in
            let pool = try #require(server.database?.pool)
            let oldSucceeded = try await Self.job(pool, "succeeded", finishedDaysAgo: 40)
            let oldCancelled = try await Self.job(pool, "cancelled", finishedDaysAgo: 31)
            let oldDLQ = try await Self.job(pool, "dlq", finishedDaysAgo: 40)
            let recent = try await Self.job(pool, "succeeded", finishedDaysAgo: 29)
            let waiting = try await Self.job(pool, "retrying", finishedDaysAgo: nil)
            let reconciling = try await Self.job(pool, "unknown", finishedDaysAgo: 40)  // only finished statuses go
            let all = [oldSucceeded, oldCancelled, oldDLQ, recent, waiting, reconciling]

            // Without a retention, nothing of a tenant's goes.
            let kept = try await QueueAssembly.cleanupPass(pool: pool)
            #expect(kept["expiredJobs"] == nil)
            let before = try await Self.remaining(pool, all)
            #expect(before.jobs == Set(all) && before.attempts == 6)

            let summary = try await QueueAssembly.cleanupPass(pool: pool, retentionDays: 30)
            #expect(summary["expiredJobs"] == .number(2))
            let left = try await Self.remaining(pool, all)
            #expect(left.jobs == [oldDLQ, recent, waiting, reconciling])
            #expect(left.attempts == 4, "the deleted jobs' attempts went with them")
            let keys = try await pool.query("SELECT job_id FROM publish_job_keys WHERE tenant_id = 't1'").map {
                try $0.decode("job_id", as: UUID.self)
            }
            #expect(Set(keys) == [oldDLQ, recent, waiting, reconciling], "the deleted jobs' idempotency keys were freed")
        }
    }

    /// Old webhook events go, except one a job still needs (a `dlq` job replayed later reads
    /// its event); failed system passes do not pile up in the dead-letter queue.
    @Test func oldEventsGoUnlessAJobStillNeedsThemAndOldSystemDeadLettersGo() async throws {
        try await withDatabaseApp { server, _ in
            let pool = try #require(server.database?.pool)
            func event(_ id: String) async throws -> UUID {
                try #require(
                    try await pool.query(
                        """
                        INSERT INTO webhook_events (connector, event_id, tenant_id, status, received_at)
                        VALUES ('shopify', \(id), 't1', 'processed', now() - interval '40 days') RETURNING id
                        """
                    ).first
                ).decode("id", as: UUID.self)
            }
            func job(tenant: String, kind: String, status: String, event: UUID?, finishedDaysAgo days: Int) async throws -> UUID {
                try #require(
                    try await pool.query(
                        """
                        INSERT INTO publish_jobs (tenant_id, kind, status, idempotency_key, max_attempts, webhook_event_id, finished_at)
                        VALUES (\(tenant), \(kind), \(status), \(UUID().uuidString), 3, \(event), now() - (\(days)::int * interval '1 day'))
                        RETURNING id
                        """
                    ).first
                ).decode("id", as: UUID.self)
            }
            let done = try await event("done"), stuck = try await event("stuck")
            _ = try await job(tenant: "t1", kind: "webhook_event", status: "succeeded", event: done, finishedDaysAgo: 39)
            let dead = try await job(tenant: "t1", kind: "webhook_event", status: "dlq", event: stuck, finishedDaysAgo: 39)
            let oldSystemDLQ = try await job(tenant: RecurringJobs.systemTenant, kind: "trigger_poll", status: "dlq", event: nil, finishedDaysAgo: 8)
            let newSystemDLQ = try await job(tenant: RecurringJobs.systemTenant, kind: "trigger_poll", status: "dlq", event: nil, finishedDaysAgo: 2)

            let summary = try await QueueAssembly.cleanupPass(pool: pool)
            #expect(summary["webhookEvents"] == .number(1))
            #expect(summary["systemJobs"] == .number(1))
            let events = try await pool.query("SELECT id FROM webhook_events").map { try $0.decode("id", as: UUID.self) }
            #expect(events == [stuck])
            let deadEvent = try await pool.query("SELECT webhook_event_id FROM publish_jobs WHERE id = \(dead)").first
            #expect(try deadEvent?.decode("webhook_event_id", as: UUID?.self) == stuck)
            let left = try await Self.remaining(pool, [oldSystemDLQ, newSystemDLQ])
            #expect(left.jobs == [newSystemDLQ])
        }
    }

    @Test func theRetentionIsReadFromTheEnvironmentWithinItsRange() throws {
        #expect(try AppConfig.load(from: [:]).queueRetentionDays == nil)
        #expect(try AppConfig.load(from: ["QUEUE_RETENTION_DAYS": "90"]).queueRetentionDays == 90)
        #expect(try AppConfig.load(from: ["QUEUE_RETENTION_DAYS": "30"]).queueRetentionDays == 30)
        for bad in ["0", "29", "-1", "abc", "3651"] {
            #expect(throws: (any Error).self, "QUEUE_RETENTION_DAYS=\(bad)") { try AppConfig.load(from: ["QUEUE_RETENTION_DAYS": bad]) }
        }
    }
}
