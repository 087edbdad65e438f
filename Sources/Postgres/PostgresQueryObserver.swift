/// Called after every statement or pipeline with its duration in seconds and whether it
/// succeeded (e.g. to feed a `neonhub_db_query_duration_seconds` histogram). Runs on the
/// thread that executed the statement: keep it cheap and non-blocking.
public typealias PostgresQueryObserver = @Sendable (_ seconds: Double, _ succeeded: Bool) -> Void
