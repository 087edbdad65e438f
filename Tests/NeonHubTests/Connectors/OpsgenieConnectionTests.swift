import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// An Opsgenie connection end to end, on a real database and the real server, pointed at the
/// Opsgenie fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` checks the host variable
/// and tests the key with the smoke read before storing it, `connectors.executeAction` creates an
/// incident as a recorded run and reads its request status back, and the key appears in no
/// table, log line or response.
@Suite struct OpsgenieConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
    static let unknownKey = "0badc0de-0000-4000-8000-00000000dead"

    static func connect(_ client: HTTPTestClient, key: String, host: String = "api.opsgenie.com") async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "opsgenie", "credentials": ["apiKey": key], "variables": ["apiHost": host],
            ]))
    }

    @Test func connectTestsTheKeyThenAnIncidentIsARecordedRunAndTheKeyNeverLeaks() async throws {
        let fake = OpsgenieFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["opsgenie": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                let pool = try #require(server.database?.pool)
                func connections() async throws -> Int? {
                    try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self)
                }
                // A host that is not Opsgenie's is refused before anything is sent.
                let elsewhere = try await Self.connect(client, key: OpsgenieFake.apiKey, host: "api.opsgenie.com.example.net")
                #expect(elsewhere.status != 200)
                #expect(fake.requests.isEmpty)
                // A key Opsgenie does not know is refused at connect, and nothing is stored.
                let unknown = try await Self.connect(client, key: Self.unknownKey)
                #expect(unknown.status != 200)
                #expect(try await connections() == 0)

                let connected = try await Self.connect(client, key: OpsgenieFake.apiKey, host: "api.eu.opsgenie.com")
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                let smoke = fake.server.requests("GET", "/v1/incidents")
                #expect(smoke.count == 2, "the key was tried before it was stored")
                #expect(smoke.last?.header("Authorization") == "GenieKey \(OpsgenieFake.apiKey)")

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    [
                        "connectionId": id, "action": "incidents.create",
                        "input": ["message": "Checkout error rate above 5%", "description": "7.2 % over 10 minutes", "priority": "P2"],
                    ])
                #expect(status == 200, "\(envelope)")
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                let requestID = try #require(output["requestId"] as? String)
                let incident = try #require(fake.incidents.last)
                #expect(incident.message == "Checkout error rate above 5%" && incident.priority == "P2")
                let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
                let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "incidents.create")

                let (readStatus, read) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "incidents.requestStatus", "input": ["requestId": requestID]])
                #expect(readStatus == 200, "\(read)")
                let outcome = try #require(resultData(read)?["output"] as? [String: Any])
                #expect(outcome["incidentId"] as? String == incident.id && outcome["success"] as? Bool == true)

                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses =
                    [connected.text, unknown.text, elsewhere.text]
                    + [envelope, read, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                let planted = [OpsgenieFake.apiKey, Self.unknownKey]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a key")
                    #expect(!responses.contains { $0.contains(secret) }, "a response holds a key")
                }
            }
        }
    }
}
