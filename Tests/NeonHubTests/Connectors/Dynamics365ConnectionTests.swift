import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Dynamics 365 connection end to end, on a real database and the real server, pointed at
/// `Dynamics365Fake` through `CONNECTOR_ENDPOINTS_FILE` (the fake is both the tenant's token
/// endpoint and the environment's Web API): the app's client credentials grant for the
/// environment's `/.default` scope with the secret in the form, the connection tested with
/// `WhoAmI` before it is stored, actions as recorded runs, an expired token renewed once with
/// the same grant, and neither a token nor the app secret in any table, log line or response.
@Suite struct Dynamics365ConnectionTests {
    static func endpoints(_ fake: Dynamics365Fake) throws -> String {
        try OAuthTestSupport.endpointsFile(["dynamics-365": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURLTemplate]])
    }

    static func connect(_ client: HTTPTestClient) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "dynamics-365", "credentials": [String: String](),
                "variables": ["tenantId": Dynamics365Fake.tenantID, "orgHost": Dynamics365Fake.orgHost],
            ]))
    }

    static func execute(_ client: HTTPTestClient, _ id: String, _ action: String, _ input: [String: Any] = [:]) async throws -> (
        status: Int, output: [String: Any]?, envelope: [String: Any]
    ) {
        let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": input])
        return (status, resultData(envelope)?["output"] as? [String: Any], envelope)
    }

    @Test func theAppsGrantConnectsActionsAreRecordedRunsAnExpiredTokenIsRenewedAndNothingLeaks() async throws {
        let fake = Dynamics365Fake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try Self.endpoints(fake)
            try await withDatabaseApp(
                logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DYNAMICS_365": Dynamics365Fake.app]) }
            ) { server, client in
                let pool = try #require(server.database?.pool)
                let reply = try await Self.connect(client)
                #expect(reply.status == 200, "\(reply.text)")
                let connection = try #require(resultData(try reply.json()))
                let id = try #require(connection["id"] as? String)
                #expect(connection["status"] as? String == "active")

                // The grant as Entra ID documents it: the secret in the form, the environment's /.default scope.
                let grant = try #require(fake.tokenRequests.first)
                #expect(grant.path == "/\(Dynamics365Fake.tenantID)/oauth2/v2.0/token")
                #expect(grant.formItems["grant_type"] == ["client_credentials"])
                #expect(grant.formItems["scope"] == ["https://\(Dynamics365Fake.orgHost)/.default"])
                #expect(grant.formItems["client_id"] == [Dynamics365Fake.app.clientID])
                #expect(grant.formItems["client_secret"] == [Dynamics365Fake.app.clientSecret] && grant.header("Authorization") == nil)
                #expect(fake.server.requests("GET", Dynamics365Fake.apiPath + "/WhoAmI").count == 1, "tested before it was stored")

                // Actions are recorded runs.
                let search = try await Self.execute(client, id, "contacts.search", ["filter": "contains(fullname,'an')"])
                #expect(search.status == 200, "\(search.envelope)")
                #expect((search.output?["items"] as? [[String: Any]])?.compactMap { $0["lastName"] as? String } == ["Stubberod", "Anderson"])
                let runID = try #require((resultData(search.envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
                let run = try #require(try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)").first)
                #expect(try run.decode("agent", as: String.self) == "connector" && run.decode("status", as: String.self) == "succeeded")
                let created = try await Self.execute(client, id, "contacts.create", ["firstname": "Ada", "lastname": "Lovelace"])
                #expect(created.status == 200, "\(created.envelope)")
                #expect(created.output?["fullName"] as? String == "Ada Lovelace")
                #expect(fake.contacts.count == 5)

                // The token expires: the next action is refused once (401), renews it with the same grant and goes on.
                let first = try #require(fake.issuedTokens.last)
                fake.expire(token: first)
                let again = try await Self.execute(client, id, "whoAmI")
                #expect(again.status == 200, "\(again.envelope)")
                #expect(again.output?["userId"] as? String == Dynamics365Fake.applicationUserID)
                #expect(fake.tokenRequests.count == 2 && fake.tokenRequests.last?.formItems["grant_type"] == ["client_credentials"])
                let second = try #require(fake.issuedTokens.last)
                #expect(second != first && fake.isValid(token: second))
                #expect(fake.apiRequests.last?.header("Authorization") == "Bearer \(second)")

                // Every access token and the app secret live only sealed, or nowhere.
                let planted = fake.issuedTokens + [Dynamics365Fake.app.clientSecret]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a secret")
                    #expect(!String(describing: search.envelope).contains(secret) && !String(describing: again.envelope).contains(secret))
                    #expect(!reply.text.contains(secret))
                }
            }
        }
    }
}
