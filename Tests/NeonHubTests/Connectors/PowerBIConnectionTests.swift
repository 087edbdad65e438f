import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Power BI connection end to end, on a real database and the real server, pointed at
/// `PowerBIFake` through `CONNECTOR_ENDPOINTS_FILE` (the fake is both the tenant's token endpoint
/// and api.powerbi.com): the app's client credentials grant for
/// `https://analysis.windows.net/powerbi/api/.default` with the secret in the form
/// (https://learn.microsoft.com/en-us/power-bi/developer/embedded/embed-service-principal), the
/// connection tested with `groups.list` and its workspaces listed as its accounts, actions in a
/// workspace as recorded runs, an expired token (403 `TokenExpired`) renewed once with the same
/// grant, and neither a token nor the app secret in any table, log line or response.
@Suite struct PowerBIConnectionTests {
    static func endpoints(_ fake: PowerBIFake) throws -> String {
        try OAuthTestSupport.endpointsFile(["power-bi": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURLTemplate]])
    }

    static func connect(_ client: HTTPTestClient) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "power-bi", "credentials": [String: String](), "variables": ["tenantId": PowerBIFake.tenantDomain],
            ]))
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:], workspace: String? = nil)
        async throws -> (status: Int, output: Any?, envelope: [String: Any])
    {
        var request: [String: Any] = ["connectionId": id, "action": action, "input": input]
        if let workspace { request["accountId"] = workspace }
        let (status, envelope) = try await client.mutation("connectors.executeAction", request)
        return (status, resultData(envelope)?["output"], envelope)
    }

    @Test func theAppsGrantConnectsWorkspacesAreItsAccountsAnExpiredTokenIsRenewedAndNothingLeaks() async throws {
        let fake = PowerBIFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["POWER_BI": PowerBIFake.app]) }
            ) { server, client in
                let pool = try #require(server.database?.pool)
                let reply = try await Self.connect(client)
                #expect(reply.status == 200, "\(reply.text)")
                let connection = try #require(resultData(try reply.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")

                // The grant as Entra ID documents it: the secret in the form, Power BI's /.default scope.
                let grant = try #require(fake.tokenRequests.first)
                #expect(grant.path == "/\(PowerBIFake.tenantDomain)/oauth2/v2.0/token")
                #expect(grant.formItems["grant_type"] == ["client_credentials"] && grant.formItems["scope"] == [PowerBIFake.scope])
                #expect(grant.formItems["client_id"] == [PowerBIFake.app.clientID])
                #expect(grant.formItems["client_secret"] == [PowerBIFake.app.clientSecret] && grant.header("Authorization") == nil)
                #expect(fake.server.requests("GET", PowerBIFake.apiPath + "/groups").count >= 1, "tested before it was stored")

                // The workspaces the service principal is a member of are the connection's accounts.
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let accounts = (resultData(fetched)?["accounts"] as? [[String: Any]]) ?? []
                #expect(Set(accounts.compactMap { $0["id"] as? String }) == [PowerBIFake.marketing, PowerBIFake.sales, PowerBIFake.finance])
                #expect(accounts.allSatisfy { $0["kind"] as? String == "workspace" })

                // Actions in a workspace are recorded runs.
                let models = try await Self.execute(client, id, "datasets.list", workspace: PowerBIFake.marketing)
                #expect(models.status == 200, "\(models.envelope)")
                #expect((models.output as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Campaigns", "Web Analytics"])
                let runID = try #require((resultData(models.envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
                let run = try #require(try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)").first)
                #expect(try run.decode("agent", as: String.self) == "connector" && run.decode("status", as: String.self) == "succeeded")
                let queried = try await Self.execute(
                    client, id, "datasets.executeQueries", ["datasetId": PowerBIFake.campaigns, "query": "EVALUATE TOPN(2, 'Campaigns')"],
                    workspace: PowerBIFake.marketing)
                #expect(queried.status == 200, "\(queried.envelope)")
                #expect((queried.output as? [[String: Any]])?.count == 2)

                // The token expires: the next action is refused once (403 TokenExpired), renews it with the same grant and goes on.
                let first = try #require(fake.issuedTokens.last)
                fake.expire(token: first)
                let again = try await Self.execute(
                    client, id, "datasets.refresh", ["datasetId": PowerBIFake.campaigns], workspace: PowerBIFake.marketing)
                #expect(again.status == 200, "\(again.envelope)")
                #expect(fake.refreshes.count == 1)
                #expect(fake.tokenRequests.count == 2 && fake.tokenRequests.last?.formItems["grant_type"] == ["client_credentials"])
                let second = try #require(fake.issuedTokens.last)
                #expect(second != first && fake.isValid(token: second))
                #expect(fake.apiRequests.last?.header("Authorization") == "Bearer \(second)")

                // Every access token and the app secret live only sealed, or nowhere.
                let planted = fake.issuedTokens + [PowerBIFake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a secret")
                    for envelope in [models.envelope, queried.envelope, again.envelope] {
                        #expect(!String(describing: envelope).contains(secret))
                    }
                    #expect(!reply.text.contains(secret))
                }
            }
        }
    }
}
