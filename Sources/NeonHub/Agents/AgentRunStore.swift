public import Foundation
public import Postgres
import TimeUnits

/// SQL for `agent_runs`, `tool_executions`, `agent_run_metrics` and `llm_usage`. Every
/// read is scoped by tenant; another tenant's id is simply not found.
public struct AgentRunStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    /// A run summary as listed.
    public struct RunSummary: Codable, Sendable {
        public var id: UUID
        public var agent: String
        public var intent: String?
        public var status: String
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationMs: Int?
        public var createdAt: Date
    }

    /// A run with everything recorded about it.
    public struct RunDetail: Sendable {
        public var summary: RunSummary
        public var input: JSONValue
        public var output: JSONValue?
        public var error: JSONValue?
        public var tools: [ToolExecutionRecord]
        public var metrics: [RunMetricRecord]
        /// The W3C trace id of the request or job that started the run.
        public var traceID: String?
    }

    /// Inserts a `running` run, or returns the existing run's id for the same tenant and
    /// idempotency key (`created: false`). The row's `startedAgo` dates the run's start back
    /// from the database's clock (a deferred row is written at the run's first wait, not at
    /// its start).
    func insertRun(_ row: RunningRow, idempotencyKey: String?) async throws -> (id: UUID, created: Bool) {
        let startedAgoMs = row.startedAgo.inMilliseconds
        let tenant = row.tenant
        // The `running` row need not wait for its WAL flush: the run's final commit (synchronous)
        // flushes it too, and a run lost in a crash before that never completed anyway. This
        // keeps one durable commit per run.
        let results = try await pool.pipelineTransaction([
            "SET LOCAL synchronous_commit TO OFF",
            """
            INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, idempotency_key, started_at, runner_id, created_at, trace_id)
            VALUES (\(row.id), \(tenant), \(row.agent), \(row.intent), 'running', \(row.input), \(idempotencyKey),
                    now() - \(startedAgoMs) * interval '1 millisecond', \(row.runnerID), now() - \(startedAgoMs) * interval '1 millisecond', \(row.traceID))
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
            """,
        ])
        if let row = results.last?.rows.first { return (try row.decode("id", as: UUID.self), true) }
        let existing = try await pool.query("SELECT id FROM agent_runs WHERE tenant_id = \(tenant) AND idempotency_key = \(idempotencyKey)")
        guard let row = existing.first else { throw AgentError(.idempotencyKeyInUse, "Idempotency key is in use") }
        return (try row.decode("id", as: UUID.self), false)
    }

    /// A run's row as `finish` writes it when its `running` row is missing.
    struct NewRun: Sendable {
        var agent: String
        var intent: String
        var input: JSONValue
        var runnerID: Int64
        var idempotencyKey: String?
        var traceID: String?
    }

    /// Commits a run's final state with its tool rows, metric rows and LLM usage rows in one
    /// transaction (one round trip, pipeline mode): an update of its `running` row, or the
    /// whole row when there is none — a deferred row never written, or one whose commit a
    /// database crash lost (`running` rows are committed without waiting for the WAL flush).
    /// `rowExists` says a `running` row was written: it is updated in place (no tuple lock
    /// and no conflict check first), and inserted only if the update finds none.
    /// `onlyIfRunning` (a retried write): a row that is no longer `running` under this run's
    /// runner is left alone, and the write fails on it (its insert conflicts) instead of
    /// writing the run a second time.
    func finish(
        runID: UUID, tenant: String, run r: NewRun, status: String, output: JSONValue?, error: JSONValue?, durationMs: Int,
        tools: [ToolExecutionRecord], metrics: [RunMetricRecord], usage: [LLMUsageRecord], rowExists: Bool = false,
        onlyIfRunning: Bool = false
    ) async throws {
        var statements: [PostgresQuery] = []
        // Times come from the database's clock, as for rows written up front.
        if rowExists {
            statements.append(
                """
                WITH updated AS (
                    UPDATE agent_runs SET status = \(status), output = \(output), error = \(error), finished_at = now(), duration_ms = \(durationMs)
                    WHERE id = \(runID) AND tenant_id = \(tenant) AND (NOT \(onlyIfRunning) OR (status = 'running' AND runner_id = \(r.runnerID))) RETURNING id
                )
                INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, output, error, idempotency_key, started_at, finished_at, duration_ms, runner_id, created_at, trace_id)
                SELECT \(runID), \(tenant), \(r.agent), \(r.intent), \(status), \(r.input), \(output), \(error), \(r.idempotencyKey),
                       now() - \(durationMs) * interval '1 millisecond', now(), \(durationMs), \(r.runnerID), now() - \(durationMs) * interval '1 millisecond', \(r.traceID)
                WHERE NOT EXISTS (SELECT 1 FROM updated)
                """)
        } else {
            statements.append(
                """
                INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, output, error, idempotency_key, started_at, finished_at, duration_ms, runner_id, created_at, trace_id)
                VALUES (\(runID), \(tenant), \(r.agent), \(r.intent), \(status), \(r.input), \(output), \(error), \(r.idempotencyKey),
                        now() - \(durationMs) * interval '1 millisecond', now(), \(durationMs), \(r.runnerID), now() - \(durationMs) * interval '1 millisecond', \(r.traceID))
                ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, output = EXCLUDED.output, error = EXCLUDED.error,
                    finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms
                WHERE agent_runs.tenant_id = EXCLUDED.tenant_id
                """)
        }
        for t in tools {
            statements.append(
                """
                INSERT INTO tool_executions (id, run_id, tenant_id, tool, status, input, output, error, attempt, started_at, duration_ms)
                VALUES (\(t.id), \(runID), \(tenant), \(t.tool), \(t.status), \(t.input), \(t.output),
                        \(t.error), \(t.attempt), \(t.startedAt), \(t.durationMs))
                """)
        }
        for m in metrics {
            statements.append(
                "INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES (\(runID), \(tenant), \(m.name), \(m.value), \(m.unit))")
        }
        for u in usage {
            statements.append(
                """
                INSERT INTO llm_usage (run_id, tenant_id, provider, model, input_tokens, output_tokens, cached_tokens, cost_usd)
                VALUES (\(runID), \(tenant), \(u.provider), \(u.model), \(u.usage.inputTokens), \(u.usage.outputTokens), \(u.usage.cachedTokens), \(u.costUSD))
                """)
        }
        _ = try await pool.pipelineTransaction(statements)
    }

    /// Makes a run of `agent` on `input` that failed for a passing reason (`error.transient`)
    /// `running` again under `runnerID`, for a retry with its idempotency key to run it again;
    /// false when it did not fail so, was another agent's or input's, or another retry took it
    /// first. Its metric rows go (the new attempt writes its own); its tool and model-call rows
    /// stay, the history of what it spent.
    func reclaimTransientFailure(tenant: String, id: UUID, runnerID: Int64, agent: String, input: JSONValue) async throws -> Bool {
        let rows = try await pool.query(
            """
            WITH reclaimed AS (
                UPDATE agent_runs SET status = 'running', output = NULL, error = NULL, finished_at = NULL, duration_ms = NULL,
                    runner_id = \(runnerID), started_at = now()
                WHERE id = \(id) AND tenant_id = \(tenant) AND status = 'failed' AND error->>'transient' = 'true'
                  AND agent = \(agent) AND input = \(input)::jsonb
                RETURNING id
            ), cleared AS (
                DELETE FROM agent_run_metrics WHERE run_id IN (SELECT id FROM reclaimed)
            )
            SELECT id FROM reclaimed
            """)
        return !rows.isEmpty
    }

    /// Whether the run's end is not stored: its row is `running` under `runnerID` (not rerun
    /// by another process meanwhile), or missing.
    func isUnfinished(tenant: String, id: UUID, runnerID: Int64) async throws -> Bool {
        let rows = try await pool.query(
            "SELECT status = 'running' AND runner_id IS NOT DISTINCT FROM \(runnerID) AS mine FROM agent_runs WHERE id = \(id) AND tenant_id = \(tenant)"
        )
        guard let row = rows.first else { return true }
        return try row.decode("mine", as: Bool.self)
    }

    /// Whether the run is still `running` and stamped by `runnerID`.
    func isRunning(tenant: String, id: UUID, runnerID: Int64) async throws -> Bool {
        let rows = try await pool.query(
            """
            SELECT 1 AS running FROM agent_runs
            WHERE id = \(id) AND tenant_id = \(tenant) AND status = 'running' AND runner_id = \(runnerID)
            """)
        return !rows.isEmpty
    }

    /// A page of runs, newest first, with an opaque cursor for the next page.
    public func listRuns(tenant: String, agent: String?, status: String?, since: Date?, until: Date?, limit: Int, cursor: String?) async throws
        -> Page<RunSummary>
    {
        let after = try cursor.map(PageCursor.decode)
        let rows = try await pool.query(
            """
            SELECT id, agent, intent, status, started_at, finished_at, duration_ms, created_at, created_at::text AS created_text
            FROM agent_runs
            WHERE tenant_id = \(tenant)
              AND (\(agent)::text IS NULL OR agent = \(agent))
              AND (\(status)::text IS NULL OR status = \(status))
              AND (\(since)::timestamptz IS NULL OR created_at >= \(since))
              AND (\(until)::timestamptz IS NULL OR created_at < \(until))
              AND (\(after?.key)::timestamptz IS NULL OR (created_at, id) < (\(after?.key)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.summary)
        return Page(items: items, nextCursor: try PageCursor.next(after: rows, limit: limit))
    }

    /// One run with its tool executions and metrics, or nil (also for other tenants' runs).
    public func getRun(tenant: String, id: UUID) async throws -> RunDetail? {
        let runs = try await pool.query(
            """
            SELECT id, agent, intent, status, input, output, error, started_at, finished_at, duration_ms, created_at, trace_id
            FROM agent_runs WHERE id = \(id) AND tenant_id = \(tenant)
            """)
        guard let run = runs.first else { return nil }
        let tools = try await pool.query(
            """
            SELECT id, tool, status, input, output, error, attempt, started_at, duration_ms
            FROM tool_executions WHERE run_id = \(id) AND tenant_id = \(tenant) ORDER BY started_at, id
            """)
        let metrics = try await pool.query(
            "SELECT name, value, unit FROM agent_run_metrics WHERE run_id = \(id) AND tenant_id = \(tenant) ORDER BY created_at, name")
        return RunDetail(
            summary: try Self.summary(run),
            input: try run.decode("input", as: JSONValue.self),
            output: try run.decode("output", as: JSONValue?.self),
            error: try run.decode("error", as: JSONValue?.self),
            tools: try tools.map { t in
                ToolExecutionRecord(
                    id: try t.decode("id", as: UUID.self), tool: try t.decode("tool", as: String.self),
                    status: try t.decode("status", as: String.self),
                    input: try t.decode("input", as: JSONValue?.self) ?? .null, output: try t.decode("output", as: JSONValue?.self),
                    error: try t.decode("error", as: JSONValue?.self), startedAt: try t.decode("started_at", as: Date.self),
                    durationMs: try t.decode("duration_ms", as: Int?.self) ?? 0, attempt: try t.decode("attempt", as: Int.self))
            },
            metrics: try metrics.map {
                RunMetricRecord(
                    name: try $0.decode("name", as: String.self), value: try $0.decode("value", as: Double.self),
                    unit: try $0.decode("unit", as: String.self))
            },
            traceID: try run.decode("trace_id", as: String?.self))
    }

    static func summary(_ row: PostgresRow) throws -> RunSummary {
        RunSummary(
            id: try row.decode("id", as: UUID.self), agent: try row.decode("agent", as: String.self),
            intent: try row.decode("intent", as: String?.self),
            status: try row.decode("status", as: String.self), startedAt: try row.decode("started_at", as: Date?.self),
            finishedAt: try row.decode("finished_at", as: Date?.self), durationMs: try row.decode("duration_ms", as: Int?.self),
            createdAt: try row.decode("created_at", as: Date.self))
    }

    /// Marks `running`/`queued` runs of dead runners as failed (at start-up: at once). A runner
    /// is dead when its advisory lock (held for the life of each server process) can be taken.
    static func recoverAbandonedRuns(on connection: PostgresConnection) throws -> Int {
        do {
            var recovered = try failAbandonedRuns(of: try runnersWithoutLease(on: connection, except: nil), on: connection)
            // Runs from before runner ids existed.
            recovered += try connection.execute(
                """
                UPDATE agent_runs SET status = 'failed', finished_at = now(),
                       error = '{"code":"ABANDONED","message":"the server running this agent stopped before it finished"}'::jsonb
                WHERE runner_id IS NULL AND status IN ('queued','running')
                """)
            return recovered
        }
    }

    /// The runners with unfinished runs whose lease is free right now, except `except` — the
    /// caller's own, whose lock a session holding it would take again. One statement: each
    /// lock is tried as a transaction lock, released when the statement ends, so nothing is
    /// left held if it fails (a session lock left held would block that runner's lease for good).
    static func runnersWithoutLease(on connection: PostgresConnection, except: Int64?) throws -> Set<Int64> {
        let rows = try connection.query(
            """
            SELECT runner_id FROM (
                SELECT DISTINCT runner_id FROM agent_runs
                WHERE status IN ('queued','running') AND runner_id IS NOT NULL AND runner_id <> \(except ?? 0)
            ) r
            WHERE pg_try_advisory_xact_lock(\(RunnerLease.lockClass), r.runner_id::int)
            """)
        return Set(try rows.map { try $0.decode("runner_id", as: Int64.self) })
    }

    /// Fails the unfinished runs of `runners` as `ABANDONED`, each runner's only while its lease
    /// is free (taken as a transaction lock for the statement, so a runner that came back keeps
    /// its runs, and nothing is left held).
    static func failAbandonedRuns(of runners: Set<Int64>, on connection: PostgresConnection) throws -> Int {
        var recovered = 0
        for runner in runners.sorted() {
            recovered += try connection.execute(
                """
                WITH lease AS (SELECT pg_try_advisory_xact_lock(\(RunnerLease.lockClass), \(Int32(truncatingIfNeeded: runner))) AS free)
                UPDATE agent_runs SET status = 'failed', finished_at = now(),
                       error = '{"code":"ABANDONED","message":"the server running this agent stopped before it finished"}'::jsonb,
                       duration_ms = GREATEST(0, (extract(epoch FROM now() - started_at) * 1000)::int)
                WHERE runner_id = \(runner) AND status IN ('queued','running') AND (SELECT free FROM lease)
                """)
        }
        return recovered
    }
}
