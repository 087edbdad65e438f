import Foundation
import TestSupport
import Testing

/// The Stripe fake, driven with plain HTTP as Stripe's documentation shows each call:
/// https://docs.stripe.com/api/authentication, https://docs.stripe.com/api/errors,
/// https://docs.stripe.com/api/idempotent_requests, https://docs.stripe.com/api/pagination,
/// https://docs.stripe.com/api/connected-accounts.
@Suite struct StripeFakeTests {
    private func withFake<T>(_ body: (StripeFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = StripeFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private static func headers(_ key: String = StripeFake.secretKey, _ extra: [String: String] = [:]) -> [String: String] {
        ["Authorization": "Bearer \(key)", "Stripe-Version": "2026-02-25.clover"].merging(extra) { $1 }
    }

    private func post(
        _ client: HTTPTestClient, _ path: String, _ form: String, key: String = StripeFake.secretKey,
        headers extra: [String: String] = [:]
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", path, headers: Self.headers(key, extra.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 }),
            body: Data(form.utf8))
    }

    /// Stripe's error body: `{error: {type, code?, message, param?}}`.
    private func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] {
        try #require(try reply.json()["error"] as? [String: Any])
    }

    @Test func keysVersionsAndConnectedAccountsAreCheckedAsDocumented() async throws {
        try await withFake { fake, client in
            let none = try await client.get("/v1/balance")
            #expect(none.status == 401)
            #expect(try error(none)["type"] as? String == "invalid_request_error")
            #expect(try error(none)["code"] == nil)
            let wrong = try await client.get("/v1/balance", headers: Self.headers("sk_test_notakey0000000000000001"))
            #expect(wrong.status == 401)
            #expect((try error(wrong)["message"] as? String)?.contains("sk_test_notakey0000000000000001") == false, "the key is shown redacted")
            fake.expire(key: StripeFake.secretKey)
            let expired = try await client.get("/v1/balance", headers: Self.headers())
            #expect(expired.status == 401)
            #expect(try error(expired)["code"] as? String == "api_key_expired")

            let reader = try await client.get("/v1/account", headers: Self.headers(StripeFake.readOnlyKey))
            #expect(try reader.json()["id"] as? String == StripeFake.platformAccount)
            let refused = try await post(client, "/v1/customers", "name=Ada", key: StripeFake.readOnlyKey)
            #expect(refused.status == 403)
            let version = try await client.get("/v1/account", headers: Self.headers(StripeFake.readOnlyKey, ["Stripe-Version": "1999-01-01"]))
            #expect(version.status == 400)
            let connected = try await client.get(
                "/v1/account", headers: Self.headers(StripeFake.readOnlyKey, ["Stripe-Account": StripeFake.connectedAccount]))
            #expect(try connected.json()["id"] as? String == StripeFake.connectedAccount)
            let stranger = try await client.get("/v1/account", headers: Self.headers(StripeFake.readOnlyKey, ["Stripe-Account": "acct_1Unknown"]))
            #expect(stranger.status == 403)
            #expect(try error(stranger)["code"] as? String == "account_invalid")
        }
    }

    @Test func formBodiesWithBracketedKeysBuildNestedObjectsAndAreValidated() async throws {
        try await withFake { fake, client in
            let product = try await post(
                client, "/v1/products",
                "name=Gold+plan&default_price_data%5Bunit_amount%5D=1200&default_price_data%5Bcurrency%5D=usd&default_price_data%5Brecurring%5D%5Binterval%5D=month&metadata%5Btier%5D=gold"
            )
            #expect(product.status == 200)
            let body = try product.json()
            #expect(body["name"] as? String == "Gold plan")
            #expect((body["metadata"] as? [String: Any])?["tier"] as? String == "gold")
            let priceID = try #require(body["default_price"] as? String)
            let price = try #require(fake.object(priceID))
            #expect(price["unit_amount"] as? Int == 1200)
            #expect((price["recurring"] as? [String: Any])?["interval"] as? String == "month")

            let link = try await post(
                client, "/v1/payment_links", "line_items%5B0%5D%5Bprice%5D=\(price["id"] as? String ?? "")&line_items%5B0%5D%5Bquantity%5D=2")
            #expect(link.status == 200)
            #expect((try link.json()["url"] as? String)?.hasPrefix("https://buy.stripe.com/") == true)

            let unknown = try await post(client, "/v1/customers", "nickname=Ada")
            #expect(unknown.status == 400)
            #expect(try error(unknown)["code"] as? String == "parameter_unknown")
            #expect(try error(unknown)["param"] as? String == "nickname")
            let missing = try await post(client, "/v1/products", "description=No+name")
            #expect(try error(missing)["code"] as? String == "parameter_missing")
            #expect(try error(missing)["param"] as? String == "name")
            let notInteger = try await post(client, "/v1/prices", "product=\(body["id"] as? String ?? "")&currency=usd&unit_amount=12.5")
            #expect(try error(notInteger)["code"] as? String == "parameter_invalid_integer")
            let json = try await client.request(
                "POST", "/v1/customers", headers: Self.headers(StripeFake.secretKey, ["Content-Type": "application/json"]),
                body: Data(#"{"name":"Ada"}"#.utf8))
            #expect(json.status == 400)
        }
    }

    @Test func idempotencyKeysReplayTheFirstAnswerAndRefuseOtherParameters() async throws {
        try await withFake { fake, client in
            let first = try await post(client, "/v1/customers", "email=ada%40example.com", headers: ["Idempotency-Key": "key-1"])
            let again = try await post(client, "/v1/customers", "email=ada%40example.com", headers: ["Idempotency-Key": "key-1"])
            #expect(try first.json()["id"] as? String == (try again.json()["id"] as? String))
            #expect(first.header("Idempotent-Replayed") == nil)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(fake.objects("customer").count == 2)  // the seeded one and Ada, once
            let other = try await post(client, "/v1/customers", "email=grace%40example.com", headers: ["Idempotency-Key": "key-1"])
            #expect(other.status == 400)
            #expect(try error(other)["type"] as? String == "idempotency_error")

            fake.loseNextAnswer()
            let lost = try await post(client, "/v1/customers", "email=lin%40example.com", headers: ["Idempotency-Key": "key-2"])
            #expect(lost.status == 500)
            #expect(try error(lost)["type"] as? String == "api_error")
            let retried = try await post(client, "/v1/customers", "email=lin%40example.com", headers: ["Idempotency-Key": "key-2"])
            #expect(retried.status == 200)
            #expect(retried.header("Idempotent-Replayed") == "true")
            #expect(fake.objects("customer").filter { $0["email"] as? String == "lin@example.com" }.count == 1)
        }
    }

    @Test func listsPageWithStartingAfterNewestFirst() async throws {
        try await withFake { fake, client in
            fake.addCustomers(3)
            let first = try await client.get("/v1/customers?limit=2", headers: Self.headers())
            let page = try first.json()
            let ids = (page["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids.count == 2)
            #expect(page["has_more"] as? Bool == true)
            #expect(page["object"] as? String == "list")
            #expect(page["url"] as? String == "/v1/customers")
            let second = try await client.get("/v1/customers?limit=2&starting_after=\(ids[1])", headers: Self.headers())
            let rest = (try second.json()["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(rest.count == 2)  // the third added and the seeded customer
            #expect(rest.last == StripeFake.seededCustomer)
            #expect(try second.json()["has_more"] as? Bool == false)
            let missing = try await client.get("/v1/customers?starting_after=cus_nothere", headers: Self.headers())
            #expect(missing.status == 404)
            #expect(try error(missing)["code"] as? String == "resource_missing")
            let tooMany = try await client.get("/v1/customers?limit=101", headers: Self.headers())
            #expect(tooMany.status == 400)
            let expanded = try await client.get(
                "/v1/payment_intents/\(StripeFake.paidIntent)?expand%5B%5D=latest_charge&expand%5B%5D=customer", headers: Self.headers())
            let intent = try expanded.json()
            #expect((intent["latest_charge"] as? [String: Any])?["object"] as? String == "charge")
            #expect((intent["customer"] as? [String: Any])?["id"] as? String == StripeFake.seededCustomer)
        }
    }

    @Test func refundsAreBoundedByTheChargeAndRateLimitsAnswer429() async throws {
        try await withFake { fake, client in
            let partial = try await post(client, "/v1/refunds", "payment_intent=\(StripeFake.paidIntent)&amount=500&reason=requested_by_customer")
            #expect(partial.status == 200)
            #expect(try partial.json()["status"] as? String == "succeeded")
            let tooLarge = try await post(client, "/v1/refunds", "payment_intent=\(StripeFake.paidIntent)&amount=5000")
            #expect(try error(tooLarge)["code"] as? String == "amount_too_large")
            #expect(try await post(client, "/v1/refunds", "payment_intent=\(StripeFake.paidIntent)").status == 200)
            let twice = try await post(client, "/v1/refunds", "payment_intent=\(StripeFake.paidIntent)")
            #expect(try error(twice)["code"] as? String == "charge_already_refunded")
            let unpaid = try await post(client, "/v1/refunds", "payment_intent=\(StripeFake.openIntent)")
            #expect(unpaid.status == 400)

            fake.injectRateLimit(calls: 1)
            let limited = try await client.get("/v1/balance", headers: Self.headers())
            #expect(limited.status == 429)
            #expect(try error(limited)["code"] as? String == "rate_limit")
            #expect(limited.header("Stripe-Rate-Limited-Reason") == "global-rate")
            #expect(limited.header("Retry-After") == nil)
            #expect(try await client.get("/v1/balance", headers: Self.headers()).status == 200)
        }
    }
}
