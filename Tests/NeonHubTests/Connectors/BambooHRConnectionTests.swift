import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A BambooHR connection end to end, on a real database and the real server, pointed at the
/// BambooHR fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the API key and
/// the company domain with the smoke read (the key's own employee) before storing them,
/// `connectors.executeAction` reads an employee as a recorded run, and the key (and the Basic
/// header made of it) appears in no table, log line or response.
@Suite struct BambooHRConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
    static let unknownKey = "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1"

    static func connect(_ client: HTTPTestClient, key: String, domain: String = BambooHRFake.companyDomain) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "bamboohr", "credentials": ["apiKey": key], "variables": ["companyDomain": domain],
            ]))
    }

    @Test func connectTestsTheKeyThenAnEmployeeReadIsARecordedRunAndTheKeyNeverLeaks() async throws {
        let fake = BambooHRFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let base = "\(fake.baseURL)/api/gateway.php/{{vars.companyDomain}}/v1"
            let endpoints = try OAuthTestSupport.endpointsFile(["bamboohr": ["baseUrl": base]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                // The key is tried by reading its own employee (id 0): a company may not share its directory.
                let own = "/api/gateway.php/\(BambooHRFake.companyDomain)/v1/employees/0/"
                // A key BambooHR does not know, or another company's domain, is refused at connect; nothing is stored.
                let unknown = try await Self.connect(client, key: Self.unknownKey)
                #expect(unknown.status != 200)
                let elsewhere = try await Self.connect(client, key: BambooHRFake.apiKey, domain: "other-company")
                #expect(elsewhere.status != 200)
                #expect(fake.server.requests("GET", "/api/gateway.php/other-company/v1/employees/0/").count == 1)
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let connected = try await Self.connect(client, key: BambooHRFake.apiKey)
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                #expect(fake.server.requests("GET", own).count == 2, "the key was tried before it was stored")

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "employees.get", "input": ["id": "124"]])
                #expect(status == 200, "\(envelope)")
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                #expect(output["firstName"] as? String == "Ada" && output["email"] as? String == "ada@acme.example")
                let sent = try #require(fake.requests.last)
                #expect(sent.path == "/api/gateway.php/\(BambooHRFake.companyDomain)/v1/employees/124/")
                #expect(sent.header("Accept") == "application/json")
                let basic = try #require(sent.header("Authorization"))
                let decoded = Data(base64Encoded: String(basic.dropFirst("Basic ".count))).map { String(decoding: $0, as: UTF8.self) }
                #expect(decoded?.hasPrefix(BambooHRFake.apiKey + ":") == true, "the stored key went out as the Basic user name")
                let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
                let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "employees.get")

                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses =
                    [connected.text, unknown.text, elsewhere.text]
                    + [envelope, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                let planted = [BambooHRFake.apiKey, Self.unknownKey, String(basic.dropFirst("Basic ".count))]
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
