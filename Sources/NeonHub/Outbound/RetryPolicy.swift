/// Which failed attempts are tried again, and after how long.
///
/// A request is retried only when it is safe to repeat: its method is idempotent, or the
/// caller says so (`OutboundRequest.retry = .safe`, or an `Idempotency-Key` header). Then
/// the statuses in `retryableStatuses`, timeouts and network failures are retried up to
/// `maxRetries` times. The pause is the server's `Retry-After` when it sent one — unless that
/// exceeds `retryAfterCap`: such a wait is not made, and the error goes back to the caller
/// with its reset time so that a queue can re-schedule — otherwise `backoff`.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// The pause when the server named none.
    public var backoff: Backoff
    /// The longest `Retry-After` that is waited for (DESIGN §6 `RETRY_AFTER_CAP`).
    public var retryAfterCap: Duration
    /// Statuses worth another attempt.
    public var retryableStatuses: Set<Int>
    /// Whether timeouts are retried (the request may have been processed: only safe requests are).
    public var retriesTimeouts: Bool
    /// Whether network failures are retried.
    public var retriesNetworkFailures: Bool
    /// Methods that may be repeated without asking the caller (RFC 9110 §9.2.2).
    public var idempotentMethods: Set<String>

    /// 408, 429 and 5xx except 501 and 505 (which no retry fixes).
    public static let defaultRetryableStatuses: Set<Int> = Set([408, 429]).union(Set(500...599).subtracting([501, 505]))

    /// Creates a policy; the defaults suit a connector call.
    public init(
        maxRetries: Int = 3, backoff: Backoff = Backoff(), retryAfterCap: Duration = .seconds(60),
        retryableStatuses: Set<Int> = RetryPolicy.defaultRetryableStatuses,
        retriesTimeouts: Bool = true, retriesNetworkFailures: Bool = true,
        idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]
    ) {
        self.maxRetries = max(0, maxRetries)
        self.backoff = backoff
        self.retryAfterCap = retryAfterCap
        self.retryableStatuses = retryableStatuses
        self.retriesTimeouts = retriesTimeouts
        self.retriesNetworkFailures = retriesNetworkFailures
        self.idempotentMethods = idempotentMethods
    }

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Equatable {
        /// Try again after this pause.
        case retry(after: Duration)
        /// Give up: the failure goes back to the caller.
        case stop
    }

    /// A failed attempt, as the policy sees it.
    public struct Failure: Sendable, Equatable {
        /// The class of the failure.
        public var code: OutboundError.Code
        /// The status, when the server answered.
        public var status: Int?
        /// The server's `Retry-After`, if it sent one.
        public var retryAfter: Duration?
        /// The provider said to repeat this answer although its status is final
        /// (`OutboundRequest.repeatableAnswer`).
        public var repeatable = false
        /// Sending it again within the call cannot help whatever its class (a provider
        /// certificate we cannot verify): never retried.
        public var final = false

        /// Creates a failure description.
        public init(
            code: OutboundError.Code, status: Int? = nil, retryAfter: Duration? = nil, repeatable: Bool = false, final: Bool = false
        ) {
            self.code = code
            self.status = status
            self.retryAfter = retryAfter
            self.repeatable = repeatable
            self.final = final
        }
    }

    /// Whether a request may be repeated at all.
    public func allowsRetry(method: String, safety: OutboundRequest.RetrySafety, hasIdempotencyKey: Bool) -> Bool {
        switch safety {
        case .safe: return true
        case .never: return false
        case .byMethod: return hasIdempotencyKey || idempotentMethods.contains(method.uppercased())
        }
    }

    /// Whether this failure is worth another attempt (ignoring counts and deadlines).
    public func isRetryable(_ failure: Failure) -> Bool {
        if failure.final { return false }
        if failure.repeatable { return true }
        if let status = failure.status { return retryableStatuses.contains(status) }
        switch failure.code {
        case .timeout: return retriesTimeouts
        case .network: return retriesNetworkFailures
        default: return false
        }
    }

    /// The decision after `retriesDone` retries ended in `failure`, for a request that
    /// `mayRetry`, with `remaining` time before the overall deadline (`nil`: none).
    public func decide(
        after failure: Failure, retriesDone: Int, mayRetry: Bool, remaining: Duration?,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        guard mayRetry, retriesDone < maxRetries, isRetryable(failure) else { return .stop }
        let pause: Duration
        if let retryAfter = failure.retryAfter {
            guard retryAfter <= retryAfterCap else { return .stop }
            pause = retryAfter
        } else {
            pause = backoff.delay(beforeRetry: retriesDone, using: &generator)
        }
        if let remaining, pause >= remaining { return .stop }
        return .retry(after: pause)
    }
}
