import Foundation
import TestSupport
import Testing

/// The Shopify fake, driven with plain HTTP as Shopify documents each call:
/// https://shopify.dev/docs/api/admin-graphql (endpoint, X-Shopify-Access-Token, status codes),
/// https://shopify.dev/docs/api/usage/rate-limits (calculated cost, leaky bucket, THROTTLED),
/// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
/// (the signed callback and the token exchange).
@Suite struct ShopifyFakeTests {
    private func withFake<T>(_ body: (ShopifyFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = ShopifyFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private func graphQL(
        _ client: HTTPTestClient, token: String?, _ query: String, _ variables: [String: Any] = [:], version: String = ShopifyFake.apiVersion
    ) async throws -> HTTPTestClient.Reply {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["X-Shopify-Access-Token"] = token }
        return try await client.request(
            "POST", "/admin/api/\(version)/graphql.json", headers: headers,
            body: try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables]))
    }

    static let products =
        "query P($first: Int!, $after: String) { products(first: $first, after: $after) { edges { node { id title } } pageInfo { hasNextPage endCursor } } }"

    @Test func aBadTokenIsShopifys401AndAnotherVersionIs404() async throws {
        try await withFake { fake, client in
            let missing = try await graphQL(client, token: nil, "query { shop { id } }")
            #expect(missing.status == 401)
            #expect(try missing.json()["errors"] as? String == "[API] Invalid API key or access token (unrecognized login or wrong password)")
            let token = fake.issueAccessToken()
            #expect(try await graphQL(client, token: token, "query { shop { id } }", version: "2019-04").status == 404)
            let shop = try await graphQL(client, token: token, "query { shop { id name myshopifyDomain } }")
            #expect(shop.status == 200)
            #expect(((try shop.json()["data"] as? [String: Any])?["shop"] as? [String: Any])?["myshopifyDomain"] as? String == ShopifyFake.shop)
            fake.revoke(token: token)
            #expect(try await graphQL(client, token: token, "query { shop { id } }").status == 401)
        }
    }

    @Test func connectionsPageByCursorAndReportTheirCost() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let first = try await graphQL(client, token: token, Self.products, ["first": 1]).json()
            let page = try #require((first["data"] as? [String: Any])?["products"] as? [String: Any])
            let info = try #require(page["pageInfo"] as? [String: Any])
            #expect(info["hasNextPage"] as? Bool == true)
            let cost = try #require((first["extensions"] as? [String: Any])?["cost"] as? [String: Any])
            #expect(cost["requestedQueryCost"] as? Double == 3)  // 2 + first × 1
            #expect(cost["actualQueryCost"] as? Double == 3)
            let second = try await graphQL(client, token: token, Self.products, ["first": 1, "after": info["endCursor"] ?? ""]).json()
            let next = try #require((second["data"] as? [String: Any])?["products"] as? [String: Any])
            #expect((next["pageInfo"] as? [String: Any])?["hasNextPage"] as? Bool == false)
            let ids = [page, next].compactMap { (($0["edges"] as? [[String: Any]])?.first?["node"] as? [String: Any])?["id"] as? String }
            #expect(Set(ids).count == 2)
            // A missing non-null variable is GraphQL's validation error, with HTTP 200.
            let invalid = try await graphQL(client, token: token, Self.products)
            #expect(invalid.status == 200)
            #expect(((try invalid.json()["errors"] as? [[String: Any]])?.first?["message"] as? String)?.contains("$first of type Int!") == true)
        }
    }

    @Test func aDrainedBucketThrottlesUntilItRestores() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            fake.setBucket(maximum: 100, restoreRate: 50)
            fake.drainBucket(leaving: 0)
            let throttled = try await graphQL(client, token: token, Self.products, ["first": 10]).json()
            let error = try #require((throttled["errors"] as? [[String: Any]])?.first)
            #expect((error["extensions"] as? [String: Any])?["code"] as? String == "THROTTLED")
            let cost = try #require((throttled["extensions"] as? [String: Any])?["cost"] as? [String: Any])
            #expect(cost["requestedQueryCost"] as? Double == 12)
            #expect(cost["actualQueryCost"] is NSNull)
            let status = try #require(cost["throttleStatus"] as? [String: Any])
            #expect(status["maximumAvailable"] as? Double == 100 && status["restoreRate"] as? Double == 50)
            #expect((status["currentlyAvailable"] as? Double ?? 99) < 12)
            try await Task.sleep(for: .milliseconds(300))  // 50 points/s: 15 points back
            let served = try await graphQL(client, token: token, Self.products, ["first": 10]).json()
            #expect(served["errors"] == nil)
        }
    }

    @Test func mutationsReportUserErrorsAndInventoryNeedsItsIdempotencyKey() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let create =
                "mutation C($product: ProductCreateInput!) { productCreate(product: $product) { product { id } userErrors { field message } } }"
            let blank = try await graphQL(client, token: token, create, ["product": ["title": " "]]).json()
            let errors = (((blank["data"] as? [String: Any])?["productCreate"] as? [String: Any])?["userErrors"] as? [[String: Any]]) ?? []
            #expect(errors.first?["message"] as? String == "Title can't be blank")
            #expect(fake.products.count == 2)

            let item = "gid://shopify/InventoryItem/30322695", location = "gid://shopify/Location/124656943"
            let change: [String: Any] = ["inventoryItemId": item, "locationId": location, "delta": -4, "changeFromQuantity": 10]
            let input: [String: Any] = ["reason": "correction", "name": "available", "changes": [change]]
            let withoutKey =
                "mutation A($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) { userErrors { message } } }"
            let refused = try await graphQL(client, token: token, withoutKey, ["input": input]).json()
            #expect(refused["errors"] != nil)
            let keyed =
                "mutation A($input: InventoryAdjustQuantitiesInput!, $key: String!) { inventoryAdjustQuantities(input: $input) @idempotent(key: $key) { userErrors { code message } } }"
            _ = try await graphQL(client, token: token, keyed, ["input": input, "key": "7c0f4b1e-5d0b-4c55-9a39-2b6f3c1d9e10"])
            _ = try await graphQL(client, token: token, keyed, ["input": input, "key": "7c0f4b1e-5d0b-4c55-9a39-2b6f3c1d9e10"])
            #expect(fake.available(item: item, location: location) == 6)  // the repeat is answered, not applied
            #expect(fake.adjustments == 1)
            let stale = try await graphQL(client, token: token, keyed, ["input": input, "key": "second-key"]).json()
            let staleErrors =
                (((stale["data"] as? [String: Any])?["inventoryAdjustQuantities"] as? [String: Any])?["userErrors"] as? [[String: Any]]) ?? []
            #expect(staleErrors.first?["code"] as? String == "CHANGE_FROM_QUANTITY_STALE")
        }
    }

    @Test func theConsentRedirectIsSignedAndItsCodeBuysOneOfflineToken() async throws {
        try await withFake { fake, client in
            let app = ShopifyFake.defaultApp
            #expect(fake.authorize(["client_id": "someone-else", "redirect_uri": app.redirectURI, "state": "s"]) == nil)
            let items = try #require(
                fake.authorize(["client_id": app.clientID, "scope": "read_products,write_products", "redirect_uri": app.redirectURI, "state": "s1"]))
            let query = Dictionary(uniqueKeysWithValues: items)
            #expect(query["shop"] == ShopifyFake.shop && query["state"] == "s1")
            // The documented example: the message is the sorted parameters without hmac, keyed with the secret.
            let signed = items.filter { $0.0 != "hmac" }
            #expect(query["hmac"] == ShopifyFake.hmac(signed, secret: app.clientSecret))
            #expect(query["hmac"] != ShopifyFake.hmac(signed, secret: "another-secret"))
            // RFC 4231 test case 2 checks the fake's own HMAC-SHA256.
            #expect(
                ShopifyFake.hmacSHA256(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)).map { String(format: "%02x", $0) }
                    .joined()
                    == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")

            let form = "client_id=\(app.clientID)&client_secret=\(app.clientSecret)&code=\(query["code"] ?? "")"
            let exchange = try await client.request(
                "POST", "/admin/oauth/access_token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
            #expect(exchange.status == 200)
            let token = try #require(try exchange.json()["access_token"] as? String)
            #expect(try exchange.json()["scope"] as? String == "read_products,write_products")
            #expect(try await graphQL(client, token: token, "query { shop { id } }").status == 200)
            let replay = try await client.request(
                "POST", "/admin/oauth/access_token", headers: ["Content-Type": "application/json"],
                body: try JSONSerialization.data(withJSONObject: [
                    "client_id": app.clientID, "client_secret": app.clientSecret, "code": query["code"] ?? "",
                ]))
            #expect(replay.status == 400)
        }
    }
}
