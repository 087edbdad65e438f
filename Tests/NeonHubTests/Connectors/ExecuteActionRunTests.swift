import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `connectors.executeAction` is a recorded run: its `running` row is written in the same round
/// trip that reads the connection, before the provider is called, and only when the connection
/// exists; a run with an idempotency key is found again by its key. Mock mode stands in for the
/// provider (its simulated latency keeps the call waiting while the test looks).
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

    @Test func theRunningRowIsWrittenBeforeTheProviderAnswersWithTheConnectorInItsInput() async throws {
        try await withDatabaseApp({
            $0.useMockConnectors = true
            $0.mockConnectorLatencyMs = 3_000
        }) { server, client in
            let pool = try #require(server.database?.pool)
            let id = try await Self.connectSlack(client)
            let call = Task {
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "conversations.list", "input": [:]])
                return (status, resultData(envelope)?["runId"] as? String)
            }
            // While the mock provider waits, the run is there, `running`, complete with its connector.
            var seen: [(status: String, input: JSONValue)] = []
            for _ in 0..<300 where seen.isEmpty {
                seen = try await Self.connectorRuns(pool, tenant: "tenant-a")
                if seen.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(seen.map(\.status) == ["running"])
            #expect(seen.first?.input["connector"] == .string("slack"))
            #expect(seen.first?.input["connectionId"] == .string(id))
            #expect(seen.first?.input["action"] == .string("conversations.list"))

            let (status, answered) = try await call.value
            #expect(status == 200)
            let runID = try #require(answered)
            let runs = try await Self.connectorRuns(pool, tenant: "tenant-a")
            #expect(runs.map(\.status) == ["succeeded"], "the running row became the final one; no second row")
            #expect(runs.first?.input["connector"] == .string("slack"))
            let (_, run) = try await client.query("agents.getRun", ["id": runID])
            #expect((resultData(run)?["toolExecutions"] as? [[String: Any]])?.map { $0["tool"] as? String } == ["connector.action"])
            #expect(resultData(run)?["status"] as? String == "succeeded")
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
