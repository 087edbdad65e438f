import Foundation
import Postgres
import TimeUnits

extension AgentRunStore {
    /// A run's `running` row: what `insertRun` writes (up front for a keyed run, else at the
    /// run's first wait), or what a caller writes in a round trip it makes anyway (see
    /// `Orchestrator.run(…startingWith:)` and `runningRowInsert`).
    struct RunningRow: Sendable {
        /// The run's id.
        var id: UUID
        /// The tenant that owns the run.
        var tenant: String
        /// The agent that runs.
        var agent: String
        /// The resolved intent.
        var intent: String
        /// The run's input, sanitized (as stored).
        var input: JSONValue
        /// The process that executes the run (`agent_runs.runner_id`).
        var runnerID: Int64
        /// The W3C trace id of the request that started the run.
        var traceID: String?
        /// How long ago the run started (its row is dated back by this much).
        var startedAgo: Duration
    }

    /// The statements that write `row` (no idempotency key) only if connection `id` of its
    /// tenant exists, with the connection's connector added to its input as `connector`: what
    /// `connectors.executeAction` pipelines with its read of the connection. Like every
    /// `running` row, it is committed without waiting for the WAL flush (see `insertRun`).
    static func runningRowInsert(_ row: RunningRow, ifConnection id: UUID) -> [PostgresQuery] {
        let startedAgoMs = row.startedAgo.inMilliseconds
        return [
            "SET LOCAL synchronous_commit TO OFF",
            """
            INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, started_at, runner_id, created_at, trace_id)
            SELECT \(row.id), c.tenant_id, \(row.agent), \(row.intent), 'running',
                   \(row.input)::jsonb || jsonb_build_object('connector', c.connector),
                   now() - \(startedAgoMs) * interval '1 millisecond', \(row.runnerID),
                   now() - \(startedAgoMs) * interval '1 millisecond', \(row.traceID)
            FROM connections c WHERE c.id = \(id) AND c.tenant_id = \(row.tenant)
            """,
        ]
    }
}
