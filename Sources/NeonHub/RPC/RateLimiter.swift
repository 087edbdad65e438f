public import Foundation
import Synchronization

/// Token buckets keyed by tenant (or client address): `perMinute` requests of burst,
/// refilled continuously at `perMinute / 60` per second.
public final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Double }
    private let capacity: Double
    private let refillPerSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> Double
    private static let maxKeys = 100_000

    /// Creates a limiter; `clock` returns seconds (monotonic) and is replaceable in tests.
    public init(perMinute: Int, clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        capacity = Double(perMinute)
        refillPerSecond = Double(perMinute) / 60
        self.clock = clock
    }

    /// Refills `bucket` up to `now` and takes `cost` from it (one hash lookup for the caller).
    private static func take(_ cost: Double, from bucket: inout Bucket, now: Double, capacity: Double, refill: Double) -> Int? {
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * refill)
        bucket.updated = now
        if bucket.tokens >= cost {
            bucket.tokens -= cost
            return nil
        }
        return max(1, Int(((cost - bucket.tokens) / refill).rounded(.up)))
    }

    /// Takes `cost` tokens for `key` (one per call of a batch). Returns nil when allowed, or
    /// the seconds to wait.
    public func acquire(_ key: String, cost: Int = 1) -> Int? {
        let cost = Double(max(1, cost))
        let now = clock()
        return buckets.withLock { buckets -> Int? in
            if buckets.count > Self.maxKeys {
                // Drop buckets that are full again (idle keys) to bound memory.
                buckets = buckets.filter { now - $0.value.updated < capacity / refillPerSecond }
            }
            let full = Bucket(tokens: capacity, updated: now)
            return Self.take(cost, from: &buckets[key, default: full], now: now, capacity: capacity, refill: refillPerSecond)
        }
    }
}
