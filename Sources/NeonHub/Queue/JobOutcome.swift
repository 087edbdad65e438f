public import Foundation

/// What running a job came to; the worker turns it into the job's next state.
public enum JobOutcome: Sendable {
    /// Done. For a publish, the platform's id and URL of the post (stored in the same
    /// transaction that marks the job succeeded).
    case succeeded(result: JSONValue?, remoteID: String?, remoteURL: String?)
    /// Failed in a way a later attempt may fix (5xx, network, rate limit).
    case retry(JobFailure)
    /// Sent, and no answer: whether the effect happened is not known. Reconciled with the
    /// platform before anything else.
    case unknown(JobFailure)
    /// Will not get better by retrying: straight to the dead-letter queue.
    case permanent(JobFailure)
    /// Not attempted: waits until `until` (a quota window, a long `Retry-After`), or started and
    /// waiting for the provider to finish (`checkpoint`: members merged into the job's input so
    /// the next run resumes instead of starting over); not counted as an attempt.
    case deferred(until: Date, reason: String, checkpoint: [String: JSONValue]? = nil)
}

/// A failed attempt as stored: safe, redacted fields only.
public struct JobFailure: Sendable {
    /// A stable code (`providerUnavailable`, `providerRateLimited`…).
    public var code: String
    /// Safe to show.
    public var message: String
    /// The provider's HTTP status, when it answered.
    public var httpStatus: Int?
    /// What the provider asked us to wait, in seconds.
    public var retryAfterSeconds: Int?
    /// The redacted request that failed.
    public var request: JSONValue?
    /// The redacted response (or its excerpt).
    public var response: JSONValue?
    /// What lets the next attempt resume instead of starting over (TikTok's publish id when
    /// its status could not be read): merged into the job's payload like a deferral's.
    public var checkpoint: [String: JSONValue]?

    /// A failure.
    public init(
        code: String, message: String, httpStatus: Int? = nil, retryAfterSeconds: Int? = nil,
        request: JSONValue? = nil, response: JSONValue? = nil
    ) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfterSeconds = retryAfterSeconds
        self.request = request
        self.response = response
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let httpStatus { members["httpStatus"] = .number(Double(httpStatus)) }
        if let retryAfterSeconds { members["retryAfterSeconds"] = .number(Double(retryAfterSeconds)) }
        return .object(members)
    }
}

/// What a reconciliation found on the platform for a job whose outcome was unknown.
public enum ReconcileResult: Sendable, Equatable {
    /// The post exists: the job succeeded.
    case found(remoteID: String, remoteURL: String?)
    /// The post does not exist: the publish may be sent again.
    case missing
    /// This connector cannot look its posts up: a person must decide.
    case unsupported
    /// The post was not among the posts read, and the list was cut short (more posts since the
    /// job started than one reconciliation reads): a person must decide.
    case inconclusive
    /// The platform could not be asked now: ask again later.
    case unavailable
}

/// Runs the jobs of one or more kinds.
public protocol JobHandler: Sendable {
    /// Runs `job` (claimed, under a lease kept alive while this runs). A batch's jobs start one
    /// after the other on the worker's thread and run at once from their first wait, so `run`
    /// must not block (or compute for long) before it first awaits.
    func run(_ job: QueueJob) async -> JobOutcome
    /// For a job whose previous attempt's outcome is unknown (a timeout after sending, a
    /// worker that died mid-call): looks the effect up on the platform.
    func reconcile(_ job: QueueJob) async -> ReconcileResult
}

extension JobHandler {
    /// Kinds without side effects outside the database run again safely.
    public func reconcile(_ job: QueueJob) async -> ReconcileResult { .missing }
}
