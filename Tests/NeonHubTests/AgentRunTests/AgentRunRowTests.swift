import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// When a run's row is written: a run that only computes is committed once, whole, with its
/// tool and metric rows; a run that waits on a call (a model, a connector) is visible as
/// `running` while it waits; a run with an idempotency key is written before it starts.
@Suite struct AgentRunRowTests {
    /// An agent whose one timed tool call waits until the test opens the gate.
    struct WaitingAgent: Agent {
        let name = "waiter"
        let description = "waits on a slow call"
        let intents = ["wait"]
        let gate: Gate
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let gate = self.gate
            return try await toolbox.call("slow.call", input: .object([:]), timeout: .seconds(120)) {
                await gate.wait()
                return .string("done")
            }
        }
    }

    /// Opens once; waiters before and after pass.
    final class Gate: Sendable {
        private let opened = AsyncStream<Void>.makeStream()
        func open() { opened.continuation.finish() }
        func wait() async { for await _ in opened.stream {} }
    }

    func runID(_ envelope: [String: Any]) -> UUID? { (resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) } }

    /// Logs every write of an `agent_runs` row (operation, status, and whether the run's tool
    /// rows were already there) through a trigger, so tests can see how a row came to be.
    func logRunWrites(_ pool: PostgresPool) async throws {
        _ = try await pool.withConnection { connection in
            try connection.executeScript(
                """
                CREATE TABLE test_run_writes (seq serial, run_id uuid, op text, status text, tools_present int);
                CREATE FUNCTION test_log_run_write() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO test_run_writes (run_id, op, status, tools_present)
                    VALUES (NEW.id, TG_OP, NEW.status, (SELECT count(*) FROM tool_executions WHERE run_id = NEW.id));
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_log_run_write AFTER INSERT OR UPDATE ON agent_runs FOR EACH ROW EXECUTE FUNCTION test_log_run_write();
                """)
        }
    }

    /// The writes of one run's row, in order: "INSERT running", "UPDATE succeeded", …
    func runWrites(_ pool: PostgresPool, run id: UUID) async throws -> [String] {
        try await pool.query("SELECT op || ' ' || status AS w FROM test_run_writes WHERE run_id = \(id) ORDER BY seq").map {
            try $0.decode("w", as: String.self)
        }
    }

    @Test func aComputingRunIsCommittedOnceWhole() async throws {
        try await withDatabaseApp { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let (status, envelope) = try await client.mutation("agents.run", ["agent": "echo", "input": ["text": "One short sentence to analyze."]])
            #expect(status == 200)
            let id = try #require(runID(envelope))
            #expect(try await runWrites(pool, run: id) == ["INSERT succeeded"])  // no `running` row first
            let row = try await pool.query(
                """
                SELECT status, started_at <= finished_at AS ordered, created_at = started_at AS created_at_start, runner_id IS NOT NULL AS owned,
                       (SELECT count(*)::int FROM agent_run_metrics WHERE run_id = \(id)) AS metrics
                FROM agent_runs WHERE id = \(id)
                """)
            #expect(try row[0].decode("status", as: String.self) == "succeeded")
            #expect(try row[0].decode("ordered", as: Bool.self))
            #expect(try row[0].decode("created_at_start", as: Bool.self))
            #expect(try row[0].decode("owned", as: Bool.self))
            #expect(try row[0].decode("metrics", as: Int.self) >= 3)
        }
    }

    @Test func aComputingRunThatFailsIsStillRecorded() async throws {
        try await withDatabaseApp { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let (_, envelope) = try await client.mutation("agents.run", ["agent": "seo", "input": ["content": "Text without its keyword field."]])
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "failed")
            let id = try #require(runID(envelope))
            let rows = try await pool.query("SELECT status, error->>'code' AS code FROM agent_runs WHERE id = \(id)")
            #expect(try rows.first?.decode("status", as: String.self) == "failed")
            #expect(try rows.first?.decode("code", as: String.self) == "BAD_INPUT")
            #expect(try await runWrites(pool, run: id) == ["INSERT failed"])
        }
    }

    @Test func aWaitingRunIsVisibleAsRunningWhileItWaits() async throws {
        let gate = Gate()
        try await withDatabaseApp(agents: [WaitingAgent(gate: gate)]) { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let call = Task { () async throws -> String? in
                let (_, envelope) = try await client.mutation("agents.run", ["agent": "waiter", "input": [String: Any]()])
                return resultData(envelope)?["runId"] as? String
            }
            var seenRunning: UUID?
            let deadline = ContinuousClock.now + .seconds(60)
            while seenRunning == nil, ContinuousClock.now < deadline {
                let rows = try await pool.query("SELECT id, status FROM agent_runs WHERE agent = \("waiter")")
                if let row = rows.first, try row.decode("status", as: String.self) == "running" {
                    seenRunning = try row.decode("id", as: UUID.self)
                } else {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            gate.open()
            let answered = try await call.value
            let id = try #require(seenRunning, "the run was never visible as running")
            #expect(answered.flatMap { UUID(uuidString: $0) } == id)
            #expect(try await runWrites(pool, run: id) == ["INSERT running", "UPDATE succeeded"])
            let tools = try await pool.query("SELECT tool, status FROM tool_executions WHERE run_id = \(id)")
            #expect(try tools.map { try $0.decode("tool", as: String.self) } == ["slow.call"])
        }
    }

    @Test func aRunningRowLostBeforeTheEndIsWrittenWholeAtTheEnd() async throws {
        let gate = Gate()
        try await withDatabaseApp(agents: [WaitingAgent(gate: gate)]) { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let call = Task { () async throws -> String? in
                let (_, envelope) = try await client.mutation("agents.run", ["agent": "waiter", "input": ["topic": "launch"]])
                return resultData(envelope)?["runId"] as? String
            }
            var lost: UUID?
            let deadline = ContinuousClock.now + .seconds(60)
            while lost == nil, ContinuousClock.now < deadline {
                // A crash of the database can lose a `running` row (it is committed without
                // waiting for the WAL flush): here it is deleted while the run waits.
                let rows = try await pool.query("DELETE FROM agent_runs WHERE agent = \("waiter") AND status = 'running' RETURNING id")
                if let row = rows.first { lost = try row.decode("id", as: UUID.self) } else { try await Task.sleep(for: .milliseconds(10)) }
            }
            gate.open()
            let answered = try await call.value
            let id = try #require(lost, "the run was never visible as running")
            #expect(answered.flatMap { UUID(uuidString: $0) } == id)
            #expect(
                try await runWrites(pool, run: id) == ["INSERT running", "INSERT succeeded"], "the update found nothing, so the row was inserted")
            let row = try await pool.query("SELECT status, input->>'topic' AS topic, runner_id IS NOT NULL AS owned FROM agent_runs WHERE id = \(id)")
            #expect(try row.first?.decode("status", as: String.self) == "succeeded")
            #expect(try row.first?.decode("topic", as: String.self) == "launch")
            #expect(try row.first?.decode("owned", as: Bool.self) == true)
        }
    }

    @Test func aRunWithAnIdempotencyKeyIsWrittenBeforeItRuns() async throws {
        try await withDatabaseApp { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let (_, envelope) = try await client.mutation(
                "agents.run", ["agent": "echo", "input": ["text": "Keyed run."], "idempotencyKey": "key-1"])
            let id = try #require(runID(envelope))
            // The keyed row came first, before any tool row; the final state updated it.
            let rows = try await pool.query(
                "SELECT op || ' ' || status || ' ' || tools_present AS w FROM test_run_writes WHERE run_id = \(id) ORDER BY seq")
            #expect(try rows.map { try $0.decode("w", as: String.self) } == ["INSERT running 0", "UPDATE succeeded 0"])
        }
    }

    /// Two calls that wait, started together: one `running` write, and both wait for it.
    struct ParallelAgent: Agent {
        let name = "parallel"
        let description = "two timed calls at once"
        let intents = ["fan-out"]
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            async let a = toolbox.call("left", input: .object([:]), timeout: .seconds(5)) { .string("l") }
            async let b = toolbox.call("right", input: .object([:]), timeout: .seconds(5)) { .string("r") }
            return .array([try await a, try await b])
        }
    }

    @Test func parallelFirstCallsShareOneRunningWrite() async throws {
        try await withDatabaseApp(agents: [ParallelAgent()]) { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let (_, envelope) = try await client.mutation("agents.run", ["agent": "parallel", "input": [String: Any]()])
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let id = try #require(runID(envelope))
            #expect(try await runWrites(pool, run: id) == ["INSERT running", "UPDATE succeeded"])
        }
    }

    @Test func aFailedRunningWriteIsTheDatabasesFaultNotTheAgents() async throws {
        let gate = Gate()
        gate.open()
        try await withDatabaseApp(agents: [WaitingAgent(gate: gate)], { $0.agentBreakerThreshold = 1 }) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await pool.withConnection { connection in
                try connection.executeScript(
                    """
                    CREATE FUNCTION test_refuse_running() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
                    CREATE TRIGGER test_refuse_running BEFORE INSERT ON agent_runs FOR EACH ROW
                        WHEN (NEW.status = 'running' AND NEW.agent = 'waiter') EXECUTE FUNCTION test_refuse_running();
                    """)
            }
            for _ in 0..<2 {
                let (status, envelope) = try await client.mutation("agents.run", ["agent": "waiter", "input": [String: Any]()])
                #expect(status == 500)
                #expect(errorCode(envelope) == "INTERNAL_SERVER_ERROR")
            }
            // With a threshold of one failure, a verdict against the agent would have opened its breaker.
            let reply = try await client.get("/trpc/agents.list", headers: ["Authorization": "Bearer \(signedToken())"])
            let items = try #require((try reply.json()["result"] as? [String: Any])?["data"] as? [[String: Any]])
            #expect(items.first { $0["name"] as? String == "waiter" }?["circuit"] as? String == "closed")
            #expect(try await pool.query("SELECT count(*)::int AS n FROM agent_runs WHERE agent = \("waiter")").first?.decode("n", as: Int.self) == 0)
        }
    }

    /// An agent that posts through a connector (as the social agent will with the publish queue).
    struct NotifierAgent: Agent {
        let name = "notifier"
        let description = "posts a message through a connector"
        let intents = ["notify"]
        let actions: any ConnectorActions
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            try await ConnectorActionTool(actions: actions).invoke(
                .object(["connector": .string("slack"), "action": .string("postMessage"), "input": .object(["text": input["text"] ?? .null])]),
                toolbox: toolbox)
        }
    }

    @Test func aConnectorActionIsARecordedWaitingCall() async throws {
        let actions = FakeConnectorActions(delay: .milliseconds(20))
        try await withDatabaseApp(agents: [NotifierAgent(actions: actions)]) { server, client in
            let pool = try #require(server.database?.pool)
            try await logRunWrites(pool)
            let (_, envelope) = try await client.mutation("agents.run", ["agent": "notifier", "input": ["text": "Launch day"]])
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let id = try #require(runID(envelope))
            #expect(try await runWrites(pool, run: id) == ["INSERT running", "UPDATE succeeded"])  // a provider call is a wait
            let tools = try await pool.query(
                "SELECT tool, status, input->>'connector' AS connector, output::text AS output FROM tool_executions WHERE run_id = \(id)")
            #expect(try tools.map { try $0.decode("tool", as: String.self) } == ["connector.action"])
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("connector", as: String.self) == "slack")
            let stored = try tools.first?.decode("output", as: String.self) ?? ""
            #expect(!stored.contains("SECRETSECRET"))  // the provider's token never reaches a column
            #expect(actions.performed.first?.tenant == "tenant-a")
        }
    }
}
