import Synchronization

/// A gate a fake holds its answers at until the test opens it: for tests that look at what
/// the server did while a provider call is still outstanding, without racing a timer.
/// Answers held before `open()` are sent at once when it is called; later ones pass through.
public final class ReplyGate: Sendable {
    private let pending = Mutex<[@Sendable () -> Void]?>([])

    /// A closed gate.
    public init() {}

    /// Runs `send` now if the gate is open, or when it opens.
    func whenOpen(_ send: @escaping @Sendable () -> Void) {
        let held: Bool = pending.withLock { queue in
            guard queue != nil else { return false }
            queue?.append(send)
            return true
        }
        if !held { send() }
    }

    /// Opens the gate and sends every answer held so far.
    public func open() {
        let held = pending.withLock { queue -> [@Sendable () -> Void] in
            defer { queue = nil }
            return queue ?? []
        }
        for send in held { send() }
    }

    /// How many answers are waiting.
    public var heldCount: Int { pending.withLock { $0?.count ?? 0 } }
}
