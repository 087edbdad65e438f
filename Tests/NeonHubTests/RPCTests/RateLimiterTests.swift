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

    @Test func batchesPayPerCall() {
        let limiter = RateLimiter(perMinute: 10) { 0 }
        #expect(limiter.acquire("t", cost: 8) == nil)
        #expect(limiter.acquire("t", cost: 3) != nil)
        #expect(limiter.acquire("t", cost: 2) == nil)
    }
}
