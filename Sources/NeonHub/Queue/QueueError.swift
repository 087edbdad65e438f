/// An error of the queue room: a stable `code` and a message safe to show.
public struct QueueError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// No such job for this tenant.
        case jobNotFound
        /// `runAt` or `timeZone` cannot be understood (an unknown IANA zone, a local time
        /// that does not exist, a malformed date).
        case invalidSchedule
        /// The job is in a state that does not allow the operation (retrying a job that is not
        /// in the dead-letter queue, cancelling one that already ran).
        case invalidState
        /// The idempotency key is already used by a different job of this tenant.
        case idempotencyConflict
        /// The job cannot be scheduled as given (no such connection, wrong connector, no action).
        case invalidJob
    }

    /// The kind of failure.
    public var code: Code
    /// Safe to show.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
