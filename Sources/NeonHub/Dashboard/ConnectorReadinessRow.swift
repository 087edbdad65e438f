public import Foundation
import Postgres

/// One row of `api_connector_readiness`: a catalog connector and whether the tenant can use
/// it now.
public struct ConnectorReadinessRow: Encodable, Sendable {
    public var connector: String
    public var name: String
    public var category: String
    public var wave: String
    /// `stable`, `experimental` or `disabled`.
    public var availability: String
    public var authType: String
    public var connectionsActive: Int
    public var connectionsAttention: Int
    public var hasActiveConnection: Bool
    /// Not disabled, and at least one active connection.
    public var ready: Bool
    public var lastSuccessfulPublishAt: Date?

    init(_ row: PostgresRow) throws {
        connector = try row.decode("connector")
        name = try row.decode("name")
        category = try row.decode("category")
        wave = try row.decode("wave")
        availability = try row.decode("availability")
        authType = try row.decode("auth_type")
        connectionsActive = try row.decode("connections_active")
        connectionsAttention = try row.decode("connections_attention")
        hasActiveConnection = try row.decode("has_active_connection")
        ready = try row.decode("ready")
        lastSuccessfulPublishAt = try row.decode("last_successful_publish_at")
    }
}
