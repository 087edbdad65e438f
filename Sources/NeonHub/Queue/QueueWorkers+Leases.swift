import Foundation
import Logging
import Synchronization

/// The leases of a running batch: its heartbeat, and the watchdog that stops the jobs whose
/// lease is gone (docs/QUEUE.md, How workers run it).
extension QueueWorkers {
    /// The batch's heartbeat: every third of a lease, extends the leases of the jobs whose
    /// outcome is not written yet, and stops those not run yet whose lease is gone. When no
    /// heartbeat gets through (the database is unreachable, or a partition hangs the read) for
    /// a whole lease, every job still running is stopped: its lease has run out, and another
    /// worker may reclaim it as soon as the database is back.
    func keepLeases(_ leases: BatchLeases, worker: String) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.lease / 3)
                    if Task.isCancelled { return }
                    let pending = leases.unfinished
                    guard !pending.isEmpty else { continue }
                    let asked = ContinuousClock.now
                    do {
                        let held = try await store.heartbeat(jobs: pending, worker: worker, lease: settings.lease)
                        leases.renewed(at: asked)
                        let stopped = leases.lose(pending.filter { !held.contains($0) })
                        if stopped > 0 {
                            logger.warning(
                                "jobs lost their lease to another worker while running; they were stopped here",
                                metadata: ["jobs": "\(stopped)", "worker": "\(worker)"])
                        }
                    } catch {
                        logger.debug("a heartbeat failed: \(Self.safe(error))")
                    }
                }
            }
            // The watchdog: a heartbeat that fails, or hangs (a network partition holding its
            // connection's read), for a whole lease stops the jobs still running.
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.lease / 6)
                    if Task.isCancelled { return }
                    guard ContinuousClock.now - leases.renewed >= settings.lease else { continue }
                    let stopped = leases.lose(leases.unfinished)
                    if stopped > 0 {
                        logger.error(
                            "no heartbeat got through for a whole lease; the jobs still running were stopped and will be reclaimed",
                            metadata: ["jobs": "\(stopped)", "worker": "\(worker)"])
                    }
                }
            }
        }
    }
}
