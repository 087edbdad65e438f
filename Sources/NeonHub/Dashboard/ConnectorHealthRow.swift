public import Foundation
import Postgres

/// One row of `api_connector_health_summary`: a tenant's connections to one connector and how
/// healthy they have been over the last 24 hours.
public struct ConnectorHealthRow: Encodable, Sendable {
    public var connector: String
    public var connectionsTotal: Int
    public var connectionsActive: Int
    public var connectionsAttention: Int
    public var connectionsRevoked: Int
    public var lastHealthCheck: Date?
    public var healthChecks24h: Int
    /// Successful checks ÷ checks over 24 h; nil without checks.
    public var healthOkRatio24h: Double?
    /// Failed connector action calls plus failed publish attempts over 24 h.
    public var failedRequests24h: Int

    init(_ row: PostgresRow) throws {
        connector = try row.decode("connector")
        connectionsTotal = try row.decode("connections_total")
        connectionsActive = try row.decode("connections_active")
        connectionsAttention = try row.decode("connections_attention")
        connectionsRevoked = try row.decode("connections_revoked")
        lastHealthCheck = try row.decode("last_health_check")
        healthChecks24h = try row.decode("health_checks_24h")
        healthOkRatio24h = try row.decode("health_ok_ratio_24h")
        failedRequests24h = try row.decode("failed_requests_24h")
    }
}
