public import Foundation

/// One action to perform: which connector and action, with what input, as which account of
/// which connection (its variables and credentials), under which idempotency key.
public struct ConnectorCall: Sendable {
    /// The connector id (`meta`).
    public var connector: String
    /// The action id (`pages.list`).
    public var action: String
    /// The action's input (validated against its schema before anything is sent).
    public var input: JSONValue
    /// The account the call acts as (a Page id, an organization URN), if any.
    public var accountID: String?
    /// The connection's variables (`shop`, `dc`, instance URL…).
    public var variables: [String: String]
    /// Sent as the provider's idempotency header where the action declares one.
    public var idempotencyKey: String?
    /// In mock mode: the name of a fixture error to answer with.
    public var mockError: String?
    /// The connection the call acts for (set by `ConnectorService`): names its own webhook URL
    /// (`{{server.webhookUrl}}` of a connector whose URLs are per connection).
    public var connectionID: UUID?

    /// Creates a call.
    public init(
        connector: String, action: String, input: JSONValue = .object([:]), accountID: String? = nil,
        variables: [String: String] = [:], idempotencyKey: String? = nil, mockError: String? = nil
    ) {
        self.connector = connector
        self.action = action
        self.input = input
        self.accountID = accountID
        self.variables = variables
        self.idempotencyKey = idempotencyKey
        self.mockError = mockError
    }
}

/// What an action answered, with what it took.
public struct ConnectorResult: Sendable {
    /// The mapped output (for paginated reads: `{items, pages, truncated}`).
    public var output: JSONValue
    /// HTTP requests made (pages and retries included).
    public var attempts: Int
    /// Pages read (1 for a single request).
    public var pages: Int
    /// What the last response's headers said of the connection's rate-limit budget.
    public var rateLimit: RateLimitReading? = nil
}
