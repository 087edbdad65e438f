public import Foundation
import Postgres

/// One row of `api_token_health`: a connection's token expiry and refresh state (never the
/// token itself).
public struct TokenHealthRow: Encodable, Sendable {
    public var connectionId: UUID
    public var connector: String
    public var name: String
    /// `active` or `attention` (revoked connections are not listed).
    public var status: String
    public var tokenExpiresAt: Date?
    /// Negative once expired; nil without an expiry.
    public var secondsUntilExpiry: Int64?
    public var nextRefreshAt: Date?
    public var lastRefreshAt: Date?
    public var refreshFailures: Int
    public var hasRefreshToken: Bool
    /// `ok`, `expiring` (within 24 h), `expired`, `attention` or `no_expiry`.
    public var state: String

    init(_ row: PostgresRow) throws {
        connectionId = try row.decode("connection_id")
        connector = try row.decode("connector")
        name = try row.decode("name")
        status = try row.decode("status")
        tokenExpiresAt = try row.decode("token_expires_at")
        secondsUntilExpiry = try row.decode("seconds_until_expiry")
        nextRefreshAt = try row.decode("next_refresh_at")
        lastRefreshAt = try row.decode("last_refresh_at")
        refreshFailures = try row.decode("refresh_failures")
        hasRefreshToken = try row.decode("has_refresh_token")
        state = try row.decode("state")
    }
}
