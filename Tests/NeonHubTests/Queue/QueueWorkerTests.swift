import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// A handler that records every run and answers what it is told, for the worker's own
/// behaviour (leases, retries, the DLQ, several processes), independent of any connector.
final class RecordingHandler: JobHandler {
    let runs = Mutex<[UUID: Int]>([:])
    let delay: Duration
    let outcome: @Sendable (QueueJob) -> JobOutcome
    let reconcileResult: ReconcileResult

    init(
        delay: Duration = .zero, reconcile: ReconcileResult = .missing,
        outcome: @escaping @Sendable (QueueJob) -> JobOutcome = { _ in .succeeded(result: nil, remoteID: nil, remoteURL: nil) }
    ) {
        self.delay = delay
        self.outcome = outcome
        reconcileResult = reconcile
    }

    func run(_ job: QueueJob) async -> JobOutcome {
        runs.withLock { $0[job.id, default: 0] += 1 }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return outcome(job)
    }

    func reconcile(_ job: QueueJob) async -> ReconcileResult { reconcileResult }

    var totalRuns: Int { runs.withLock { $0.values.reduce(0, +) } }
    var maxRunsOfOneJob: Int { runs.withLock { $0.values.max() ?? 0 } }
}

@Suite struct QueueWorkerTests {
    static func add(_ server: NeonHubServer, kind: JobKind = .action, count: Int, maxAttempts: Int = 3) async throws -> [UUID] {
        var ids: [UUID] = []
        for index in 0..<count {
            let added = try await server.queue.store.enqueue(
                QueueStore.NewJob(
                    tenantID: "tenant-a", kind: kind, idempotencyKey: "test-\(kind.rawValue)-\(index)",
                    maxAttempts: maxAttempts))
            ids.append(added.job.id)
        }
        return ids
    }

    static func waitUntil(_ server: NeonHubServer, _ sql: PostgresQuery, equals expected: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var value = -1
        while ContinuousClock.now < deadline {
            value = try await server.database!.pool.query(sql).first?.decode(0, as: Int.self) ?? -1
            if value == expected { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        return value
    }

    @Test func twoProcessesSharingTheQueueRunEveryJobExactlyOnce() async throws {
        let database = try await ThrowawayPostgres.freshDatabase()
        let first = RecordingHandler(delay: .milliseconds(2)), second = RecordingHandler(delay: .milliseconds(2))
        let app = { (handler: RecordingHandler) in
            try await NeonHubServer.launch(
                config: {
                    var config = AppConfig()
                    config.host = "127.0.0.1"; config.port = 0; config.useDatabase = true; config.databaseURL = database; config.workers = 3
                    config.migrationsDirectory = ThrowawayPostgres.migrationsDirectory.path
                    return config
                }(), additions: .init(jobHandlers: [.action: handler]), logger: .init(label: "queue"))
        }
        let a = try await app(first)
        let b = try await app(second)
        let ids = try await Self.add(a, count: 120)
        let done = try await Self.waitUntil(
            a, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'succeeded'", equals: ids.count)
        #expect(done == ids.count)
        #expect(first.totalRuns + second.totalRuns == ids.count)
        #expect(first.totalRuns > 0 && second.totalRuns > 0)  // both processes took work
        #expect(max(first.maxRunsOfOneJob, second.maxRunsOfOneJob) == 1)
        let attempts = try await a.database!.pool.query(
            "SELECT count(*)::int FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id WHERE j.kind = 'action' AND a.outcome = 'succeeded'"
        ).first?.decode(0, as: Int.self)
        #expect(attempts == ids.count)
        await a.stop()
        await b.stop()
    }

    @Test func workersClaimingSeveralJobsAtOnceRunEachOnceAndRecordEveryAttempt() async throws {
        let handler = RecordingHandler(delay: .milliseconds(3)) { job in .succeeded(result: nil, remoteID: "post-\(job.id)", remoteURL: nil) }
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let ids = try await Self.add(server, count: 60)
            var settings = QueueWorkers.Settings(count: 2)
            settings.claimBatch = 8
            let workers = QueueWorkers(
                store: server.queue.store, handlers: [.action: handler], settings: settings,
                connectionString: server.database!.connectionString, logger: Logger(label: "batch"))
            workers.start()
            let done = try await Self.waitUntil(
                server, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'succeeded'", equals: ids.count)
            await workers.stop(grace: .seconds(2))
            #expect(done == ids.count)
            #expect(handler.totalRuns == ids.count)
            #expect(handler.maxRunsOfOneJob == 1)
            #expect(workers.completedJobs == ids.count)
            let row = try await server.database!.pool.query(
                """
                SELECT (SELECT count(*)::int FROM publish_attempts WHERE outcome = 'succeeded' AND duration_ms IS NOT NULL) AS attempts,
                       (SELECT count(DISTINCT remote_id)::int FROM publish_jobs WHERE lower(remote_id) = 'post-' || id::text) AS remote_ids
                """
            ).first
            #expect(try row?.decode("attempts", as: Int.self) == ids.count)
            #expect(try row?.decode("remote_ids", as: Int.self) == ids.count)
        }
    }

    @Test func anExpiredLeaseIsReclaimedAndTheOldWorkerCannotFinishIt() async throws {
        try await withDatabaseApp { server, _ in
            let store = server.queue.store
            let ids = try await Self.add(server, count: 1)
            let claimed = try await store.claim(worker: "w1", kinds: [.action], limit: 5, lease: .seconds(30))
            #expect(claimed.map(\.job.id) == ids)
            #expect(try await store.claim(worker: "w2", kinds: [.action], limit: 5, lease: .seconds(30)).isEmpty)  // held
            // w1 stops heartbeating (it died): the lease runs out — moved to the past rather than waited for.
            _ = try await server.database!.pool.execute("UPDATE publish_jobs SET locked_until = now() - interval '1 second' WHERE id = \(ids[0])")
            let reclaimed = try await store.claim(worker: "w2", kinds: [.action], limit: 5, lease: .seconds(30))
            try #require(reclaimed.map(\.job.id) == ids)
            #expect(reclaimed.first?.previousStatus == .running)
            #expect(reclaimed.first?.job.attempts == 2)
            // The first worker comes back from the dead: its outcome is not written.
            let stale = try await store.finish(
                claimed[0], worker: "w1", transition: .init(status: .succeeded, attemptOutcome: "succeeded"),
                startedAt: .now)
            #expect(stale == false)
            #expect(try await store.heartbeat(job: ids[0], worker: "w1", lease: .seconds(30)) == false)
            #expect(try await store.heartbeat(job: ids[0], worker: "w2", lease: .seconds(30)) == true)
            let written = try await store.finish(
                reclaimed[0], worker: "w2", transition: .init(status: .succeeded, attemptOutcome: "succeeded"),
                startedAt: .now)
            #expect(written)
            let attempts = try await store.attempts(tenant: "tenant-a", job: ids[0])
            #expect(attempts.map(\.outcome) == ["abandoned", "succeeded"])
            #expect(attempts.map(\.worker) == ["w1", "w2"])
        }
    }

    @Test func concurrentClaimsNeverShareAJob() async throws {
        try await withDatabaseApp { server, _ in
            let ids = try await Self.add(server, count: 40)
            let store = server.queue.store
            let batches = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<6 {
                    group.addTask { try await store.claim(worker: "w\(worker)", kinds: [.action], limit: 10, lease: .seconds(30)).map(\.job.id) }
                }
                return try await group.reduce(into: [[UUID]]()) { $0.append($1) }
            }
            let all = batches.flatMap { $0 }
            #expect(all.count == ids.count)
            #expect(Set(all) == Set(ids))
        }
    }

    /// `unsupported`: the connector cannot list its posts; `inconclusive`: the post was not among
    /// the posts read and the list was cut short.
    @Test(arguments: [ReconcileResult.unsupported, .inconclusive])
    func anUnknownOutcomeThatCannotBeReconciledGoesToTheDLQForAPerson(_ reconciled: ReconcileResult) async throws {
        let handler = RecordingHandler(reconcile: reconciled) { _ in .unknown(JobFailure(code: "providerTimeout", message: "no answer")) }
        try await withDatabaseApp(jobHandlers: [.publish: handler], { $0.workers = 1 }) { server, client in
            let ids = try await Self.add(server, kind: .publish, count: 1)
            // `unknown` lasts one backoff (1–2 s), too short to be sure a poll sees it on a
            // loaded machine: the attempt history shows it instead.
            let dead = try await QueueTestSupport.waitForJob(client, ids[0].uuidString) { QueueTestSupport.status($0) == "dlq" }
            #expect(QueueTestSupport.outcomes(dead) == ["unknown", "unknown"])  // the send, then the reconciliation
            #expect((dead["job"] as? [String: Any])?["dlqReason"] as? String == "outcome_unknown")
            #expect(handler.totalRuns == 1)  // never sent a second time
        }
    }

    /// A job whose worker stops every time (a job that stops the process) is reclaimed as an
    /// attempt, and past its attempts goes to the dead-letter queue instead of being run again.
    @Test func aJobReclaimedMoreOftenThanItsAttemptsGoesToTheDLQUnrun() async throws {
        let handler = RecordingHandler()
        try await withDatabaseApp(jobHandlers: [.action: handler], { $0.workers = 0 }) { server, client in
            let store = server.queue.store
            let pool = try #require(server.database?.pool)
            let id = try await Self.add(server, count: 1, maxAttempts: 2)[0]
            var claim: QueueStore.Claim?
            for worker in ["w1", "w2", "w3"] {
                let claimed = try await store.claim(worker: worker, kinds: [.action], limit: 1, lease: .seconds(30))
                #expect(claimed.map(\.job.id) == [id])
                claim = claimed.first
                // The worker dies with the job: its lease runs out.
                if worker != "w3" { try await pool.execute("UPDATE publish_jobs SET locked_until = now() - interval '1 second' WHERE id = \(id)") }
            }
            let third = try #require(claim)
            #expect(third.previousStatus == .running && third.job.attempts == 3)
            await server.queue.workers.process(third, worker: "w3", ran: {})
            let dead = try await QueueTestSupport.waitForJob(client, id.uuidString) { QueueTestSupport.status($0) == "dlq" }
            #expect((dead["job"] as? [String: Any])?["dlqReason"] as? String == "abandoned")
            #expect(QueueTestSupport.outcomes(dead) == ["abandoned", "abandoned", "permanent"])
            #expect(handler.totalRuns == 0)
        }
    }

    /// `completedJobs` (what `neonhub bench queue` waits on) counts a job once its final state
    /// is committed: a success and a dead-lettered job, not one waiting for its retry.
    @Test func completedJobsCountsTheJobsThatReachedAFinalStateAndNoOthers() async throws {
        let handler = RecordingHandler { job in
            switch job.idempotencyKey {
            case "test-action-0": .retry(JobFailure(code: "providerUnavailable", message: "503"))
            case "test-action-1": .permanent(JobFailure(code: "providerRejected", message: "400"))
            default: .succeeded(result: nil, remoteID: nil, remoteURL: nil)
            }
        }
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let ids = try await Self.add(server, count: 5)
            var settings = QueueWorkers.Settings(count: 2)
            settings.backoffBase = .seconds(600)  // the retried job stays `retrying`
            let workers = QueueWorkers(
                store: server.queue.store, handlers: [.action: handler], settings: settings,
                connectionString: server.database!.connectionString, logger: Logger(label: "completed"))
            #expect(workers.completedJobs == 0)
            workers.start()
            let settled = try await Self.waitUntil(
                server,
                "SELECT count(*)::int FROM publish_jobs WHERE status IN ('succeeded', 'dlq') OR (status = 'retrying' AND attempts = 1)",
                equals: ids.count)
            await workers.stop(grace: .seconds(2))
            #expect(settled == ids.count)
            #expect(handler.totalRuns == ids.count)
            #expect(workers.completedJobs == ids.count - 1)
        }
    }

    @Test func retriesStopAtMaxAttemptsInTheDLQ() async throws {
        let handler = RecordingHandler { _ in .retry(JobFailure(code: "providerUnavailable", message: "503")) }
        try await withDatabaseApp(
            jobHandlers: [.action: handler],
            {
                $0.workers = 1
                $0.queueBackoffBase = .seconds(60)  // `retrying` until made due, however slow the polls
            }
        ) { server, client in
            let id = try await Self.add(server, count: 1, maxAttempts: 2)[0].uuidString
            _ = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "retrying" }
            try await QueueTestSupport.makeDue(server, id)
            let dead = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "dlq" }
            #expect((dead["job"] as? [String: Any])?["dlqReason"] as? String == "max_attempts: providerUnavailable")
            #expect(QueueTestSupport.outcomes(dead) == ["retryable", "retryable"])
            #expect(handler.totalRuns == 2)
        }
    }

    @Test func stoppingLetsARunningJobFinishWithinTheGrace() async throws {
        let handler = RecordingHandler(delay: .milliseconds(800))
        try await withDatabaseApp(jobHandlers: [.action: handler], { $0.workers = 1 }) { server, _ in
            _ = try await Self.add(server, count: 10)
            _ = try await Self.waitUntil(server, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'running'", equals: 1)
            // Stop returns as soon as the running job is done; a long grace only matters on a
            // machine the whole suite starves (CI saw an 800 ms job miss a 5 s grace). On such a
            // machine the worker may also have moved on to the next job before stop is called.
            await server.queue.workers.stop(grace: .seconds(60))
            let succeeded = try await server.database!.pool.query(
                "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'succeeded'"
            ).first?.decode(0, as: Int.self)
            let queued = try await server.database!.pool.query("SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'queued'")
                .first?.decode(0, as: Int.self)
            #expect(succeeded == handler.totalRuns && handler.totalRuns > 0, "every job started was let finish")
            #expect(queued == 10 - handler.totalRuns && handler.totalRuns < 10, "the others were left for another worker")
        }
    }

    /// Found by scripts/queue-chaos.sh: the singleton's advisory lock was called as
    /// `pg_try_advisory_lock(bigint, int)`, which does not exist, so every recurring job (token
    /// refresh, health checks, cleanup) failed three times and went to the DLQ.
    @Test func theRecurringJobsRunAndSucceed() async throws {
        try await withDatabaseApp({ $0.workers = 1 }) { server, _ in
            await server.queue.recurring.enqueueDue()
            let expected = RecurringJobs.schedules.count
            let succeeded = try await Self.waitUntil(
                server,
                """
                SELECT count(*)::int FROM publish_jobs WHERE tenant_id = '_system' AND status = 'succeeded' AND NOT (result ? 'skipped')
                """, equals: expected)
            #expect(succeeded == expected)
            let failed = try await server.database!.pool.query(
                """
                SELECT count(*)::int FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id
                WHERE j.tenant_id = '_system' AND a.outcome <> 'succeeded'
                """
            ).first?.decode(0, as: Int.self)
            #expect(failed == 0)
        }
    }
}
