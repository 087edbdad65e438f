import Synchronization

/// Wakes idle workers when a job becomes ready (a `NOTIFY` on `neonhub_jobs`). A worker
/// reads `generation` before it looks for work and, finding none, waits until the bell
/// rings after that reading or `upTo` passes (the polling fallback): a ring between the
/// look and the wait is never lost.
final class Doorbell: Sendable {
    private struct State {
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())

    /// The current generation.
    var generation: Int { state.withLock { $0.generation } }

    /// Wakes every waiter.
    func ring() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns when the bell rang after `seen` was read, or after `upTo`.
    func wait(since seen: Int, upTo: Duration) async {
        let ticket = state.withLock { state -> Int? in
            guard state.generation == seen else { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let ticket else { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: upTo)
            self?.release(ticket)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                guard state.generation == seen else { return true }
                state.waiters[ticket] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func release(_ ticket: Int) {
        state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume()
    }
}
