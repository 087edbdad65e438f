import Synchronization
import Testing
@testable import NeonHub

@Suite struct RateLimiterTests {
    final class FakeClock: Sendable {
        let now = Mutex(0.0)
        func advance(_ s: Double) { now.withLock { $0 += s } }
    }

    @Test func bucketRefillsAtTheConfiguredRate() {
        let clock = FakeClock()
        let limiter = RateLimiter(perMinute: 60) { clock.now.withLock { $0 } }
        for _ in 0..<60 { #expect(limiter.acquire("t") == nil) }
        #expect(limiter.acquire("t") == 1)
        #expect(limiter.acquire("other") == nil)
        clock.advance(1)
        #expect(limiter.acquire("t") == nil)
        #expect(limiter.acquire("t") != nil)
        clock.advance(120)
        for _ in 0..<60 { #expect(limiter.acquire("t") == nil) }
        #expect(limiter.acquire("t") != nil)
    }
}
