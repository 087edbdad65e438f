extension Duration {
    /// The duration in seconds, as metrics and time intervals want it.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole milliseconds (truncated), as stored in `duration_ms` columns.
    var inMilliseconds: Int { Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000) }
}
