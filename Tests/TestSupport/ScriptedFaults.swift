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
        take(where: { _ in true })
    }

    /// The fault this request gets among those `matches` accepts (say, faults scripted for one
    /// API method): the first queued one that does, which then has one call fewer left. Faults
    /// that do not match stay queued, in order, for later requests. `matches` runs under the
    /// queue's lock, so it must not use this queue.
    public func take(where matches: (Fault) -> Bool) -> Fault? {
        queue.withLock { queue in
            guard let index = queue.firstIndex(where: { matches($0.fault) }) else { return nil }
            queue[index].remaining -= 1
            let fault = queue[index].fault
            if queue[index].remaining == 0 { queue.remove(at: index) }
            return fault
        }
    }
}
