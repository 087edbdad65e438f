/// The client's limits and defaults, each overridable per request where it makes sense.
public struct OutboundConfiguration: Sendable {
    /// Bound for each attempt, unless the request names its own.
    public var attemptTimeout: Duration
    /// Overall deadline across attempts and pauses, unless the request names its own;
    /// `nil`: only each attempt is bounded.
    public var deadline: Duration?
    /// What is retried, and after how long.
    public var retry: RetryPolicy
    /// The `User-Agent` sent when the request has none.
    public var userAgent: String
    /// Longest response-body excerpt kept in an error (characters, after redaction).
    public var bodyExcerptLength: Int

    /// Creates a configuration; the defaults suit a connector call.
    public init(
        attemptTimeout: Duration = .seconds(30), deadline: Duration? = .seconds(120),
        retry: RetryPolicy = RetryPolicy(), userAgent: String = "NeonHub/\(NeonHubVersion.current)",
        bodyExcerptLength: Int = 300
    ) {
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
        self.retry = retry
        self.userAgent = userAgent
        self.bodyExcerptLength = bodyExcerptLength
    }
}
