import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

// A stand-in for Microsoft Entra ID's token endpoint and Dataverse's WhoAmI, as documented:
// - Client credentials grant: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//   (POST /{tenant}/oauth2/v2.0/token, form: client_id, scope ending in /.default, client_secret,
//   grant_type=client_credentials → {token_type, expires_in, ext_expires_in, access_token};
//   a wrong secret → 401 {"error": "invalid_client", "error_description": "AADSTS7000215: …"}).
// - WhoAmI: https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/whoami
//   (GET /api/data/v9.2/WhoAmI with the bearer token → BusinessUnitId, UserId, OrganizationId).

/// Connections that need no user consent: the app's own client-credentials grant (Dynamics
/// 365 through Entra ID), fetched at connect, tested, sealed, and renewed on schedule.
@Suite struct ClientCredentialsTests {
    static let tenant = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    static let app = FakeOAuthApp(clientID: "6731de76-14a6-49ae-97bc-6eba6914391e", clientSecret: "fake-entra-secret", redirectURI: "")

    /// The tokens the stand-in issued.
    final class Issued: Sendable {
        let tokens = Mutex<[String]>([])
    }

    static func entra(_ fake: FakeProviderServer, issued: Issued) {
        fake.on("POST", "/\(tenant)/oauth2/v2.0/token") { request in
            let form = request.formItems
            guard form["grant_type"] == ["client_credentials"], form["scope"] == ["https://contoso.crm.dynamics.com/.default"] else {
                return .json(
                    400,
                    object: [
                        "error": "invalid_request",
                        "error_description": "AADSTS900144: The request body must contain the following parameter: 'scope'.",
                    ])
            }
            guard form["client_id"] == [app.clientID], form["client_secret"] == [app.clientSecret] else {
                return .json(401, object: ["error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."])
            }
            let token = "eyJfake.entra.\(UUID().uuidString)"
            issued.tokens.withLock { $0.append(token) }
            return .json(200, object: ["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token])
        }
        fake.on("GET", "/api/data/v9.2/WhoAmI") { request in
            guard let bearer = request.header("Authorization"), issued.tokens.withLock({ $0.contains { "Bearer \($0)" == bearer } }) else {
                return .json(401, object: ["error": ["code": "", "message": "Authentication failed"]])
            }
            return .json(
                200,
                object: [
                    "@odata.context": "https://contoso.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                    "BusinessUnitId": "6f202e6c-e471-ec11-8941-000d3a3c2e6b", "UserId": "88e7a4d0-e871-ec11-8941-000d3a3c2e6b",
                    "OrganizationId": "883278f5-07af-45eb-a0bc-3fea67caa544",
                ])
        }
    }

    static func connect(_ client: HTTPTestClient) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/trpc/connectors.connect",
            headers: [
                "Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))",
            ],
            body: try JSONSerialization.data(withJSONObject: [
                "connector": "dynamics-365", "credentials": [String: String](),
                "variables": ["tenantId": tenant, "orgHost": "contoso.crm.dynamics.com"],
            ]))
    }

    @Test func dynamicsConnectsWithTheAppsOwnGrantAndRenewsItOnSchedule() async throws {
        let issued = Issued()
        try await withFakeProvider({ Self.entra($0, issued: issued) }) { fake in
            let endpoints = try OAuthTestSupport.endpointsFile([
                "dynamics-365": [
                    "baseUrl": "\(fake.baseURL)/api/data/v9.2", "tokenUrl": "\(fake.baseURL)/{{vars.tenantId}}/oauth2/v2.0/token",
                ]
            ])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DYNAMICS_365": Self.app]) }) { server, client in
                let reply = try await Self.connect(client)
                #expect(reply.status == 200)
                let connection = try #require(resultData(try reply.json()))
                let id = try #require((connection["id"] as? String).flatMap(UUID.init(uuidString:)))
                #expect(connection["status"] as? String == "active")
                #expect(issued.tokens.withLock { $0.count } == 1)
                #expect(fake.requests("GET", "/api/data/v9.2/WhoAmI").count == 1)  // tested before it was stored

                let pool = try #require(server.database?.pool)
                let lead = try await pool.query(
                    "SELECT extract(epoch FROM token_expires_at - next_refresh_at)::int AS s FROM connections WHERE id = \(id)")
                #expect(try lead.first?.decode("s", as: Int.self) == 300)  // PT5M before expiry
                try await pool.execute("UPDATE connections SET next_refresh_at = now() - interval '1 second' WHERE id = \(id)")
                #expect(try await server.tokenScheduler.sweep() == 1)
                #expect(issued.tokens.withLock { $0.count } == 2)

                // The call uses the renewed token (the fake answers any it issued; the vault holds the newest).
                let (status, _) = try await client.mutation("connectors.executeAction", ["connectionId": id.uuidString, "action": "whoAmI"])
                #expect(status == 200)
                let last = try #require(fake.requests("GET", "/api/data/v9.2/WhoAmI").last?.header("Authorization"))
                #expect(last == "Bearer \(issued.tokens.withLock { $0.last ?? "" })")
                let secrets = try await pool.query("SELECT count(*)::int AS n FROM encrypted_secrets s WHERE s::text LIKE '%eyJfake%'")
                #expect(try secrets.first?.decode("n", as: Int.self) == 0)
            }
        }
    }

    @Test func aRefusedAppSecretStoresNothingAndNamesTheVariables() async throws {
        let issued = Issued()
        try await withFakeProvider({ Self.entra($0, issued: issued) }) { fake in
            let endpoints = try OAuthTestSupport.endpointsFile([
                "dynamics-365": [
                    "baseUrl": "\(fake.baseURL)/api/data/v9.2", "tokenUrl": "\(fake.baseURL)/{{vars.tenantId}}/oauth2/v2.0/token",
                ]
            ])
            let wrong = FakeOAuthApp(clientID: Self.app.clientID, clientSecret: "not-the-secret", redirectURI: "")
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DYNAMICS_365": wrong]) }) { server, client in
                let reply = try await Self.connect(client)
                #expect(reply.status == 422)
                let message = ((try reply.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
                #expect(message.contains("DYNAMICS_365_CLIENT_SECRET") && message.contains("AADSTS7000215"))
                #expect(!message.contains("not-the-secret"))
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
            }
        }
    }
}
