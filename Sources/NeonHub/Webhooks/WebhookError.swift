/// A failure of the webhooks room (DESIGN §1 error model): a stable `code` and a `message`
/// safe to show a caller. Neither ever holds a secret, a signature or a payload.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable for callers and tests.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// `/webhooks/<connector>` names no connector that receives webhooks.
        case unknownConnector
        /// The connector's webhook secret is not configured on this server.
        case notConfigured
        /// The signature header (or the Mailchimp URL secret) is absent or unreadable.
        case missingSignature
        /// The signature does not match the body under any configured secret.
        case invalidSignature
        /// The signed timestamp is outside the provider's tolerance (a replay, or a skewed clock).
        case staleTimestamp
        /// The body is signed but not in the provider's format.
        case malformedPayload
        /// `process(eventRowID:)` was given an id no stored event has.
        case eventNotFound
        /// A trigger's run failed for a passing reason (the event's job is retried).
        case agentRunFailed
        /// `configs/triggers.json` (or `TRIGGERS_FILE`) is missing or invalid.
        case invalidTriggers
    }

    /// The stable code.
    public var code: Code
    /// A short explanation without secrets or payload data.
    public var message: String

    /// An error with a code and a safe message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `webhook <code>: <message>`.
    public var description: String { "webhook \(code.rawValue): \(message)" }
}
