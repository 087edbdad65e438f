public import Foundation
public import Postgres

/// `llm_usage` as a `CostRecordStore`: repricing updates each call's cost and then the
/// `cost_usd` / `cost_unknown_calls` metrics of the runs it belongs to.
public struct LLMUsageCostStore: CostRecordStore {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    public func usageRecords(since: Date) async throws -> [CostRecord] {
        try await pool.query(
            """
            SELECT id, model, input_tokens, output_tokens, cached_tokens, occurred_at, cost_usd
            FROM llm_usage WHERE occurred_at >= \(since) ORDER BY occurred_at, id
            """
        ).map { row in
            CostRecord(
                id: try row.decode("id", as: UUID.self), model: try row.decode("model", as: String.self),
                usage: LLMUsage(
                    inputTokens: try row.decode("input_tokens", as: Int.self), outputTokens: try row.decode("output_tokens", as: Int.self),
                    cachedTokens: try row.decode("cached_tokens", as: Int.self)),
                occurredAt: try row.decode("occurred_at", as: Date.self), costUSD: try row.decode("cost_usd", as: Double?.self))
        }
    }

    public func updateCost(recordID: UUID, costUSD: Double?) async throws {
        _ = try await pool.pipelineTransaction([
            "UPDATE llm_usage SET cost_usd = \(costUSD) WHERE id = \(recordID)",
            // The run's cost metrics follow its calls: a total when every call is priced, else a count of unknown ones.
            """
            DELETE FROM agent_run_metrics WHERE run_id = (SELECT run_id FROM llm_usage WHERE id = \(recordID))
              AND name IN ('cost_usd', 'cost_unknown_calls')
            """,
            """
            INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit)
            SELECT u.run_id, min(u.tenant_id),
                   CASE WHEN bool_and(u.cost_usd IS NOT NULL) THEN 'cost_usd' ELSE 'cost_unknown_calls' END,
                   CASE WHEN bool_and(u.cost_usd IS NOT NULL) THEN sum(u.cost_usd) ELSE count(*) FILTER (WHERE u.cost_usd IS NULL) END,
                   CASE WHEN bool_and(u.cost_usd IS NOT NULL) THEN 'usd' ELSE 'count' END
            FROM llm_usage u WHERE u.run_id = (SELECT run_id FROM llm_usage WHERE id = \(recordID)) GROUP BY u.run_id
            """,
        ])
    }
}
