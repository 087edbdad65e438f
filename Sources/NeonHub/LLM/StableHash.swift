/// Process-independent hashing and seeded randomness for the template provider (Swift's
/// `Hasher` is randomly seeded per process, so it cannot make output reproducible).
struct StableHash {
    /// 64-bit FNV-1a over the UTF-8 of `parts`, each followed by a separator byte.
    static func fnv1a(_ parts: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0x1f
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// SplitMix64: a small, fast generator whose sequence depends only on its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator seeded with `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A reproducible random element (the standard `randomElement(using:)` is not
    /// guaranteed to draw the same way across standard-library versions).
    mutating func pick<T>(_ items: [T]) -> T {
        items[index(items.count)]
    }

    /// A reproducible index in `0..<count` (`count` > 0).
    mutating func index(_ count: Int) -> Int {
        Int(next() % UInt64(max(1, count)))
    }

    /// A reproducible Fisher–Yates shuffle.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, index(i + 1))
        }
        return result
    }
}
