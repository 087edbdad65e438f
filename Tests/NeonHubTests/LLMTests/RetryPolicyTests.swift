import Foundation
import Testing
@testable import NeonHub

extension LLMTests {
    /// Backoff arithmetic, `Retry-After` parsing and secret redaction.
    @Suite struct RetryPolicyTests {
        @Test func retryAfterAcceptsSecondsAndHTTPDates() {
            #expect(RetryPolicy.parseRetryAfter("1") == .seconds(1))
            #expect(RetryPolicy.parseRetryAfter(" 2.5 ") == .milliseconds(2500))
            #expect(RetryPolicy.parseRetryAfter("soon") == nil)
            #expect(RetryPolicy.parseRetryAfter(nil) == nil)
            #expect(RetryPolicy.parseRetryAfter("-3") == nil)
            let now = Date(timeIntervalSince1970: 1_700_000_000) // Tue, 14 Nov 2023 22:13:20 GMT
            #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == .seconds(10))
        }

        @Test func serverDelaysWinButAreCappedAt30Seconds() {
            let policy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(100))
            #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(1)) == .seconds(1))
            #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(120)) == .seconds(30))
        }

        @Test func backoffGrowsExponentiallyWithBoundedJitter() {
            let policy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(100))
            for _ in 0..<50 {
                let first = policy.delay(beforeRetry: 0, retryAfter: nil)
                let third = policy.delay(beforeRetry: 2, retryAfter: nil)
                #expect(first >= .milliseconds(100) && first <= .milliseconds(150))
                #expect(third >= .milliseconds(400) && third <= .milliseconds(600))
            }
            #expect(policy.delay(beforeRetry: 20, retryAfter: nil) == .seconds(30))
        }

        @Test func onlyRateLimitsAndServerErrorsAreRetryable() {
            #expect(RetryPolicy.isRetryable(status: 429))
            #expect(RetryPolicy.isRetryable(status: 500))
            #expect(RetryPolicy.isRetryable(status: 503))
            #expect(!RetryPolicy.isRetryable(status: 400))
            #expect(!RetryPolicy.isRetryable(status: 401))
            #expect(!RetryPolicy.isRetryable(status: 404))
        }

        @Test func redactionRemovesTheKeyAndKeyShapedTokens() {
            let redactor = SecretRedactor(secret: "sk-proj-abcdef0123456789")
            let cleaned = redactor.clean("Incorrect API key provided: sk-proj-abcdef0123456789. Also sk-live-zzzzzzzzzz here")
            #expect(!cleaned.contains("abcdef0123456789"))
            #expect(!cleaned.contains("zzzzzzzzzz"))
            #expect(cleaned.hasPrefix("Incorrect API key provided: [redacted]"))
            let long = SecretRedactor(secret: "k").clean(String(repeating: "x", count: 1000))
            #expect(long.count == 301)
        }
    }
}
