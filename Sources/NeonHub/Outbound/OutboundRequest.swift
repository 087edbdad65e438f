public import Foundation
public import HTTPFields

/// One outbound HTTP call as a caller describes it: what to send, how to label it in metrics
/// and records, whether it may be repeated, how long it may take, and which values are secret.
public struct OutboundRequest: Sendable {
    /// Whether the request may be sent more than once.
    public enum RetrySafety: Sendable, Equatable {
        /// Idempotent methods are, others only with an `Idempotency-Key` header.
        case byMethod
        /// Repeating it is harmless (the caller knows: e.g. the provider deduplicates it).
        case safe
        /// Never repeat it, whatever the method.
        case never
    }

    /// Reads the provider's own error message from an error body (e.g. `error.message`).
    public typealias MessageReader = @Sendable (Data) -> String?

    /// Reads a provider's own rate-limit answer from a 429's headers and body.
    public typealias RateLimitReader = @Sendable (HTTPHeaders, Data) -> RateLimitSignal?

    /// Whether an error answer (status and headers) is one the provider says to repeat although
    /// its status is final (Opsgenie's 404 with `X-Opsgenie-Errortype: RequestNotProcessed`).
    public typealias RepeatableAnswer = @Sendable (Int, HTTPHeaders) -> Bool

    /// `GET`, `POST`, ….
    public var method: String
    /// The full URL, query included.
    public var url: URL
    /// The route as documented, without values (`/v19.0/{page-id}/feed`): the metrics label.
    public var urlTemplate: String
    /// Who is calling, for metrics and tool-execution records.
    public var labels: OutboundLabels
    /// Headers to send; `User-Agent` and `traceparent` are added when absent.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: Data?
    /// Whether the request may be repeated.
    public var retry: RetrySafety
    /// The `traceparent` to send as is; when `nil`, a child span of `TraceContext.current`
    /// (or a new trace outside any request or job).
    public var traceParent: TraceParent?
    /// Overall deadline across attempts and pauses; `nil` takes the client's.
    public var deadline: Duration?
    /// Bound for each attempt; `nil` takes the client's.
    public var attemptTimeout: Duration?
    /// Values to remove from anything logged or thrown (tokens, keys, client secrets).
    /// Credentials in the `Authorization` header and in the query are removed without this.
    public var secrets: [String]
    /// Reads the provider's message from an error body, for `OutboundError.message`.
    public var messageReader: MessageReader?
    /// Reads the wait and the limit's scope from a 429 where the provider says more than
    /// `Retry-After`; its wait replaces the header's (for the retry pause and `resetAt`).
    public var rateLimitReader: RateLimitReader?
    /// Error answers to treat as retryable (repeated like a 5xx when the request may be).
    public var repeatableAnswer: RepeatableAnswer?
    /// A response header with the provider's message, read when `messageReader` finds none in
    /// the body (BambooHR's `X-BambooHR-Error-Message`, whose error bodies are empty).
    public var messageHeader: String?
    /// Called for each attempt of this request only (e.g. to build the run's tool-execution
    /// record), after the client's own hook (metrics).
    public var hook: OutboundHook?
    /// The TLS client certificate to present (mutual TLS); its key is also redacted.
    public var clientIdentity: TLSClientIdentity?
    /// Statuses outside 2xx that this request takes as answers rather than failures (Google's
    /// resumable uploads answer `308 Resume Incomplete` with a `Range` header). Empty: only 2xx.
    public var acceptedStatuses: Set<Int> = []
    /// Whether the transport follows redirects itself (at most 5). Off for a fetch that must
    /// check each hop before going there (media from a URL a user gave: a redirect to a private
    /// address is refused); then a 3xx comes back as the answer, if it is accepted.
    public var followsRedirects = true

    /// Creates a request.
    public init(
        method: String, url: URL, urlTemplate: String, labels: OutboundLabels,
        headers: HTTPHeaders = HTTPHeaders(), body: Data? = nil, retry: RetrySafety = .byMethod,
        traceParent: TraceParent? = nil, deadline: Duration? = nil, attemptTimeout: Duration? = nil,
        secrets: [String] = [], messageReader: MessageReader? = nil, hook: OutboundHook? = nil
    ) {
        self.method = method
        self.url = url
        self.urlTemplate = urlTemplate
        self.labels = labels
        self.headers = headers
        self.body = body
        self.retry = retry
        self.traceParent = traceParent
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
        self.secrets = secrets
        self.messageReader = messageReader
        self.hook = hook
    }
}

/// The connector and action an outbound call is made for (small fixed sets: metric labels).
public struct OutboundLabels: Sendable, Equatable, Hashable {
    /// Connector id (`meta`, `stripe`) or service (`openai`).
    public var connector: String
    /// Action name (`publishPost`, `chat.completions`).
    public var action: String

    /// Creates labels.
    public init(connector: String, action: String) {
        self.connector = connector
        self.action = action
    }
}
