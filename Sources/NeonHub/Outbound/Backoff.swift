/// The pause before a retry when the server named none: exponential growth from `base`,
/// bounded by `maximum`, randomised by `jitter`.
public struct Backoff: Sendable, Equatable {
    /// How the exponential step is randomised.
    public enum Jitter: Sendable, Equatable {
        /// Uniform in `0…step` ("full jitter"): spreads retries of many clients the most.
        case full
        /// `step` plus up to this fraction of it: keeps at least `step` between attempts.
        case additive(Double)
        /// Exactly `step`.
        case none
    }

    /// The step before the first retry; it doubles with every further retry.
    public var base: Duration
    /// Upper bound for any single pause.
    public var maximum: Duration
    /// How the step is randomised.
    public var jitter: Jitter

    /// Creates a backoff; full jitter unless told otherwise.
    public init(base: Duration = .milliseconds(200), maximum: Duration = .seconds(30), jitter: Jitter = .full) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The ceiling of the pause before retry number `retry` (0-based): `base · 2^retry`, capped.
    public func step(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry, 0), 30)
        let step = base * (1 << exponent)
        return min(step, maximum)
    }

    /// The pause before retry number `retry` (0-based), drawn with `generator`.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let step = step(beforeRetry: retry)
        switch jitter {
        case .full:
            return step * Double.random(in: 0...1, using: &generator)
        case .additive(let fraction):
            return min(step + step * Double.random(in: 0...max(0, fraction), using: &generator), maximum)
        case .none:
            return step
        }
    }

    /// The pause before retry number `retry` (0-based), drawn from the system generator.
    public func delay(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, using: &generator)
    }
}
