import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The request's trace reaches the providers a real connector flow calls (Entra ID's token
/// endpoint and Dataverse, faked as in `ClientCredentialsTests`) — also from the token
/// refresher, whose provider call starts on a database connection's thread — and the agent
/// runs it starts record it.
@Suite struct ConnectorTraceTests {
    static let connectTrace = "0af7651916cd43dd8448eb211c80319c"
    static let actionTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func traceIDs(_ requests: [FakeProviderServer.RecordedRequest]) -> [String?] {
        requests.map { $0.header("traceparent").flatMap(TraceParent.init)?.traceID }
    }

    @Test func connectorCallsTokenRefreshesAndRunsCarryTheTraceThatCausedThem() async throws {
        let issued = ClientCredentialsTests.Issued()
        try await withFakeProvider({ ClientCredentialsTests.entra($0, issued: issued) }) { fake in
            let endpoints = try OAuthTestSupport.endpointsFile([
                "dynamics-365": [
                    "baseUrl": "\(fake.baseURL)/api/data/v9.2", "tokenUrl": "\(fake.baseURL)/{{vars.tenantId}}/oauth2/v2.0/token",
                ]
            ])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DYNAMICS_365": ClientCredentialsTests.app]) }) {
                server, client in
                let tokenPath = "/\(ClientCredentialsTests.tenant)/oauth2/v2.0/token"
                // connectors.connect: the grant and the test call both belong to the request's trace.
                let connect = try await client.request(
                    "POST", "/trpc/connectors.connect",
                    headers: [
                        "Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))",
                        "traceparent": "00-\(Self.connectTrace)-b7ad6b7169203331-01",
                    ],
                    body: try JSONSerialization.data(withJSONObject: [
                        "connector": "dynamics-365", "credentials": [String: String](),
                        "variables": ["tenantId": ClientCredentialsTests.tenant, "orgHost": "contoso.crm.dynamics.com"],
                    ]))
                #expect(connect.status == 200)
                #expect(connect.header("traceparent").flatMap(TraceParent.init)?.traceID == Self.connectTrace)
                #expect(Self.traceIDs(fake.requests("POST", tokenPath)) == [Self.connectTrace])
                #expect(Self.traceIDs(fake.requests("GET", "/api/data/v9.2/WhoAmI")) == [Self.connectTrace])
                let id = try #require((resultData(try connect.json())?["id"] as? String).flatMap(UUID.init(uuidString:)))

                // connectors.executeAction under another trace.
                let action = try await client.request(
                    "POST", "/trpc/connectors.executeAction",
                    headers: [
                        "Content-Type": "application/json", "Authorization": "Bearer \(signedToken())",
                        "traceparent": "00-\(Self.actionTrace)-00f067aa0ba902b7-01",
                    ], body: try JSONSerialization.data(withJSONObject: ["connectionId": id.uuidString, "action": "whoAmI"]))
                #expect(action.status == 200)
                #expect(Self.traceIDs(fake.requests("GET", "/api/data/v9.2/WhoAmI")).last == Self.actionTrace)

                // A refresh runs its provider call from a database connection's thread: the
                // trace bound around it still reaches the provider.
                let pool = try #require(server.database?.pool)
                try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
                let job = TraceContext.started()
                #expect(try await TraceContext.$current.withValue(job) { try await server.tokenScheduler.sweep() } == 1)
                #expect(Self.traceIDs(fake.requests("POST", tokenPath)).last == job.traceID)

                // An agent run records the trace of the request that started it.
                let run = try await client.request(
                    "POST", "/trpc/agents.run",
                    headers: [
                        "Content-Type": "application/json", "Authorization": "Bearer \(signedToken())",
                        "traceparent": "00-\(Self.actionTrace)-00f067aa0ba902b7-01",
                    ],
                    body: try JSONSerialization.data(withJSONObject: [
                        "agent": "seo",
                        "input": [
                            "content": "# Email automation\n\nEmail automation saves hours.", "primaryKeyword": "email automation",
                            "title": "Email automation",
                        ],
                    ]))
                #expect(run.status == 200)
                let runID = try #require(resultData(try run.json())?["runId"] as? String)
                let (status, detail) = try await client.query("agents.getRun", ["id": runID])
                #expect(status == 200)
                #expect(resultData(detail)?["traceId"] as? String == Self.actionTrace)
                let stored = try await pool.query("SELECT trace_id FROM agent_runs WHERE id = \(UUID(uuidString: runID)!)")
                #expect(try stored.first?.decode("trace_id", as: String?.self) == Self.actionTrace)
            }
        }
    }
}
