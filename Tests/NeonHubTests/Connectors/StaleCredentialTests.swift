import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A call that read a connection before the user reconnected it, and whose old credential the
/// provider then refuses, says nothing about the new one: the connection stays `active`.
/// (It went to `attention` before, and for a connector whose tokens cannot be refreshed —
/// Slack's bot tokens — nothing would ever take it out again but a second reconnect.)
@Suite struct StaleCredentialTests {
    /// Runs `body` with a started Slack fake and a database app whose Slack app and endpoints
    /// point at it.
    static func withSlackApp(_ body: (SlackFake, NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        let fake = SlackFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile([
            "slack": ["baseUrl": fake.baseURL + "/api", "tokenUrl": fake.baseURL + "/api/oauth.v2.access"]
        ])
        try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["SLACK": fake.app]) }) { server, client in
            try await body(fake, server, client)
        }
    }

    /// Found by a review: Slack events route by the connection's `team_id`, and a caller's
    /// `variables` in `connectors.authorizeUrl` won over the token answer's, so a tenant could
    /// name another's workspace and receive its events. The workspace comes from Slack only.
    @Test func aConnectionsWorkspaceComesFromTheTokenAnswerNeverFromTheCaller() async throws {
        try await Self.withSlackApp { fake, server, client in
            let started = try await OAuthTestSupport.authorize(client, ["connector": "slack", "variables": ["team_id": "T0VICTIM01"]])
            let code = fake.authorize(redirectURI: started.query["redirect_uri"])
            let back = try await OAuthTestSupport.callback(client, connector: "slack", [("code", code), ("state", started.query["state"] ?? "")])
            let location = try #require(back.header("Location"))
            let id = try #require(OAuthTestSupport.query(location)["connectionId"])
            let pool = try #require(server.database?.pool)
            let team = try await pool.query("SELECT variables->>'team_id' AS team FROM connections WHERE id = \(UUID(uuidString: id))")
            #expect(try team.first?.decode("team", as: String?.self) == SlackFake.teamID)
        }
    }

    @Test func aRefusedCredentialThatWasReplacedMeanwhileLeavesTheConnectionActive() async throws {
        try await Self.withSlackApp { fake, server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "slack") { fake.authorize(redirectURI: $0["redirect_uri"]) }
            let service = server.oauth.service
            let pool = try #require(server.database?.pool)
            let tenant = try #require(
                try await pool.query("SELECT tenant_id FROM connections WHERE id = \(id)").first?.decode("tenant_id", as: String.self))
            let secrets = try #require(service.secrets)
            // What an action read (executeAction reads the connection and its sealed secrets in one round trip).
            let (stale, staleSecrets) = try #require(try await service.connections.getWithSecrets(tenant: tenant, id: id))
            let oldToken = try #require(try await secrets.get(kinds: ["access_token"], connection: id)["access_token"])

            // The user reconnects the same connection (a new bot token); Slack revokes the old one.
            let started = try await OAuthTestSupport.authorize(client, ["connector": "slack", "connectionId": id.uuidString.lowercased()])
            let code = fake.authorize(redirectURI: started.query["redirect_uri"])
            let back = try await OAuthTestSupport.callback(client, connector: "slack", [("code", code), ("state", started.query["state"] ?? "")])
            #expect(OAuthTestSupport.query(try #require(back.header("Location")))["status"] == "connected")
            let newToken = try #require(try await secrets.get(kinds: ["access_token"], connection: id)["access_token"])
            #expect(newToken != oldToken)
            fake.revoke(token: oldToken)

            let call = ConnectorCall(connector: "slack", action: "auth.test", input: .object([:]))
            let refused = await #expect(throws: ConnectorError.self) { _ = try await service.perform(call, connection: stale, sealed: staleSecrets) }
            #expect(refused?.code == .providerAuth)
            let afterStale = try #require(try await service.connections.get(tenant: tenant, id: id))
            #expect(afterStale.status == "active")
            #expect(afterStale.lastError == nil)

            // The current credential refused: that one needs a person.
            fake.revoke(token: newToken)
            await #expect(throws: ConnectorError.self) { _ = try await service.perform(call, connection: afterStale) }
            #expect(try await service.connections.get(tenant: tenant, id: id)?.status == "attention")

            // And a disconnected connection is not brought back to `attention` by a late refusal.
            _ = try await service.connections.revoke(tenant: tenant, id: id)
            try await service.connections.markNeedsAttention(tenant: tenant, id: id, reason: "late", version: afterStale.refreshVersion)
            #expect(try await service.connections.get(tenant: tenant, id: id)?.status == "revoked")
        }
    }
}
