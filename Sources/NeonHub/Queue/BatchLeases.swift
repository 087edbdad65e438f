import Foundation
import Synchronization

/// The jobs of one claimed batch whose outcome is not written yet, each with the task running
/// it, so the process's `LeaseKeeper` keeps their leases and can stop a job whose lease is gone:
/// another worker reclaimed it (this one stalled past its lease), or no heartbeat got through
/// for a whole lease. A job that kept running then would race the worker that owns it now,
/// and a publish could be sent twice. A job that has run (its outcome being written) keeps
/// its lease until the write returns, and is never stopped.
final class BatchLeases: Sendable {
    private enum State {
        case waiting
        case running(Task<Void, Never>)
        case ran
        case written
        case lost
    }

    private let states: Mutex<[UUID: State]>
    private let renewal: Mutex<ContinuousClock.Instant>

    /// The batch of `ids`, none started yet, claimed (its leases set) at `claimedAt`.
    init(_ ids: [UUID], claimedAt: ContinuousClock.Instant = .now) {
        states = Mutex(Dictionary(uniqueKeysWithValues: ids.map { ($0, State.waiting) }))
        renewal = Mutex(claimedAt)
    }

    /// When the leases were last known renewed: the claim, then each heartbeat that got
    /// through (the moment it was sent, so never later than the database's renewal).
    var renewed: ContinuousClock.Instant { renewal.withLock { $0 } }

    /// Records a heartbeat sent at `instant` that got through.
    func renewed(at instant: ContinuousClock.Instant) {
        renewal.withLock { $0 = max($0, instant) }
    }

    /// Records the task running job `id`; cancels it at once when the job's lease was found
    /// lost before it started. The task may have run (`ran`), or even ended (`finished`),
    /// before this is called: it is then left as it is.
    func started(_ id: UUID, task: Task<Void, Never>) {
        let lostAlready = states.withLock { states -> Bool in
            switch states[id] {
            case .waiting: states[id] = .running(task); return false
            case .lost: return true
            default: return false
            }
        }
        if lostAlready { task.cancel() }
    }

    /// Job `id` has run: from now on its outcome is being written, and it is not stopped.
    func ran(_ id: UUID) {
        states.withLock { states in
            switch states[id] {
            case .waiting, .running: states[id] = .ran  // waiting: it ran before `started`
            default: break
            }
        }
    }

    /// Job `id` is done with: its outcome is written (or left to whoever reclaims it).
    func finished(_ id: UUID) {
        states.withLock { $0[id] = .written }
    }

    /// The jobs whose leases the batch still needs: not run yet, or run with their outcome
    /// still being written.
    var unfinished: [UUID] {
        states.withLock { states in
            states.compactMap { id, state in
                switch state {
                case .waiting, .running, .ran: id
                case .written, .lost: nil
                }
            }
        }
    }

    /// Stops the jobs among `ids` that have not run yet; returns how many it stopped. (A job
    /// already run is left to its write, which finds the lease gone by itself.)
    @discardableResult
    func lose(_ ids: some Sequence<UUID>) -> Int {
        let stopped = states.withLock { states -> [Task<Void, Never>?] in
            ids.compactMap { id in
                switch states[id] {
                case .waiting: states[id] = .lost; return .some(nil)
                case .running(let task): states[id] = .lost; return .some(task)
                default: return nil
                }
            }
        }
        for task in stopped { task?.cancel() }
        return stopped.count
    }
}
