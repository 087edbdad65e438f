public import Foundation

/// An error of the connector room: a stable `code`, a message safe to show (it never holds
/// a token, a secret or a provider's raw body), and for provider errors what the provider
/// said in a form that has been redacted.
public struct ConnectorError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// No connector with that id in the catalog.
        case unknownConnector
        /// The connector has no action with that id.
        case unknownAction
        /// The connector is `disabled` in the catalog.
        case connectorDisabled
        /// No such connection for this tenant.
        case connectionNotFound
        /// The connection needs the user's attention (its token could not be refreshed).
        case connectionNeedsAttention
        /// The connection was revoked or disconnected.
        case connectionRevoked
        /// The action's input does not match its schema.
        case invalidInput
        /// An app-level setting the connector needs (e.g. `META_CLIENT_ID`) is not configured.
        case missingAppCredentials
        /// The provider refused the credentials (after one refresh, where one applies).
        case providerAuth
        /// The provider is rate-limiting us; `retryAfterSeconds` says when to come back.
        case providerRateLimited
        /// The provider refused the request for good (validation, permissions, policy).
        case providerRejected
        /// The provider failed or could not be reached; a retry may succeed.
        case providerUnavailable
        /// The provider did not answer in time; the outcome of a write is unknown.
        case providerTimeout
        /// The provider accepted the work and is still processing it (TikTok's publish status):
        /// nothing failed; ask again at `resumeAt`, from `checkpoint`, without redoing what was sent.
        case providerPending
        /// A stored secret could not be decrypted (a tampered row, a wrong key, a row moved).
        case vaultUnreadable
        /// The token vault is not configured (`TOKEN_VAULT_KEY`).
        case vaultNotConfigured
        /// A secret was sealed with a vault key this process does not have (a key rotation not
        /// yet rolled out to it): the server's setup, not the connection, so the connection is
        /// left as it is and another process (or this one, once configured) can still use it.
        case vaultKeyMissing
        /// A catalog definition is invalid.
        case invalidDefinition
    }

    /// The kind of failure.
    public var code: Code
    /// Safe to show.
    public var message: String
    /// Seconds after which a retry makes sense, if known.
    public var retryAfterSeconds: Int?
    /// The provider's own error code, when it sent one (e.g. Meta `190`).
    public var providerCode: String?
    /// Further lines, one per problem (every invalid field of every catalog file).
    public var details: [String]
    /// For `providerRateLimited`: when the provider expects us back, to the precision it gave.
    public var resetAt: Date?
    /// For `providerRateLimited`: which limit was hit, as the provider names it (Discord `global`, `user`, `shared`).
    public var rateLimitScope: String?
    /// For `providerPending`: when asking again makes sense.
    public var resumeAt: Date?
    /// For `providerPending`: input members that let the same action resume instead of
    /// starting over (TikTok's `publish_id`); the queue merges them into the job's input.
    public var checkpoint: [String: JSONValue]?

    /// Creates an error.
    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil, providerCode: String? = nil, details: [String] = []) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.providerCode = providerCode
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
