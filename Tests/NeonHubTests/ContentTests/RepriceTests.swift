import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `neonhub content reprice` against a real database: `llm_usage` costs and the runs'
/// cost metrics follow a new price table; unknown models stay unknown.
@Suite struct RepriceTests {
    @Test func repricingUpdatesUsageRowsAndRunMetrics() async throws {
        let url = try await ThrowawayPostgres.freshDatabase()
        let connection = try PostgresConnection(connectionString: url)
        defer { connection.close() }
        _ = try Migrator(directory: URL(fileURLWithPath: ThrowawayPostgres.migrationsDirectory.path), logger: Logger(label: "test")).migrate(
            on: connection)
        let run = UUID()
        _ = try connection.execute(
            "INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input) VALUES (\(run), 't', 'content', 'article', 'succeeded', '{}')")
        _ = try connection.execute(
            """
            INSERT INTO llm_usage (run_id, tenant_id, provider, model, input_tokens, output_tokens, cached_tokens, cost_usd, occurred_at) VALUES
              (\(run), 't', 'openai', 'gpt-4o-mini', 1000000, 1000000, 0, NULL, '2026-06-01T00:00:00Z'),
              (\(run), 't', 'openai', 'mystery-model', 10, 10, 0, NULL, '2026-06-01T00:00:00Z'),
              (\(run), 't', 'openai', 'gpt-4o-mini', 1000, 1000, 0, 123, '2025-01-01T00:00:00Z')
            """)
        let table = try PriceTable(prices: [
            ModelPrice(model: "gpt-4o-mini", match: .exact, effectiveFrom: "2024-07-18", inputPerMillion: 0.15, outputPerMillion: 0.60)
        ])
        let pool = PostgresPool(connectionString: url, configuration: .init(size: 2), logger: Logger(label: "test"))
        defer { pool.shutdown() }
        let store = LLMUsageCostStore(pool: pool)
        let since = try #require(ModelPrice.parseDay("2026-01-01"))

        let dry = try await Repricer().reprice(store: store, table: table, since: since, dryRun: true)
        #expect(dry.examined == 2)
        #expect(dry.changed == 1)  // the unknown model stays unknown (NULL → NULL)
        #expect(try connection.query("SELECT count(*)::int AS n FROM llm_usage WHERE cost_usd IS NOT NULL").first?.decode("n", as: Int.self) == 1)

        let applied = try await Repricer().reprice(store: store, table: table, since: since, dryRun: false)
        #expect(applied.changed == 1)
        let costs = try connection.query("SELECT model, cost_usd, occurred_at < '2026-01-01' AS old FROM llm_usage ORDER BY occurred_at, model")
        #expect(try costs[0].decode("cost_usd", as: Double?.self) == 123, "rows before --since are untouched")
        let priced = try costs.first { try $0.decode("model", as: String.self) == "gpt-4o-mini" && !(try $0.decode("old", as: Bool.self)) }
        #expect(abs((try priced?.decode("cost_usd", as: Double?.self) ?? 0) - 0.75) < 1e-9)
        #expect(try costs.first { try $0.decode("model", as: String.self) == "mystery-model" }?.decode("cost_usd", as: Double?.self) == nil)
        // One call of the run is still unknown, so the run reports unknown calls, not a total.
        let metrics = try connection.query("SELECT name, value FROM agent_run_metrics WHERE run_id = \(run)")
        #expect(try metrics.map { try $0.decode("name", as: String.self) } == ["cost_unknown_calls"])
        #expect(try metrics.first?.decode("value", as: Double.self) == 1)
    }
}
