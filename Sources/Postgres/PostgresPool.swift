import Dispatch
public import Logging
import Synchronization
import TimeUnits

/// A bounded pool of `PostgresConnection`s with an async API.
///
/// Each connection slot has its own serial `DispatchQueue`, so blocking libpq calls never
/// run on the Swift concurrency cooperative pool; callers await them through
/// continuations. Connections open lazily, are checked before reuse (a broken one is
/// reopened, one idle past `validationInterval` is pinged), come back clean (an open
/// transaction is rolled back, a broken connection is discarded), and waiting for one is
/// bounded by `acquireTimeout`. Failures to connect or to obtain a connection throw
/// `PostgresError` of kind `.unavailable`.
public final class PostgresPool: Sendable {
    typealias Waiter = CheckedContinuation<PostgresPoolSlot, any Error>

    /// The pool's settings.
    public let configuration: PostgresPoolConfiguration
    private let connectionString: String
    private let logger: Logger
    private let state: Mutex<PostgresPoolState<PostgresPoolSlot, Waiter>>
    private let nextWaiterID = Atomic<UInt64>(0)
    /// Fires acquire timeouts; a private queue so that a busy global pool cannot delay them.
    private let timerQueue = DispatchQueue(label: "neonhub.postgres-pool.timers")
    /// Set while the owner holds the pool closed (`refuseBorrows`); `refusal` says why.
    private let refusing = Atomic<Bool>(false)
    private let refusal = Mutex("")

    /// Creates a pool; no connection is opened until the first borrow.
    public init(connectionString: String, configuration: PostgresPoolConfiguration = .init(), logger: Logger) {
        self.connectionString = connectionString
        self.configuration = configuration
        self.logger = logger
        let slots = (0..<configuration.size).map { PostgresPoolSlot(index: $0, label: "neonhub.postgres-pool") }
        state = Mutex(PostgresPoolState(slots: slots.reversed()))
    }

    /// How many slots the pool has, how many are idle (not borrowed), and how many tasks
    /// wait for one, at this instant (for `/metrics`).
    public var statistics: (size: Int, idle: Int, waiting: Int) {
        state.withLock { (configuration.size, $0.idle.count, $0.waiterCount) }
    }

    /// Borrows a connection, runs `body` on the pool's thread for that connection, and
    /// returns the connection (rolled back to idle) to the pool.
    public func withConnection<T: Sendable>(
        _ body: @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection(acquireTimeout: configuration.acquireTimeout, body)
    }

    /// Runs one statement and returns its rows.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { try $0.query(query) }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try $0.execute(query) }
    }

    /// Runs `body` in a transaction on one connection (see `PostgresConnection.withTransaction`).
    public func withTransaction<T: Sendable>(
        _ body: @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { try $0.withTransaction(body) }
    }

    /// Sends the statements in one round trip (see `PostgresConnection.pipeline`).
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [PostgresQueryResult] {
        try await withConnection { try $0.pipeline(queries) }
    }

    /// Sends `BEGIN`, the statements and `COMMIT` in one round trip (see
    /// `PostgresConnection.pipelineTransaction`).
    public func pipelineTransaction(_ queries: [PostgresQuery]) async throws -> [PostgresQueryResult] {
        try await withConnection { try $0.pipelineTransaction(queries) }
    }

    /// True if a `SELECT 1` succeeds within about a second; for health checks.
    public func ping() async -> Bool {
        let timeout = min(configuration.acquireTimeout, .seconds(1))
        do {
            let rows = try await withConnection(acquireTimeout: timeout) { try $0.query("SELECT 1 AS ok") }
            return try rows.first?.decode("ok", as: Int.self) == 1
        } catch {
            return false
        }
    }

    /// Makes every later borrow fail at once with `.unavailable` and `reason`, until
    /// `admitBorrows()`: for a database that answers but is not ready for the owner's
    /// queries (its migrations are pending), so that callers hear "try again shortly" rather
    /// than a missing table. Borrows already running are not affected.
    public func refuseBorrows(_ reason: String) {
        refusal.withLock { $0 = reason }
        refusing.store(true, ordering: .sequentiallyConsistent)
    }

    /// Ends `refuseBorrows`.
    public func admitBorrows() {
        refusing.store(false, ordering: .sequentiallyConsistent)
    }

    /// Fails all waiters, closes idle connections, and closes borrowed ones when they are
    /// returned. Later borrows fail with `.unavailable`. Do not call from inside `withConnection`.
    public func shutdown() {
        let (idle, waiters) = state.withLock { $0.shutDown() }
        for waiter in waiters {
            waiter.resume(throwing: PostgresError.unavailable("the database pool is shut down"))
        }
        for slot in idle {
            slot.queue.sync {
                slot.connection?.close()
                slot.connection = nil
            }
        }
        logger.debug("postgres pool shut down")
    }

    // MARK: - Borrowing

    private func withConnection<T: Sendable>(
        acquireTimeout: Duration, _ body: @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        // `body` only runs while this function is suspended, so it does not really escape;
        // the holder drops it before the continuation resumes.
        try await withoutActuallyEscaping(body) { body in
            let slot = try await acquire(timeout: acquireTimeout)
            let holder = PostgresPoolBody(body)
            return try await withCheckedThrowingContinuation { continuation in
                slot.queue.async {
                    let result = Result { try self.run(holder.take(), on: slot) }
                    self.release(slot)
                    continuation.resume(with: result)
                }
            }
        }
    }

    private func acquire(timeout: Duration) async throws -> PostgresPoolSlot {
        if refusing.load(ordering: .relaxed) { throw PostgresError.unavailable(refusal.withLock { $0 }) }
        let id = nextWaiterID.wrappingAdd(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let action = state.withLock {
                    $0.acquire(id: id, waiter: continuation, isCancelled: Task.isCancelled)
                }
                switch action {
                case .use(let slot):
                    continuation.resume(returning: slot)
                case .failShutDown:
                    continuation.resume(throwing: PostgresError.unavailable("the database pool is shut down"))
                case .failCancelled:
                    continuation.resume(throwing: CancellationError())
                case .wait:
                    let nanoseconds = Int(clamping: timeout.inMillisecondsRoundedUp * 1_000_000)
                    timerQueue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
                        self?.expireWaiter(id: id, timeout: timeout)
                    }
                }
            }
        } onCancel: {
            if let waiter = state.withLock({ $0.removeWaiter(id: id) }) {
                waiter.resume(throwing: CancellationError())
            }
        }
    }

    private func expireWaiter(id: UInt64, timeout: Duration) {
        guard let waiter = state.withLock({ $0.removeWaiter(id: id) }) else { return }
        logger.warning(
            "timed out waiting for a database connection",
            metadata: ["timeout_ms": "\(timeout.inMillisecondsRoundedUp)", "pool_size": "\(configuration.size)"])
        waiter.resume(
            throwing: PostgresError.unavailable(
                "no database connection became free within \(timeout.inMillisecondsRoundedUp) ms "
                    + "(pool size \(configuration.size))"))
    }

    /// Called on `slot.queue` by the borrower.
    private func release(_ slot: PostgresPoolSlot) {
        switch state.withLock({ $0.release(slot) }) {
        case .handOff(let slot, let waiter):
            waiter.resume(returning: slot)
        case .keep:
            break
        case .close:
            slot.connection?.close()
            slot.connection = nil
        }
    }

    // MARK: - On the slot's queue

    private func run<T>(_ body: (PostgresConnection) throws -> T, on slot: PostgresPoolSlot) throws -> T {
        let connection = try prepare(slot)
        defer { recycle(slot, connection) }
        return try body(connection)
    }

    /// Returns a working connection for the slot, reopening it if needed.
    private func prepare(_ slot: PostgresPoolSlot) throws -> PostgresConnection {
        if let connection = slot.connection {
            if !connection.checkAlive() {
                logger.notice("discarding a broken database connection", metadata: ["slot": "\(slot.index)"])
                discard(slot)
            } else if ContinuousClock.now - slot.lastUsed > configuration.validationInterval {
                do {
                    try connection.query("SELECT 1")
                    return connection
                } catch {
                    logger.notice(
                        "discarding a database connection that failed validation",
                        metadata: ["slot": "\(slot.index)", "error": "\(error)"])
                    discard(slot)
                }
            } else {
                return connection
            }
        }
        do {
            let connection = try PostgresConnection(
                connectionString: connectionString, options: configuration.connectionOptions)
            slot.connection = connection
            slot.lastUsed = .now
            logger.debug("opened a database connection", metadata: ["slot": "\(slot.index)"])
            return connection
        } catch var error as PostgresError {
            error.kind = .unavailable
            logger.warning("could not connect to the database", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Brings the connection back to a clean state after use, or discards it.
    private func recycle(_ slot: PostgresPoolSlot, _ connection: PostgresConnection) {
        slot.lastUsed = .now
        guard connection.isConnected, connection.rollbackIfNeeded() else {
            logger.notice("discarding a database connection after use", metadata: ["slot": "\(slot.index)"])
            discard(slot)
            return
        }
    }

    private func discard(_ slot: PostgresPoolSlot) {
        slot.connection?.close()
        slot.connection = nil
    }
}

/// Carries a caller's closure to a slot's queue and drops it there before the caller
/// resumes (required by `withoutActuallyEscaping`).
///
/// `@unchecked Sendable`: `body` is written once at creation and taken exactly once, on
/// the slot's queue, before the continuation that publishes the result is resumed.
private final class PostgresPoolBody<T>: @unchecked Sendable {
    private var body: (@Sendable (PostgresConnection) throws -> T)?

    init(_ body: @escaping @Sendable (PostgresConnection) throws -> T) {
        self.body = body
    }

    func take() -> @Sendable (PostgresConnection) throws -> T {
        defer { body = nil }
        guard let body else {
            return { _ in throw PostgresError.protocolError("a pool closure ran twice") }
        }
        return body
    }
}
