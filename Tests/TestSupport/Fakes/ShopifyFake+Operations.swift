import Foundation
import Synchronization

/// The root fields the fake shop answers, each as its reference page documents it
/// (https://shopify.dev/docs/api/admin-graphql/latest/queries/<name> and /mutations/<name>):
/// the payloads' fields, `userErrors {field, message[, code]}` for invalid input, and state
/// kept like the real shop's.
extension ShopifyFake {
    /// Documented reasons of `inventoryAdjustQuantities` (InventoryAdjustQuantitiesInput.reason).
    static let adjustmentReasons: Set<String> = [
        "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received", "movement_canceled",
        "other", "promotion", "quality_control", "received", "reservation_created", "reservation_deleted", "reservation_updated", "restock",
        "safety_stock", "shrinkage",
    ]
    /// Quantity names an adjustment may change.
    static let adjustableNames: Set<String> = ["available", "damaged", "quality_control", "reserved", "safety_stock"]
    /// Webhook topics the fake accepts (WebhookSubscriptionTopic values).
    static let topics: Set<String> = [
        "ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "PRODUCTS_CREATE", "PRODUCTS_UPDATE", "CUSTOMERS_CREATE", "INVENTORY_LEVELS_UPDATE",
        "APP_UNINSTALLED",
    ]
    /// The blog articles may be published to.
    public static let blogID = "gid://shopify/Blog/389767568"

    static func userErrors(_ root: String, _ errors: [[String: Any]], extra: [String: Any] = [:]) -> ShopifyOperationResult {
        ShopifyOperationResult(data: extra.merging(["userErrors": errors]) { a, _ in a })
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    func operation(_ root: String) -> ((ShopifyGraphQL) -> ShopifyOperationResult)? {
        switch root {
        case "shop":
            return { _ in
                ShopifyOperationResult(data: [
                    "id": "gid://shopify/Shop/60000000001", "name": "NeonHub Demo", "email": "owner@example.com", "myshopifyDomain": Self.shop,
                    "primaryDomain": ["url": "https://\(Self.shop)", "host": Self.shop], "currencyCode": "USD", "ianaTimezone": "America/New_York",
                ])
            }
        case "products": return products
        case "productCreate": return productCreate
        case "locations":
            return { request in
                let nodes = self.state.withLock { $0.locations }.map { location -> [String: Any] in
                    [
                        "id": location.id, "name": location.name, "isActive": true, "fulfillsOnlineOrders": true,
                        "address": ["city": location.city, "countryCode": "US"],
                    ]
                }
                let page = request.page(nodes)
                return ShopifyOperationResult(data: page.connection, returned: page.count)
            }
        case "inventoryItem": return inventoryItem
        case "inventoryAdjustQuantities": return inventoryAdjust
        case "orders":
            return { request in
                let email = request.searchTerm("email")
                let nodes = self.state.withLock { $0.orders }.reversed().filter { email == nil || $0.email == email }.map { order -> [String: Any] in
                    [
                        "id": order.id, "name": order.name, "createdAt": order.createdAt, "displayFinancialStatus": "PAID",
                        "displayFulfillmentStatus": "UNFULFILLED",
                        "totalPriceSet": ["shopMoney": ["amount": order.total, "currencyCode": "USD"]],
                        "customer": ["id": "gid://shopify/Customer/8000000000001"],
                    ]
                }
                let page = request.page(nodes)
                return ShopifyOperationResult(data: page.connection, returned: page.count)
            }
        case "customers":
            return { request in
                let email = request.searchTerm("email")
                let nodes = self.state.withLock { $0.customers }.filter { email == nil || $0.email == email }.map { customer -> [String: Any] in
                    [
                        "id": customer.id, "displayName": customer.name, "numberOfOrders": "2",
                        "defaultEmailAddress": ["emailAddress": customer.email, "marketingState": "SUBSCRIBED"],
                        "amountSpent": ["amount": "42.0", "currencyCode": "USD"],
                    ]
                }
                let page = request.page(nodes)
                return ShopifyOperationResult(data: page.connection, returned: page.count)
            }
        case "articleCreate": return articleCreate
        case "webhookSubscriptions":
            return { request in
                let nodes = self.webhooks.map { hook -> [String: Any] in
                    ["id": hook.id, "topic": hook.topic, "uri": hook.uri, "format": "JSON", "createdAt": "2026-12-01T10:00:00Z"]
                }
                let page = request.page(nodes)
                return ShopifyOperationResult(data: page.connection, returned: page.count)
            }
        case "webhookSubscriptionCreate": return webhookCreate
        case "webhookSubscriptionDelete":
            return { request in
                let id = request.variables["id"] as? String ?? ""
                let removed = self.state.withLock { state -> Bool in
                    guard let index = state.webhooks.firstIndex(where: { $0.id == id }) else { return false }
                    state.webhooks.remove(at: index)
                    return true
                }
                guard removed else {
                    return Self.userErrors(
                        root, [["field": ["id"], "message": "Webhook subscription does not exist"]], extra: ["deletedWebhookSubscriptionId": NSNull()]
                    )
                }
                return ShopifyOperationResult(data: ["deletedWebhookSubscriptionId": id, "userErrors": [] as [Any]])
            }
        default: return nil
        }
    }

    private func products(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        let status = request.searchTerm("status")
        let nodes = state.withLock { $0.products }.reversed().filter { status == nil || $0.status.lowercased() == status }.map {
            product -> [String: Any] in
            [
                "id": product.id, "title": product.title, "handle": product.handle, "status": product.status,
                "createdAt": Self.timestamp(product.createdAt), "updatedAt": Self.timestamp(product.createdAt),
                "onlineStoreUrl": product.status == "ACTIVE" ? "https://\(Self.shop)/products/\(product.handle)" as Any : NSNull() as Any,
                "totalInventory": 140,
                "featuredMedia": NSNull(), "priceRangeV2": ["minVariantPrice": ["amount": "14.0", "currencyCode": "USD"]],
            ]
        }
        let page = request.page(nodes)
        return ShopifyOperationResult(data: page.connection, returned: page.count)
    }

    private func productCreate(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        let input = request.variables["product"] as? [String: Any] ?? [:]
        let title = (input["title"] as? String)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !title.isEmpty else {
            return Self.userErrors("productCreate", [["field": ["title"], "message": "Title can't be blank"]], extra: ["product": NSNull()])
        }
        let status = input["status"] as? String ?? "ACTIVE"
        guard ["ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED"].contains(status) else {
            return Self.userErrors(
                "productCreate", [["field": ["status"], "message": "Status is not included in the list"]], extra: ["product": NSNull()])
        }
        let product = state.withLock { state -> ShopifyFakeProduct in
            state.sequence += 1
            var product = ShopifyFakeProduct(
                id: "gid://shopify/Product/\(7_000_000_000_000 + state.sequence)", title: title, status: status,
                vendor: input["vendor"] as? String ?? "",
                tags: input["tags"] as? [String] ?? [])
            product.descriptionHtml = input["descriptionHtml"] as? String ?? ""
            product.productType = input["productType"] as? String ?? ""
            state.products.append(product)
            return product
        }
        return ShopifyOperationResult(data: [
            "product": [
                "id": product.id, "title": product.title, "handle": product.handle, "status": product.status,
                "createdAt": Self.timestamp(product.createdAt),
                "onlineStoreUrl": status == "ACTIVE" ? "https://\(Self.shop)/products/\(product.handle)" as Any : NSNull() as Any,
                "onlineStorePreviewUrl": "https://\(Self.shop)/products/\(product.handle)",
            ] as [String: Any],
            "userErrors": [] as [Any],
        ])
    }

    private func inventoryItem(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        let id = request.variables["id"] as? String ?? ""
        let (levels, locations) = state.withLock { ($0.available[id], $0.locations) }
        guard let levels else { return ShopifyOperationResult(data: NSNull(), returned: 0) }
        let nodes = locations.filter { levels[$0.id] != nil }.map { location -> [String: Any] in
            let available = levels[location.id] ?? 0
            return [
                "id":
                    "gid://shopify/InventoryLevel/\(location.id.split(separator: "/").last ?? "")?inventory_item_id=\(id.split(separator: "/").last ?? "")",
                "updatedAt": "2026-11-30T08:00:00Z", "location": ["id": location.id, "name": location.name],
                "quantities": [
                    ["name": "available", "quantity": available], ["name": "on_hand", "quantity": available + 2],
                    ["name": "committed", "quantity": 2],
                    ["name": "incoming", "quantity": 0],
                ],
            ]
        }
        let page = request.page(nodes)
        return ShopifyOperationResult(
            data: ["id": id, "sku": "SPRING-250", "tracked": true, "inventoryLevels": page.connection] as [String: Any], returned: page.count)
    }

    private func inventoryAdjust(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        // Since 2026-04 the @idempotent directive is mandatory; Shopify documents no body for its absence, so this one is the fake's.
        guard let range = request.query.range(of: "@idempotent(key: $"),
            let key = request.variables[String(request.query[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })] as? String,
            !key.isEmpty
        else {
            return ShopifyOperationResult(
                data: NSNull(),
                errors: [
                    [
                        "message": "The @idempotent directive with a key is required for inventoryAdjustQuantities.",
                        "extensions": ["code": "BAD_REQUEST"],
                    ]
                ])
        }
        if let earlier = state.withLock({ $0.idempotent[key] }), let data = try? JSONSerialization.jsonObject(with: Data(earlier.utf8)) {
            return ShopifyOperationResult(data: data)
        }
        let input = request.variables["input"] as? [String: Any] ?? [:]
        let reason = input["reason"] as? String ?? "", name = input["name"] as? String ?? ""
        let fail = { (field: [String], code: String?, message: String) -> ShopifyOperationResult in
            var error: [String: Any] = ["field": field, "message": message]
            if let code { error["code"] = code }
            return Self.userErrors("inventoryAdjustQuantities", [error], extra: ["inventoryAdjustmentGroup": NSNull()])
        }
        guard Self.adjustmentReasons.contains(reason) else { return fail(["input", "reason"], "INVALID_REASON", "The specified reason is invalid.") }
        guard Self.adjustableNames.contains(name) else { return fail(["input", "name"], "INVALID_QUANTITY_NAME", "The quantity name is invalid.") }
        let changes = input["changes"] as? [[String: Any]] ?? []
        guard !changes.isEmpty else { return fail(["input", "changes"], nil, "Changes can't be blank") }
        var applied: [[String: Any]] = []
        var failure: ShopifyOperationResult?
        state.withLock { state in
            var available = state.available
            for (index, change) in changes.enumerated() {
                let item = change["inventoryItemId"] as? String ?? "", location = change["locationId"] as? String ?? ""
                let path = ["input", "changes", String(index)]
                guard available[item] != nil else {
                    failure = fail(path + ["inventoryItemId"], "INVALID_INVENTORY_ITEM", "The specified inventory item could not be found."); return
                }
                guard let before = available[item]?[location] else {
                    failure = fail(
                        path + ["locationId"], "ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not stocked at the location.");
                    return
                }
                guard let compare = change["changeFromQuantity"] else {
                    failure = fail(path + ["changeFromQuantity"], nil, "changeFromQuantity is required; pass null to opt out of the check."); return
                }
                if let expected = (compare as? NSNumber)?.intValue, expected != before {
                    failure = fail(path + ["changeFromQuantity"], "CHANGE_FROM_QUANTITY_STALE", "The quantity has changed since it was read."); return
                }
                let delta = (change["delta"] as? NSNumber)?.intValue ?? 0
                available[item]?[location] = before + delta
                applied.append([
                    "name": name, "delta": delta, "quantityAfterChange": before + delta, "item": ["id": item], "location": ["id": location],
                ])
            }
            state.available = available
            state.adjustments += 1
            state.sequence += 1
        }
        if let failure { return failure }
        let data: [String: Any] = [
            "inventoryAdjustmentGroup": [
                "id": "gid://shopify/InventoryAdjustmentGroup/\(1000 + adjustments)", "createdAt": Self.timestamp(Date()), "reason": reason,
                "referenceDocumentUri": input["referenceDocumentUri"] ?? NSNull(), "changes": applied,
            ] as [String: Any],
            "userErrors": [] as [Any],
        ]
        if let text = try? JSONSerialization.data(withJSONObject: data) {
            state.withLock { $0.idempotent[key] = String(decoding: text, as: UTF8.self) }
        }
        return ShopifyOperationResult(data: data)
    }

    private func articleCreate(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        let input = request.variables["article"] as? [String: Any] ?? [:]
        let fail = { (field: String, message: String) in
            Self.userErrors("articleCreate", [["code": "BLANK", "field": ["article", field], "message": message]], extra: ["article": NSNull()])
        }
        guard input["blogId"] as? String == Self.blogID else { return fail("blogId", "Blog does not exist") }
        guard let title = input["title"] as? String, !title.isEmpty else { return fail("title", "Title can't be blank") }
        guard let author = (input["author"] as? [String: Any])?["name"] as? String, !author.isEmpty else {
            return fail("author", "Author can't be blank")
        }
        let id = state.withLock { state -> String in
            state.sequence += 1
            let id = "gid://shopify/Article/\(9_000_000_000_000 + state.sequence)"
            state.articles.append((id, title))
            return id
        }
        let handle = ShopifyFakeProduct(id: id, title: title, status: "", vendor: "", tags: []).handle
        return ShopifyOperationResult(data: [
            "article": ["id": id, "title": title, "handle": handle, "isPublished": input["isPublished"] as? Bool ?? false] as [String: Any],
            "userErrors": [] as [Any],
        ])
    }

    private func webhookCreate(_ request: ShopifyGraphQL) -> ShopifyOperationResult {
        let topic = request.variables["topic"] as? String ?? ""
        let input = request.variables["webhookSubscription"] as? [String: Any] ?? [:]
        let fail = { (message: String) in
            Self.userErrors(
                "webhookSubscriptionCreate", [["field": ["webhookSubscription", "uri"], "message": message]], extra: ["webhookSubscription": NSNull()]
            )
        }
        guard Self.topics.contains(topic) else {
            return ShopifyOperationResult(
                data: NSNull(),
                errors: [["message": "Variable $topic of type WebhookSubscriptionTopic! was provided invalid value", "extensions": ["value": topic]]])
        }
        guard let uri = input["uri"] as? String, !uri.isEmpty else { return fail("Address can't be blank") }
        guard uri.hasPrefix("https://"), URL(string: uri)?.host != nil else { return fail("Address protocol http:// is not supported") }
        guard ["JSON", "XML", nil].contains(input["format"] as? String) else { return fail("Format is not included in the list") }
        let id: String? = state.withLock { state in
            guard !state.webhooks.contains(where: { $0.topic == topic && $0.uri == uri }) else { return nil }
            state.sequence += 1
            let id = "gid://shopify/WebhookSubscription/\(892_403_750 + state.sequence)"
            state.webhooks.append((id, topic, uri))
            return id
        }
        guard let id else { return fail("Address for this topic has already been taken") }
        return ShopifyOperationResult(data: [
            "webhookSubscription": [
                "id": id, "topic": topic, "uri": uri, "format": input["format"] as? String ?? "JSON", "createdAt": Self.timestamp(Date()),
            ]
                as [String: Any],
            "userErrors": [] as [Any],
        ])
    }
}
