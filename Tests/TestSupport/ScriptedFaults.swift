import Synchronization

/// The faults a provider fake answers with before its normal replies: each queued for a number
/// of calls, taken first in, first out, one call at a time. Shared by the fakes so that each one
/// only says what its faults look like.
public final class ScriptedFaults<Fault: Sendable>: Sendable {
    private let queue = Mutex<[(fault: Fault, remaining: Int)]>([])

    public init() {}

    /// The next `calls` requests (after those already queued) get `fault`.
    public func add(_ fault: Fault, calls: Int = 1) {
        guard calls > 0 else { return }
        queue.withLock { $0.append((fault, calls)) }
    }

    /// The fault this request gets, if one is queued.
    public func take() -> Fault? {
        queue.withLock { queue in
            guard !queue.isEmpty else { return nil }
            queue[0].remaining -= 1
            let fault = queue[0].fault
            if queue[0].remaining == 0 { queue.removeFirst() }
            return fault
        }
    }
}
