import Testing

@testable import NeonHub

extension OutboundTests {
    /// Exponential steps, the maximum, and both jitter shapes stay in their bounds.
    @Suite struct BackoffTests {
        @Test func fullJitterStaysUnderTheStepAndSpreadsAcrossIt() {
            let backoff = Backoff(base: .milliseconds(100), maximum: .seconds(30), jitter: .full)
            var generator = SystemRandomNumberGenerator()
            for retry in 0..<4 {
                let ceiling = Duration.milliseconds(100) * (1 << retry)
                let samples = (0..<400).map { _ in backoff.delay(beforeRetry: retry, using: &generator) }
                #expect(samples.allSatisfy { $0 >= .zero && $0 <= ceiling })
                // Full jitter uses the whole range, not just its top: the chance that 400 uniform
                // draws miss either quarter is 2 · 0.75^400 ≈ 10⁻⁵⁰.
                #expect(samples.contains { $0 < ceiling / 4 })
                #expect(samples.contains { $0 > ceiling * 3 / 4 })
            }
        }

        @Test func additiveJitterKeepsTheWholeStep() {
            // The shape the LLM provider keeps: step plus up to 50 % (the old RetryPolicy's).
            let backoff = Backoff(base: .milliseconds(100), maximum: .seconds(30), jitter: .additive(0.5))
            for _ in 0..<50 {
                let first = backoff.delay(beforeRetry: 0)
                let third = backoff.delay(beforeRetry: 2)
                #expect(first >= .milliseconds(100) && first <= .milliseconds(150))
                #expect(third >= .milliseconds(400) && third <= .milliseconds(600))
            }
            #expect(backoff.delay(beforeRetry: 20) == .seconds(30))
        }

        @Test func stepsDoubleUpToTheMaximum() {
            let backoff = Backoff(base: .milliseconds(250), maximum: .seconds(5), jitter: .none)
            #expect(
                (0..<7).map { backoff.delay(beforeRetry: $0) } == [
                    .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
                ])
            #expect(backoff.step(beforeRetry: 1_000) == .seconds(5))
            #expect(backoff.step(beforeRetry: -1) == .milliseconds(250))
        }
    }
}
