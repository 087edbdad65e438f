public import Foundation
import Postgres

/// One row of `api_health_check_trends`: a tenant's health checks of one connector in one
/// UTC hour of the last 7 days.
public struct HealthCheckTrendRow: Encodable, Sendable {
    public var connector: String
    /// The start of the hour.
    public var hour: Date
    public var checks: Int
    public var ok: Int
    public var errors: Int
    /// Over checks that recorded a latency; nil when none did.
    public var avgLatencyMs: Double?
    public var p95LatencyMs: Double?

    init(_ row: PostgresRow) throws {
        connector = try row.decode("connector")
        hour = try row.decode("hour")
        checks = try row.decode("checks")
        ok = try row.decode("ok")
        errors = try row.decode("errors")
        avgLatencyMs = try row.decode("avg_latency_ms")
        p95LatencyMs = try row.decode("p95_latency_ms")
    }
}
