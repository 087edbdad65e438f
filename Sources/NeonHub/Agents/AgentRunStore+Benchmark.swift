import Foundation
public import Postgres

extension AgentRunStore {
    /// The six inserts of one synthetic agent run (1 run, 2 tool executions, 3 metrics), for
    /// `neonhub bench-db`: the same statements as `scripts/bench/db-transaction.sql` runs in
    /// pgbench, so that the two compare like for like. The run id is generated here so that
    /// every statement can reference it within the same pipeline.
    public static func benchmarkTransaction(client: Int) -> [PostgresQuery] {
        let runID = UUID()
        let tenant = "bench"
        let now = Date()
        return [
            """
            INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, started_at)
            VALUES (\(runID), \(tenant), \("content-writer"), \("draft_post"), \("running"),
                    \(.json(["topic": "benchmark", "client": "\(client)"])), \(now))
            """,
            """
            INSERT INTO tool_executions (run_id, tenant_id, tool, status, input, output, started_at, duration_ms)
            VALUES (\(runID), \(tenant), \("web_search"), \("succeeded"), \(.json(["q": "benchmark"])),
                    \(.json(["hits": 3])), \(now), \(Int32(120)))
            """,
            """
            INSERT INTO tool_executions (run_id, tenant_id, tool, status, input, output, started_at, duration_ms)
            VALUES (\(runID), \(tenant), \("llm_generate"), \("succeeded"), \(.json(["prompt": "write"])),
                    \(.json(["tokens": 512])), \(now), \(Int32(900)))
            """,
            "INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES (\(runID), \(tenant), \("tokens_in"), \(128.0), \("tokens"))",
            "INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES (\(runID), \(tenant), \("tokens_out"), \(512.0), \("tokens"))",
            "INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES (\(runID), \(tenant), \("latency"), \(1020.0), \("ms"))",
        ]
    }
}
