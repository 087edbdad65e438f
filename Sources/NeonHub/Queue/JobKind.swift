/// What a queue job does (DESIGN §10). Raw values are stored in `publish_jobs.kind`.
public enum JobKind: String, Sendable, CaseIterable, Codable {
    /// Publishes a post through a connector action; exactly once.
    case publish
    /// Performs any other connector action.
    case action
    /// Refreshes the tokens that are due (recurring singleton).
    case tokenRefresh = "token_refresh"
    /// Checks the health of connections not checked for six hours (recurring singleton).
    case healthCheck = "health_check"
    /// Processes a stored webhook event (its trigger).
    case webhookEvent = "webhook_event"
    /// Deletes expired OAuth states and old webhook events (recurring singleton).
    case cleanup
    /// Polls the due polling triggers of active connections (recurring singleton).
    case triggerPoll = "trigger_poll"
}

/// Where a job is in its life (DESIGN §10). Raw values are stored in `publish_jobs.status`.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    /// Waiting for its `runAt`.
    case scheduled
    /// Ready to run.
    case queued
    /// Claimed by a worker (under a lease).
    case running
    /// Done.
    case succeeded
    /// Failed and waiting for its next attempt.
    case retrying
    /// Sent, outcome not known: reconciled with the platform before anything else.
    case unknown
    /// Out of attempts or not retryable: waits for a person.
    case dlq
    /// Cancelled by a user.
    case cancelled

    /// The statuses a worker may claim once `run_after` has passed.
    static let claimable: [JobStatus] = [.scheduled, .queued, .retrying, .unknown]
    /// Final statuses.
    var isFinal: Bool { self == .succeeded || self == .dlq || self == .cancelled }
}
