import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A PagerDuty connection end to end, on a real database and the real server, pointed at the
/// PagerDuty fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the key with the
/// smoke read before storing it, `connectors.executeAction` creates an incident as a recorded
/// run with the user's email in `From`, and the key appears in no table, log line or response.
@Suite struct PagerDutyConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    static func connect(_ client: HTTPTestClient, key: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "pagerduty", "credentials": ["apiKey": key], "variables": ["fromEmail": PagerDutyFake.userEmail],
            ]))
    }

    @Test func connectTestsTheKeyThenAnIncidentIsARecordedRunAndTheKeyNeverLeaks() async throws {
        let fake = PagerDutyFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["pagerduty": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                // A key PagerDuty does not know is refused at connect, and nothing is stored.
                let unknown = try await Self.connect(client, key: "u+pdNoSuchKey-0000000000000000000000")
                #expect(unknown.status != 200)
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let connected = try await Self.connect(client, key: PagerDutyFake.apiKey)
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                #expect(fake.server.requests("GET", "/services").count == 2, "the key was tried before it was stored")

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    [
                        "connectionId": id, "action": "incidents.create",
                        "input": ["title": "Checkout error rate above 5%", "serviceId": "PIJ90N7", "details": "7.2 % over 10 minutes"],
                    ])
                #expect(status == 200, "\(envelope)")
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                let incidentID = try #require(output["id"] as? String)
                #expect(fake.incidents.first { $0.id == incidentID }?.details == "7.2 % over 10 minutes")
                #expect(fake.requests.last?.header("From") == PagerDutyFake.userEmail)
                let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
                let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "incidents.create")

                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses =
                    [connected.text, unknown.text]
                    + [envelope, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                let planted = [PagerDutyFake.apiKey, "u+pdNoSuchKey-0000000000000000000000"]
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
