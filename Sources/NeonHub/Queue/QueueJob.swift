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

    /// A row whose first columns are `columns`, read in that order.
    init(row: PostgresRow) throws {
        var column = PostgresRowCursor(row)
        id = try column.next("id", as: UUID.self)
        tenantID = try column.next("tenant_id", as: String.self)
        kind = JobKind(rawValue: try column.next("kind", as: String.self)) ?? .action
        status = JobStatus(rawValue: try column.next("status", as: String.self)) ?? .queued
        connectionID = try column.next("connection_id", as: UUID?.self)
        connector = try column.next("connector", as: String?.self)
        action = try column.next("action", as: String?.self)
        accountID = try column.next("account_id", as: String?.self)
        draftID = try column.next("draft_id", as: UUID?.self)
        runID = try column.next("run_id", as: UUID?.self)
        webhookEventID = try column.next("webhook_event_id", as: UUID?.self)
        payload = try Self.json(column.next("payload", as: String?.self)) ?? .object([:])
        idempotencyKey = try column.next("idempotency_key", as: String.self)
        contentHash = try column.next("content_hash", as: String?.self)
        runAfter = try column.next("run_after", as: Date.self)
        timeZone = try column.next("time_zone", as: String?.self)
        attempts = try column.next("attempts", as: Int.self)
        maxAttempts = try column.next("max_attempts", as: Int.self)
        waitReason = try column.next("wait_reason", as: String?.self)
        lastError = try Self.json(column.next("last_error", as: String?.self))
        lastRequest = try Self.json(column.next("last_request", as: String?.self))
        lastResponse = try Self.json(column.next("last_response", as: String?.self))
        dlqReason = try column.next("dlq_reason", as: String?.self)
        remoteID = try column.next("remote_id", as: String?.self)
        remoteURL = try column.next("remote_url", as: String?.self)
        result = try Self.json(column.next("result", as: String?.self))
        traceParent = try column.next("trace_parent", as: String?.self)
        createdAt = try column.next("created_at", as: Date.self)
        updatedAt = try column.next("updated_at", as: Date.self)
        startedAt = try column.next("started_at", as: Date?.self)
        finishedAt = try column.next("finished_at", as: Date?.self)
    }

    /// A jsonb column selected as text, parsed with our own parser.
    static func json(_ row: PostgresRow, _ column: String) throws -> JSONValue? {
        try json(row.decode(column, as: String?.self))
    }

    /// `text` (a jsonb column selected as text, or NULL) parsed with our own parser.
    static func json(_ text: String?) throws -> JSONValue? {
        guard let text else { return nil }
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
