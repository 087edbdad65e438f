import Synchronization

/// Random-looking, non-zero 64-bit trace and span ids without a system call per id:
/// SplitMix64 (Steele, Lea and Flood, 2014) over one atomic counter whose start is drawn
/// from the system generator once per process. Consecutive outputs of a 64-bit bijection
/// never repeat within a process, and processes start at unrelated points. Trace ids are
/// correlation handles, not secrets (W3C Trace Context §8): nothing may trust them.
enum TraceIDGenerator {
    private static let state = Atomic<UInt64>(seed())

    /// The next id (never zero: W3C forbids all-zero ids).
    static func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return z == 0 ? 1 : z
    }

    private static func seed() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
