import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Snowflake connection end to end, on a real database and the real server, pointed at the
/// Snowflake fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the key pair
/// with the smoke statement before storing it, `connectors.executeAction` is a recorded run of
/// the connector agent whose `connector.action` call is its tool execution, and neither the
/// private key nor any JWT it signed appears in a table, a log line or a response.
@Suite(.enabled(if: OpenSSLCommand.isAvailable, "needs the openssl tool")) struct SnowflakeConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    static func connect(_ client: HTTPTestClient, privateKey: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect", headers: admin,
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "snowflake",
                "credentials": ["user": "neonhub_svc", "privateKey": privateKey, "role": "ANALYST_RO", "warehouse": "REPORTING_WH"],
                "variables": ["accountIdentifier": "myorg-marketing"],
            ]))
    }

    /// Distinctive pieces of a PEM key: its base64 lines (no header), each long enough to be unique.
    static func keyPieces(_ pem: String) -> [String] {
        pem.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 40 }.map(String.init)
    }

    @Test func connectTestsTheKeyPairThenActionsAreRecordedRunsAndNoSecretLeaks() async throws {
        await OpenSSLCommand.warmTestKeys()
        let keys = SnowflakeRuntimeTests.keys.registered
        let fake = SnowflakeFake(account: "MYORG-MARKETING", users: ["NEONHUB_SVC": keys.publicKey], issueTimeTolerance: 900)
        fake.script(
            "SELECT channel, sessions FROM sessions",
            .rows(SnowflakeRuntimeTests.columns, partitions: [[["email", "18234"]], [["referral", "4410"]]]))
        try fake.start()
        let logs = LogCapture()
        do {
            let endpoints = try OAuthTestSupport.endpointsFile(["snowflake": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp(logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                let connected = try await Self.connect(client, privateKey: keys.privateKey)
                #expect(connected.status == 200, "\(connected.text)")
                let connection = try #require(resultData(try connected.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")
                // Tested before it was stored: the smoke statement ran at Snowflake with a verified JWT.
                #expect(fake.executions["SELECT CURRENT_VERSION()"] == 1)
                #expect(fake.authFailures.isEmpty)
                let variables = connection["variables"] as? [String: Any]
                #expect(variables?["privateKey"] == nil)
                if let variables { #expect(variables["user"] as? String == "neonhub_svc") }

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    [
                        "connectionId": id, "action": "statements.execute", "input": ["statement": "SELECT channel, sessions FROM sessions"],
                    ])
                #expect(status == 200)
                let output = try #require(resultData(envelope)?["output"] as? [String: Any])
                #expect(output["rows"] as? [[String]] == [["email", "18234"], ["referral", "4410"]])
                let submit = try #require(fake.requests.last { $0.method == "POST" }?.json as? [String: Any])
                #expect(submit["warehouse"] as? String == "REPORTING_WH" && submit["role"] as? String == "ANALYST_RO")

                // The connector agent's run, with the action as its tool execution.
                let pool = try #require(server.database?.pool)
                guard let runID = (resultData(envelope)?["runId"] as? String).flatMap(UUID.init(uuidString:)) else {
                    Issue.record("executeAction answered no run id")
                    return
                }
                let run = try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)")
                #expect(try run.first?.decode("agent", as: String.self) == "connector")
                #expect(try run.first?.decode("status", as: String.self) == "succeeded")
                let tools = try await pool.query("SELECT tool, status, input->>'action' AS action FROM tool_executions WHERE run_id = \(runID)")
                #expect(tools.count == 1)
                #expect(try tools.first?.decode("tool", as: String.self) == "connector.action")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
                #expect(try tools.first?.decode("action", as: String.self) == "statements.execute")

                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses = [
                    connected.text, String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self),
                    String(decoding: try JSONSerialization.data(withJSONObject: fetched), as: UTF8.self),
                ]

                // Planted secrets: the key's own lines and every JWT Snowflake accepted.
                let planted = Self.keyPieces(keys.privateKey) + fake.acceptedTokens + fake.acceptedTokens.map { String($0.split(separator: ".")[2]) }
                #expect(fake.acceptedTokens.count >= 2 && planted.count > fake.acceptedTokens.count * 2)
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets").first?.decode("n", as: Int.self) == 1)
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a secret")
                    #expect(!responses.contains { $0.contains(secret) }, "a response holds a secret")
                }
            }
            await fake.server.stopWithoutBlocking()
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }

    @Test func aKeyThatCannotSignIsRefusedAtConnectNamingTheFieldAndNothingIsStored() async throws {
        await OpenSSLCommand.warmTestKeys()
        let keys = SnowflakeRuntimeTests.keys
        let fake = SnowflakeFake(account: "MYORG-MARKETING", users: ["NEONHUB_SVC": keys.registered.publicKey], issueTimeTolerance: 900)
        try fake.start()
        do {
            let endpoints = try OAuthTestSupport.endpointsFile(["snowflake": ["baseUrl": fake.baseURL]])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { server, client in
                let truncated = String(keys.registered.privateKey.prefix(300)) + "\n-----END PRIVATE KEY-----\n"
                let malformed = try await Self.connect(client, privateKey: truncated)
                #expect(malformed.status == 400 || malformed.status == 422)
                let message = ((try malformed.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
                #expect(message.contains("privateKey"), "\(message)")
                #expect(!Self.keyPieces(keys.registered.privateKey).contains { message.contains($0) })
                #expect(fake.requests.isEmpty, "nothing is sent with a key that cannot sign")

                // A key Snowflake does not know: refused by the smoke statement, nothing stored.
                let unknown = try await Self.connect(client, privateKey: keys.other.privateKey)
                #expect(unknown.status != 200)
                #expect(fake.authFailures == ["JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH"])
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets").first?.decode("n", as: Int.self) == 0)
            }
            await fake.server.stopWithoutBlocking()
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }
}
