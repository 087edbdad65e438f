import Synchronization

/// A one-time wake-up for a suspended task: whichever of several events rings first (a timer,
/// a cancellation, a task's answer) resumes it, once, with that event's value; later rings do
/// nothing. A ring before the continuation is set is kept and resumes it as soon as it is
/// (`ThreadTaskExecutor.sleep(for:)`, whose cancellation may come first). `Deadline.run`
/// races its work against its timer with one.
final class Alarm<Value: Sendable>: Sendable {
    private enum State {
        case armed
        case sleeping(CheckedContinuation<Value, Never>)
        case rung(Value)
        case done
    }

    private let state = Mutex(State.armed)

    /// Parks `continuation` until the first ring (resumes it at once if that was earlier).
    func set(_ continuation: CheckedContinuation<Value, Never>) {
        let early = state.withLock { state -> Value? in
            if case .rung(let value) = state {
                state = .done
                return value
            }
            state = .sleeping(continuation)
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Resumes the parked continuation with `value`, the first time only.
    func ring(_ value: Value) {
        let sleeper = state.withLock { state -> CheckedContinuation<Value, Never>? in
            switch state {
            case .armed:
                state = .rung(value)
                return nil
            case .sleeping(let continuation):
                state = .done
                return continuation
            case .rung, .done:
                return nil
            }
        }
        sleeper?.resume(returning: value)
    }
}

extension Alarm where Value == Void {
    /// Resumes the parked continuation, the first time only.
    func ring() { ring(()) }
}
