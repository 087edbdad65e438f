import Foundation
public import Logging
import Postgres
import Synchronization

/// Marks this server process as alive to its peers: a session-level advisory lock
/// `(lockClass, runnerID)` held on a dedicated connection for the life of the process. Runs
/// record their `runner_id`; a runner whose lock can be taken has died, so its runs are
/// failed by `AgentRunStore.recoverAbandonedRuns` at the next start of any process, and by
/// every live process's lease once a minute (`sweepInterval`): a replica that died and was
/// never restarted leaves no run `running` for good. A runner counts as dead there only when
/// its lock was free at two sweeps in a row, so a live process reconnecting its lease (a
/// database restart drops every lock for a moment) keeps its runs.
public final class RunnerLease: Sendable {
    /// Advisory-lock class reserved for runner leases.
    static let lockClass: Int32 = 0x4E48_5255  // "NHRU"
    /// This process's runner id.
    public let runnerID: Int64
    private let connectionString: String
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    /// How often the lease looks for the runs of dead runners.
    let sweepInterval: Duration

    /// Creates a lease with a random runner id; `start()` acquires it.
    public init(connectionString: String, logger: Logger, sweepInterval: Duration = .seconds(60)) {
        runnerID = Int64(Int32.random(in: 1...Int32.max))
        self.connectionString = connectionString
        self.logger = logger
        self.sweepInterval = sweepInterval
    }

    /// Acquires the lock now (if the database is reachable) and keeps it, re-acquiring after
    /// a lost connection, on a thread of its own.
    public func start() {
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            var connection: PostgresConnection?
            var signalled = false
            var suspects: Set<Int64> = []
            var lastSweep = ContinuousClock.now
            let tick = min(2, Double(sweepInterval.components.seconds) + Double(sweepInterval.components.attoseconds) / 1e18)
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
                if let live = connection, live.isConnected, ContinuousClock.now - lastSweep >= sweepInterval {
                    lastSweep = ContinuousClock.now
                    suspects = sweep(on: live, suspects: suspects)
                }
                Thread.sleep(forTimeInterval: tick)
            }
            connection?.close()
        }
        thread.name = "runner-lease"
        thread.start()
        _ = ready.wait(timeout: .now() + 5)
    }

    /// One sweep: fails the runs of the runners whose lock was free at the last sweep and still
    /// is; answers the runners free for the first time (the next sweep's suspects).
    private func sweep(on connection: PostgresConnection, suspects: Set<Int64>) -> Set<Int64> {
        do {
            let (dead, next) = Self.confirm(free: try AgentRunStore.runnersWithoutLease(on: connection, except: runnerID), suspects: suspects)
            if !dead.isEmpty {
                let failed = try AgentRunStore.failAbandonedRuns(of: dead, on: connection)
                if failed > 0 {
                    logger.warning("marked abandoned agent runs as failed", metadata: ["count": "\(failed)", "runners": "\(dead.count)"])
                }
            }
            return next
        } catch {
            logger.notice("looking for abandoned agent runs failed", metadata: ["error": "\(error)"])
            return suspects
        }
    }

    /// The runners found free at this sweep that were already free at the last one (dead),
    /// and those free for the first time (the next sweep's suspects). A runner free once may be
    /// a live process reconnecting its lease.
    static func confirm(free: Set<Int64>, suspects: Set<Int64>) -> (dead: Set<Int64>, suspects: Set<Int64>) {
        let dead = free.intersection(suspects)
        return (dead, free.subtracting(dead))
    }

    /// Releases the lease (the connection closes within a period).
    public func stop() { stopped.store(true, ordering: .relaxed) }
}
