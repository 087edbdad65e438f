import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Shopify through the server: OAuth per shop (the consent URL on the shop's host, the signed
/// callback checked before its state is spent, the shop it names checked and stored, the code
/// exchanged at the shop's token endpoint), a product published through `publish.schedule` to a
/// succeeded job with the product's GID, and the support agent looking up a customer's orders
/// through `connector.action` — all against `ShopifyFake`.
@Suite struct ShopifyConnectionTests {
    /// A database app with queue workers and Shopify pointed at `fake` (app credentials set);
    /// `body` gets the server and the client.
    static func withShopifyApp(
        _ fake: ShopifyFake, agents: [any Agent] = [], _ body: (NeonHubServer, HTTPTestClient) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile([
            "shopify": ["baseUrl": fake.apiBaseURL, "tokenUrl": fake.tokenURL, "authorizeUrl": fake.authorizeURL]
        ])
        try await withDatabaseApp(
            agents: agents,
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["SHOPIFY": ShopifyFake.defaultApp])
                $0.publicURL = "https://hub.example.test"
                $0.workers = 2
                $0.queueSchedules = false
                $0.queueBackoffBase = .seconds(60)
            }
        ) { server, client in try await body(server, client) }
    }

    /// `connectors.authorizeUrl` for the fake's shop, the fake's consent (its signed redirect,
    /// changed by `tamper`), and the callback: the callback's answer and the consent URL's query.
    static func connect(
        _ client: HTTPTestClient, _ fake: ShopifyFake, shop: String = ShopifyFake.shop,
        tamper: ([(String, String)]) -> [(String, String)] = { $0 }
    ) async throws -> (reply: HTTPTestClient.Reply, consent: [String: String], url: String) {
        let started = try await OAuthTestSupport.authorize(client, ["connector": "shopify", "variables": ["shop": ShopifyFake.shop]])
        #expect(started.status == 200)
        let redirect = try #require(fake.authorize(started.query, shop: shop))
        let reply = try await OAuthTestSupport.callback(client, connector: "shopify", tamper(redirect))
        return (reply, started.query, started.url)
    }

    /// The connection id the callback's redirect names, if it connected.
    static func connection(_ reply: HTTPTestClient.Reply) -> UUID? {
        reply.header("Location").flatMap { OAuthTestSupport.query($0)["connectionId"] }.flatMap(UUID.init(uuidString:))
    }

    @Test func connectingChecksTheSignedCallbackAndStoresTheShop() async throws {
        let fake = ShopifyFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withShopifyApp(fake) { server, client in
                // An altered redirect (another hmac) is refused before its state is spent.
                let forged = try await Self.connect(client, fake) { items in
                    items.map { $0.0 == "hmac" ? ($0.0, String(repeating: "0", count: 64)) : $0 }
                }
                #expect(Self.connection(forged.reply) == nil)
                #expect(forged.reply.header("Location")?.contains("reason=invalid_callback_signature") == true)
                #expect(fake.server.requests("POST", "/admin/oauth/access_token").isEmpty)
                // A redirect, validly signed, for another shop than the one the authorization started for.
                let other = try await Self.connect(client, fake, shop: "other-shop.myshopify.com")
                #expect(other.reply.header("Location")?.contains("reason=callback_variable_mismatch") == true)
                #expect(fake.server.requests("POST", "/admin/oauth/access_token").isEmpty)

                let done = try await Self.connect(client, fake)
                let id = try #require(Self.connection(done.reply), "\(done.reply.header("Location") ?? "")")
                #expect(done.url.hasPrefix(fake.authorizeURL + "?"))
                #expect(done.consent["client_id"] == ShopifyFake.defaultApp.clientID)
                #expect(done.consent["scope"]?.split(separator: ",").contains("write_inventory") == true)
                #expect(done.consent["redirect_uri"] == "https://hub.example.test/oauth/callback/shopify")
                #expect(done.consent["code_challenge"] == nil)  // Shopify does not take PKCE here
                let exchange = try #require(fake.server.requests("POST", "/admin/oauth/access_token").first)
                #expect(exchange.formItems["client_id"] == [ShopifyFake.defaultApp.clientID])
                #expect(exchange.formItems["client_secret"] == [ShopifyFake.defaultApp.clientSecret])
                #expect(exchange.formItems["code"]?.first?.isEmpty == false)

                let pool = try #require(server.database?.pool)
                let row = try #require(try await pool.query("SELECT variables->>'shop' AS shop FROM connections WHERE id = \(id)").first)
                #expect(try row.decode("shop", as: String.self) == ShopifyFake.shop)
                let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id.uuidString, "action": "shop.get"])
                #expect(status == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [String: Any])?["domain"] as? String == ShopifyFake.shop)
                let token = try #require(fake.graphQLRequests.last?.header("X-Shopify-Access-Token"))
                let leaked = try await pool.query("SELECT count(*)::int AS n FROM connections WHERE variables::text LIKE \("%" + token + "%")")
                #expect(try leaked.first?.decode("n", as: Int.self) == 0)
            }
        }
    }

    @Test func aScheduledProductIsCreatedOnceAndTheJobKeepsItsGID() async throws {
        let fake = ShopifyFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withShopifyApp(fake) { _, client in
                let connection = try #require(Self.connection(try await Self.connect(client, fake).reply))
                let request: [String: Any] = [
                    "connectionId": connection.uuidString, "action": "products.create",
                    "input": ["title": "Cold Brew Kit", "descriptionHtml": "<p>Everything for a litre.</p>", "status": "DRAFT"],
                ]
                let (status, envelope) = try await client.mutation("publish.schedule", request)
                #expect(status == 200, "\(envelope)")
                let id = try #require(QueueTestSupport.jobID(envelope))
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                let job = try #require(done["job"] as? [String: Any])
                let product = try #require(fake.products.last)
                #expect(product.title == "Cold Brew Kit" && product.descriptionHtml == "<p>Everything for a litre.</p>")
                #expect(job["remoteId"] as? String == product.id)
                #expect(job["remoteUrl"] as? String == "https://\(ShopifyFake.shop)/products/cold-brew-kit")
                #expect(QueueTestSupport.outcomes(done) == ["succeeded"])

                let (_, again) = try await client.mutation("publish.schedule", request)
                #expect(QueueTestSupport.jobID(again) == id)
                try await Task.sleep(for: .milliseconds(200))
                let creates = fake.graphQLRequests.filter { ShopifyRuntimeTests.graphQL($0).query.hasPrefix("mutation ProductCreate") }
                #expect(creates.count == 1)
                #expect(fake.products.count == 3)  // two seeded, one created
            }
        }
    }

    @Test func theSupportAgentLooksUpACustomersOrdersAndTheRunIsRecorded() async throws {
        let fake = ShopifyFake()
        try fake.start()
        let actions = SupportAgentConnectorRunTests.LateConnectorActions()
        let agent = SupportAgentConnectorRunTests.SupportReplyAgent(
            name: "support-shopify", actions: actions, connector: "shopify", action: "orders.list"
        ) { input, _ in .object(["query": .string("email:\(JSONPath.text(input["email"]) ?? "")"), "first": .number(5)]) }
        try await fake.server.serving {
            try await Self.withShopifyApp(fake, agents: [agent]) { server, client in
                actions.bind(try SupportAgentConnectorRunTests.service(of: server))
                _ = try #require(Self.connection(try await Self.connect(client, fake).reply))
                let (status, envelope) = try await client.mutation(
                    "agents.run",
                    [
                        "agent": "support-shopify", "intent": "reply",
                        "input": ["message": "Where is my order #1002? It has not shipped yet.", "email": "ada@example.com", "channel": "email"],
                    ])
                #expect(status == 200)
                let result = try #require(resultData(envelope))
                #expect(result["status"] as? String == "succeeded", "\(envelope)")
                let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
                let sent = ShopifyRuntimeTests.graphQL(fake.graphQLRequests.last)
                #expect(sent.query.hasPrefix("query Orders") && sent.variables["query"] as? String == "email:ada@example.com")
                let orders = ((result["output"] as? [String: Any])?["sent"] as? [String: Any])?["items"] as? [[String: Any]]
                #expect(orders?.compactMap { $0["name"] as? String } == ["#1002"])

                let pool = try #require(server.database?.pool)
                let tools = try await pool.query(
                    """
                    SELECT status, input->>'connector' AS connector, input->>'action' AS action FROM tool_executions
                    WHERE run_id = \(runID) AND tool = 'connector.action'
                    """)
                #expect(tools.count == 1)
                #expect(try tools.first?.decode("connector", as: String.self) == "shopify")
                #expect(try tools.first?.decode("action", as: String.self) == "orders.list")
                #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            }
        }
    }
}
