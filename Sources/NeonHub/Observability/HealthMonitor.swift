import Foundation
import Synchronization

/// The state behind `GET /health`: named checks refreshed by background monitors (never by
/// the request itself), the version and the uptime.
public final class HealthMonitor: Sendable {
    /// The version reported by `/health`.
    public let version: String
    private let started = ContinuousClock.now
    private let checks = Mutex<[String: String]>([:])
    private let probes = Mutex<[String: @Sendable () -> String]>([:])

    /// Creates a monitor with no checks.
    public init(version: String) {
        self.version = version
    }

    /// Records the latest result of a check (`ok` when healthy).
    public func set(_ check: String, _ status: String) {
        checks.withLock { $0[check] = status }
    }

    /// Removes a check that no longer applies (the start-time migrations, once applied).
    public func clear(_ check: String) {
        checks.withLock { $0[check] = nil }
    }

    /// Registers a check evaluated on every report; it must be cheap and non-blocking
    /// (read state that a background monitor maintains).
    public func register(_ check: String, _ evaluate: @escaping @Sendable () -> String) {
        probes.withLock { $0[check] = evaluate }
    }

    /// The current value of a check.
    public func status(of check: String) -> String? {
        if let probe = probes.withLock({ $0[check] }) { return probe() }
        return checks.withLock { $0[check] }
    }

    /// Every check and its current value (probes evaluated now), for `/metrics`.
    public func snapshot() -> [String: String] {
        var current = checks.withLock { $0 }
        for (name, probe) in probes.withLock({ $0 }) { current[name] = probe() }
        return current
    }

    /// Status code and JSON body: 200 `ok` when every check is `ok`, else 503 `degraded`.
    public func report() -> (status: Int, body: [UInt8]) {
        let current = snapshot()
        let healthy = current.values.allSatisfy { $0 == "ok" }
        let uptime = (ContinuousClock.now - started).components.seconds
        var body = "{\"status\":\"\(healthy ? "ok" : "degraded")\",\"checks\":{"
        body += current.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        body += "},\"version\":\"\(version)\",\"uptimeSeconds\":\(uptime)}"
        return (healthy ? 200 : 503, Array(body.utf8))
    }
}
