import Testing

@testable import NeonHub

@Suite struct CircuitBreakerTests {
    @Test func opensHalfOpensAndCloses() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(failureThreshold: 3, coolDown: .seconds(10)) { clock.now }
        for _ in 0..<2 { #expect(breaker.allowRun()); breaker.recordFailure() }
        #expect(breaker.state == .closed)
        #expect(breaker.allowRun())
        #expect(breaker.recordFailure())  // the third consecutive failure opens it
        #expect(breaker.state == .open)
        #expect(!breaker.allowRun())
        clock.advance(10)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.allowRun())  // the one probe
        #expect(!breaker.allowRun())  // no second probe while it runs
        breaker.recordFailure()  // the probe failed: open again
        #expect(breaker.state == .open)
        clock.advance(10)
        #expect(breaker.allowRun())
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
    }

    @Test func aProbeThatNeverRanIsGivenBack() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(failureThreshold: 1, coolDown: .seconds(1)) { clock.now }
        breaker.recordFailure()
        clock.advance(1)
        #expect(breaker.allowRun())
        #expect(!breaker.allowRun())
        breaker.releaseProbe()  // e.g. the run row could not be inserted
        #expect(breaker.allowRun())
    }
}
