import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The recurring jobs on the queue: one job per schedule and period however often (and by
/// however many processes) they are enqueued, health checks into `connection_health_log`,
/// and the advisory lock that keeps each recurring pass a singleton.
@Suite struct RecurringJobsTests {
    @Test func eachPeriodHasOneJobPerScheduleAndTheHealthCheckLogsTheConnection() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake, workers: 1) { server, client, connection in
            let pool = server.database!.pool
            let past = Date().addingTimeInterval(-7 * 3600)  // a period long gone: due at once
            await server.queue.recurring.enqueueDue(now: past)
            await server.queue.recurring.enqueueDue(now: past)
            let period = Int(past.timeIntervalSince1970 / 3600)
            let keys = try await pool.query("SELECT idempotency_key FROM publish_jobs WHERE idempotency_key LIKE 'schedule:cleanup:%'")
                .map { try $0.decode(0, as: String.self) }
            #expect(keys.filter { $0 == "schedule:cleanup:\(period)" }.count == 1)
            let health = try await QueueWorkerTests.waitUntil(
                server,
                """
                SELECT count(*)::int FROM connection_health_log WHERE connection_id = \(connection) AND status = 'ok'
                """, equals: 1)
            #expect(health == 1)
            let (_, envelope) = try await client.query("connectors.getConnection", ["id": connection.uuidString])
            #expect((resultData(envelope)?["lastHealthCheck"] as? [String: Any])?["status"] as? String == "ok")
        }
    }

    @Test func aRecurringPassRunsOnlyWhereItsAdvisoryLockIsFree() async throws {
        try await withDatabaseApp { server, _ in
            let runs = Mutex(0)
            let handler = SingletonJobHandler(connectionString: server.database!.connectionString, lockKey: 42) {
                runs.withLock { $0 += 1 }
                return .object([:])
            }
            let job = QueueJob(tenantID: RecurringJobs.systemTenant, kind: .cleanup, idempotencyKey: "k", maxAttempts: 1)
            // Another process holds the lock: this one skips.
            let holder = try PostgresConnection(connectionString: server.database!.connectionString)
            defer { holder.close() }
            try holder.execute("SELECT pg_advisory_lock(\(SingletonJobHandler.lockClass)::int, 42)")
            guard case .succeeded(let skipped, _, _) = await handler.run(job) else { Issue.record("not succeeded"); return }
            #expect(skipped?["skipped"] == .bool(true))
            #expect(runs.withLock { $0 } == 0)
            try holder.execute("SELECT pg_advisory_unlock(\(SingletonJobHandler.lockClass)::int, 42)")
            guard case .succeeded(let ran, _, _) = await handler.run(job) else { Issue.record("not succeeded"); return }
            #expect(ran?["skipped"] == nil)
            #expect(runs.withLock { $0 } == 1)
        }
    }

    /// Found by a review: the lock's session was a pooled connection, pinned for the whole pass
    /// while the work borrowed more; with `DB_POOL_SIZE=1` every pass waited on itself and
    /// failed, and tokens were never refreshed in the background.
    @Test func aRecurringPassRunsWithAPoolOfOneConnection() async throws {
        try await withDatabaseApp({ $0.dbPoolSize = 1 }) { server, _ in
            let pool = server.database!.pool
            let handler = SingletonJobHandler(connectionString: server.database!.connectionString, lockKey: 44) {
                .object([
                    "n": .number(Double(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) ?? -1))
                ])
            }
            let job = QueueJob(tenantID: RecurringJobs.systemTenant, kind: .cleanup, idempotencyKey: "k", maxAttempts: 1)
            guard case .succeeded(let result, _, _) = await handler.run(job) else {
                Issue.record("the pass did not succeed")
                return
            }
            #expect(result?["n"] == .number(0))
        }
    }

    /// Found by a review: a token-refresh pass that could not read the connections due
    /// "succeeded" having refreshed none, and any failed pass kept only "The cleanup pass
    /// failed" — an operator could not see why tokens silently expired. Now the pass fails,
    /// and its job's error says why.
    @Test func aFailedPassFailsItsJobWithTheReason() async throws {
        try await withDatabaseApp({ $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey }) { server, _ in
            let pool = server.database!.pool
            try await pool.execute("ALTER TABLE connections RENAME TO connections_moved")
            await #expect(throws: (any Error).self) { try await server.tokenScheduler.sweep() }
            let handler = SingletonJobHandler(connectionString: server.database!.connectionString, lockKey: 43) {
                .object(["refreshed": .number(Double(try await server.tokenScheduler.sweep()))])
            }
            let job = QueueJob(tenantID: RecurringJobs.systemTenant, kind: .tokenRefresh, idempotencyKey: "k", maxAttempts: 1)
            guard case .retry(let failure) = await handler.run(job) else {
                Issue.record("the pass did not fail")
                return
            }
            #expect(failure.message.hasPrefix("The token_refresh pass failed: "))
            #expect(failure.message.contains("connections"), "\(failure.message)")
            try await pool.execute("ALTER TABLE connections_moved RENAME TO connections")
        }
    }
}
