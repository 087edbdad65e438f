import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Dropbox Sign connection end to end, on a real database and the real server, pointed at the
/// Dropbox Sign fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the API key
/// with the smoke read (`GET /account`) before storing it, `connectors.executeAction` reads a
/// signature request as a recorded run, and the key (and the Basic header made of it) appears in
/// no table, log line or response.
@Suite struct DropboxSignConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
    static let unknownKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

    static func connect(_ client: HTTPTestClient, key: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: ["connector": "dropbox-sign", "credentials": ["apiKey": key]]))
    }

    @Test func connectTestsTheKeyThenARequestReadIsARecordedRunAndTheKeyNeverLeaks() async throws {
        let fake = DropboxSignFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["dropbox-sign": ["baseUrl": fake.apiBaseURL]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                // A key Dropbox Sign does not know is refused at connect; nothing is stored.
                let unknown = try await Self.connect(client, key: Self.unknownKey)
                #expect(unknown.status != 200)
                #expect(fake.server.requests("GET", "/v3/account").count == 1)
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)

                let connected = try await Self.connect(client, key: DropboxSignFake.apiKey)
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                #expect(fake.server.requests("GET", "/v3/account").count == 2, "the key was tried before it was stored")

                let requestID = "fa5c8a0b0f492d768749333ad6fcc214c111e967"
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "signatureRequests.get", "input": ["id": requestID]])
                #expect(status == 200, "\(envelope)")
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                #expect(output["title"] as? String == "Purchase Agreement" && output["isComplete"] as? Bool == true)
                let sent = try #require(fake.requests.last)
                #expect(sent.path == "/v3/signature_request/\(requestID)")
                #expect(sent.header("Accept") == "application/json")
                let basic = try #require(sent.header("Authorization"))
                let decoded = Data(base64Encoded: String(basic.dropFirst("Basic ".count))).map { String(decoding: $0, as: UTF8.self) }
                #expect(decoded?.hasPrefix(DropboxSignFake.apiKey + ":") == true, "the stored key went out as the Basic user name")
                let runID = try #require(UUID(uuidString: resultData(envelope)?["runId"] as? String ?? ""))
                let tools = try await pool.query("SELECT status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "signatureRequests.get")

                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses =
                    [connected.text, unknown.text]
                    + [envelope, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                let planted = [DropboxSignFake.apiKey, Self.unknownKey, String(basic.dropFirst("Basic ".count))]
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
