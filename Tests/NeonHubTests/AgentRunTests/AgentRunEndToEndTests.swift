import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `agents.*` over real HTTP against a real PostgreSQL: rows verified with SQL.
@Suite struct AgentRunEndToEndTests {
    /// An agent that always fails (for the circuit breaker).
    struct FailingAgent: Agent {
        let name = "flaky"
        let description = "always fails"
        let intents = ["fail"]
        struct Boom: Error {}
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            _ = try await toolbox.call("noop", input: .object([:]), timeout: .seconds(30)) { .null }
            throw Boom()
        }
    }

    /// An agent that echoes secrets back through a tool (sanitization must catch them).
    struct LeakyAgent: Agent {
        let name = "leaky"
        let description = "echoes its input through a tool"
        let intents = ["leak"]
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let echoed = try await toolbox.call("echo", input: input, timeout: .seconds(30)) {
                .object(["api_key": .string("sk-live-TOOLOUTPUT123456"), "note": .string("Authorization: Bearer abcdefghijklmnop123")])
            }
            if input["fail"] == .bool(true) { throw AgentInputError("password=hunter2hunter2 was rejected") }
            return .object(["echo": echoed, "token": .string("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")])
        }
    }

    /// An agent whose runs fail for the caller's reasons: a tool's input, the caller's connection.
    struct CallerTroubleAgent: Agent {
        let name = "caller-trouble"
        let description = "fails the way a caller's request or connection makes it fail"
        let intents = ["act"]
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            if input["tool"] == .bool(true) { throw ToolInputError(tool: "connector.action", "action: required") }
            throw ConnectorError(.connectionNeedsAttention, "This connection needs attention: reconnect it")
        }
    }

    func withAgentApp(budgetTokens: Int = 2_000_000, _ body: (NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        try await withDatabaseApp(
            agents: [FailingAgent(), LeakyAgent(), CallerTroubleAgent()], { $0.agentDailyTokenBudget = budgetTokens }, body)
    }

    @Test func listsTheCatalogWithBreakerState() async throws {
        try await withAgentApp { _, client in
            let reply = try await client.get("/trpc/agents.list", headers: ["Authorization": "Bearer \(signedToken())"])
            let items = try #require((try reply.json()["result"] as? [String: Any])?["data"] as? [[String: Any]])
            let names = Set(items.compactMap { $0["name"] as? String })
            #expect(names.isSuperset(of: ["content", "seo", "social", "email", "support"]))
            #expect(items.allSatisfy { $0["circuit"] as? String == "closed" })
        }
    }

    @Test func seoRunIsRecordedWithToolsAndMetrics() async throws {
        try await withAgentApp { server, client in
            let content =
                "# Email marketing automation guide\n\nEmail marketing automation saves teams hours every week. This guide shows how.\n\n## Why automate\n\nAutomated journeys respond to what customers do."
            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "seo",
                    "input": ["content": content, "primaryKeyword": "email marketing automation", "title": "Email marketing automation guide"],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded")
            let runID = try #require(result["runId"] as? String)
            #expect(((result["output"] as? [String: Any])?["score"] as? Double) != nil)

            let pool = try #require(server.database?.pool)
            let run = try await pool.query(
                "SELECT status, agent, intent, finished_at IS NOT NULL AS done FROM agent_runs WHERE id = \(UUID(uuidString: runID)!)")
            #expect(try run.first?.decode("status", as: String.self) == "succeeded")
            #expect(try run.first?.decode("intent", as: String.self) == "analyze")
            #expect(try run.first?.decode("done", as: Bool.self) == true)
            let tools = try await pool.query("SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(UUID(uuidString: runID)!)")
            #expect(try tools.first!.decode("n", as: Int.self) >= 1)
            let metrics = try await pool.query("SELECT name FROM agent_run_metrics WHERE run_id = \(UUID(uuidString: runID)!)")
            #expect(try metrics.map { try $0.decode("name", as: String.self) }.contains("latency_ms"))

            let (getStatus, detailEnvelope) = try await client.query("agents.getRun", ["id": runID])
            #expect(getStatus == 200)
            let detail = try #require(resultData(detailEnvelope))
            #expect((detail["toolExecutions"] as? [[String: Any]])?.isEmpty == false)
            #expect((detail["metrics"] as? [[String: Any]])?.contains { $0["name"] as? String == "latency_ms" } == true)

            let (listStatus, listEnvelope) = try await client.query("agents.listRuns", ["agent": "seo"])
            #expect(listStatus == 200)
            #expect((resultData(listEnvelope)?["items"] as? [[String: Any]])?.first?["id"] as? String == runID)

            let metricsText = try await client.get("/metrics").text
            #expect(metricsText.contains(#"neonhub_agent_runs_total{agent="seo",status="succeeded",intent="analyze"} 1"#))
        }
    }

    @Test func secretsNeverReachAColumnOrAResponse() async throws {
        try await withAgentApp { server, client in
            let secrets = [
                "supersecret-value-42", "sk-live-TOOLOUTPUT123456", "abcdefghijklmnop123", "hunter2hunter2", "eyJhbGciOiJIUzI1NiJ9",
                "sk-proj-INPUTKEY987654",
            ]
            var runIDs: [String] = []
            for fail in [false, true] {
                let (_, envelope) = try await client.mutation(
                    "agents.run",
                    [
                        "agent": "leaky",
                        "input": [
                            "password": "supersecret-value-42", "nested": ["deep": ["apiKey": "sk-proj-INPUTKEY987654"]], "fail": fail,
                        ],
                    ])
                let result = try #require(resultData(envelope))
                runIDs.append(try #require(result["runId"] as? String))
                let text = String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self)
                for secret in secrets { #expect(!text.contains(secret), "agents.run answer leaks \(secret)") }
            }
            let pool = try #require(server.database?.pool)
            let dump = try await pool.query(
                """
                SELECT coalesce(string_agg(r.input::text || ' ' || coalesce(r.output::text,'') || ' ' || coalesce(r.error::text,''), ' '), '') AS runs,
                       (SELECT coalesce(string_agg(t.input::text || ' ' || coalesce(t.output::text,'') || ' ' || coalesce(t.error::text,''), ' '), '') FROM tool_executions t) AS tools
                FROM agent_runs r
                """)
            let stored = try dump[0].decode("runs", as: String.self) + (try dump[0].decode("tools", as: String.self))
            #expect(stored.contains("[REDACTED]"))
            for secret in secrets { #expect(!stored.contains(secret), "a column holds \(secret)") }
            for id in runIDs {
                let reply = try await client.get(
                    "/trpc/agents.getRun?input=" + "{\"id\":\"\(id)\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                    headers: ["Authorization": "Bearer \(signedToken())"])
                for secret in secrets { #expect(!reply.text.contains(secret), "agents.getRun leaks \(secret)") }
            }
        }
    }

    @Test func idempotencyKeyReturnsTheSameRunAndOtherTenantsSeeNothing() async throws {
        try await withAgentApp { server, client in
            let input: [String: Any] = [
                "agent": "support", "idempotencyKey": "key-1", "input": ["message": "I was charged twice this month, please refund"],
            ]
            let (_, first) = try await client.mutation("agents.run", input)
            let (_, second) = try await client.mutation("agents.run", input)
            let id = try #require(resultData(first)?["runId"] as? String)
            #expect(resultData(second)?["runId"] as? String == id)
            let count = try await server.database!.pool.query("SELECT count(*)::int AS n FROM agent_runs WHERE idempotency_key = 'key-1'")
            #expect(try count[0].decode("n", as: Int.self) == 1)
            // The same key for another tenant is another run.
            let (_, other) = try await client.mutation("agents.run", input, tenant: "tenant-b")
            #expect(resultData(other)?["runId"] as? String != id)
            let (status, envelope) = try await client.query("agents.getRun", ["id": id], tenant: "tenant-b")
            #expect(status == 404)
            #expect(((envelope["error"] as? [String: Any])?["data"] as? [String: Any])?["code"] as? String == "NOT_FOUND")
        }
    }

    @Test func breakerOpensAfterRepeatedFailures() async throws {
        try await withAgentApp { _, client in
            for _ in 0..<5 {
                let (_, envelope) = try await client.mutation("agents.run", ["agent": "flaky", "input": [:]])
                #expect(resultData(envelope)?["status"] as? String == "failed")
            }
            let (status, _) = try await client.mutation("agents.run", ["agent": "flaky", "input": [:]])
            #expect(status == 503)
            let list = try await client.get("/trpc/agents.list", headers: ["Authorization": "Bearer \(signedToken())"])
            let flaky = ((try list.json()["result"] as? [String: Any])?["data"] as? [[String: Any]])?.first { $0["name"] as? String == "flaky" }
            #expect(flaky?["circuit"] as? String == "open")
            #expect(try await client.get("/metrics").text.contains(#"neonhub_circuit_breaker_failures_total{agent="flaky"} 5"#))
        }
    }

    /// The breaker is shared by every tenant: one caller's bad tool input or broken connection
    /// must not switch the agent off for everyone.
    @Test func failuresOfTheCallersMakingDoNotOpenTheBreaker() async throws {
        try await withAgentApp { _, client in
            for index in 0..<8 {
                let (status, envelope) = try await client.mutation(
                    "agents.run", ["agent": "caller-trouble", "input": ["tool": index.isMultiple(of: 2)]])
                #expect(status == 200, "\(envelope)")
                #expect(resultData(envelope)?["status"] as? String == "failed")
            }
            let list = try await client.get("/trpc/agents.list", headers: ["Authorization": "Bearer \(signedToken())"])
            let agent = ((try list.json()["result"] as? [String: Any])?["data"] as? [[String: Any]])?.first {
                $0["name"] as? String == "caller-trouble"
            }
            #expect(agent?["circuit"] as? String == "closed")
            #expect(!(try await client.get("/metrics").text.contains(#"neonhub_circuit_breaker_failures_total{agent="caller-trouble"}"#)))
        }
    }

    @Test func budgetStopsARun() async throws {
        try await withAgentApp(budgetTokens: 50) { _, client in
            let brief: [String: Any] = [
                "agent": "content", "input": ["topic": "Spring launch checklist", "primaryKeyword": "launch checklist", "wordCount": 400],
            ]
            let (_, first) = try await client.mutation("agents.run", brief)
            #expect(resultData(first)?["status"] as? String == "succeeded")
            let (_, second) = try await client.mutation("agents.run", brief)
            #expect(resultData(second)?["status"] as? String == "failed")
            #expect((resultData(second)?["error"] as? [String: Any])?["code"] as? String == "BUDGET_EXCEEDED")
        }
    }

    @Test func runEventsStreamInOrder() async throws {
        try await withAgentApp { _, client in
            let (_, envelope) = try await client.mutation(
                "agents.run", ["agent": "seo", "input": ["content": "Short text about pricing pages.", "primaryKeyword": "pricing"]])
            let id = try #require(resultData(envelope)?["runId"] as? String)
            let input = "{\"runId\":\"\(id)\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await client.get("/trpc/agents.onRunEvent?input=\(input)", headers: ["Authorization": "Bearer \(signedToken())"])
            let events = reply.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: {") }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
                .filter { $0["type"] != nil }  // skips the `connected` event's {}
            #expect(events.first?["status"] as? String == "running")
            #expect(events.last?["status"] as? String == "succeeded")
            #expect(events.contains { $0["type"] as? String == "tool" })
            let sequences = events.compactMap { $0["sequence"] as? Int }
            #expect(sequences == sequences.sorted())
            #expect(reply.text.contains("event: return"))
        }
    }

    @Test func abandonedRunsAreFailedAtStart() async throws {
        let url = try await ThrowawayPostgres.freshDatabase()
        // A first server migrates; then a run is left "running" by a runner that no longer exists.
        try await withTestApp({
            $0.useDatabase = true; $0.databaseURL = url; $0.migrationsDirectory = ThrowawayPostgres.migrationsDirectory.path
        }) { server, _ in
            _ = try await server.database!.pool.execute(
                """
                INSERT INTO agent_runs (tenant_id, agent, intent, status, input, started_at, runner_id)
                VALUES ('tenant-a', 'seo', 'analyze', 'running', '{}', now() - interval '1 minute', 424242)
                """)
        }
        try await withTestApp({
            $0.useDatabase = true; $0.databaseURL = url; $0.migrationsDirectory = ThrowawayPostgres.migrationsDirectory.path
        }) { server, _ in
            let rows = try await server.database!.pool.query("SELECT status, error->>'code' AS code FROM agent_runs WHERE runner_id = 424242")
            #expect(try rows[0].decode("status", as: String.self) == "failed")
            #expect(try rows[0].decode("code", as: String.self) == "ABANDONED")
        }
    }

    /// A keyed run left `running` by this process with no request behind it (its request lost
    /// the database before the final commit and answered 503) is run again under its id by a
    /// retry with the same key; a finished run is returned as stored, not run twice; another
    /// live runner's `running` run is returned as it is.
    @Test func retryWithTheSameKeyResumesAnOrphanedRunAndNeverRunsAFinishedOneTwice() async throws {
        try await withAgentApp { server, client in
            let pool = try #require(server.database?.pool)
            let runner = server.orchestrator.runnerID
            let orphan = UUID(), finished = UUID(), elsewhere = UUID()
            _ = try await pool.pipelineTransaction([
                """
                INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, idempotency_key, started_at, runner_id)
                VALUES (\(orphan), 'tenant-a', 'echo', 'echo', 'running', '{"text":"a b"}', 'orphan-key', now(), \(runner))
                """,
                """
                INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, output, idempotency_key, started_at, finished_at, duration_ms, runner_id)
                VALUES (\(finished), 'tenant-a', 'echo', 'echo', 'succeeded', '{}', '{"stored":true}', 'finished-key', now(), now(), 1, \(runner))
                """,
                """
                INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, idempotency_key, started_at, runner_id)
                VALUES (\(elsewhere), 'tenant-a', 'echo', 'echo', 'running', '{}', 'elsewhere-key', now(), \(runner &+ 1))
                """,
            ])

            let (status, envelope) = try await client.mutation(
                "agents.run", ["agent": "echo", "idempotencyKey": "orphan-key", "input": ["text": "a b"]])
            #expect(status == 200)
            #expect((resultData(envelope)?["runId"] as? String)?.lowercased() == orphan.uuidString.lowercased())
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let resumed = try await pool.query(
                """
                SELECT status, (SELECT count(*)::int FROM tool_executions WHERE run_id = \(orphan)) AS tools,
                       (SELECT count(*)::int FROM agent_runs WHERE idempotency_key = 'orphan-key') AS rows
                FROM agent_runs WHERE id = \(orphan)
                """)
            #expect(try resumed.first?.decode("status", as: String.self) == "succeeded")
            #expect(try resumed.first?.decode("tools", as: Int.self) == 2)
            #expect(try resumed.first?.decode("rows", as: Int.self) == 1)

            let (_, again) = try await client.mutation("agents.run", ["agent": "echo", "idempotencyKey": "finished-key", "input": ["text": "x"]])
            #expect((resultData(again)?["runId"] as? String)?.lowercased() == finished.uuidString.lowercased())
            #expect((resultData(again)?["output"] as? [String: Any])?["stored"] as? Bool == true)
            let tools = try await pool.query("SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(finished)")
            #expect(try tools.first?.decode("n", as: Int.self) == 0)

            let (_, other) = try await client.mutation("agents.run", ["agent": "echo", "idempotencyKey": "elsewhere-key", "input": ["text": "x"]])
            #expect((resultData(other)?["runId"] as? String)?.lowercased() == elsewhere.uuidString.lowercased())
            #expect(resultData(other)?["status"] as? String == "running")
        }
    }
}
