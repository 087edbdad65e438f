import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// Found by a review: a run whose final write failed (the database went away as it ended)
/// stayed `running` for as long as its process lived. Its end is now written in the
/// background once the database answers again.
@Suite struct RunFinisherTests {
    /// Makes every final write of a run fail while `test_fail_finish` has a row.
    func failFinalWrites(_ pool: PostgresPool) async throws {
        _ = try await pool.withConnection { connection in
            try connection.executeScript(
                """
                CREATE TABLE test_fail_finish (x int);
                INSERT INTO test_fail_finish VALUES (1);
                CREATE FUNCTION test_fail_finish() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM test_fail_finish) THEN RAISE EXCEPTION 'injected: the database went away' USING ERRCODE = '57P03'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_fail_finish BEFORE UPDATE ON agent_runs FOR EACH ROW
                    WHEN (NEW.status <> 'running') EXECUTE FUNCTION test_fail_finish();
                """)
        }
    }

    @Test func aRunWhoseEndCouldNotBeWrittenIsFinishedWhenTheDatabaseAnswers() async throws {
        try await withDatabaseApp({ _ in }) { server, client in
            let pool = try #require(server.database?.pool)
            try await failFinalWrites(pool)
            let request: [String: Any] = ["agent": "echo", "idempotencyKey": "finish-later", "input": ["text": "a b"]]
            let (status, _) = try await client.mutation("agents.run", request)
            #expect(status != 200)
            let row = try await pool.query("SELECT id, status FROM agent_runs WHERE idempotency_key = 'finish-later'")
            let id = try #require(try row.first?.decode("id", as: UUID.self))
            #expect(try row.first?.decode("status", as: String.self) == "running")

            // A retry meanwhile finds the run still ending: not run a second time.
            let (_, meanwhile) = try await client.mutation("agents.run", request)
            #expect(resultData(meanwhile)?["status"] as? String == "running")
            #expect((resultData(meanwhile)?["runId"] as? String)?.lowercased() == id.uuidString.lowercased())

            try await pool.execute("DELETE FROM test_fail_finish")
            let deadline = ContinuousClock.now + .seconds(60)
            var stored = "running"
            while stored == "running", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                stored = try await pool.query("SELECT status FROM agent_runs WHERE id = \(id)")[0].decode("status", as: String.self)
            }
            #expect(stored == "succeeded")
            let tools = try await pool.query("SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(id)")
            #expect(try tools.first?.decode("n", as: Int.self) == 2)  // the echo agent's two calls, once

            let (_, after) = try await client.mutation("agents.run", request)
            #expect(resultData(after)?["status"] as? String == "succeeded")
            #expect((resultData(after)?["runId"] as? String)?.lowercased() == id.uuidString.lowercased())
        }
    }

    /// On until switched off.
    final class Switch: Sendable {
        private let on = Mutex(true)
        var isOn: Bool { on.withLock { $0 } }
        func switchOff() { on.withLock { $0 = false } }
    }

    /// Fails with a model rate limit while `limited` is on, then answers.
    struct RateLimitedAgent: Agent {
        let name = "rate-limited"
        let description = "fails while the model rate limits"
        let intents = ["try"]
        let limited: Switch
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let output = try await toolbox.call("model.call", input: .object([:]), timeout: .seconds(10)) { .string("ok") }
            if limited.isOn { throw LLMError.rateLimited(retryAfter: .seconds(7)) }
            return .object(["text": output])
        }
    }

    /// A keyed run that failed for a passing reason was answered "try again": for a caller
    /// whose agent acts on nothing outside (content generation), a retry with its key and
    /// the same input runs it again under its id. Any other caller (`agents.run`, whose
    /// agent may have published before it failed), or another input, gets the run as stored.
    @Test func aRetryWithTheKeyRunsAgainARunThatFailedForAPassingReasonOnlyWhereThatIsSafe() async throws {
        let limited = Switch()
        try await withDatabaseApp(agents: [RateLimitedAgent(limited: limited)]) { server, client in
            let pool = try #require(server.database?.pool)
            let orchestrator = server.orchestrator
            let run: @Sendable (JSONValue, Bool) async throws -> Orchestrator.Result = { input, rerun in
                try await orchestrator.run(
                    tenant: "tenant-a", agent: "rate-limited", intent: nil, input: input, idempotencyKey: "try-again",
                    rerunsPassingFailures: rerun)
            }
            let first = try await run(.object([:]), true)
            #expect(first.status == "failed")
            #expect(first.error?["transient"] == .bool(true))

            limited.switchOff()
            // agents.run does not opt in: the failure as stored.
            let (_, viaAgentsRun) = try await client.mutation("agents.run", ["agent": "rate-limited", "idempotencyKey": "try-again", "input": [:]])
            #expect(resultData(viaAgentsRun)?["status"] as? String == "failed")
            // Another input under the key: the failure as stored.
            #expect(try await run(.object(["other": .bool(true)]), true).status == "failed")

            let second = try await run(.object([:]), true)
            #expect(second.status == "succeeded")
            #expect(second.runID == first.runID)
            let metrics = try await pool.query(
                "SELECT count(*)::int AS n FROM agent_run_metrics WHERE run_id = \(first.runID) AND name = 'latency_ms'")
            #expect(try metrics.first?.decode("n", as: Int.self) == 1)
            let runs = try await pool.query("SELECT count(*)::int AS n FROM agent_runs WHERE idempotency_key = 'try-again'")
            #expect(try runs.first?.decode("n", as: Int.self) == 1)

            // Succeeded now: the key returns it, never runs it a third time.
            #expect(try await run(.object([:]), true).runID == first.runID)
            let tools = try await pool.query("SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(first.runID)")
            #expect(try tools.first?.decode("n", as: Int.self) == 2)  // one call per attempt
        }
    }
}
