public import Foundation
import Postgres

/// One row of `publish_jobs` as the queue and its procedures see it.
public struct QueueJob: Sendable {
    public var id: UUID
    public var tenantID: String
    public var kind: JobKind
    public var status: JobStatus
    public var connectionID: UUID?
    public var connector: String?
    public var action: String?
    public var accountID: String?
    public var draftID: UUID?
    /// The agent run that scheduled the job, if any.
    public var runID: UUID?
    public var webhookEventID: UUID?
    /// `{input: …}` for connector jobs.
    public var payload: JSONValue
    public var idempotencyKey: String
    public var contentHash: String?
    public var runAfter: Date
    public var timeZone: String?
    public var attempts: Int
    public var maxAttempts: Int
    /// Why a job that could run does not yet (`backoff`, `retry_after`, `quota`…).
    public var waitReason: String?
    public var lastError: JSONValue?
    public var lastRequest: JSONValue?
    public var lastResponse: JSONValue?
    public var dlqReason: String?
    public var remoteID: String?
    public var remoteURL: String?
    public var result: JSONValue?
    public var traceParent: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// The columns every job query selects.
    static let columns = """
        id, tenant_id, kind, status, connection_id, connector, action, account_id, draft_id, run_id, webhook_event_id, payload::text AS payload,
        idempotency_key, content_hash, run_after, time_zone, attempts, max_attempts, wait_reason, last_error::text AS last_error,
        last_request::text AS last_request, last_response::text AS last_response, dlq_reason, remote_id, remote_url, result::text AS result,
        trace_parent, created_at, updated_at, started_at, finished_at, created_at::text AS created_text
        """

    /// A queued job that is not stored (the retry policy's tests).
    init(id: UUID = UUID(), tenantID: String, kind: JobKind, idempotencyKey: String, attempts: Int = 0, maxAttempts: Int) {
        self.id = id; self.tenantID = tenantID; self.kind = kind; status = .queued; payload = .object([:])
        self.idempotencyKey = idempotencyKey; runAfter = Date(); self.attempts = attempts; self.maxAttempts = maxAttempts
        createdAt = Date(); updatedAt = createdAt
    }

    init(row: PostgresRow) throws {
        id = try row.decode("id", as: UUID.self)
        tenantID = try row.decode("tenant_id", as: String.self)
        kind = JobKind(rawValue: try row.decode("kind", as: String.self)) ?? .action
        status = JobStatus(rawValue: try row.decode("status", as: String.self)) ?? .queued
        connectionID = try row.decode("connection_id", as: UUID?.self)
        connector = try row.decode("connector", as: String?.self)
        action = try row.decode("action", as: String?.self)
        accountID = try row.decode("account_id", as: String?.self)
        draftID = try row.decode("draft_id", as: UUID?.self)
        runID = try row.decode("run_id", as: UUID?.self)
        webhookEventID = try row.decode("webhook_event_id", as: UUID?.self)
        payload = try Self.json(row, "payload") ?? .object([:])
        idempotencyKey = try row.decode("idempotency_key", as: String.self)
        contentHash = try row.decode("content_hash", as: String?.self)
        runAfter = try row.decode("run_after", as: Date.self)
        timeZone = try row.decode("time_zone", as: String?.self)
        attempts = try row.decode("attempts", as: Int.self)
        maxAttempts = try row.decode("max_attempts", as: Int.self)
        waitReason = try row.decode("wait_reason", as: String?.self)
        lastError = try Self.json(row, "last_error")
        lastRequest = try Self.json(row, "last_request")
        lastResponse = try Self.json(row, "last_response")
        dlqReason = try row.decode("dlq_reason", as: String?.self)
        remoteID = try row.decode("remote_id", as: String?.self)
        remoteURL = try row.decode("remote_url", as: String?.self)
        result = try Self.json(row, "result")
        traceParent = try row.decode("trace_parent", as: String?.self)
        createdAt = try row.decode("created_at", as: Date.self)
        updatedAt = try row.decode("updated_at", as: Date.self)
        startedAt = try row.decode("started_at", as: Date?.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
    }

    /// A jsonb column selected as text, parsed with our own parser.
    static func json(_ row: PostgresRow, _ column: String) throws -> JSONValue? {
        guard let text = try row.decode(column, as: String?.self) else { return nil }
        return try JSONValue.parse(Array(text.utf8))
    }
}

/// One row of `publish_attempts`: what one claim of a job did.
public struct QueueAttempt: Sendable {
    public var attempt: Int
    public var worker: String
    /// `running`, `succeeded`, `retryable`, `rate_limited`, `permanent`, `unknown`,
    /// `reconciled_found`, `reconciled_missing`, `deferred` or `abandoned`.
    public var outcome: String
    public var httpStatus: Int?
    public var error: JSONValue?
    public var request: JSONValue?
    public var response: JSONValue?
    public var retryAfterSeconds: Int?
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int?

    init(row: PostgresRow) throws {
        attempt = try row.decode("attempt", as: Int.self)
        worker = try row.decode("worker", as: String.self)
        outcome = try row.decode("outcome", as: String.self)
        httpStatus = try row.decode("http_status", as: Int?.self)
        error = try QueueJob.json(row, "error")
        request = try QueueJob.json(row, "request")
        response = try QueueJob.json(row, "response")
        retryAfterSeconds = try row.decode("retry_after_seconds", as: Int?.self)
        startedAt = try row.decode("started_at", as: Date.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
        durationMs = try row.decode("duration_ms", as: Int?.self)
    }
}
