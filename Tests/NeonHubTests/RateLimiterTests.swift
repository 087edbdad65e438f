import Testing
@testable import NeonHub

@Suite struct RateLimiterTests {
    @Test func bucketRefillsAtTheConfiguredRate() {
        let clock = ManualClock()
        let limiter = RateLimiter(perMinute: 60) { clock.now }
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
