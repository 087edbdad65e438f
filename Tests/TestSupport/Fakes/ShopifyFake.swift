// A fake of one Shopify shop's Admin GraphQL API and OAuth endpoints on loopback, following
// Shopify's documentation — not what our connector definition assumes:
//
// - Endpoint and authentication: POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json
//   with X-Shopify-Access-Token and a JSON body {query, variables}; a bad token is HTTP 401
//   {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}:
//   https://shopify.dev/docs/api/admin-graphql (Authentication, Endpoints and queries,
//   Status and error codes) and https://shopify.dev/docs/api/usage/versioning
// - Errors in HTTP 200 answers: top-level errors[] with extensions.code (THROTTLED, ACCESS_DENIED,
//   MAX_COST_EXCEEDED…), and userErrors {field, message[, code]} in mutation payloads:
//   https://shopify.dev/docs/api/admin-graphql#status_and_error_codes
// - Rate limits: calculated query cost (objects 1, connections 2 + first × the node's cost,
//   mutations 10, at most 1,000 per query) against a leaky bucket; every answer carries
//   extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus {maximumAvailable,
//   currentlyAvailable, restoreRate}}; the unused part of the requested cost is refunded; a
//   query the bucket cannot hold is answered 200 with errors[].extensions.code THROTTLED:
//   https://shopify.dev/docs/api/usage/rate-limits
// - Pagination: first/after with pageInfo {hasNextPage, endCursor}, at most 250 per page:
//   https://shopify.dev/docs/api/usage/pagination-graphql
// - OAuth: https://{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state, the redirect
//   back with code, hmac (HMAC-SHA256 hex of the other parameters sorted, keyed with the client
//   secret), host, shop, state, timestamp, and POST https://{shop}/admin/oauth/access_token with
//   client_id, client_secret, code answering {access_token, scope}:
//   https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
// - Operations: shop, products / productCreate, locations, inventoryItem.inventoryLevels,
//   inventoryAdjustQuantities (@idempotent(key:) and changeFromQuantity required since 2026-04),
//   orders, customers, articleCreate, webhookSubscriptions / webhookSubscriptionCreate (uri, since
//   2025-10) / webhookSubscriptionDelete, each under
//   https://shopify.dev/docs/api/admin-graphql/latest/{queries,mutations}/<name>
//
// Served on 127.0.0.1, the fake cannot see the shop's host name: it stands for one shop. Where
// Shopify documents no body (a wrong client secret or code at the token endpoint, a missing
// @idempotent directive) the fake answers a shape of its own, said so where it is built.

public import Foundation
import HTTPFields
import Synchronization

/// One Shopify shop on loopback: OAuth (consent, signed callback, token exchange) and the
/// Admin GraphQL API of version `ShopifyFake.apiVersion` with a real leaky bucket. Knobs:
/// `setBucket(maximum:restoreRate:)`, `drainBucket(leaving:)`, `revoke(token:)`, `answerNextMutationLate(after:)`.
public final class ShopifyFake: ServedFake {
    /// The Admin API version the fake serves (a request to another answers 404).
    public static let apiVersion = "2026-10"
    /// The shop it stands for.
    public static let shop = "neonhub-demo.myshopify.com"
    /// The app registered with Shopify (placeholder credentials).
    public static let defaultApp = FakeOAuthApp(
        clientID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", clientSecret: "shpss_fake-client-secret-0123456789abcdef",
        redirectURI: "http://127.0.0.1/oauth/callback/shopify")
    /// Shopify's 401 body for a missing, wrong or revoked token.
    public static let invalidTokenBody = #"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#

    struct Grant: Sendable {
        var scopes: String
        var redirectURI: String
    }

    /// The store's data and the bucket; `ShopifyFake+Operations` reads and changes it.
    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: Set<String> = []
        var products: [ShopifyFakeProduct] = []
        var locations: [(id: String, name: String, city: String)] = [
            ("gid://shopify/Location/124656943", "Roastery", "Portland"), ("gid://shopify/Location/124656944", "Warehouse", "Seattle"),
        ]
        /// Available quantity by inventory item id, then location id.
        var available: [String: [String: Int]] = [
            "gid://shopify/InventoryItem/30322695": ["gid://shopify/Location/124656943": 10, "gid://shopify/Location/124656944": 130]
        ]
        var orders: [(id: String, name: String, email: String, total: String, createdAt: String)] = []
        var customers: [(id: String, name: String, email: String)] = [
            ("gid://shopify/Customer/8000000000001", "Sam Buyer", "sam.buyer@example.com"),
            ("gid://shopify/Customer/8000000000002", "Ada Roast", "ada@example.com"),
        ]
        var webhooks: [(id: String, topic: String, uri: String)] = []
        var articles: [(id: String, title: String)] = []
        /// Answers of idempotent mutations by key (a repeat is answered, not applied again).
        var idempotent: [String: String] = [:]
        var adjustments = 0
        var bucketMaximum = 2000.0
        var restoreRate = 100.0
        var bucketAvailable = 2000.0
        var bucketAt = Date()
        var drainBeforeNextCharge: Double?
        var sequence = 1000
        var lateMutations: [Duration] = []
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    let app: FakeOAuthApp
    let state = Mutex(State())

    /// A shop with two products, two locations, one tracked inventory item and three orders.
    public init(app: FakeOAuthApp = defaultApp) {
        self.app = app
        state.withLock { state in
            state.products = [
                ShopifyFakeProduct(
                    id: "gid://shopify/Product/7000000000001", title: "Spring Blend 250g", status: "ACTIVE", vendor: "NeonHub Coffee",
                    tags: ["coffee"]),
                ShopifyFakeProduct(
                    id: "gid://shopify/Product/7000000000002", title: "Winter Blend 250g", status: "ARCHIVED", vendor: "NeonHub Coffee", tags: []),
            ]
            state.orders = (1...3).map { number in
                (
                    id: "gid://shopify/Order/500000000000\(number)", name: "#100\(number)",
                    email: number == 2 ? "ada@example.com" : "sam.buyer@example.com",
                    total: "\(14 * number).00", createdAt: "2026-11-2\(number)T10:15:00Z"
                )
            }
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, #"{"errors":"fake gone"}"#)
        }
    }

    // MARK: - Lifecycle and addresses

    /// `http://127.0.0.1:<port>`: stands for `https://neonhub-demo.myshopify.com`.
    public var baseURL: String { server.baseURL }
    /// The versioned Admin API base (`…/admin/api/2026-10`).
    public var apiBaseURL: String { "\(baseURL)/admin/api/\(Self.apiVersion)" }
    /// The GraphQL endpoint's path.
    public static let graphQLPath = "/admin/api/\(apiVersion)/graphql.json"
    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/admin/oauth/access_token" }
    /// The consent screen.
    public var authorizeURL: String { "\(baseURL)/admin/oauth/authorize" }
    /// The GraphQL requests received, in order.
    public var graphQLRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", Self.graphQLPath) }

    // MARK: - Knobs and state

    /// An offline access token issued without the OAuth dance.
    public func issueAccessToken() -> String {
        state.withLock { state in
            state.sequence += 1
            let token = "shpat_\(String(format: "%032x", state.sequence))"
            state.tokens.insert(token)
            return token
        }
    }

    /// From now on `token` answers 401 (the app was uninstalled).
    public func revoke(token: String) { _ = state.withLock { $0.tokens.remove(token) } }

    /// The bucket's size and restore rate (a plan: Standard 2,000 and 100/s); it starts full.
    public func setBucket(maximum: Double, restoreRate: Double) {
        state.withLock {
            $0.bucketMaximum = maximum
            $0.restoreRate = restoreRate
            $0.bucketAvailable = maximum
            $0.bucketAt = Date()
        }
    }

    /// Other clients of the app spend the bucket just before the next GraphQL request: it
    /// finds `leaving` points, however long a loaded machine takes to send it.
    public func drainBucket(leaving: Double) {
        state.withLock { $0.drainBeforeNextCharge = leaving }
    }

    /// The next mutation is applied but answered only after `delay` (a lost answer).
    public func answerNextMutationLate(after delay: Duration) { state.withLock { $0.lateMutations.append(delay) } }

    /// The products, oldest first.
    public var products: [ShopifyFakeProduct] { state.withLock { $0.products } }
    /// Available quantity of `item` at `location`.
    public func available(item: String, location: String) -> Int? { state.withLock { $0.available[item]?[location] } }
    /// Inventory adjustments applied (an idempotent repeat is not one).
    public var adjustments: Int { state.withLock { $0.adjustments } }
    /// Webhook subscriptions: id, topic, uri.
    public var webhooks: [(id: String, topic: String, uri: String)] { state.withLock { $0.webhooks } }

    // MARK: - OAuth

    /// The consent screen approving the authorize URL's `query`: the redirect's query items
    /// (code, hmac, host, shop, state, timestamp) signed with the app's secret, or nil when the
    /// request is not one Shopify accepts (another client id, no redirect URI or state).
    public func authorize(_ query: [String: String], shop: String = ShopifyFake.shop) -> [(String, String)]? {
        guard query["client_id"] == app.clientID, let redirect = query["redirect_uri"], !redirect.isEmpty,
            let stateParam = query["state"], !stateParam.isEmpty
        else { return nil }
        let code = state.withLock { state -> String in
            state.sequence += 1
            let code = String(format: "%032x", state.sequence * 7919)
            state.grants[code] = Grant(scopes: query["scope"] ?? "", redirectURI: redirect)
            return code
        }
        let host = Data("admin.shopify.com/store/\(shop.split(separator: ".").first ?? "")".utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        var items = [
            ("code", code), ("host", host), ("shop", shop), ("state", stateParam), ("timestamp", String(Int(Date().timeIntervalSince1970))),
        ]
        items.append(("hmac", Self.hmac(items, secret: app.clientSecret)))
        return items
    }

    /// The callback's `hmac`: HMAC-SHA256 (hex) of `name=value` pairs sorted by name, joined by
    /// `&`, `%` and `&` escaped (and `=` in names), keyed with the client secret.
    public static func hmac(_ items: [(String, String)], secret: String) -> String {
        func escape(_ text: String, name: Bool) -> String {
            var escaped = text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "&", with: "%26")
            if name { escaped = escaped.replacingOccurrences(of: "=", with: "%3D") }
            return escaped
        }
        let message = items.sorted { $0.0 < $1.0 }.map { "\(escape($0.0, name: true))=\(escape($0.1, name: false))" }.joined(separator: "&")
        return hmacSHA256(Array(message.utf8), key: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// HMAC-SHA256 (RFC 2104) over the fakes' own SHA-256, so the fake never trusts the code it tests.
    public static func hmacSHA256(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? PKCE.sha256(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = PKCE.sha256(block.map { $0 ^ 0x36 } + message)
        return PKCE.sha256(block.map { $0 ^ 0x5c } + inner)
    }

    private func token(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply {
        // The documentation sends client_id, client_secret and code as JSON or as parameters.
        var fields: [String: String] = [:]
        if let json = request.json as? [String: Any] {
            for (key, value) in json { if let text = value as? String { fields[key] = text } }
        } else {
            for (key, values) in request.formItems.merging(request.queryItems, uniquingKeysWith: { a, _ in a }) { fields[key] = values.first }
        }
        guard fields["client_id"] == app.clientID, fields["client_secret"] == app.clientSecret else {
            // Not documented: an OAuth 2.0 (RFC 6749 §5.2) error of the fake's own.
            return .json(400, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
        }
        return state.withLock { state in
            guard let code = fields["code"], let grant = state.grants.removeValue(forKey: code) else {
                return .json(400, #"{"error":"invalid_request","error_description":"The authorization code was not found or was already used"}"#)
            }
            state.sequence += 1
            let token = "shpat_\(String(format: "%032x", state.sequence))"
            state.tokens.insert(token)
            return .json(200, object: ["access_token": token, "scope": grant.scopes])
        }
    }

    // MARK: - Dispatch

    private func handle(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply {
        if request.method == "POST", request.path == "/admin/oauth/access_token" { return token(request) }
        let parts = request.path.split(separator: "/")
        guard request.method == "POST", parts.count == 4, parts[0] == "admin", parts[1] == "api", parts[3] == "graphql.json" else {
            return .json(404, #"{"errors":"Not Found"}"#)
        }
        guard parts[2] == Self.apiVersion else { return .json(404, #"{"errors":"Not Found"}"#) }
        let valid = state.withLock { state in request.header("X-Shopify-Access-Token").map { state.tokens.contains($0) } ?? false }
        guard valid else { return .json(401, Self.invalidTokenBody) }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let body = request.json as? [String: Any], let query = body["query"] as? String
        else {
            return .json(400, #"{"errors":{"query":"Required parameter missing or invalid"}}"#)
        }
        let reply = ShopifyGraphQL(query: query, variables: body["variables"] as? [String: Any] ?? [:]).answer(in: self)
        let late = state.withLock { state in query.hasPrefix("mutation") && !state.lateMutations.isEmpty ? state.lateMutations.removeFirst() : nil }
        return late.map { reply.delayed($0) } ?? reply
    }

    /// Charges `requested` points, or nil with the reading when the bucket cannot hold them.
    func charge(_ requested: Double) -> (ok: Bool, available: Double) {
        state.withLock { state in
            let now = Date()
            state.bucketAvailable = min(state.bucketMaximum, state.bucketAvailable + now.timeIntervalSince(state.bucketAt) * state.restoreRate)
            state.bucketAt = now
            if let leaving = state.drainBeforeNextCharge {
                state.bucketAvailable = leaving
                state.drainBeforeNextCharge = nil
            }
            guard requested <= state.bucketAvailable else { return (false, state.bucketAvailable) }
            state.bucketAvailable -= requested
            return (true, state.bucketAvailable)
        }
    }

    /// Gives back the part of the requested cost a query did not use.
    func refund(_ points: Double) -> Double {
        state.withLock { state in
            state.bucketAvailable = min(state.bucketMaximum, state.bucketAvailable + max(0, points))
            return state.bucketAvailable
        }
    }

    /// `extensions.cost` as Shopify reports it.
    func costExtension(requested: Double, actual: Double?, available: Double) -> [String: Any] {
        let (maximum, rate) = state.withLock { ($0.bucketMaximum, $0.restoreRate) }
        return [
            "cost": [
                "requestedQueryCost": requested, "actualQueryCost": actual.map { $0 as Any } ?? NSNull(),
                "throttleStatus": ["maximumAvailable": maximum, "currentlyAvailable": available.rounded(.down), "restoreRate": rate],
            ] as [String: Any]
        ]
    }
}

/// A product of the fake shop.
public struct ShopifyFakeProduct: Sendable {
    public var id: String
    public var title: String
    public var status: String
    public var vendor: String
    public var tags: [String]
    public var descriptionHtml = ""
    public var productType = ""
    public var createdAt = Date()

    /// The handle Shopify derives from the title.
    public var handle: String {
        title.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined().split(separator: "-").joined(separator: "-")
    }
}
