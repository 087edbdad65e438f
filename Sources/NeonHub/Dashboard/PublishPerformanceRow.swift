import Postgres

/// One row of `api_publish_performance`: a tenant's publish and action jobs to one connector
/// created on one UTC day, by what became of them.
public struct PublishPerformanceRow: Encodable, Sendable {
    public var connector: String
    /// `YYYY-MM-DD` (UTC).
    public var day: String
    public var jobsTotal: Int
    public var succeeded: Int
    public var dlq: Int
    public var retrying: Int
    /// Scheduled or queued.
    public var pending: Int
    public var running: Int
    public var unknown: Int
    public var cancelled: Int
    /// Over succeeded and dead-lettered jobs; nil when there is none.
    public var avgAttempts: Double?
    /// Seconds from the first attempt to done, succeeded jobs only.
    public var p50Seconds: Double?
    public var p95Seconds: Double?
    /// Succeeded ÷ (succeeded + dlq); nil when neither.
    public var successRate: Double?

    init(_ row: PostgresRow) throws {
        connector = try row.decode("connector")
        day = try row.decode("day")
        jobsTotal = try row.decode("jobs_total")
        succeeded = try row.decode("succeeded")
        dlq = try row.decode("dlq")
        retrying = try row.decode("retrying")
        pending = try row.decode("pending")
        running = try row.decode("running")
        unknown = try row.decode("unknown")
        cancelled = try row.decode("cancelled")
        avgAttempts = try row.decode("avg_attempts")
        p50Seconds = try row.decode("p50_seconds")
        p95Seconds = try row.decode("p95_seconds")
        successRate = try row.decode("success_rate")
    }
}
