import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `publish.retry` of a publish whose outcome was unknown: back as `unknown` (the platform is
/// asked first) only when the platform was never asked; when it was asked and could not tell,
/// the replay is the person's decision and the post is sent.
@Suite struct DeadLetterReplayTests {
    /// A Meta Page post in the DLQ as `outcome_unknown` whose last error has `code`.
    static func deadPost(_ pool: PostgresPool, lastErrorCode code: String) async throws -> UUID {
        try #require(
            try await pool.query(
                """
                INSERT INTO publish_jobs (tenant_id, kind, status, connector, action, idempotency_key, max_attempts, dlq_reason,
                                          last_error, finished_at, run_after)
                VALUES ('tenant-a', 'publish', 'dlq', 'meta', 'page.createPost', \(UUID().uuidString), 3, 'outcome_unknown',
                        jsonb_build_object('code', \(code)::text, 'message', 'm'), now(), now() + interval '1 hour')
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
}
