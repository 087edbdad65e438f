import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `publish.retry` of a publish whose outcome was unknown: back as `unknown` (the platform is
/// asked first) only when the platform was never asked; when it was asked and could not tell,
/// the replay is the person's decision and the post is sent.
@Suite struct DeadLetterReplayTests {
    /// A Meta Page post first started two days ago, in the DLQ for `reason` (`outcome_unknown`
    /// by default) with a last error of `code`.
    static func deadPost(_ pool: PostgresPool, lastErrorCode code: String, reason: String = "outcome_unknown") async throws -> UUID {
        try #require(
            try await pool.query(
                """
                INSERT INTO publish_jobs (tenant_id, kind, status, connector, action, idempotency_key, max_attempts, dlq_reason,
                                          last_error, started_at, finished_at, run_after)
                VALUES ('tenant-a', 'publish', 'dlq', 'meta', 'page.createPost', \(UUID().uuidString), 3, \(reason),
                        jsonb_build_object('code', \(code)::text, 'message', 'm'), now() - interval '2 days', now(), now() + interval '1 hour')
                RETURNING id
                """
            ).first
        ).decode("id", as: UUID.self)
    }

    @Test func onlyAPublishThePlatformWasNeverAskedAboutIsReconciledFirst() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = try #require(server.database?.pool)
            let timedOut = try await Self.deadPost(pool, lastErrorCode: "providerTimeout")
            let undecided = try await Self.deadPost(pool, lastErrorCode: "outcomeUnknown")
            #expect(try await server.queue.store.retry(tenant: "tenant-a", id: timedOut).status == .unknown)
            #expect(try await server.queue.store.retry(tenant: "tenant-a", id: undecided).status == .queued)
        }
    }

    /// A replay that sends again starts afresh: a job that spent its attempts on a provider's
    /// long rate limits a day after its first start gets its day of refunds again (its next
    /// claim sets `started_at`). One that asks the platform first keeps its first start: the
    /// posts since then are where it looks.
    @Test func aReplayThatSendsAgainStartsAfreshAndOneThatReconcilesKeepsItsFirstStart() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = try #require(server.database?.pool)
            let limited = try await Self.deadPost(pool, lastErrorCode: "providerRateLimited", reason: "max_attempts: providerRateLimited")
            let timedOut = try await Self.deadPost(pool, lastErrorCode: "providerTimeout")
            let replayed = try await server.queue.store.retry(tenant: "tenant-a", id: limited)
            #expect(replayed.status == .queued && replayed.startedAt == nil && replayed.attempts == 0)
            let reconciling = try await server.queue.store.retry(tenant: "tenant-a", id: timedOut)
            let started = try #require(reconciling.startedAt)
            #expect(reconciling.status == .unknown && started < Date().addingTimeInterval(-86_400))
        }
    }
}
