import Foundation
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
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * refillPerSecond)
            bucket.updated = now
            if bucket.tokens >= cost {
                bucket.tokens -= cost
                buckets[key] = bucket
                return nil
            }
            buckets[key] = bucket
            return max(1, Int(((cost - bucket.tokens) / refillPerSecond).rounded(.up)))
        }
    }
}
