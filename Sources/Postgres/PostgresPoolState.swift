/// The pool's bookkeeping as a plain state machine: which slots are idle and who is
/// waiting. It performs no I/O; each event returns the action the pool must carry out.
struct PostgresPoolState<Slot, Waiter> {
    /// What to do with an acquire request.
    enum AcquireAction {
        /// Use this idle slot now.
        case use(Slot)
        /// No slot is free: the waiter was queued (the pool arms its timeout).
        case wait
        /// The pool is shut down.
        case failShutDown
        /// The requesting task is already cancelled.
        case failCancelled
    }

    /// What to do with a released slot.
    enum ReleaseAction {
        /// Hand the slot directly to this waiter.
        case handOff(Slot, Waiter)
        /// The slot went back to the idle list.
        case keep
        /// The pool is shut down: close the slot's connection.
        case close
    }

    private(set) var idle: [Slot]
    private var waiters: [(id: UInt64, waiter: Waiter)] = []
    private(set) var isShutDown = false

    init(slots: [Slot]) {
        idle = slots
    }

    /// The number of queued waiters.
    var waiterCount: Int { waiters.count }

    mutating func acquire(id: UInt64, waiter: Waiter, isCancelled: Bool) -> AcquireAction {
        if isShutDown { return .failShutDown }
        if isCancelled { return .failCancelled }
        if let slot = idle.popLast() { return .use(slot) }
        waiters.append((id, waiter))
        return .wait
    }

    mutating func release(_ slot: Slot) -> ReleaseAction {
        if isShutDown { return .close }
        if !waiters.isEmpty {
            let next = waiters.removeFirst()
            return .handOff(slot, next.waiter)
        }
        idle.append(slot)
        return .keep
    }

    /// Removes a waiter that timed out or was cancelled; nil if it was already served.
    mutating func removeWaiter(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// Marks the pool shut down and returns the idle slots to close and the waiters to fail.
    mutating func shutDown() -> (idle: [Slot], waiters: [Waiter]) {
        isShutDown = true
        let result = (idle, waiters.map(\.waiter))
        idle = []
        waiters = []
        return result
    }
}
