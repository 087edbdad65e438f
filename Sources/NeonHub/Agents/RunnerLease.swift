import Foundation
public import Logging
import Postgres
import Synchronization

/// Marks this server process as alive to its peers: a session-level advisory lock
/// `(lockClass, runnerID)` held on a dedicated connection for the life of the process. Runs
/// record their `runner_id`; a runner whose lock can be taken has died, so its runs are
/// failed by `AgentRunStore.recoverAbandonedRuns` — immediately, even with several replicas.
public final class RunnerLease: Sendable {
    /// Advisory-lock class reserved for runner leases.
    static let lockClass: Int32 = 0x4E48_5255  // "NHRU"
    /// This process's runner id.
    public let runnerID: Int64
    private let connectionString: String
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    /// Creates a lease with a random runner id; `start()` acquires it.
    public init(connectionString: String, logger: Logger) {
        runnerID = Int64(Int32.random(in: 1...Int32.max))
        self.connectionString = connectionString
        self.logger = logger
    }

    /// Acquires the lock now (if the database is reachable) and keeps it, re-acquiring after
    /// a lost connection, on a thread of its own.
    public func start() {
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            var connection: PostgresConnection?
            var signalled = false
            while !stopped.load(ordering: .relaxed) {
                if connection == nil || connection?.isConnected == false {
                    connection?.close()
                    connection = try? PostgresConnection(
                        connectionString: connectionString,
                        options: PostgresConnectionOptions(connectTimeout: .seconds(2), applicationName: "neonhub-runner"))
                    if let c = connection {
                        do {
                            _ = try c.query("SELECT pg_advisory_lock(\(Self.lockClass), \(Int32(truncatingIfNeeded: runnerID)))")
                        } catch {
                            c.close()
                            connection = nil
                        }
                    }
                } else {
                    _ = try? connection?.query("SELECT 1")
                }
                if !signalled { signalled = true; ready.signal() }
                Thread.sleep(forTimeInterval: 2)
            }
            connection?.close()
        }
        thread.name = "runner-lease"
        thread.start()
        _ = ready.wait(timeout: .now() + 5)
    }

    /// Releases the lease (the connection closes within a period).
    public func stop() { stopped.store(true, ordering: .relaxed) }
}
