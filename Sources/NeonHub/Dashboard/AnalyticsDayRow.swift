import Postgres

/// One row of `api_analytics_summary`: a tenant's agent runs, model usage, publishes and
/// webhook events on one UTC day.
public struct AnalyticsDayRow: Encodable, Sendable {
    /// `YYYY-MM-DD` (UTC).
    public var day: String
    public var runsTotal: Int
    public var runsSucceeded: Int
    public var runsFailed: Int
    public var runsCancelled: Int
    /// Queued or running.
    public var runsInProgress: Int
    public var llmCalls: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    /// The sum of the priced calls; `unpricedLlmCalls` counts the others.
    public var costUsd: Double
    public var unpricedLlmCalls: Int
    public var publishesSucceeded: Int
    public var webhookEvents: Int

    init(_ row: PostgresRow) throws {
        day = try row.decode("day")
        runsTotal = try row.decode("runs_total")
        runsSucceeded = try row.decode("runs_succeeded")
        runsFailed = try row.decode("runs_failed")
        runsCancelled = try row.decode("runs_cancelled")
        runsInProgress = try row.decode("runs_in_progress")
        llmCalls = try row.decode("llm_calls")
        tokensIn = try row.decode("tokens_in")
        tokensOut = try row.decode("tokens_out")
        costUsd = try row.decode("cost_usd")
        unpricedLlmCalls = try row.decode("unpriced_llm_calls")
        publishesSucceeded = try row.decode("publishes_succeeded")
        webhookEvents = try row.decode("webhook_events")
    }
}
