public import Foundation
import Synchronization
import TimeUnits

/// A per-agent circuit breaker: `closed` → `open` after `failureThreshold` consecutive
/// failures → `half_open` after `coolDown` (one probe run allowed) → `closed` on success,
/// `open` again on failure.
public final class CircuitBreaker: Sendable {
    /// Breaker states as shown in `agents.list`.
    public enum State: String, Sendable, Codable {
        case closed, open
        case halfOpen = "half_open"
    }

    private struct Status {
        var state: State = .closed
        var consecutiveFailures = 0
        var openedAt: Double = 0
        var probeInFlight = false
    }

    private let failureThreshold: Int
    private let coolDown: Double
    private let clock: @Sendable () -> Double
    private let status = Mutex(Status())

    /// Creates a breaker; `clock` returns seconds (monotonic) and is replaceable in tests.
    public init(
        failureThreshold: Int = 5, coolDown: Duration = .seconds(30),
        clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.coolDown = coolDown.inSeconds
        self.clock = clock
    }

    /// The current state (an open breaker past its cool-down reads as half-open).
    public var state: State {
        let now = clock()
        return status.withLock { s in
            if s.state == .open && now - s.openedAt >= coolDown { return .halfOpen }
            return s.state
        }
    }

    /// Asks to run: true if allowed (closed, or the single half-open probe).
    public func allowRun() -> Bool {
        let now = clock()
        return status.withLock { s in
            switch s.state {
            case .closed:
                return true
            case .open:
                guard now - s.openedAt >= coolDown else { return false }
                s.state = .halfOpen
                s.probeInFlight = true
                return true
            case .halfOpen:
                if s.probeInFlight { return false }
                s.probeInFlight = true
                return true
            }
        }
    }

    /// Gives back a half-open probe slot without a verdict (the run never happened).
    public func releaseProbe() {
        status.withLock { $0.probeInFlight = false }
    }

    /// Records a successful run.
    public func recordSuccess() {
        status.withLock { s in
            s = Status()
        }
    }

    /// Records a failed run; returns true if this opened the breaker.
    @discardableResult
    public func recordFailure() -> Bool {
        let now = clock()
        return status.withLock { s in
            s.consecutiveFailures += 1
            s.probeInFlight = false
            if s.state == .halfOpen || s.consecutiveFailures >= failureThreshold {
                let opened = s.state != .open
                s.state = .open
                s.openedAt = now
                return opened
            }
            return false
        }
    }
}
