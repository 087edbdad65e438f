import Dispatch

/// One connection slot of a pool: a serial queue (its own thread for blocking libpq
/// calls) and the connection, opened lazily and reopened after it breaks.
///
/// `@unchecked Sendable`: `connection` and `lastUsed` are protected by exclusive
/// borrowing — the pool's `Mutex`-guarded `PostgresPoolState` hands a slot to at most
/// one borrower at a time, and the borrower touches these fields only on `queue`.
final class PostgresPoolSlot: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    var connection: PostgresConnection?
    var lastUsed: ContinuousClock.Instant

    init(index: Int, label: String) {
        self.index = index
        queue = DispatchQueue(label: "\(label).connection-\(index)")
        lastUsed = .now
    }
}
