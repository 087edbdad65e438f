public import Foundation
import Postgres

/// One row of `api_recent_errors`: a failed publish attempt, a failed health check or a
/// connection waiting for a person. The message was redacted when it was written.
public struct RecentErrorRow: Encodable, Sendable {
    /// `<source>:<row id>`, stable across calls.
    public var id: String
    /// `publish_attempt`, `health_check` or `connection`.
    public var source: String
    public var connector: String?
    public var connectionId: UUID?
    public var jobId: UUID?
    /// The attempt's outcome, `health_check_failed` or `needs_attention`.
    public var code: String
    public var httpStatus: Int?
    public var message: String
    public var occurredAt: Date

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        source = try row.decode("source")
        connector = try row.decode("connector")
        connectionId = try row.decode("connection_id")
        jobId = try row.decode("job_id")
        code = try row.decode("code")
        httpStatus = try row.decode("http_status")
        message = try row.decode("message")
        occurredAt = try row.decode("occurred_at")
    }
}
