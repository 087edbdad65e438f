import Foundation
import Logging
import Postgres
import Synchronization

/// Keeps the `database` check of `/health` fresh: a dedicated connection on its own thread
/// runs `SELECT 1` every half second (reconnecting as needed). A check that has not
/// succeeded for 1.5 s reads as `unreachable`, even if the probe itself is stuck, so
/// `/health` never waits on the database.
public final class DatabaseHealthMonitor: Sendable {
    private let connectionString: String
    private let health: HealthMonitor
    private let logger: Logger
    private let lastSuccess = Atomic<UInt64>(0)
    private let stopped = Atomic<Bool>(false)
    private static let staleAfterNanos: UInt64 = 1_500_000_000

    /// Creates a monitor; call `start()`.
    public init(connectionString: String, health: HealthMonitor, logger: Logger) {
        self.connectionString = connectionString
        self.health = health
        self.logger = logger
    }

    /// Probes once, registers the `database` check and starts the probe thread.
    public func start() {
        let first = probeOnce(nil)
        first.connection?.close()
        health.register("database") { [self] in isReachable ? "ok" : "unreachable" }
        let thread = Thread { [self] in probeLoop() }
        thread.name = "db-health"
        thread.start()
    }

    /// Stops probing (the thread exits within one period).
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func probeLoop() {
        var connection: PostgresConnection?
        var wasOK = isReachable
        while !stopped.load(ordering: .relaxed) {
            let result = probeOnce(connection)
            connection = result.connection
            let ok = result.ok
            if ok != wasOK {
                if ok { logger.info("database reachable again") } else { logger.warning("database unreachable") }
                wasOK = ok
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        connection?.close()
    }

    private func probeOnce(_ existing: PostgresConnection?) -> (ok: Bool, connection: PostgresConnection?) {
        do {
            let connection = try existing ?? PostgresConnection(
                connectionString: connectionString,
                options: PostgresConnectionOptions(connectTimeout: .seconds(1), statementTimeout: .seconds(1), applicationName: "neonhub-health"))
            _ = try connection.query("SELECT 1 AS ok")
            lastSuccess.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            return (true, connection)
        } catch {
            existing?.close()
            return (false, nil)
        }
    }

    /// Whether the last success is recent (for callers that want to fail fast).
    public var isReachable: Bool {
        DispatchTime.now().uptimeNanoseconds - lastSuccess.load(ordering: .relaxed) < Self.staleAfterNanos
    }
}
