import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// A handler whose job runs until it is cancelled, recording that it was, or until `runFor`
/// has passed (then it succeeds).
final class RunsUntilCancelledHandler: JobHandler {
    let started = Mutex<Int>(0)
    let cancelled = Mutex<Int>(0)
    let runFor: Duration

    init(runFor: Duration = .seconds(30)) { self.runFor = runFor }

    func run(_ job: QueueJob) async -> JobOutcome {
        started.withLock { $0 += 1 }
        let deadline = ContinuousClock.now + runFor
        while !Task.isCancelled, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard Task.isCancelled else { return .succeeded(result: nil, remoteID: nil, remoteURL: nil) }
        cancelled.withLock { $0 += 1 }
        return .retry(JobFailure(code: "network", message: "cut off"))
    }

    func reconcile(_ job: QueueJob) async -> ReconcileResult { .missing }
}

/// A worker whose job's lease is gone stops the job, instead of racing the worker that owns
/// it now (and, for a publish, sending the post a second time).
@Suite struct QueueLeaseLossTests {
    /// One worker over `server`'s queue running `handler`'s action jobs under `lease`, started.
    static func startWorker(_ server: NeonHubServer, _ handler: any JobHandler, lease: Duration) -> QueueWorkers {
        var settings = QueueWorkers.Settings(count: 1)
        settings.lease = lease
        let workers = QueueWorkers(
            store: server.queue.store, handlers: [.action: handler], settings: settings,
            connectionString: server.database!.connectionString, logger: Logger(label: "lease"))
        workers.start()
        return workers
    }

    @Test func aJobWhoseLeaseAnotherWorkerTookIsStoppedAndItsNewOwnerKeepsIt() async throws {
        let handler = RunsUntilCancelledHandler()
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let ids = try await QueueWorkerTests.add(server, count: 1)
            // A heartbeat every 3.3 s: the one that finds the lock taken stops the job. (With a
            // 3 s lease, a loaded machine could let the lease run out first, another path.)
            let workers = Self.startWorker(server, handler, lease: .seconds(10))
            let running = try await QueueWorkerTests.waitUntil(
                server, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'running'", equals: 1)
            #expect(running == 1)
            // Another worker reclaimed it (this one had stalled past its lease).
            try await server.database!.pool.execute(
                "UPDATE publish_jobs SET locked_by = 'other-worker', locked_until = now() + interval '1 minute' WHERE id = \(ids[0])")
            let deadline = ContinuousClock.now + .seconds(60)
            while handler.cancelled.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(handler.cancelled.withLock { $0 } == 1)
            await workers.stop(grace: .seconds(5))
            #expect(handler.started.withLock { $0 } == 1)
            // Nothing of the stopped run was written over the new owner's claim.
            let row = try await server.database!.pool.query(
                "SELECT status, locked_by, attempts FROM publish_jobs WHERE id = \(ids[0])"
            ).first
            #expect(try row?.decode("status", as: String.self) == "running")
            #expect(try row?.decode("locked_by", as: String.self) == "other-worker")
            #expect(try row?.decode("attempts", as: Int.self) == 1)
        }
    }

    /// When no heartbeat gets through for a whole lease (here every one fails; a partition
    /// that hangs them is the same to the watchdog), the lease has run out and another worker
    /// may reclaim the job: it is stopped here.
    @Test func aJobIsStoppedWhenNoHeartbeatGetsThroughForAWholeLease() async throws {
        let handler = RunsUntilCancelledHandler()
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            _ = try await QueueWorkerTests.add(server, count: 1)
            let workers = Self.startWorker(server, handler, lease: .seconds(3))
            let running = try await QueueWorkerTests.waitUntil(
                server, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'action' AND status = 'running'", equals: 1)
            #expect(running == 1)
            let pool = server.database!.pool
            try await pool.execute("ALTER TABLE publish_jobs RENAME TO publish_jobs_away")
            let deadline = ContinuousClock.now + .seconds(60)
            while handler.cancelled.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await pool.execute("ALTER TABLE publish_jobs_away RENAME TO publish_jobs")
            #expect(handler.cancelled.withLock { $0 } == 1)
            await workers.stop(grace: .seconds(5))
        }
    }

    @Test func aJobWhoseLeaseIsHeldRunsOnWhileTheHeartbeatExtendsIt() async throws {
        let handler = RunsUntilCancelledHandler(runFor: .seconds(12))
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let ids = try await QueueWorkerTests.add(server, count: 1)
            // The job outlives its lease; heartbeats every 3.3 s extend it. (A 1 s lease failed
            // under the whole suite: a loaded machine starved the heartbeats for a whole lease,
            // and stopping the job was then right.)
            let workers = Self.startWorker(server, handler, lease: .seconds(10))
            var status = ""
            var leases: Set<String> = []  // every lease seen while the job ran: the claim's, then the renewed ones
            let deadline = ContinuousClock.now + .seconds(120)
            while status != "succeeded", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                let row = try await server.database!.pool.query(
                    "SELECT status, locked_until::text AS lease FROM publish_jobs WHERE id = \(ids[0])"
                ).first
                status = try row?.decode("status", as: String.self) ?? ""
                if status == "running", let lease = try row?.decode("lease", as: String?.self) { leases.insert(lease) }
            }
            await workers.stop(grace: .seconds(5))
            #expect(status == "succeeded")
            #expect(leases.count >= 2, "the heartbeat never renewed the lease: \(leases)")
            #expect(handler.started.withLock { $0 } == 1)
            #expect(handler.cancelled.withLock { $0 } == 0)
        }
    }
}
