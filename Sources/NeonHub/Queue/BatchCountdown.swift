import Synchronization

/// Counts a batch's jobs as each counts itself (when it has run, or when its outcome is
/// written), and wakes the one task waiting for all of them once, when the last has: one
/// wake-up per batch, where a stream woke its reader per job.
final class BatchCountdown: Sendable {
    private struct State {
        var remaining: Int
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state: Mutex<State>

    /// A countdown from `count` jobs.
    init(_ count: Int) { state = Mutex(State(remaining: count)) }

    /// Whether every job has counted itself.
    var isDone: Bool { state.withLock { $0.remaining <= 0 } }

    /// One job counts itself.
    func tick() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.remaining -= 1
            guard state.remaining <= 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    /// The batch is over: whoever waits goes on, whether or not every job counted itself.
    func finishAll() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.remaining = 0
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    /// Returns once every job has counted itself (at once when they all have). One waiter at a
    /// time.
    func wait() async {
        if state.withLock({ $0.remaining <= 0 }) { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                guard state.remaining > 0 else { return true }
                precondition(state.waiter == nil, "a BatchCountdown has one waiter")
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
