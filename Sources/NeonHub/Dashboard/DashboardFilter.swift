public import Foundation

/// What a dashboard query narrows its view to, besides the tenant (which always comes from
/// the caller): a connector, a time range and a row limit.
public struct DashboardFilter: Sendable {
    /// Only this connector's rows.
    public var connector: String?
    /// Rows at or after this instant (for day views: from this instant's UTC day).
    public var from: Date?
    /// Rows before this instant (for day views: up to and including this instant's UTC day).
    public var to: Date?
    /// At most this many rows.
    public var limit: Int

    /// The most rows one call returns.
    public static let maxLimit = 500
    /// The rows one call returns when it does not say.
    public static let defaultLimit = 100

    /// A filter; the limit is clamped to 1…`maxLimit`.
    public init(connector: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int? = nil) {
        self.connector = connector
        self.from = from
        self.to = to
        self.limit = min(max(limit ?? Self.defaultLimit, 1), Self.maxLimit)
    }
}
