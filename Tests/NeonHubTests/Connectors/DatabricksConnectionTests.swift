import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Databricks connection end to end, on a real database and the real server, pointed at the
/// Databricks fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the token with
/// the smoke action before storing it, `connectors.executeAction` runs a statement as a recorded
/// run, and the token appears in no table, log line or response.
@Suite struct DatabricksConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    static func connect(_ client: HTTPTestClient, token: String, host: String = DatabricksFake.workspaceHost) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "databricks", "credentials": ["token": token], "variables": ["workspaceHost": host],
            ]))
    }

    @Test func connectTestsTheTokenThenAStatementIsARecordedRunAndTheTokenLeaksNowhere() async throws {
        let fake = DatabricksFake()
        let sql = "SELECT channel, sessions FROM marketing.daily"
        fake.script(sql, .succeeds(DatabricksRuntimeTests.columns, [["email", "18234"], ["referral", "4410"]], rowsPerChunk: 1, pendingReads: 1))
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["databricks": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                // A token Databricks refuses is not stored.
                let refused = try await Self.connect(client, token: "dapi-not-a-real-token-0000000000000000")
                #expect(refused.status != 200)
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let connected = try await Self.connect(client, token: DatabricksFake.defaultToken)
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                #expect(
                    fake.requests.contains {
                        $0.path == "/api/2.0/sql/warehouses" && $0.header("Authorization") == "Bearer \(DatabricksFake.defaultToken)"
                    })

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    [
                        "connectionId": id, "action": "statements.execute",
                        "input": ["statement": sql, "warehouseId": DatabricksFake.Warehouse.defaults[0].id],
                    ])
                #expect(status == 200, "\(envelope)")
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                #expect(output["rows"] as? [[String]] == [["email", "18234"], ["referral", "4410"]])
                #expect(output["chunksRead"] as? Int == 2)

                let runText = resultData(envelope)?["runId"] as? String
                let runID = try #require(runText.flatMap { UUID(uuidString: $0) })
                let tools = try await pool.query("SELECT tool, status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(tools.count == 1)
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "statements.execute")

                // The planted secret (the token) is only in the vault, sealed.
                let token = DatabricksFake.defaultToken
                #expect(try await plaintextFindings(of: [token], in: pool) == [])
                #expect(try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets").first?.decode("n", as: Int.self) == 1)
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses = [
                    connected.text, String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self),
                    String(decoding: try JSONSerialization.data(withJSONObject: fetched), as: UTF8.self),
                ]
                #expect(logs.count > 0)
                #expect(!logs.text.contains(token), "a log line holds the token")
                #expect(!responses.contains { $0.contains(token) }, "a response holds the token")
            }
        }
    }

    @Test func aHostThatIsNotADatabricksWorkspaceIsRefusedBeforeAnythingIsSent() async throws {
        let fake = DatabricksFake()
        try fake.start()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["databricks": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { _, client in
                let reply = try await Self.connect(client, token: DatabricksFake.defaultToken, host: "attacker.example.com")
                #expect(reply.status == 400 || reply.status == 422, "\(reply.text)")
                let message = ((try reply.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
                #expect(message.contains("workspaceHost"), "\(message)")
                #expect(fake.requests.isEmpty)
            }
        }
    }
}
