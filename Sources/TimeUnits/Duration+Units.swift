/// The one set of `Duration` conversions every target uses (metrics want seconds, columns
/// whole milliseconds, timers nanoseconds), so that no target writes its own arithmetic.
extension Duration {
    /// The duration in seconds, as metrics and time intervals want it.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole milliseconds (truncated), as stored in `duration_ms` columns.
    public var inMilliseconds: Int { Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000) }

    /// The duration in milliseconds with their fraction (latency samples).
    public var inFractionalMilliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }

    /// The duration in whole milliseconds, rounded up (a timeout must never be shortened).
    public var inMillisecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        let (whole, rest) = attoseconds.quotientAndRemainder(dividingBy: 1_000_000_000_000_000)
        return seconds * 1000 + whole + (rest > 0 ? 1 : 0)
    }

    /// Whole nanoseconds (negative durations count as zero), as timers want them.
    public var inNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
