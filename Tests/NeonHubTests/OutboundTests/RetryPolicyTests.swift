import Foundation
import Testing

@testable import NeonHub

extension OutboundTests {
    /// Which failures are retried, for which requests, after how long (moved from LLMTests and
    /// extended: the 30-s clamp became a cap above which no wait is made).
    @Suite struct RetryPolicyTests {
        var generator = SystemRandomNumberGenerator()

        mutating func decide(
            _ policy: RetryPolicy, _ failure: RetryPolicy.Failure, retriesDone: Int = 0,
            mayRetry: Bool = true, remaining: Duration? = nil
        ) -> RetryPolicy.Decision {
            policy.decide(after: failure, retriesDone: retriesDone, mayRetry: mayRetry, remaining: remaining, using: &generator)
        }

        @Test mutating func aFinalFailureIsNeverRetriedWhateverItsClass() {
            let policy = RetryPolicy(maxRetries: 3, backoff: Backoff(base: .milliseconds(100)))
            #expect(decide(policy, .init(code: .network)) != .stop)
            #expect(decide(policy, .init(code: .network, final: true)) == .stop)
            #expect(decide(policy, .init(code: .retryable, status: 503, repeatable: true, final: true)) == .stop)
        }

        @Test mutating func serverDelaysWinUpToTheCapAndLongerOnesAreNotWaitedFor() {
            let policy = RetryPolicy(maxRetries: 3, backoff: Backoff(base: .milliseconds(100)), retryAfterCap: .seconds(30))
            #expect(decide(policy, .init(code: .rateLimited, status: 429, retryAfter: .seconds(1))) == .retry(after: .seconds(1)))
            #expect(decide(policy, .init(code: .rateLimited, status: 429, retryAfter: .seconds(30))) == .retry(after: .seconds(30)))
            #expect(decide(policy, .init(code: .rateLimited, status: 429, retryAfter: .seconds(120))) == .stop)
            #expect(decide(policy, .init(code: .retryable, status: 503, retryAfter: .seconds(31))) == .stop)
            #expect(RetryPolicy().retryAfterCap == .seconds(60))
        }

        @Test mutating func aPauseThatWouldPassTheDeadlineIsNotTaken() {
            let policy = RetryPolicy(backoff: Backoff(base: .milliseconds(100), jitter: .none))
            #expect(decide(policy, .init(code: .retryable, status: 500), remaining: .seconds(1)) == .retry(after: .milliseconds(100)))
            #expect(decide(policy, .init(code: .retryable, status: 500), remaining: .milliseconds(50)) == .stop)
            #expect(decide(policy, .init(code: .rateLimited, status: 429, retryAfter: .seconds(2)), remaining: .seconds(1)) == .stop)
        }

        @Test mutating func retriesStopAfterMaxRetries() {
            let policy = RetryPolicy(maxRetries: 2, backoff: Backoff(jitter: .none))
            #expect(decide(policy, .init(code: .retryable, status: 502), retriesDone: 1) != .stop)
            #expect(decide(policy, .init(code: .retryable, status: 502), retriesDone: 2) == .stop)
        }

        @Test func onlyRateLimitsTimeoutsAndServerErrorsAreRetryable() {
            let policy = RetryPolicy()
            for status in [408, 429, 500, 502, 503, 504] {
                #expect(policy.isRetryable(.init(code: OutboundError.code(forStatus: status) ?? .permanent, status: status)), "\(status)")
            }
            for status in [400, 401, 403, 404, 409, 422, 501, 505] {
                #expect(!policy.isRetryable(.init(code: OutboundError.code(forStatus: status) ?? .permanent, status: status)), "\(status)")
            }
            #expect(policy.isRetryable(.init(code: .timeout)))
            #expect(policy.isRetryable(.init(code: .network)))
            #expect(!RetryPolicy(retriesTimeouts: false).isRetryable(.init(code: .timeout)))
            #expect(!RetryPolicy(retryableStatuses: [503]).isRetryable(.init(code: .retryable, status: 500)))
        }

        @Test func idempotentMethodsRetryAndPostOnlyWhenTheCallerSaysItIsSafe() {
            let policy = RetryPolicy()
            for method in ["GET", "get", "HEAD", "PUT", "DELETE", "OPTIONS"] {
                #expect(policy.allowsRetry(method: method, safety: .byMethod, hasIdempotencyKey: false), "\(method)")
            }
            #expect(!policy.allowsRetry(method: "POST", safety: .byMethod, hasIdempotencyKey: false))
            #expect(!policy.allowsRetry(method: "PATCH", safety: .byMethod, hasIdempotencyKey: false))
            #expect(policy.allowsRetry(method: "POST", safety: .byMethod, hasIdempotencyKey: true))
            #expect(policy.allowsRetry(method: "POST", safety: .safe, hasIdempotencyKey: false))
            #expect(!policy.allowsRetry(method: "GET", safety: .never, hasIdempotencyKey: true))
        }

        @Test mutating func aRequestThatMayNotBeRepeatedIsNeverRetried() {
            #expect(decide(RetryPolicy(), .init(code: .retryable, status: 503), mayRetry: false) == .stop)
            #expect(decide(RetryPolicy(), .init(code: .rateLimited, status: 429, retryAfter: .zero), mayRetry: false) == .stop)
        }
    }
}
