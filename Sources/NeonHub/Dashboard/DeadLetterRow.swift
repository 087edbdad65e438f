public import Foundation
import Postgres

/// One row of `api_dlq_status`: a dead-lettered job with what it takes to understand and
/// replay it (request and response were redacted when they were stored).
public struct DeadLetterRow: Encodable, Sendable {
    public var jobId: UUID
    public var kind: String
    public var connector: String?
    public var connectionId: UUID?
    public var connectionName: String?
    public var action: String?
    public var attempts: Int
    public var maxAttempts: Int
    public var dlqReason: String?
    public var lastError: JSONValue?
    public var lastRequest: JSONValue?
    public var lastResponse: JSONValue?
    public var idempotencyKey: String
    public var createdAt: Date
    public var deadLetteredAt: Date
    /// Seconds since the job was created.
    public var ageSeconds: Int64

    init(_ row: PostgresRow) throws {
        jobId = try row.decode("job_id")
        kind = try row.decode("kind")
        connector = try row.decode("connector")
        connectionId = try row.decode("connection_id")
        connectionName = try row.decode("connection_name")
        action = try row.decode("action")
        attempts = try row.decode("attempts")
        maxAttempts = try row.decode("max_attempts")
        dlqReason = try row.decode("dlq_reason")
        lastError = try row.decode("last_error", as: JSONValue?.self)
        lastRequest = try row.decode("last_request", as: JSONValue?.self)
        lastResponse = try row.decode("last_response", as: JSONValue?.self)
        idempotencyKey = try row.decode("idempotency_key")
        createdAt = try row.decode("created_at")
        deadLetteredAt = try row.decode("dead_lettered_at")
        ageSeconds = try row.decode("age_seconds")
    }
}
