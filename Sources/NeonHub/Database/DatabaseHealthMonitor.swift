import Foundation
public import Logging
import Postgres
import Synchronization

/// Keeps the `database` check of `/health` fresh: a dedicated connection on its own thread
/// runs `SELECT 1` every half second (reconnecting as needed). The check reads `unreachable`
/// when the last two probes failed, or when a probe has been stuck for over 5 s — so `/health`
/// never waits on the database. A probe thread that is merely scheduled late (a busy
/// machine) does not make the database look down.
public final class DatabaseHealthMonitor: Sendable {
    private let connectionString: String
    private let health: HealthMonitor
    private let logger: Logger
    /// Uptime nanoseconds when the in-flight probe started (0: none in flight).
    private let probeStarted = Atomic<UInt64>(0)
    /// Consecutive failed probes; two make the database unreachable (one is a hiccup).
    private let failures = Atomic<Int>(2)
    private let stopped = Atomic<Bool>(false)
    /// A probe in flight longer than this means the database hangs (a network partition: libpq
    /// has no client-side query timeout). Longer than a probe can take on its own before it
    /// fails (2 s to connect plus the 2.5 s statement timeout). At 3 s, a healthy database was
    /// once flagged for a moment on a saturated machine (315 of ~1M `/health` answers in a
    /// benchmark, with no failed probe logged).
    private static let staleAfterNanos: UInt64 = 5_000_000_000

    /// Creates a monitor; call `start()`.
    public init(connectionString: String, health: HealthMonitor, logger: Logger) {
        self.connectionString = connectionString
        self.health = health
        self.logger = logger
    }

    /// Probes once, registers the `database` check and starts the probe thread.
    public func start() {
        // The first probe runs on the probe thread too (its connection stays there); start()
        // waits for it so that /health is right from the first request.
        let firstProbe = DispatchSemaphore(value: 0)
        health.register("database") { [self] in isReachable ? "ok" : "unreachable" }
        let thread = Thread { [self] in probeLoop(afterFirst: firstProbe) }
        thread.name = "db-health"
        thread.start()
        firstProbe.wait()
    }

    /// Stops probing (the thread exits within one period).
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func probeLoop(afterFirst firstProbe: DispatchSemaphore) {
        var connection: PostgresConnection?
        var wasOK: Bool?
        while !stopped.load(ordering: .relaxed) {
            let result = probeOnce(connection)
            connection = result.connection
            let ok = result.ok
            if wasOK == nil {
                firstProbe.signal()
                if !ok { logger.warning("database unreachable") }
            } else if ok != wasOK {
                if ok { logger.info("database reachable again") } else { logger.warning("database unreachable") }
            }
            wasOK = ok
            Thread.sleep(forTimeInterval: ok ? 0.5 : 0.25)
        }
        connection?.close()
    }

    private func probeOnce(_ existing: PostgresConnection?) -> (ok: Bool, connection: PostgresConnection?) {
        probeStarted.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        defer { probeStarted.store(0, ordering: .relaxed) }
        do {
            let connection =
                try existing
                ?? PostgresConnection(
                    connectionString: connectionString,
                    options: PostgresConnectionOptions(
                        connectTimeout: .seconds(2), statementTimeout: .milliseconds(2500), applicationName: "neonhub-health"))
            _ = try connection.query("SELECT 1 AS ok")
            failures.store(0, ordering: .relaxed)
            return (true, connection)
        } catch {
            existing?.close()
            failures.wrappingAdd(1, ordering: .relaxed)
            return (false, nil)
        }
    }

    /// Whether the database answered the last probe and no probe is stuck.
    public var isReachable: Bool {
        guard failures.load(ordering: .relaxed) < 2 else { return false }
        let started = probeStarted.load(ordering: .relaxed)
        return started == 0 || DispatchTime.now().uptimeNanoseconds - started < Self.staleAfterNanos
    }
}
