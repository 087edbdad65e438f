/// What one attempt of an outbound call did: the record handed to the client's hook, for
/// metrics (latency, retries per connector and action) and for tool-execution records.
public struct OutboundAttempt: Sendable, Equatable {
    /// Who called.
    public var labels: OutboundLabels
    /// The request method.
    public var method: String
    /// The route template (never the raw URL).
    public var urlTemplate: String
    /// 1 for the first attempt.
    public var number: Int
    /// The status, when the server answered.
    public var status: Int?
    /// How long the attempt took.
    public var duration: Duration
    /// The class of the failure; `nil` when the attempt succeeded.
    public var errorCode: OutboundError.Code?
    /// The pause before the next attempt; `nil` when no attempt follows.
    public var retryDelay: Duration?

    /// Creates a record.
    public init(
        labels: OutboundLabels, method: String, urlTemplate: String, number: Int, status: Int?,
        duration: Duration, errorCode: OutboundError.Code?, retryDelay: Duration?
    ) {
        self.labels = labels
        self.method = method
        self.urlTemplate = urlTemplate
        self.number = number
        self.status = status
        self.duration = duration
        self.errorCode = errorCode
        self.retryDelay = retryDelay
    }
}

/// Called once per attempt, on the calling task, after the attempt ended (a cancelled attempt
/// is not reported). Keep it fast: it runs before the next attempt is scheduled.
public typealias OutboundHook = @Sendable (OutboundAttempt) -> Void
