/// An error the agents room throws to its callers (the orchestrator and the run store): a
/// stable `code`, a message safe to show, and when a retry makes sense.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// No agent has that name.
        case unknownAgent
        /// No agent handles that intent.
        case unknownIntent
        /// The named agent does not handle the intent given with it.
        case intentNotHandled
        /// Neither an agent nor an intent was given.
        case agentOrIntentRequired
        /// The agent's circuit breaker is open.
        case circuitOpen
        /// No such run for this tenant (other tenants' runs look the same).
        case runNotFound
        /// The idempotency key belongs to a run that cannot be returned.
        case idempotencyKeyInUse
    }

    /// The kind of failure.
    public var code: Code
    /// Safe to show: no input values beyond short names.
    public var message: String
    /// Seconds after which a retry makes sense, if any.
    public var retryAfterSeconds: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
