/// Called after every statement or pipeline with its duration in seconds and whether it
/// succeeded (e.g. to feed a `neonhub_db_query_duration_seconds` histogram). Runs on the
/// thread that executed the statement: keep it cheap and non-blocking.
public typealias PostgresQueryObserver = @Sendable (_ seconds: Double, _ succeeded: Bool) -> Void

extension Duration {
    /// The duration in (fractional) seconds.
    var postgresSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds, rounded up.
    var postgresMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}
