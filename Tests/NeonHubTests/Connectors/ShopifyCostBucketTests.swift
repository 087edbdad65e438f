import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `rateLimit.costBucket` (a general runtime rule, `CostBucketRule`) with Shopify's calculated
/// query cost (https://shopify.dev/docs/api/usage/rate-limits): a THROTTLED answer waits for the
/// missing points and is retried once, a next page waits for its points first, and a wait beyond
/// the bound is a rate-limit error with the time the points will be there. Run against
/// `ShopifyFake`'s real leaky bucket, so the waits are measured, not assumed.
@Suite struct ShopifyCostBucketTests {
    static let bucket = ConnectorDefinition.CostBucket(
        requestedPath: "extensions.cost.requestedQueryCost", availablePath: "extensions.cost.throttleStatus.currentlyAvailable",
        restoreRatePath: "extensions.cost.throttleStatus.restoreRate", maxWaitSeconds: 10)

    static func body(requested: Double, available: Double, rate: Double) throws -> JSONValue {
        try JSONValue.parse(
            Array(
                #"{"extensions":{"cost":{"requestedQueryCost":\#(requested),"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":\#(available),"restoreRate":\#(rate)}}}}"#
                    .utf8))
    }

    @Test func theWaitIsTheMissingPointsOverTheRestoreRate() throws {
        let rule = CostBucketRule(bucket: Self.bucket)
        let short = try #require(rule.wait(after: try Self.body(requested: 202, available: 2, rate: 100)))
        #expect(short.seconds == 2 && short.withinBound)
        let long = try #require(rule.wait(after: try Self.body(requested: 1000, available: 0, rate: 50)))
        #expect(long.seconds == 20 && !long.withinBound)
        #expect(rule.wait(after: try Self.body(requested: 52, available: 1948, rate: 100)) == nil)  // room enough
        #expect(rule.wait(after: try Self.body(requested: 52, available: 0, rate: 0)) == nil)  // no rate: nothing to compute
        #expect(rule.wait(after: .object([:])) == nil)
        let error = CostBucketRule.limited("shopify", seconds: 20, code: "THROTTLED", message: "Throttled")
        #expect(error.code == .providerRateLimited && error.retryAfterSeconds == 20 && error.providerCode == "THROTTLED")
        #expect(abs((error.resetAt?.timeIntervalSinceNow ?? 0) - 20) < 2)
    }

    @Test func aThrottledQueryWaitsForTheBucketAndIsRetriedOnce() async throws {
        let fake = ShopifyFake()
        try fake.start()
        let token = ConnectorCredentialsValue.token(fake.issueAccessToken())
        try await fake.server.serving {
            let runtime = try ShopifyRuntimeTests.runtime(fake)
            fake.setBucket(maximum: 100, restoreRate: 50)
            fake.drainBucket(leaving: 0)  // other calls of the app spent it
            let started = Date()
            let products = try await runtime.execute(ShopifyRuntimeTests.call("products.list", ["first": .number(10)])) { _ in token }
            let elapsed = Date().timeIntervalSince(started)
            #expect(ShopifyRuntimeTests.items(products.output).count == 2)
            let sent = fake.graphQLRequests
            try #require(sent.count == 2)  // THROTTLED, then the same query once more
            #expect(sent.map { ShopifyRuntimeTests.graphQL($0).variables["first"] as? Int } == [10, 10])
            // 12 points at 50 a second: about a quarter of a second, not an immediate retry.
            #expect(elapsed >= 0.2)
            #expect(sent[1].receivedAt.timeIntervalSince(sent[0].receivedAt) >= 0.2)
            #expect(products.attempts == 2)
        }
    }

    @Test func aNextPageWaitsForItsPointsInsteadOfBeingThrottled() async throws {
        let fake = ShopifyFake()
        try fake.start()
        let token = ConnectorCredentialsValue.token(fake.issueAccessToken())
        try await fake.server.serving {
            let runtime = try ShopifyRuntimeTests.runtime(fake)
            fake.setBucket(maximum: 4, restoreRate: 10)  // a page costs 3: after one, 1 point is left
            let products = try await runtime.execute(ShopifyRuntimeTests.call("products.list", ["first": .number(1)])) { _ in token }
            #expect(products.pages == 2)
            let sent = fake.graphQLRequests
            try #require(sent.count == 2)  // no THROTTLED answer in between
            #expect(sent[1].receivedAt.timeIntervalSince(sent[0].receivedAt) >= 0.15)  // (3 - 1) / 10 s
        }
    }

    @Test func aWaitBeyondTheBoundIsARateLimitWithItsResetTime() async throws {
        let fake = ShopifyFake()
        try fake.start()
        let token = ConnectorCredentialsValue.token(fake.issueAccessToken())
        try await fake.server.serving {
            let runtime = try ShopifyRuntimeTests.runtime(fake)
            fake.setBucket(maximum: 1000, restoreRate: 2)
            fake.drainBucket(leaving: 0)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ShopifyRuntimeTests.call("orders.list")) { _ in token }
            }
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "THROTTLED")
            // 52 points (2 + 50 orders) at 2 a second: 26 s, more than the 10 s bound, so no wait and no retry.
            #expect((25...27).contains(limited?.retryAfterSeconds ?? 0))
            let finished = Date()
            // The reset is 26 s after Shopify's answer: after the request arrived, and no later
            // than 26 s after the call returned (however slowly a loaded machine ran it).
            let asked = try #require(fake.graphQLRequests.first?.receivedAt)
            let resetAt = try #require(limited?.resetAt)
            #expect(resetAt.timeIntervalSince(asked) >= 25 && resetAt.timeIntervalSince(finished) <= 27)
            // It did not sit out the 26 s: a wait is always followed by the query once more.
            #expect(fake.graphQLRequests.count == 1)
        }
    }

    @Test func theCallbackSignatureAndShopAreCheckedAsShopifyDocumentsThem() throws {
        let signature = ConnectorDefinition.CallbackSignature(param: "hmac", scheme: "hmac_sha256_hex_sorted_query")
        let secret = ShopifyFake.defaultApp.clientSecret
        let items = [
            ("code", "0907a61c0c8d55e99db179b68161bc00"), ("shop", "some-shop.myshopify.com"), ("state", "0.6784241404160823"),
            ("timestamp", "1337178173"),
        ]
        var query = Dictionary(uniqueKeysWithValues: items)
        query["hmac"] = ShopifyFake.hmac(items, secret: secret)  // the fake's own HMAC, written from the documentation
        #expect(
            OAuthCallbackCheck.signedMessage(query, without: ["hmac"])
                == "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173")
        #expect(OAuthCallbackCheck.signatureIsValid(signature, query: query, secret: secret))
        #expect(!OAuthCallbackCheck.signatureIsValid(signature, query: query, secret: "another-secret"))
        var altered = query
        altered["shop"] = "evil-shop.myshopify.com"
        #expect(!OAuthCallbackCheck.signatureIsValid(signature, query: altered, secret: secret))
        altered = query
        altered["hmac"] = nil
        #expect(!OAuthCallbackCheck.signatureIsValid(signature, query: altered, secret: secret))

        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["shopify"]?.definition)
        #expect(
            try OAuthCallbackCheck.variables(
                definition, query: ["shop": "neonhub-demo.myshopify.com"], started: ["shop": "neonhub-demo.myshopify.com"])
                == ["shop": "neonhub-demo.myshopify.com"])
        #expect(throws: OAuthCallbackCheck.Refusal.variableMismatch) {
            try OAuthCallbackCheck.variables(definition, query: ["shop": "other-shop.myshopify.com"], started: ["shop": "neonhub-demo.myshopify.com"])
        }
        #expect(throws: OAuthCallbackCheck.Refusal.variableMismatch) {
            try OAuthCallbackCheck.variables(definition, query: ["shop": "neonhub-demo.example.com"], started: [:])
        }
        #expect(throws: OAuthCallbackCheck.Refusal.variableMismatch) { try OAuthCallbackCheck.variables(definition, query: [:], started: [:]) }
    }
}
