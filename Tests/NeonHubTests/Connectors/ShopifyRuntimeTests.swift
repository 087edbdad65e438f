import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// The Shopify definition run by the real runtime against `ShopifyFake`, which follows the Admin
/// GraphQL API's documentation: every action's request (POST to the versioned endpoint, the
/// access token header, `{query, variables}`), the documented answers, cursor pages, userErrors,
/// the 401, and the calculated-cost bucket waited for instead of failing.
@Suite struct ShopifyRuntimeTests {
    static func runtime(_ fake: ShopifyFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "shopify"), baseURLOverrides: ["shopify": fake.apiBaseURL],
            publicURL: "https://hub.example.test")
    }

    /// Runs `body` with a started fake, a runtime pointed at it and a token the shop issued.
    func withShopify(_ body: (ShopifyFake, ConnectorRuntime, ConnectorCredentialsValue) async throws -> Void) async throws {
        let fake = ShopifyFake()
        try fake.start()
        let token = ConnectorCredentialsValue.token(fake.issueAccessToken())
        try await fake.server.serving { try await body(fake, try Self.runtime(fake), token) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "shopify", action: action, input: .object(input), variables: ["shop": ShopifyFake.shop])
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    /// The GraphQL body of a recorded request.
    static func graphQL(_ request: FakeProviderServer.RecordedRequest?) -> (query: String, variables: [String: Any]) {
        let body = request?.json as? [String: Any] ?? [:]
        return (body["query"] as? String ?? "", body["variables"] as? [String: Any] ?? [:])
    }

    /// The definition's query text of `action`.
    static func definedQuery(_ action: String) throws -> String {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let template = try #require(catalog["shopify"]?.definition.action(action)?.request?.body?.template)
        return try #require(JSONPath.text(template["query"]))
    }

    @Test func theShopIsReadFromTheVersionedEndpointWithTheAccessTokenHeader() async throws {
        // Without an override the host is the shop's own and the version is named once.
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["shopify"]?.definition)
        #expect(definition.baseUrl == "https://{{vars.shop}}/admin/api/\(ShopifyFake.apiVersion)")
        let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
            try #require(definition.action("shop.get")?.request),
            renderer: TemplateRenderer(scope: ["vars": .object(["shop": .string(ShopifyFake.shop)])]),
            credentials: ConnectorCredentialsValue.token("shpat_placeholder").credentials.forRequest())
        #expect(built.url.absoluteString == "https://\(ShopifyFake.shop)/admin/api/2026-10/graphql.json")

        try await withShopify { fake, runtime, token in
            let shop = try await runtime.execute(Self.call("shop.get")) { _ in token }
            #expect(shop.output["domain"] == .string(ShopifyFake.shop))
            #expect(shop.output["id"] == .string("gid://shopify/Shop/60000000001"))
            #expect(shop.output["currency"] == .string("USD"))
            let sent = try #require(fake.graphQLRequests.last)
            #expect(sent.method == "POST" && sent.path == ShopifyFake.graphQLPath && sent.query == nil)
            #expect(sent.header("X-Shopify-Access-Token") == fake.server.requests.last?.header("X-Shopify-Access-Token"))
            #expect(sent.header("X-Shopify-Access-Token")?.hasPrefix("shpat_") == true)
            #expect(sent.header("Authorization") == nil)
            #expect(sent.header("Content-Type") == "application/json")
            #expect(Self.graphQL(sent).query == (try Self.definedQuery("shop.get")))
        }
    }

    /// The access token travels in Shopify's own header, which a redirect followed by the
    /// transport would carry to wherever it points (only `Authorization` is dropped there): a
    /// redirect to another host is refused and the token reaches nobody else; one on the shop's
    /// own host is followed, token and body kept (307).
    @Test func aRedirectIsNotFollowedWithTheAccessTokenHeader() async throws {
        let elsewhere = FakeProviderServer()
        try elsewhere.start()
        defer { elsewhere.stop() }
        let redirector = FakeProviderServer()
        redirector.onEveryRequest { request in
            FakeProviderServer.Reply(status: 307, headers: ["Location": elsewhere.baseURL + request.path])
        }
        try redirector.start()
        defer { redirector.stop() }
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let runtime = ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "shopify"), baseURLOverrides: ["shopify": redirector.baseURL],
            publicURL: "https://hub.example.test")
        let token = "shpat_" + String(repeating: "7", count: 32)
        await #expect(throws: ConnectorError.self) {
            _ = try await runtime.execute(Self.call("shop.get")) { _ in .token(token) }
        }
        #expect(redirector.requests.first?.header("X-Shopify-Access-Token") == token)
        #expect(elsewhere.requests.isEmpty)

        let fake = ShopifyFake()
        try fake.start()
        try await fake.server.serving {
            fake.server.on(
                "POST", "/moved/graphql.json", reply: FakeProviderServer.Reply(status: 307, headers: ["Location": fake.apiBaseURL + "/graphql.json"]))
            let moved = ConnectorRuntime(
                catalog: catalog, client: OutboundClient.quickRetries(label: "shopify"), baseURLOverrides: ["shopify": fake.baseURL + "/moved"],
                publicURL: "https://hub.example.test")
            let shop = try await moved.execute(Self.call("shop.get")) { _ in .token(fake.issueAccessToken()) }
            #expect(shop.output["domain"] == .string(ShopifyFake.shop))
            #expect(fake.server.requests.map(\.path) == ["/moved/graphql.json", "/admin/api/\(ShopifyFake.apiVersion)/graphql.json"])
        }
        #expect(
            ConnectorRuntime.carriesCredentialOutsideAuthorization(["X-Shopify-Access-Token": token], secrets: [token])
                && !ConnectorRuntime.carriesCredentialOutsideAuthorization(["Authorization": "Bearer \(token)"], secrets: [token]))
    }

    @Test func listsPageByCursorThroughTheirVariables() async throws {
        try await withShopify { fake, runtime, token in
            let products = try await runtime.execute(Self.call("products.list", ["first": .number(1)])) { _ in token }
            #expect(Self.items(products.output).count == 2)
            #expect(products.pages == 2)
            #expect(Self.items(products.output).first?["title"] == .string("Winter Blend 250g"))
            let reads = fake.graphQLRequests.map(Self.graphQL)
            #expect(reads.allSatisfy { $0.query == reads[0].query && ($0.variables["first"] as? Int) == 1 })
            #expect(reads[0].variables["after"] == nil && reads[0].variables["query"] == nil)  // missing values are left out
            #expect(reads[1].variables["after"] as? String == Data("offset:1".utf8).base64EncodedString())

            let active = try await runtime.execute(Self.call("products.list", ["query": .string("status:active")])) { _ in token }
            #expect(Self.items(active.output).map { $0["status"] } == [.string("ACTIVE")])
            #expect(Self.graphQL(fake.graphQLRequests.last).variables["first"] as? Int == 50)  // the schema's default page size

            let orders = try await runtime.execute(Self.call("orders.list", ["first": .number(2)])) { _ in token }
            #expect(Self.items(orders.output).compactMap { JSONPath.text($0["name"]) } == ["#1003", "#1002", "#1001"])
            #expect(orders.pages == 2)
            let limited = try await runtime.execute(Self.call("orders.list", ["first": .number(2), "limit": .number(2)])) { _ in token }
            #expect(limited.pages == 1 && limited.output["truncated"] == .bool(true))

            let customers = try await runtime.execute(Self.call("customers.list", ["query": .string("email:ada@example.com")])) { _ in token }
            #expect(Self.items(customers.output).map { $0["email"] } == [.string("ada@example.com")])
            let locations = try await runtime.execute(Self.call("locations.list", ["first": .number(1)])) { _ in token }
            #expect(Self.items(locations.output).compactMap { JSONPath.text($0["name"]) } == ["Roastery", "Warehouse"])
        }
    }

    @Test func aProductIsCreatedAndUserErrorsArePermanent() async throws {
        try await withShopify { fake, runtime, token in
            let created = try await runtime.execute(
                Self.call(
                    "products.create",
                    ["title": .string("Cold Brew Kit"), "vendor": .string("NeonHub Coffee"), "tags": .array([.string("summer")])])
            ) { _ in token }
            let product = try #require(fake.products.last)
            #expect(created.output["id"] == .string(product.id))
            #expect(created.output["status"] == .string("DRAFT") && product.status == "DRAFT")  // the schema's default
            #expect(created.output["previewUrl"] == .string("https://\(ShopifyFake.shop)/products/cold-brew-kit"))
            let sent = Self.graphQL(fake.graphQLRequests.last)
            #expect(sent.query == (try Self.definedQuery("products.create")))
            #expect(
                NSDictionary(dictionary: sent.variables["product"] as? [String: Any] ?? [:])
                    == ["title": "Cold Brew Kit", "vendor": "NeonHub Coffee", "tags": ["summer"], "status": "DRAFT"] as NSDictionary)

            let blank = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("products.create", ["title": .string("   ")])) { _ in token }
            }
            #expect(blank?.code == .providerRejected)
            #expect(blank?.message.contains("Title can't be blank") == true)
            #expect(fake.products.count == 3)
        }
    }

    @Test func inventoryIsReadPerLocationAndAdjustedOnceWithAnIdempotencyKey() async throws {
        try await withShopify { fake, runtime, token in
            let item = "gid://shopify/InventoryItem/30322695", roastery = "gid://shopify/Location/124656943"
            let levels = try await runtime.execute(Self.call("inventory.levels", ["inventoryItemId": .string(item), "first": .number(1)])) { _ in
                token
            }
            #expect(Self.items(levels.output).compactMap { JSONPath.text($0["locationName"]) } == ["Roastery", "Warehouse"])
            #expect(
                JSONPath.value(at: "0.quantities.0", in: .array(Self.items(levels.output)))
                    == .object(["name": .string("available"), "quantity": .number(10)]))
            #expect(Self.graphQL(fake.graphQLRequests.last).variables["id"] as? String == item)

            let change: JSONValue = .object([
                "inventoryItemId": .string(item), "locationId": .string(roastery), "delta": .number(-4), "changeFromQuantity": .number(10),
            ])
            var adjust = Self.call("inventory.adjust", ["reason": .string("correction"), "changes": .array([change])])
            adjust.idempotencyKey = "publish-job-5b2e"
            let adjusted = try await runtime.execute(adjust) { _ in token }
            #expect(fake.available(item: item, location: roastery) == 6)
            #expect(JSONPath.value(at: "changes.0.quantityAfterChange", in: adjusted.output) == .number(6))
            let sent = Self.graphQL(fake.graphQLRequests.last)
            #expect(sent.query.contains("@idempotent(key: $idempotencyKey)"))
            #expect(sent.variables["idempotencyKey"] as? String == "publish-job-5b2e")  // the caller's (the queue job's) key
            let input = try #require(sent.variables["input"] as? [String: Any])
            #expect(input["reason"] as? String == "correction" && input["name"] as? String == "available")  // the schema's default name
            #expect((input["changes"] as? [[String: Any]])?.first?["changeFromQuantity"] as? Int == 10)

            // The same call again (a retry) is answered by Shopify without a second adjustment.
            _ = try await runtime.execute(adjust) { _ in token }
            #expect(fake.adjustments == 1 && fake.available(item: item, location: roastery) == 6)
            // A call without a key gets one of its own; a stale changeFromQuantity is Shopify's userError.
            let stale = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("inventory.adjust", ["reason": .string("correction"), "changes": .array([change])])) { _ in token
                }
            }
            #expect(stale?.code == .providerRejected && stale?.providerCode == "CHANGE_FROM_QUANTITY_STALE")
            #expect((Self.graphQL(fake.graphQLRequests.last).variables["idempotencyKey"] as? String)?.hasPrefix("neonhub-") == true)
        }
    }

    @Test func webhookSubscriptionsPointAtOurRouteAndArticlesArePublished() async throws {
        try await withShopify { fake, runtime, token in
            let created = try await runtime.execute(Self.call("webhooks.create", ["topic": .string("ORDERS_CREATE")])) { _ in token }
            #expect(created.output["uri"] == .string("https://hub.example.test/webhooks/shopify"))
            let sent = Self.graphQL(fake.graphQLRequests.last)
            #expect(sent.variables["topic"] as? String == "ORDERS_CREATE")
            #expect(
                NSDictionary(dictionary: sent.variables["webhookSubscription"] as? [String: Any] ?? [:]) == [
                    "uri": "https://hub.example.test/webhooks/shopify", "format": "JSON",
                ] as NSDictionary)
            let again = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("webhooks.create", ["topic": .string("ORDERS_CREATE")])) { _ in token }
            }
            #expect(again?.message.contains("already been taken") == true)
            let listed = try await runtime.execute(Self.call("webhooks.list")) { _ in token }
            #expect(Self.items(listed.output).map { $0["id"] } == [created.output["id"]])
            let id = try #require(JSONPath.text(created.output["id"]))
            let deleted = try await runtime.execute(Self.call("webhooks.delete", ["id": .string(id)])) { _ in token }
            #expect(deleted.output["id"] == .string(id) && fake.webhooks.isEmpty)
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("webhooks.delete", ["id": .string(id)])) { _ in token }
            }
            #expect(missing?.code == .providerRejected)

            let article = try await runtime.execute(
                Self.call(
                    "articles.create",
                    [
                        "blogId": .string(ShopifyFake.blogID), "title": .string("How we roast"), "body": .string("<p>Ten minutes.</p>"),
                        "authorName": .string("Avery Example"),
                    ])
            ) { _ in token }
            #expect(article.output["handle"] == .string("how-we-roast") && article.output["published"] == .bool(true))
            let articleInput = Self.graphQL(fake.graphQLRequests.last).variables["article"] as? [String: Any]
            #expect((articleInput?["author"] as? [String: Any])?["name"] as? String == "Avery Example")
        }
    }

    @Test func mockModeAnswersEveryActionFromItsOwnOperationsFixture() async throws {
        // The fixtures match on each action's GraphQL query (and the cursor): each action gets its own answer, lists two pages.
        let (runtime, catalog) = try MockModeTests.mockRuntime()
        let definition = try #require(catalog["shopify"]?.definition)
        for action in definition.actions {
            let call = ConnectorCall(
                connector: "shopify", action: action.id, input: MockModeTests.sample(action.inputSchema), variables: ["shop": ShopifyFake.shop])
            let result = try await runtime.execute(call) { _ in .none }
            if action.pagination != nil {
                #expect(result.pages == 2 && Self.items(result.output).count == 2, "\(action.id)")
            } else {
                #expect(JSONPath.text(result.output["id"])?.hasPrefix("gid://shopify/") == true, "\(action.id)")
            }
        }
    }

    @Test func aRefusedTokenIsShopifys401AndNeverLeaks() async throws {
        try await withShopify { fake, runtime, _ in
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("shop.get")) { _ in .token("shpat_revoked0123456789abcdef") }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.message.contains("Invalid API key or access token") == true)
            #expect(refused?.message.contains("shpat_revoked") == false)
            #expect(fake.graphQLRequests.count == 1)  // nothing to refresh: offline tokens do not expire
        }
    }
}
