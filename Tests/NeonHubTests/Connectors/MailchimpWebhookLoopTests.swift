import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The whole loop of a Mailchimp audience webhook, through the server's own wiring: a stored
/// connection registers its webhook with `connectors.executeAction` (`webhooks.create`), the
/// fake keeps the URL Mailchimp would call, and a delivery to that URL is accepted and routed
/// to the connection — while the answer to the caller never shows the URL's token.
@Suite struct MailchimpWebhookLoopTests {
    @Test func aRegisteredURLDeliversToItsConnection() async throws {
        let fake = MailchimpFake()
        try fake.start()
        defer { fake.stop() }
        let key = "mailchimp-key-loop-5e1a"
        let endpoints = try OAuthTestSupport.endpointsFile(["mailchimp": ["baseUrl": fake.apiBaseURL]])
        let capture = LogCapture()
        try await withDatabaseApp(logger: capture.logger()) {
            $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
            $0.connectorEndpointsFile = endpoints
            $0.publicURL = "https://hub.example.test"
            $0.webhookSecrets = WebhookSecrets.load { $0 == "MAILCHIMP_WEBHOOK_KEY" ? key : nil }
        } _: { server, client in
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: SupportAgentConnectorRunTests.admin(),
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "mailchimp", "credentials": ["username": "neonhub", "apiKey": MailchimpFake.apiKey],
                ]))
            let data = try #require((try JSONSerialization.jsonObject(with: connect.body) as? [String: Any]).flatMap(resultData), "\(connect.text)")
            let connection = try #require((data["id"] as? String).flatMap(UUID.init(uuidString:)))

            let (status, envelope) = try await client.mutation(
                "connectors.executeAction",
                ["connectionId": connection.uuidString, "action": "webhooks.create", "input": ["listId": MailchimpFake.lists[0].0]])
            #expect(status == 200, "\(envelope)")
            let registered = try #require(fake.webhooks.first?.url)
            let token = WebhookURLToken.token(secret: key, connector: "mailchimp", connectionID: connection)
            #expect(registered == "https://hub.example.test/webhooks/mailchimp?connection=\(connection.uuidString.lowercased())&secret=\(token)")
            let shown = try #require((resultData(envelope)?["output"] as? [String: Any])?["url"] as? String)
            #expect(!shown.contains(token) && !"\(envelope)".contains(token))

            // Mailchimp posts to the registered URL.
            let path = String(registered.dropFirst("https://hub.example.test".count))
            let form = Data(
                "type=subscribe&fired_at=2026-01-01+00%3A00%3A00&data%5Blist_id%5D=\(MailchimpFake.lists[0].0)&data%5Bemail%5D=ada%40example.com".utf8
            )
            let reply = try await client.request("POST", path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form)
            #expect(reply.status == 200)
            #expect(try reply.json()["accepted"] as? Int == 1)
            let pool = try #require(server.database?.pool)
            let row = try #require(try await pool.query("SELECT connection_id, tenant_id FROM webhook_events WHERE connector = 'mailchimp'").first)
            #expect(try row.decode("connection_id", as: UUID.self) == connection)
            #expect(try row.decode("tenant_id", as: String.self) == "tenant-a")
            // The token is in no table and no log line.
            let runs = try await pool.query(
                "SELECT count(*)::int AS n FROM tool_executions WHERE input::text LIKE \("%" + token + "%") OR output::text LIKE \("%" + token + "%")"
            )
            #expect(try runs[0].decode("n", as: Int.self) == 0)
            #expect(!capture.text.contains(token))
        }
    }
}
