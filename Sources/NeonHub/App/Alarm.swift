import Synchronization

/// A one-time wake-up for a suspended task: whichever of several events rings first (a timer,
/// a cancellation) resumes it, once; a ring before the continuation is set resumes it as soon
/// as it is (`ThreadTaskExecutor.sleep(for:)`, whose cancellation may come first). Unlike
/// `Deadline.Slot`, which is filled before anything can resume it, a ring is never lost.
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
