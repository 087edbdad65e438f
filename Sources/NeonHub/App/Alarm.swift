import Synchronization

/// A one-time wake-up for a suspended task: whichever of several events rings first (a timer,
/// a cancellation, the end of other work) resumes it, once; a ring before the continuation is
/// set resumes it as soon as it is (`ThreadTaskExecutor.sleep(for:)`, `awaitEnd(of:atMost:)`).
final class Alarm: Sendable {
    private enum State {
        case armed
        case sleeping(CheckedContinuation<Void, Never>)
        case rung
    }

    private let state = Mutex(State.armed)

    /// Parks `continuation` until the first ring (resumes it at once if that was earlier).
    func set(_ continuation: CheckedContinuation<Void, Never>) {
        let rungAlready = state.withLock { state -> Bool in
            if case .rung = state { return true }
            state = .sleeping(continuation)
            return false
        }
        if rungAlready { continuation.resume() }
    }

    /// Resumes the parked continuation, the first time only.
    func ring() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .rung }
            if case .sleeping(let continuation) = state { return continuation }
            return nil
        }
        sleeper?.resume()
    }
}

/// Waits until every task of `tasks` has ended, or `limit` has passed, whichever comes first,
/// and returns then: unlike awaiting them in a task group (which waits for every child, cancelled
/// or not), a task that hangs past `limit` is left running.
func awaitEnd(of tasks: [Task<Void, Never>], atMost limit: Duration) async {
    let alarm = Alarm()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        alarm.set(continuation)
        Task {
            for task in tasks { await task.value }
            alarm.ring()
        }
        Task {
            try? await Task.sleep(for: limit)
            alarm.ring()
        }
    }
}
