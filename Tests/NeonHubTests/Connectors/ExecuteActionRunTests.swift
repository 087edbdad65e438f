import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `connectors.executeAction` is a recorded run: a write's `running` row is written in the same
/// round trip that reads the connection, before the provider is called, and only when the
/// connection exists; a read's only once it has taken `quietRunRowDelay`; a run with an
/// idempotency key is found again by its key. The Opsgenie fake (holding
/// its answer at a gate while the test looks) or mock mode stands in for the provider.
@Suite struct ExecuteActionRunTests {
    static func connectSlack(_ client: HTTPTestClient, tenant: String = "tenant-a") async throws -> String {
        let connect = try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(tenant: tenant, role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: ["connector": "slack", "credentials": [:]]))
        #expect(connect.status == 200)
        return try #require(resultData(try connect.json())?["id"] as? String)
    }

    static func connectorRuns(_ pool: PostgresPool, tenant: String) async throws -> [(status: String, input: JSONValue)] {
        try await pool.query(
            "SELECT status, input FROM agent_runs WHERE tenant_id = \(tenant) AND agent = 'connector' ORDER BY created_at"
        ).map { (try $0.decode("status", as: String.self), try $0.decode("input", as: JSONValue.self)) }
    }

    /// An app whose Opsgenie points at `fake` (a quiet run's row written after
    /// `quietRunRowDelay`), with an Opsgenie connection: `body` gets the pool, the client and
    /// the connection's id.
    static func withOpsgenie(
        _ fake: OpsgenieFake, quietRunRowDelay: Duration, _ body: (PostgresPool, HTTPTestClient, String) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["opsgenie": ["baseUrl": fake.baseURL]])
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:])
            $0.quietRunRowDelay = quietRunRowDelay
        }) { server, client in
            let pool = try #require(server.database?.pool)
            let connected = try await OpsgenieConnectionTests.connect(client, key: OpsgenieFake.apiKey)
            #expect(connected.status == 200, "\(connected.text)")
            try await body(pool, client, try #require(resultData(try connected.json())?["id"] as? String))
        }
    }

    /// Starts `action` on connection `id` while the fake holds its answer at `gate`; returns
    /// once the provider holds the call, with the call's task (status, run id).
    static func startHeld(
        _ client: HTTPTestClient, _ gate: ReplyGate, connection id: String, action: String, input: [String: String]
    ) async throws -> Task<(Int, String?), any Error> {
        let call = Task {
            let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": input])
            return (status, resultData(envelope)?["runId"] as? String)
        }
        for _ in 0..<3_000 where gate.heldCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(gate.heldCount == 1, "the provider was called")
        return call
    }

    /// After the held call is let go: it succeeded, and its run is one row, `succeeded`, with
    /// the connector in its input and the call as its tool execution.
    static func expectOneSucceededRun(
        _ call: Task<(Int, String?), any Error>, pool: PostgresPool, client: HTTPTestClient, connection id: String, action: String
    ) async throws {
        let (status, answered) = try await call.value
        #expect(status == 200)
        let runID = try #require(answered)
        let runs = try await Self.connectorRuns(pool, tenant: "tenant-a")
        #expect(runs.map(\.status) == ["succeeded"], "one row, ended")
        #expect(runs.first?.input["connector"] == .string("opsgenie"))
        #expect(runs.first?.input["connectionId"] == .string(id))
        #expect(runs.first?.input["action"] == .string(action))
        let (_, run) = try await client.query("agents.getRun", ["id": runID])
        #expect((resultData(run)?["toolExecutions"] as? [[String: Any]])?.map { $0["tool"] as? String } == ["connector.action"])
        #expect(resultData(run)?["status"] as? String == "succeeded")
    }

    /// Performs `action` on an Opsgenie connection while the fake holds its answer to `method`
    /// `path` at a gate; `look` inspects the database meanwhile (given the pool and the
    /// connection's id). Then the gate opens, and the run must end as one succeeded row.
    static func whileHeld(
        _ method: String, _ path: String, action: String, input: [String: String] = [:], quietRunRowDelay: Duration,
        _ look: (PostgresPool, String) async throws -> Void
    ) async throws {
        let fake = OpsgenieFake()
        try fake.start()
        let gate = ReplyGate()
        try await fake.server.serving {
            try await Self.withOpsgenie(fake, quietRunRowDelay: quietRunRowDelay) { pool, client, id in
                fake.server.hold(method, path, until: gate)
                let call = try await Self.startHeld(client, gate, connection: id, action: action, input: input)
                try await look(pool, id)
                gate.open()
                try await Self.expectOneSucceededRun(call, pool: pool, client: client, connection: id, action: action)
            }
        }
    }

    @Test func aWriteActionsRunningRowIsWrittenBeforeTheProviderAnswersWithTheConnectorInItsInput() async throws {
        // The Opsgenie fake holds its answer to the action until the test has seen the row, so
        // the order is checked without racing a timer.
        try await Self.whileHeld("POST", "/v2/alerts", action: "alerts.create", input: ["message": "Disk full"], quietRunRowDelay: .seconds(600)) {
            pool, id in
            // While the provider holds its answer, the run is there, `running`, complete with its connector.
            let seen = try await Self.connectorRuns(pool, tenant: "tenant-a")
            #expect(seen.map(\.status) == ["running"])
            #expect(seen.first?.input["connector"] == .string("opsgenie"))
            #expect(seen.first?.input["connectionId"] == .string(id))
            #expect(seen.first?.input["action"] == .string("alerts.create"))
        }
    }

    /// An action that only reads writes no `running` row while it is quick: its run is one
    /// transaction at its end (what makes `executeAction` of a read cost about what a run that
    /// only computes costs).
    @Test func aQuickReadIsRecordedOnceAtItsEnd() async throws {
        try await Self.whileHeld("GET", "/v1/incidents", action: "incidents.list", quietRunRowDelay: .seconds(600)) { pool, _ in
            for _ in 0..<5 {
                #expect(try await Self.connectorRuns(pool, tenant: "tenant-a").isEmpty, "no row while the read is in flight")
                try await Task.sleep(for: .milliseconds(40))
            }
        }
    }

    /// A read that takes longer than `quietRunRowDelay` is seen `running` (and recovered as
    /// abandoned if its process dies), like any other run.
    @Test func aSlowReadIsSeenRunningOnceItHasWaited() async throws {
        try await Self.whileHeld("GET", "/v1/incidents", action: "incidents.list", quietRunRowDelay: .milliseconds(200)) { pool, _ in
            var seen: [(status: String, input: JSONValue)] = []
            for _ in 0..<3_000 where seen.isEmpty {
                seen = try await Self.connectorRuns(pool, tenant: "tenant-a")
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(seen.map(\.status) == ["running"])
            #expect(seen.first?.input["connector"] == .string("opsgenie"))
        }
    }

    /// Found by a review: a tool call's `attempt` counted earlier calls of the same tool in
    /// the run, not the retries its requests needed. A provider that fails once with 500 and
    /// then answers gives the call attempt 2 and the run one retry.
    @Test func theToolExecutionCountsTheRetriesOfItsRequests() async throws {
        let fake = OpsgenieFake()
        try fake.start()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["opsgenie": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                let pool = try #require(server.database?.pool)
                let connected = try await OpsgenieConnectionTests.connect(client, key: OpsgenieFake.apiKey)
                let id = try #require(resultData(try connected.json())?["id"] as? String)
                let before = fake.server.requests("GET", "/v1/incidents").count  // connecting tested the key
                fake.server.on(
                    "GET", "/v1/incidents",
                    replies: [
                        .json(500, object: ["message": "Internal Server Error", "took": 0.001, "requestId": "r-1"]),
                        .json(200, object: ["data": [], "took": 0.002, "requestId": "r-2"]),
                    ])
                var runs: [UUID] = []
                for _ in 0..<2 {
                    let (status, envelope) = try await client.mutation(
                        "connectors.executeAction", ["connectionId": id, "action": "incidents.list", "input": ["query": "status: open"]])
                    #expect(status == 200, "\(envelope)")
                    let runID = try #require(resultData(envelope)?["runId"] as? String)
                    runs.append(try #require(UUID(uuidString: runID)))
                }
                #expect(fake.server.requests("GET", "/v1/incidents").count == before + 3)
                var attempts: [Int] = [], retries: [Double] = []
                for run in runs {
                    attempts.append(
                        try await pool.query("SELECT attempt FROM tool_executions WHERE run_id = \(run)")[0].decode("attempt", as: Int.self))
                    retries.append(
                        try await pool.query("SELECT value FROM agent_run_metrics WHERE run_id = \(run) AND name = 'retries'")[0].decode(
                            "value", as: Double.self))
                }
                #expect(attempts == [2, 1])
                #expect(retries == [1, 0])
            }
        }
    }

    @Test func anUnknownOrForeignConnectionIsNotFoundAndLeavesNoRun() async throws {
        try await withDatabaseApp({ $0.useMockConnectors = true }) { server, client in
            let pool = try #require(server.database?.pool)
            let foreign = try await Self.connectSlack(client, tenant: "tenant-b")
            for connection in [UUID().uuidString, foreign] {
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": connection, "action": "conversations.list", "input": [:]])
                #expect(status == 404)
                #expect(errorCode(envelope) == "NOT_FOUND")
            }
            #expect(try await Self.connectorRuns(pool, tenant: "tenant-a").isEmpty)
            #expect(try await Self.connectorRuns(pool, tenant: "tenant-b").isEmpty)
            // The server keeps serving: the next call on a real connection runs.
            let own = try await Self.connectSlack(client)
            let (status, _) = try await client.mutation(
                "connectors.executeAction", ["connectionId": own, "action": "conversations.list", "input": [:]])
            #expect(status == 200)
            #expect(try await Self.connectorRuns(pool, tenant: "tenant-a").map(\.status) == ["succeeded"])
        }
    }

    @Test func aNULInTheInputIsNoReasonToFail() async throws {
        try await withDatabaseApp({ $0.useMockConnectors = true }) { server, client in
            let pool = try #require(server.database?.pool)
            // jsonb cannot hold \u0000: the run's record gets U+FFFD instead, and the call goes on.
            let input: [String: Any] = ["types": "public\u{0}channel", "note\u{0}": "x"]
            let (missing, envelope) = try await client.mutation(
                "connectors.executeAction", ["connectionId": UUID().uuidString, "action": "conversations.list", "input": input])
            #expect(missing == 404, "an unknown connection is not found, whatever the input holds")
            #expect(errorCode(envelope) == "NOT_FOUND")
            let id = try await Self.connectSlack(client)
            let (status, answer) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "conversations.list", "input": ["types": "public_channel\u{0}"]])
            #expect(status == 200, "\(answer)")
            let runs = try await Self.connectorRuns(pool, tenant: "tenant-a")
            #expect(runs.map(\.status) == ["succeeded"])
            #expect(runs.first?.input["input"]?["types"] == .string("public_channel\u{FFFD}"))
        }
    }

    @Test func aRunWithAnIdempotencyKeyIsAnsweredAgainFromItsRow() async throws {
        try await withDatabaseApp({ $0.useMockConnectors = true }) { server, client in
            let pool = try #require(server.database?.pool)
            let id = try await Self.connectSlack(client)
            let input: [String: Any] = ["connectionId": id, "action": "conversations.list", "input": [:], "idempotencyKey": "list-1"]
            let (first, once) = try await client.mutation("connectors.executeAction", input)
            let (second, again) = try await client.mutation("connectors.executeAction", input)
            #expect(first == 200 && second == 200)
            let runID = try #require(resultData(once)?["runId"] as? String)
            #expect(resultData(again)?["runId"] as? String == runID)
            let runs = try await Self.connectorRuns(pool, tenant: "tenant-a")
            #expect(runs.map(\.status) == ["succeeded"])
            #expect(runs.first?.input["connector"] == .string("slack"))
            #expect(runs.first?.input["idempotencyKey"] == .string("list-1"))
        }
    }
}
