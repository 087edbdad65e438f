import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Stripe definition run by the real runtime against the Stripe fake (which follows Stripe's
/// authentication, versioning, form encoding, idempotency, pagination and error documentation):
/// what the catalog sends must be what Stripe accepts, field by field.
@Suite struct StripeRuntimeTests {
    static func runtime(_ fake: StripeFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "stripe"),
            baseURLOverrides: ["stripe": fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withStripe(_ body: (StripeFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = StripeFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let key = ConnectorCredentialsValue.token(StripeFake.secretKey)

    static func call(_ action: String, _ input: [String: JSONValue] = [:], variables: [String: String] = [:], key: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "stripe", action: action, input: .object(input), variables: variables, idempotencyKey: key)
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func everyRequestCarriesTheKeyThePinnedVersionAndTheConnectedAccountWhenThereIsOne() async throws {
        try await withStripe { fake, runtime in
            let own = try await runtime.execute(Self.call("account.get")) { _ in Self.key }
            #expect(own.output["id"] == .string(StripeFake.platformAccount))
            #expect(own.output["name"] == .string("NeonHub Demo"))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/v1/account")
            #expect(sent.header("Authorization") == "Bearer \(StripeFake.secretKey)")
            #expect(sent.header("Stripe-Version") == "2026-02-25.clover")
            #expect(sent.header("Stripe-Account") == nil, "no connected account: the header is left out, not sent empty")

            // The connection's variable names a connected account; a call's own variables another.
            let connected = try await runtime.execute(Self.call("account.get", variables: ["stripeAccount": StripeFake.connectedAccount])) { _ in
                Self.key
            }
            #expect(connected.output["id"] == .string(StripeFake.connectedAccount))
            #expect(fake.requests.last?.header("Stripe-Account") == StripeFake.connectedAccount)
            let created = try await runtime.execute(
                Self.call(
                    "customers.create", ["email": .string("shop@example.com")],
                    variables: ["stripeAccount": StripeFake.connectedAccount])
            ) { _ in Self.key }
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(fake.object(id, account: StripeFake.connectedAccount) != nil)
            #expect(fake.object(id) == nil, "created on the connected account, not the platform")

            let balance = try await runtime.execute(Self.call("balance.get")) { _ in Self.key }
            #expect(balance.output["livemode"] == .bool(false))
            #expect(fake.requests.last?.path == "/v1/balance")
        }
    }

    @Test func customersAreWrittenAsFormsWithMetadataUnderAnIdempotencyKeyPerCall() async throws {
        try await withStripe { fake, runtime in
            let created = try await runtime.execute(
                Self.call(
                    "customers.create",
                    [
                        "email": .string("ada@example.com"), "name": .string("Ada Lovelace"),
                        "metadata": .object(["crm_id": .string("42"), "plan": .string("pro")]),
                    ])
            ) { _ in Self.key }
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output["metadata"] == .object(["crm_id": .string("42"), "plan": .string("pro")]))
            let first = try #require(fake.server.requests("POST", "/v1/customers").last)
            #expect(first.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(
                first.formItems == ["email": ["ada@example.com"], "name": ["Ada Lovelace"], "metadata[crm_id]": ["42"], "metadata[plan]": ["pro"]])
            #expect(first.bodyText.contains("metadata%5Bcrm_id%5D=42"))
            let generated = try #require(first.header("Idempotency-Key"))
            #expect(generated.hasPrefix("neonhub-"))

            // Another call gets another key; the caller's key (the queue job's) is sent as given.
            _ = try await runtime.execute(Self.call("customers.create", ["email": .string("grace@example.com")])) { _ in Self.key }
            #expect(fake.requests.last?.header("Idempotency-Key") != generated)
            _ = try await runtime.execute(
                Self.call(
                    "customers.update", ["id": .string(id), "metadata": .object(["plan": .string("team")])],
                    key: "job:7f3c")
            ) { _ in Self.key }
            let update = try #require(fake.requests.last)
            #expect(update.path == "/v1/customers/\(id)")
            #expect(update.header("Idempotency-Key") == "job:7f3c")
            #expect(update.formItems == ["metadata[plan]": ["team"]])
            let read = try await runtime.execute(Self.call("customers.get", ["id": .string(id)])) { _ in Self.key }
            #expect(read.output["metadata"] == .object(["crm_id": .string("42"), "plan": .string("team")]))
            #expect(fake.requests.last?.header("Idempotency-Key") == nil, "reads carry no key")

            // The same caller key with other parameters is Stripe's idempotency_error: permanent.
            let reused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("customers.update", ["id": .string(id), "name": .string("Ada King")], key: "job:7f3c")) { _ in
                    Self.key
                }
            }
            #expect(reused?.code == .providerRejected)
            #expect(reused?.providerCode == "idempotency_error")
        }
    }

    @Test func aLostAnswerIsRetriedWithTheSameKeyAndNothingIsCreatedTwice() async throws {
        try await withStripe { fake, runtime in
            fake.loseNextAnswer()
            let created = try await runtime.execute(Self.call("customers.create", ["email": .string("lin@example.com")])) { _ in Self.key }
            #expect(created.attempts == 2)
            let posts = fake.server.requests("POST", "/v1/customers")
            #expect(posts.count == 2)
            #expect(posts[0].header("Idempotency-Key") != nil && posts[0].header("Idempotency-Key") == posts[1].header("Idempotency-Key"))
            #expect(fake.objects("customer").filter { $0["email"] as? String == "lin@example.com" }.count == 1)
            #expect(JSONPath.text(created.output["id"]) == fake.objects("customer").first?["id"] as? String)

            // A 429 on a write is retried too (the key makes it safe), and gives up with Stripe's code.
            fake.injectRateLimit(calls: 1)
            let retried = try await runtime.execute(Self.call("customers.create", ["email": .string("mo@example.com")])) { _ in Self.key }
            #expect(retried.attempts == 2)
            fake.injectRateLimit(calls: 10)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("customers.create", ["email": .string("no@example.com")])) { _ in Self.key }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "rate_limit")
            #expect(limited?.retryAfterSeconds == nil, "Stripe documents no reset time")
            #expect(fake.objects("customer").filter { $0["email"] as? String == "no@example.com" }.isEmpty)
        }
    }

    @Test func listsFollowStartingAfterWhileHasMore() async throws {
        try await withStripe { fake, runtime in
            fake.addCustomers(150)
            let all = try await runtime.execute(Self.call("customers.list")) { _ in Self.key }
            #expect(Self.items(all.output).count == 151)
            #expect(all.pages == 2)
            #expect(all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", "/v1/customers")
            #expect(reads[0].queryItems == ["limit": ["100"]])
            #expect(reads[1].queryItems["starting_after"] == [try #require(JSONPath.text(Self.items(all.output)[99]["id"]))])
            #expect(JSONPath.text(Self.items(all.output).last?["id"]) == StripeFake.seededCustomer)

            let bounded = try await runtime.execute(Self.call("customers.list", ["limit": .number(5)])) { _ in Self.key }
            #expect(Self.items(bounded.output).count == 5)
            #expect(bounded.output["truncated"] == .bool(true))
            let filtered = try await runtime.execute(Self.call("customers.list", ["email": .string("bulk-7@example.com")])) { _ in Self.key }
            #expect(Self.items(filtered.output).compactMap { JSONPath.text($0["email"]) } == ["bulk-7@example.com"])

            let intents = try await runtime.execute(
                Self.call("paymentIntents.list", ["createdGte": .number(1_680_802_000), "customer": .string(StripeFake.seededCustomer)])
            ) { _ in Self.key }
            #expect(Self.items(intents.output).compactMap { JSONPath.text($0["id"]) } == [StripeFake.paidIntent])
            #expect(fake.requests.last?.queryItems["created[gte]"] == ["1680802000"])
            let intent = try await runtime.execute(
                Self.call("paymentIntents.get", ["id": .string(StripeFake.paidIntent), "expand": .array([.string("latest_charge")])])
            ) { _ in Self.key }
            #expect(intent.output["status"] == .string("succeeded"))
            #expect(intent.output["latestCharge"]?["object"] == .string("charge"))
            #expect(fake.requests.last?.queryItems["expand[]"] == ["latest_charge"])
        }
    }

    @Test func productsPricesAndPaymentLinksNestTheirParameters() async throws {
        try await withStripe { fake, runtime in
            let product = try await runtime.execute(
                Self.call(
                    "products.create",
                    [
                        "name": .string("Gold plan"), "unitAmount": .number(1200),
                        "currency": .string("usd"), "interval": .string("month"),
                    ])
            ) { _ in Self.key }
            let productID = try #require(JSONPath.text(product.output["id"]))
            #expect(
                fake.requests.last?.formItems == [
                    "name": ["Gold plan"], "default_price_data[unit_amount]": ["1200"],
                    "default_price_data[currency]": ["usd"], "default_price_data[recurring][interval]": ["month"],
                ])
            let bare = try await runtime.execute(Self.call("products.create", ["name": .string("Sticker")])) { _ in Self.key }
            #expect(fake.requests.last?.formItems == ["name": ["Sticker"]], "no default price asked: none of its keys are sent")
            #expect(bare.output["defaultPrice"] == .null)

            let price = try await runtime.execute(
                Self.call("prices.create", ["product": .string(productID), "unitAmount": .number(500), "currency": .string("usd")])
            ) { _ in Self.key }
            #expect(price.output["type"] == .string("one_time"))
            let priceID = try #require(JSONPath.text(price.output["id"]))
            let link = try await runtime.execute(
                Self.call(
                    "paymentLinks.create",
                    [
                        "lineItems": .array([.object(["price": .string(priceID), "quantity": .number(2)])]),
                        "afterCompletion": .object([
                            "type": .string("redirect"), "redirect": .object(["url": .string("https://shop.example.com/thanks")]),
                        ]),
                        "allowPromotionCodes": .bool(true),
                    ])
            ) { _ in Self.key }
            #expect(JSONPath.text(link.output["url"])?.hasPrefix("https://buy.stripe.com/") == true)
            #expect(
                fake.requests.last?.formItems == [
                    "line_items[0][price]": [priceID], "line_items[0][quantity]": ["2"],
                    "after_completion[type]": ["redirect"], "after_completion[redirect][url]": ["https://shop.example.com/thanks"],
                    "allow_promotion_codes": ["true"],
                ])
            let prices = try await runtime.execute(Self.call("prices.list", ["product": .string(productID)])) { _ in Self.key }
            #expect(Set(Self.items(prices.output).compactMap { JSONPath.text($0["id"]) }).count == 2)
            let links = try await runtime.execute(Self.call("paymentLinks.list", ["active": .bool(true)])) { _ in Self.key }
            #expect(Self.items(links.output).count == 1)
            #expect(fake.requests.last?.queryItems == ["active": ["true"], "limit": ["100"]])
            let products = try await runtime.execute(Self.call("products.list")) { _ in Self.key }
            #expect(Self.items(products.output).compactMap { JSONPath.text($0["name"]) } == ["Sticker", "Gold plan"])

            // Stripe's own validation comes back with its code and parameter.
            let stranger = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("paymentLinks.create", ["lineItems": .array([.object(["price": .string("price_missing"), "quantity": .number(1)])])])
                ) { _ in Self.key }
            }
            #expect(stranger?.code == .providerRejected)
            #expect(stranger?.providerCode == "resource_missing")
            #expect(stranger?.message.contains("No such price") == true)
        }
    }

    @Test func anInvoiceIsDraftedGivenALineFinalizedAndSent() async throws {
        try await withStripe { fake, runtime in
            let customer = StripeFake.seededCustomer
            let draft = try await runtime.execute(
                Self.call("invoices.create", ["customer": .string(customer), "description": .string("March work")])
            ) { _ in Self.key }
            let invoice = try #require(JSONPath.text(draft.output["id"]))
            #expect(draft.output["status"] == .string("draft"))
            #expect(
                fake.requests.last?.formItems == [
                    "customer": [customer], "collection_method": ["send_invoice"], "days_until_due": ["30"],
                    "auto_advance": ["false"], "description": ["March work"],
                ])
            _ = try await runtime.execute(
                Self.call(
                    "invoiceItems.create",
                    [
                        "customer": .string(customer), "invoice": .string(invoice),
                        "amount": .number(2500), "currency": .string("usd"), "description": .string("Onboarding"),
                    ])
            ) { _ in Self.key }
            #expect(fake.requests.last?.path == "/v1/invoiceitems")
            let finalized = try await runtime.execute(Self.call("invoices.finalize", ["id": .string(invoice)])) { _ in Self.key }
            #expect(finalized.output["status"] == .string("open"))
            #expect(finalized.output["amountDue"] == .number(2500))
            #expect(JSONPath.text(finalized.output["hostedInvoiceUrl"])?.hasPrefix("https://invoice.stripe.com/") == true)
            #expect(fake.requests.last?.path == "/v1/invoices/\(invoice)/finalize")
            #expect(fake.requests.last?.bodyText == "", "no parameters: an empty form")
            let sent = try await runtime.execute(Self.call("invoices.send", ["id": .string(invoice)])) { _ in Self.key }
            #expect(sent.output["status"] == .string("open"))
            let open = try await runtime.execute(Self.call("invoices.list", ["customer": .string(customer), "status": .string("open")])) { _ in
                Self.key
            }
            #expect(Self.items(open.output).compactMap { JSONPath.text($0["id"]) } == [invoice])

            let again = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("invoices.finalize", ["id": .string(invoice)])) { _ in Self.key }
            }
            #expect(again?.providerCode == "invoice_not_editable")
            #expect(again?.code == .providerRejected)
        }
    }

    @Test func refundsAndStripesTypedErrorsAreClassified() async throws {
        try await withStripe { fake, runtime in
            let partial = try await runtime.execute(
                Self.call(
                    "refunds.create",
                    [
                        "paymentIntent": .string(StripeFake.paidIntent), "amount": .number(500),
                        "reason": .string("requested_by_customer"), "metadata": .object(["ticket": .string("T-9")]),
                    ])
            ) { _ in Self.key }
            #expect(partial.output["status"] == .string("succeeded"))
            #expect(partial.output["amount"] == .number(500))
            #expect(
                fake.requests.last?.formItems == [
                    "payment_intent": [StripeFake.paidIntent], "amount": ["500"], "reason": ["requested_by_customer"], "metadata[ticket]": ["T-9"],
                ])
            let tooLarge = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("refunds.create", ["paymentIntent": .string(StripeFake.paidIntent), "amount": .number(5000)])) {
                    _ in Self.key
                }
            }
            #expect(tooLarge?.code == .providerRejected)
            #expect(tooLarge?.providerCode == "amount_too_large")
            _ = try await runtime.execute(Self.call("refunds.create", ["paymentIntent": .string(StripeFake.paidIntent)])) { _ in Self.key }
            let twice = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("refunds.create", ["paymentIntent": .string(StripeFake.paidIntent)])) { _ in Self.key }
            }
            #expect(twice?.providerCode == "charge_already_refunded")

            // 401 without a code: an auth failure by its status; the key never appears in what we say.
            let wrong = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("balance.get")) { _ in .token("sk_test_51WrongKey000000000000000000") }
            }
            #expect(wrong?.code == .providerAuth)
            #expect(wrong?.message.contains("sk_test_51WrongKey000000000000000000") == false)
            fake.expire(key: StripeFake.readOnlyKey)
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("balance.get")) { _ in .token(StripeFake.readOnlyKey) }
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "api_key_expired")

            // A card error (402) is permanent with Stripe's code; an unknown connected account is the call's fault, not the key's.
            fake.failNext(
                status: 402, type: "card_error", code: "card_declined", message: "Your card has insufficient funds.",
                declineCode: "insufficient_funds")
            let declined = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("refunds.create", ["paymentIntent": .string(StripeFake.paidIntent)])) { _ in Self.key }
            }
            #expect(declined?.code == .providerRejected)
            #expect(declined?.providerCode == "card_declined")
            let stranger = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("account.get", variables: ["stripeAccount": "acct_1Unknown"])) { _ in Self.key }
            }
            #expect(stranger?.code == .providerRejected)
            #expect(stranger?.providerCode == "account_invalid")

            // api_error (500) is Stripe's side: retried on a read until it answers; lock_timeout likewise.
            fake.failNext(status: 500, type: "api_error", message: "An unknown error occurred")
            #expect(try await runtime.execute(Self.call("balance.get")) { _ in Self.key }.attempts == 2)
            fake.failNext(
                10, status: 429, type: "invalid_request_error", code: "lock_timeout",
                message: "This object cannot be accessed right now because another API request or Stripe process is currently accessing it.")
            let locked = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("customers.get", ["id": .string(StripeFake.seededCustomer)])) { _ in Self.key }
            }
            #expect(locked?.code == .providerUnavailable)
            #expect(locked?.providerCode == "lock_timeout")
        }
    }
}
