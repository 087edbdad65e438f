import Synchronization

/// A fixed number of permits for async work, handed out in the order they were asked for.
/// A task waiting for one is suspended, not blocking a thread (nor holding a database
/// connection: that is what it is for — see `TokenRefresher`).
final class AsyncPermits: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    /// `count` permits (at least one).
    init(_ count: Int) {
        state = Mutex(State(available: max(1, count)))
    }

    /// Runs `body` holding one permit, waiting for one first if none is free.
    func withPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let granted = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if granted { return }
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                // A permit may have come back between the two looks.
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiting.removeFirst()  // the permit passes straight to it
        }
        next?.resume()
    }
}
