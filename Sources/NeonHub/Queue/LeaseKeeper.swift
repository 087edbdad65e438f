import Foundation
import Logging
import Synchronization

/// Keeps the leases of every batch this process's workers are running, from one task: every
/// twelfth of a lease it sends the heartbeats that are due (a batch's leases are renewed every
/// third of a lease, one statement for the batch, the jobs already written left alone) and
/// stops the jobs whose lease is gone.
///
/// A job's lease is gone when a heartbeat finds another worker holds it (this one stalled past
/// its lease), or when no heartbeat got through for a whole lease (the database is unreachable,
/// or a partition hangs the heartbeat's read): its lease has run out, and another worker may
/// reclaim it as soon as the database is back. A job that kept running then would race the
/// worker that owns it now, and a publish could be sent twice (docs/QUEUE.md, How workers run
/// it).
///
/// One task for all batches, where each batch had its own heartbeat and watchdog: a batch of
/// quick jobs is over long before its first heartbeat is due, and starting and cancelling two
/// sleeping tasks for each one cost the worker process about a tenth of its CPU
/// (docs/PERFORMANCE.md).
final class LeaseKeeper: Sendable {
    /// A batch being kept: its leases, the worker that claimed it, and its heartbeat's state.
    private struct Watched: Sendable {
        let leases: BatchLeases
        let worker: String
        /// When the last heartbeat was sent (the claim, until the first).
        var asked: ContinuousClock.Instant
        /// A heartbeat is in flight (it may hang): no second one is sent beside it.
        var asking = false
    }

    /// The thread every keeper runs on (`QueueWorkers.start`): a busy cooperative pool does not
    /// delay the heartbeats (`ThreadTaskExecutor`).
    static let executor = ThreadTaskExecutor(name: "neonhub-leases")

    private let store: QueueStore
    private let lease: Duration
    private let logger: Logger
    /// The batches kept now, by their `BatchLeases`' identity (each held until `release`).
    private let batches = Mutex<[ObjectIdentifier: Watched]>([:])

    /// A keeper of `lease`-long leases over `store`'s jobs.
    init(store: QueueStore, lease: Duration, logger: Logger) {
        self.store = store
        self.lease = lease
        self.logger = logger
    }

    /// Keeps `leases` (a batch `worker` claimed) until `release`.
    func watch(_ leases: BatchLeases, worker: String) {
        batches.withLock { $0[ObjectIdentifier(leases)] = Watched(leases: leases, worker: worker, asked: leases.renewed) }
    }

    /// Stops keeping `leases`: every outcome of its batch is written.
    func release(_ leases: BatchLeases) {
        _ = batches.withLock { $0.removeValue(forKey: ObjectIdentifier(leases)) }
    }

    /// Checks the batches every twelfth of a lease until the task is cancelled. Heartbeats run
    /// as its child tasks: cancelling it cancels those in flight too, and it returns when they
    /// have. The workers' `stop` waits up to 2 s for that; a heartbeat whose query hangs
    /// longer is left to end on its own. Run it in a task that prefers `LeaseKeeper.executor`
    /// (debug builds check).
    func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                await Self.executor.sleep(for: lease / 12)
                if Task.isCancelled { return }
                assert(Self.executor.isCurrent, "the lease keeper runs on its own thread, not the cooperative pool")
                let now = ContinuousClock.now
                for batch in check(at: now) {
                    group.addTask { await self.beat(batch, askedAt: now) }
                }
            }
        }
    }

    /// One check: stops the jobs of the batches no heartbeat renewed for a whole lease, and
    /// returns the batches whose heartbeat is due (a third of a lease after the last one was
    /// sent), marked as asked at `now`.
    private func check(at now: ContinuousClock.Instant) -> [Watched] {
        let (expired, due) = batches.withLock { batches -> ([Watched], [Watched]) in
            var expired: [Watched] = []
            var due: [Watched] = []
            for (key, batch) in batches {
                if now - batch.leases.renewed >= lease { expired.append(batch) }
                if !batch.asking, now - batch.asked >= lease / 3 {
                    batches[key]?.asking = true
                    batches[key]?.asked = now
                    due.append(batch)
                }
            }
            return (expired, due)
        }
        for batch in expired {
            let stopped = batch.leases.lose(batch.leases.unfinished)
            if stopped > 0 {
                logger.error(
                    "no heartbeat got through for a whole lease; the jobs still running were stopped and will be reclaimed",
                    metadata: ["jobs": "\(stopped)", "worker": "\(batch.worker)"])
            }
        }
        return due
    }

    /// Extends the leases of `batch`'s jobs not written yet, and stops those not run yet whose
    /// lease another worker holds now.
    private func beat(_ batch: Watched, askedAt: ContinuousClock.Instant) async {
        defer { batches.withLock { $0[ObjectIdentifier(batch.leases)]?.asking = false } }
        let pending = batch.leases.unfinished
        guard !pending.isEmpty else { return }
        do {
            let held = try await store.heartbeat(jobs: pending, worker: batch.worker, lease: lease)
            assert(Self.executor.isCurrent, "a heartbeat's answer is read on the keeper's thread")
            batch.leases.renewed(at: askedAt)
            let stopped = batch.leases.lose(pending.filter { !held.contains($0) })
            if stopped > 0 {
                logger.warning(
                    "jobs lost their lease to another worker while running; they were stopped here",
                    metadata: ["jobs": "\(stopped)", "worker": "\(batch.worker)"])
            }
        } catch {
            logger.debug("a heartbeat failed: \(QueueWorkers.safe(error))")
        }
    }
}
