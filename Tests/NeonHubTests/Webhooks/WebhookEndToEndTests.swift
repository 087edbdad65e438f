import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `/webhooks/*` over real sockets against a real Postgres: signed deliveries stored once,
/// routed to their connection and queued; forged ones refused with nothing stored; the
/// handshakes; and the secrets nowhere to be seen.
@Suite struct WebhookEndToEndTests {
    /// Secrets planted for the whole suite; none may appear in a log line, a row or a response.
    static let secrets: [String: String] = [
        "META_APP_SECRET": "meta-secret-e2e-91ab", "SHOPIFY_API_SECRET": "shopify-secret-e2e-5d1f",
        "STRIPE_WEBHOOK_SECRET": "whsec_e2e_old_77c2,whsec_e2e_new_2b90", "SLACK_SIGNING_SECRET": "slack-secret-e2e-0c4d",
        "TIKTOK_CLIENT_SECRET": "tiktok-secret-e2e-6e3a", "LINKEDIN_CLIENT_SECRET": "linkedin-client-test",
        "TWILIO_AUTH_TOKEN": "twilio-token-e2e-8f15", "PAGERDUTY_WEBHOOK_SECRET": "pagerduty-secret-e2e-3a7e",
        "DOCUSIGN_CONNECT_SECRET": "docusign-secret-e2e-c51b", "MAILCHIMP_WEBHOOK_KEY": "mailchimp-secret-e2e-47d0",
    ]

    static func plant(_ config: inout AppConfig) {
        config.webhookSecrets = WebhookSecrets.load { secrets[$0] }
        config.metaWebhookVerifyToken = "verify-e2e-1d9c"
    }

    /// Every planted secret value (the Stripe list split), for the leak checks.
    static var secretValues: [String] {
        secrets.values.flatMap { $0.split(separator: ",").map(String.init) }
    }

    // An order as Shopify sends it, signed with SHOPIFY_API_SECRET outside our code:
    // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"shopify-secret-e2e-5d1f",
    //     b"{\"id\":4501,\"name\":\"#1001\",\"email\":\"jon@example.com\",\"total_price\":\"199.00\",\"currency\":\"USD\"}",hashlib.sha256).digest()).decode())'
    static let order = ##"{"id":4501,"name":"#1001","email":"jon@example.com","total_price":"199.00","currency":"USD"}"##
    static let orderSignature = "rxmnrA76WywPnksHZK/bPNCDa/HKwQepQ4GlpYv3Iuw="

    static func shopifyHeaders(webhookID: String, shop: String = "neonhub-demo.myshopify.com", signature: String = orderSignature) -> [String: String]
    {
        [
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": webhookID, "X-Shopify-Hmac-Sha256": signature,
        ]
    }

    static func count(_ pool: PostgresPool, _ sql: PostgresQuery) async throws -> Int {
        try await pool.query(sql).first?.decode(0, as: Int.self) ?? -1
    }

    /// A Shopify connection of tenant-a for the shop `neonhub-demo` (routed by its `shop` variable).
    static func connectShop(_ pool: PostgresPool, tenant: String = "tenant-a") async throws -> UUID {
        try await pool.query(
            """
            INSERT INTO connections (tenant_id, connector, name, variables) VALUES (\(tenant), 'shopify', 'Demo shop', '{"shop": "neonhub-demo"}')
            RETURNING id
            """)[0].decode("id", as: UUID.self)
    }

    @Test func aSignedShopifyOrderIsStoredOnceRoutedAndQueued() async throws {
        let capture = LogCapture()
        try await withDatabaseApp(logger: capture.logger(), Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            let connectionID = try await Self.connectShop(pool)
            let body = Data(Self.order.utf8)

            let first = try await client.request("POST", "/webhooks/shopify", headers: Self.shopifyHeaders(webhookID: "b54557e4-0001"), body: body)
            #expect(first.status == 200)
            #expect(try first.json()["accepted"] as? Int == 1)
            let rows = try await pool.query("SELECT id, status, tenant_id, connection_id, event_type, account_id, headers FROM webhook_events")
            try #require(rows.count == 1)
            #expect(try rows[0].decode("status", as: String.self) == "received")
            #expect(try rows[0].decode("tenant_id", as: String.self) == "tenant-a")
            #expect(try rows[0].decode("connection_id", as: UUID.self) == connectionID)
            #expect(try rows[0].decode("event_type", as: String.self) == "orders/create")
            #expect(try rows[0].decode("account_id", as: String.self) == "neonhub-demo.myshopify.com")
            let headers = try rows[0].decodeJSON("headers", as: JSONValue.self)
            #expect(headers["x-shopify-hmac-sha256"] == nil && headers["x-shopify-topic"] == .string("orders/create"))
            let rowID = try rows[0].decode("id", as: UUID.self)
            let jobs = try await pool.query(
                "SELECT kind, status, tenant_id, connection_id, idempotency_key, max_attempts FROM publish_jobs WHERE webhook_event_id = \(rowID)")
            try #require(jobs.count == 1)
            #expect(try jobs[0].decode("kind", as: String.self) == "webhook_event")
            #expect(try jobs[0].decode("status", as: String.self) == "queued")
            #expect(try jobs[0].decode("idempotency_key", as: String.self) == "webhook:shopify:b54557e4-0001")
            #expect(try jobs[0].decode("max_attempts", as: Int.self) == 5)

            // The same delivery again (Shopify retries): 200, still one row and one job.
            let again = try await client.request("POST", "/webhooks/shopify", headers: Self.shopifyHeaders(webhookID: "b54557e4-0001"), body: body)
            #expect(again.status == 200)
            #expect(try again.json()["duplicates"] as? Int == 1)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events") == 1)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_jobs") == 1)

            // A shop nobody connected: stored as unmatched, acknowledged, nothing queued.
            let stranger = try await client.request(
                "POST", "/webhooks/shopify",
                headers: Self.shopifyHeaders(webhookID: "b54557e4-0002", shop: "elsewhere.myshopify.com"), body: body)
            #expect(stranger.status == 200)
            let unmatched = try await pool.query("SELECT status, tenant_id FROM webhook_events WHERE event_id = 'b54557e4-0002'")
            #expect(try unmatched.first?.decode("status", as: String.self) == "unmatched")
            #expect(try unmatched.first?.decode("tenant_id", as: String?.self) == nil)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_jobs") == 1)

            // Mailchimp's secret travels in the URL: accepted with it, refused without, logged nowhere.
            _ = try await Self.connectMailchimp(pool, id: Self.mailchimpA.id, tenant: "tenant-a")
            let mailchimp = try await client.request(
                "POST", Self.mailchimpA.path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Self.mailchimpForm)
            #expect(mailchimp.status == 200)
            let wrongSecret = try await client.request(
                "POST", "/webhooks/mailchimp?connection=\(Self.mailchimpA.id)&secret=guess",
                headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Self.mailchimpForm)
            #expect(wrongSecret.status == 401)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events WHERE connector = 'mailchimp'") == 1)

            let metrics = try await client.get("/metrics").text
            Self.expectNoSecret(in: metrics)
            #expect(metrics.contains(#"neonhub_webhook_events_total{connector="shopify",outcome="accepted"} 1"#))
            #expect(metrics.contains(#"neonhub_webhook_events_total{connector="shopify",outcome="duplicate"} 1"#))
            #expect(metrics.contains(#"neonhub_webhook_events_total{connector="shopify",outcome="unmatched"} 1"#))
            try await Self.expectNoSecretStored(pool)
            for reply in [first, again, stranger, mailchimp, wrongSecret] { Self.expectNoSecret(in: reply.text) }
        }
        Self.expectNoSecret(in: capture.text)
    }

    /// Two Mailchimp connections and their URLs, each token HMAC-SHA256 of
    /// "neonhub-webhook-url-v1:mailchimp:<id>" under MAILCHIMP_WEBHOOK_KEY, computed outside our code:
    /// python3 -c 'import hmac,hashlib;print(hmac.new(b"mailchimp-secret-e2e-47d0",
    ///     b"neonhub-webhook-url-v1:mailchimp:7d3c55a4-0f4e-4d8e-9d0c-1b2a3c4d5e6f",hashlib.sha256).hexdigest())'
    static let mailchimpA = (
        id: "7d3c55a4-0f4e-4d8e-9d0c-1b2a3c4d5e6f", token: "71d6d41f36b61b1a7535e5a55e78b16d8753ddc9c255e5b3e69163b034211bcd",
        path:
            "/webhooks/mailchimp?connection=7d3c55a4-0f4e-4d8e-9d0c-1b2a3c4d5e6f&secret=71d6d41f36b61b1a7535e5a55e78b16d8753ddc9c255e5b3e69163b034211bcd"
    )
    static let mailchimpB = (
        id: "0b8e4f2a-9c61-4e0d-8a3b-5f7e6d1c2b3a", token: "4eb813c0cbc710497a18c5061a7af8477c29321036120dff301fdefc1b40b233",
        path:
            "/webhooks/mailchimp?connection=0b8e4f2a-9c61-4e0d-8a3b-5f7e6d1c2b3a&secret=4eb813c0cbc710497a18c5061a7af8477c29321036120dff301fdefc1b40b233"
    )
    /// A subscribe to audience a6b5da1054, as Mailchimp posts it.
    static let mailchimpForm = Data(
        "type=subscribe&fired_at=2026-01-01+00%3A00%3A00&data%5Blist_id%5D=a6b5da1054&data%5Bemail%5D=ada%40example.com".utf8)

    /// A Mailchimp connection with a given id, listing audience a6b5da1054 as its account.
    static func connectMailchimp(_ pool: PostgresPool, id: String, tenant: String, status: String = "active") async throws -> UUID {
        try await pool.query(
            """
            INSERT INTO connections (id, tenant_id, connector, name, status, accounts)
            VALUES (\(id)::uuid, \(tenant), 'mailchimp', 'Newsletter', \(status), '[{"id": "a6b5da1054", "name": "Newsletter"}]')
            RETURNING id
            """)[0].decode("id", as: UUID.self)
    }

    @Test func aMailchimpURLOpensOnlyItsOwnConnection() async throws {
        let capture = LogCapture()
        try await withDatabaseApp(logger: capture.logger(), Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            // Two tenants subscribed to the same audience, each through its own connection.
            let a = try await Self.connectMailchimp(pool, id: Self.mailchimpA.id, tenant: "tenant-a")
            let b = try await Self.connectMailchimp(pool, id: Self.mailchimpB.id, tenant: "tenant-b")

            // Tenant A's URL secret, aimed at tenant B's connection: refused, nothing stored.
            let crossed = try await client.request(
                "POST", "/webhooks/mailchimp?connection=\(Self.mailchimpB.id)&secret=\(Self.mailchimpA.token)", headers: form,
                body: Self.mailchimpForm)
            #expect(crossed.status == 401)
            // The server's secret itself (what one URL for every tenant carried): refused too.
            let shared = try await client.request(
                "POST", "/webhooks/mailchimp?secret=mailchimp-secret-e2e-47d0", headers: form, body: Self.mailchimpForm)
            #expect(shared.status == 401)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events") == 0)

            // The same delivery at both URLs (Mailchimp posts one body to every webhook of the
            // audience): each tenant gets its own event, routed to its own connection.
            for path in [Self.mailchimpA.path, Self.mailchimpB.path] {
                let reply = try await client.request("POST", path, headers: form, body: Self.mailchimpForm)
                #expect(reply.status == 200)
                #expect(try reply.json()["accepted"] as? Int == 1)
            }
            let rows = try await pool.query("SELECT tenant_id, connection_id, status, account_id FROM webhook_events ORDER BY tenant_id")
            try #require(rows.count == 2)
            #expect(try rows.map { try $0.decode("tenant_id", as: String.self) } == ["tenant-a", "tenant-b"])
            #expect(try rows.map { try $0.decode("connection_id", as: UUID.self) } == [a, b])
            #expect(
                try rows.allSatisfy {
                    try $0.decode("status", as: String.self) == "received" && $0.decode("account_id", as: String.self) == "a6b5da1054"
                })
            // Mailchimp's retry of the same delivery is a duplicate of that connection's event only.
            let again = try await client.request("POST", Self.mailchimpA.path, headers: form, body: Self.mailchimpForm)
            #expect(try again.json()["duplicates"] as? Int == 1)

            // Once tenant B disconnects, what still arrives at its URL is kept, but goes to nobody.
            try await pool.execute("UPDATE connections SET status = 'revoked' WHERE id = \(b)")
            let late = Data("type=unsubscribe&fired_at=2026-01-02+00%3A00%3A00&data%5Blist_id%5D=a6b5da1054".utf8)
            let afterRevoke = try await client.request("POST", Self.mailchimpB.path, headers: form, body: late)
            #expect(try afterRevoke.json()["unmatched"] as? Int == 1)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events WHERE tenant_id = 'tenant-a'") == 1)
            try await Self.expectNoSecretStored(pool)
            for token in [Self.mailchimpA.token, Self.mailchimpB.token] {
                #expect(!capture.text.contains(token))
                #expect(
                    try await Self.count(
                        pool,
                        "SELECT count(*)::int FROM webhook_events WHERE payload::text LIKE \("%" + token + "%") OR headers::text LIKE \("%" + token + "%")"
                    ) == 0)
            }
        }
        Self.expectNoSecret(in: capture.text)
    }

    @Test func aForgedOrUnsignedDeliveryIsRefusedAndStoresNothing() async throws {
        let capture = LogCapture()
        try await withDatabaseApp(logger: capture.logger(), Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await Self.connectShop(pool)
            let forged = try await client.request(
                "POST", "/webhooks/shopify",
                headers: Self.shopifyHeaders(webhookID: "forged-1", signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                body: Data(Self.order.utf8))
            #expect(forged.status == 401)
            let error = try #require(try forged.json()["error"] as? [String: Any])
            let data = try #require(error["data"] as? [String: Any])
            #expect(data["code"] as? String == "UNAUTHORIZED" && data["httpStatus"] as? Int == 401)
            var unsigned = Self.shopifyHeaders(webhookID: "forged-2")
            unsigned["X-Shopify-Hmac-Sha256"] = nil
            let missing = try await client.request("POST", "/webhooks/shopify", headers: unsigned, body: Data(Self.order.utf8))
            #expect(missing.status == 401)
            // A signed body whose bytes changed in transit.
            let tampered = try await client.request(
                "POST", "/webhooks/shopify", headers: Self.shopifyHeaders(webhookID: "forged-3"),
                body: Data(Self.order.replacingOccurrences(of: "199.00", with: "1.00").utf8))
            #expect(tampered.status == 401)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events") == 0)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_jobs") == 0)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"neonhub_webhook_events_total{connector="shopify",outcome="rejected"} 3"#))
            Self.expectNoSecret(in: forged.text)
        }
        Self.expectNoSecret(in: capture.text)
    }

    @Test func unknownAndUnconfiguredConnectorsAnswerInTheEnvelope() async throws {
        try await withTestApp { _, client in
            let unknown = try await client.request("POST", "/webhooks/myspace", body: Data("{}".utf8))
            #expect(unknown.status == 404)
            #expect((try unknown.json()["error"] as? [String: Any]) != nil)
            let unconfigured = try await client.request("POST", "/webhooks/stripe", headers: ["Stripe-Signature": "t=1,v1=00"], body: Data("{}".utf8))
            #expect(unconfigured.status == 503)
            #expect(unconfigured.text.contains("STRIPE_WEBHOOK_SECRET"))
            let noHandshake = try await client.get("/webhooks/stripe")
            #expect(noHandshake.status == 405)
        }
    }

    @Test func aStripeEventSignedWithTheRotatedSecretIsAccepted() async throws {
        try await withDatabaseApp(Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await pool.execute(
                "INSERT INTO connections (tenant_id, connector, name, external_account_id) VALUES ('tenant-a', 'stripe', 'Stripe', 'acct_1Test')")
            let body =
                #"{"id":"evt_1Test","object":"event","type":"invoice.payment_failed","account":"acct_1Test","data":{"object":{"id":"in_1","number":"INV-7","amount_due":4900,"currency":"usd","customer_name":"Ada"}}}"#
            let t = Int(Date().timeIntervalSince1970)
            let signature = WebhookEncoding.hex(HMACSHA256.authenticate(message: Array("\(t).\(body)".utf8), key: Array("whsec_e2e_new_2b90".utf8)))
            let reply = try await client.request(
                "POST", "/webhooks/stripe", headers: ["Stripe-Signature": "t=\(t),v1=\(signature)"], body: Data(body.utf8))
            #expect(reply.status == 200)
            let rows = try await pool.query("SELECT status, event_id, event_type, tenant_id FROM webhook_events")
            #expect(try rows.first?.decode("event_id", as: String.self) == "evt_1Test")
            #expect(try rows.first?.decode("status", as: String.self) == "received")
            let stale =
                "t=\(t - 3600),v1="
                + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array("\(t - 3600).\(body)".utf8), key: Array("whsec_e2e_new_2b90".utf8)))
            #expect(try await client.request("POST", "/webhooks/stripe", headers: ["Stripe-Signature": stale], body: Data(body.utf8)).status == 401)
        }
    }

    /// Found by a review: Slack events name their workspace (`team_id`) and Instagram's name the
    /// Instagram account (under its Page), neither of which routing looked at: every such event
    /// was `unmatched`. A connection's `team_id` variable and its accounts' `instagramAccountId`
    /// route them.
    @Test func slackAndInstagramEventsRouteToTheirConnections() async throws {
        try await withDatabaseApp(Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await pool.execute(
                """
                INSERT INTO connections (tenant_id, connector, name, variables, accounts) VALUES
                  ('tenant-b', 'slack', 'Slack', '{"team_id": "T0FAKE001"}', '[]'),
                  ('tenant-c', 'meta', 'Pages', '{}', '[{"id": "1040", "name": "Page", "instagramAccountId": "17841400008460056"}]')
                """)
            let slack = #"{"type":"event_callback","team_id":"T0FAKE001","event_id":"Ev0ROUTE1","event":{"type":"app_mention","text":"hi"}}"#
            let t = Int(Date().timeIntervalSince1970)
            let signature =
                "v0="
                + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array("v0:\(t):\(slack)".utf8), key: Array("slack-secret-e2e-0c4d".utf8)))
            let slackReply = try await client.request(
                "POST", "/webhooks/slack", headers: ["X-Slack-Signature": signature, "X-Slack-Request-Timestamp": "\(t)"], body: Data(slack.utf8))
            #expect(slackReply.status == 200)
            let instagram =
                #"{"object":"instagram","entry":[{"id":"17841400008460056","time":1767225600,"changes":[{"field":"comments","value":{"id":"178","text":"Nice"}}]}]}"#
            let metaSignature =
                "sha256=" + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array(instagram.utf8), key: Array("meta-secret-e2e-91ab".utf8)))
            let instagramReply = try await client.request(
                "POST", "/webhooks/meta", headers: ["X-Hub-Signature-256": metaSignature], body: Data(instagram.utf8))
            #expect(instagramReply.status == 200)
            let routed = try await pool.query("SELECT connector, status, tenant_id FROM webhook_events ORDER BY connector").map {
                "\(try $0.decode("connector", as: String.self)) \(try $0.decode("status", as: String.self)) \(try $0.decode("tenant_id", as: String?.self) ?? "-")"
            }
            #expect(routed == ["meta received tenant-c", "slack received tenant-b"])
        }
    }

    @Test func aMetaBatchStoresOneEventPerChange() async throws {
        try await withDatabaseApp(Self.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await pool.execute(
                """
                INSERT INTO connections (tenant_id, connector, name, accounts) VALUES ('tenant-a', 'meta', 'Pages', '[{"id": "1040", "name": "Page", "kind": "page"}]')
                """)
            let body =
                #"{"object":"page","entry":[{"id":"1040","time":1767225600,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","message":"Love it","post_id":"1040_1"}},{"field":"feed","value":{"item":"reaction","verb":"add","post_id":"1040_1"}}]},{"id":"2050","time":1767225601,"changes":[{"field":"feed","value":{"item":"status","verb":"add"}}]}]}"#
            let signature =
                "sha256=" + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array(body.utf8), key: Array("meta-secret-e2e-91ab".utf8)))
            let reply = try await client.request("POST", "/webhooks/meta", headers: ["X-Hub-Signature-256": signature], body: Data(body.utf8))
            #expect(reply.status == 200)
            #expect(try reply.json()["received"] as? Int == 3)
            let statuses = try await pool.query("SELECT status FROM webhook_events ORDER BY status").map { try $0.decode("status", as: String.self) }
            #expect(statuses == ["received", "received", "unmatched"])
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_jobs WHERE kind = 'webhook_event'") == 2)
        }
    }

    @Test func slackURLVerificationIsAnsweredOnlyWhenSigned() async throws {
        try await withDatabaseApp(Self.plant) { server, client in
            let body = #"{"token":"unused","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#
            let t = Int(Date().timeIntervalSince1970)
            let signature =
                "v0=" + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array("v0:\(t):\(body)".utf8), key: Array("slack-secret-e2e-0c4d".utf8)))
            let good = try await client.request(
                "POST", "/webhooks/slack", headers: ["X-Slack-Signature": signature, "X-Slack-Request-Timestamp": "\(t)"],
                body: Data(body.utf8))
            #expect(good.status == 200)
            #expect(try good.json()["challenge"] as? String == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
            let forged = try await client.request(
                "POST", "/webhooks/slack", headers: ["X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "\(t)"],
                body: Data(body.utf8))
            #expect(forged.status == 401 && !forged.text.contains("3eZbrw1a"))
            let pool = try #require(server.database?.pool)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM webhook_events") == 0)
            #expect(try await client.get("/metrics").text.contains(#"neonhub_webhook_events_total{connector="slack",outcome="handshake"} 1"#))
        }
    }

    @Test func linkedInAndMailchimpHandshakes() async throws {
        try await withTestApp(Self.plant) { _, client in
            let reply = try await client.get("/webhooks/linkedin?challengeCode=890e4665-4dfe-4ab1-b689-ed553bceeed0")
            #expect(reply.status == 200)
            let json = try reply.json()
            #expect(json["challengeCode"] as? String == "890e4665-4dfe-4ab1-b689-ed553bceeed0")
            // python3 -c 'import hmac,hashlib;print(hmac.new(b"linkedin-client-test",b"890e4665-4dfe-4ab1-b689-ed553bceeed0",hashlib.sha256).hexdigest())'
            #expect(json["challengeResponse"] as? String == "e27031cc6ad6c11ebc1239553fd339dfc7f841a5e0f35c6a9c92421c96dab838")
            #expect(try await client.get("/webhooks/linkedin").status == 400)
            // Found by a review: the answer is the HMAC `X-LI-Signature` checks, so a code that
            // is a body (an event naming another organization) would have been signed for anyone.
            let body = #"{"notificationId":"x1","type":"COMMENT","organizationalEntity":"urn:li:organization:1"}"#
            let forged = try await client.get(
                "/webhooks/linkedin?challengeCode=\(body.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(forged.status == 400 && !forged.text.contains("challengeResponse"))
            #expect(try await client.get("/webhooks/mailchimp").status == 200)
            let meta = try await client.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=42&hub.verify_token=verify-e2e-1d9c")
            #expect(meta.status == 200 && meta.text == "42")
        }
        try await withTestApp { _, client in
            let unconfigured = try await client.get("/webhooks/linkedin?challengeCode=890e4665-4dfe-4ab1-b689-ed553bceeed0")
            #expect(unconfigured.status == 503)
        }
    }

    @Test func aTwilioMessageIsVerifiedAgainstThePublicURL() async throws {
        try await withDatabaseApp({
            Self.plant(&$0); $0.publicURL = "https://hub.example.com"
        }) { server, client in
            let form = "To=%2B15550002&From=%2B15550001&Body=Hello+world&MessageSid=SM0001&AccountSid=AC0001&MessageStatus=received"
            let signature = Data(
                HMACSHA1.authenticate(
                    message: Array(
                        "https://hub.example.com/webhooks/twilio?tenant=aAccountSidAC0001BodyHello worldFrom+15550001MessageSidSM0001MessageStatusreceivedTo+15550002"
                            .utf8),
                    key: Array("twilio-token-e2e-8f15".utf8))
            ).base64EncodedString()
            let reply = try await client.request(
                "POST", "/webhooks/twilio?tenant=a", headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature],
                body: Data(form.utf8))
            #expect(reply.status == 200 && reply.text.contains("<Response>"))
            let pool = try #require(server.database?.pool)
            let row = try await pool.query("SELECT event_id, event_type, account_id, status FROM webhook_events")
            #expect(try row.first?.decode("event_id", as: String.self) == "SM0001:received")
            #expect(try row.first?.decode("account_id", as: String.self) == "AC0001")
            #expect(try row.first?.decode("status", as: String.self) == "unmatched")
        }
    }

    /// No planted secret in any stored event or job.
    static func expectNoSecretStored(_ pool: PostgresPool) async throws {
        let text = try await pool.query(
            """
            SELECT coalesce((SELECT string_agg(row_to_json(e)::text, ' ') FROM webhook_events e), '')
                || coalesce((SELECT string_agg(row_to_json(j)::text, ' ') FROM publish_jobs j), '') AS t
            """)[0].decode("t", as: String.self)
        expectNoSecret(in: text)
    }

    static func expectNoSecret(in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secretValues { #expect(!text.contains(secret), "a planted secret leaked", sourceLocation: sourceLocation) }
    }
}
