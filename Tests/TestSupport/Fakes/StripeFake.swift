// A fake of Stripe's API v1 on loopback, following the documentation — not what our connector
// definition assumes:
//
// - Authentication (Bearer secret or restricted key; 401 without a valid one), versioning
//   (Stripe-Version), connected accounts (Stripe-Account), form-encoded bodies with bracketed
//   keys, expanding responses (expand[]): https://docs.stripe.com/api/authentication,
//   https://docs.stripe.com/api/versioning, https://docs.stripe.com/api/connected-accounts,
//   https://docs.stripe.com/api/expanding_objects
// - Errors {error: {type, code?, message, param?, decline_code?, doc_url?}}; type is one of
//   api_error, card_error, idempotency_error, invalid_request_error; HTTP 400/401/402/403/404/
//   409/429/5xx: https://docs.stripe.com/api/errors, error codes https://docs.stripe.com/error-codes
// - Idempotent requests (Idempotency-Key on POST, 24 h, the first answer replayed with
//   Idempotent-Replayed: true, another request with the same key refused with idempotency_error):
//   https://docs.stripe.com/api/idempotent_requests
// - Pagination (limit 1–100, starting_after, has_more, newest first): https://docs.stripe.com/api/pagination
// - Rate limits (429, code rate_limit, Stripe-Rate-Limited-Reason; no Retry-After documented):
//   https://docs.stripe.com/rate-limits
// - Metadata (50 keys, 40-character keys, 500-character values): https://docs.stripe.com/api/metadata
// - The resources: customers https://docs.stripe.com/api/customers, products
//   https://docs.stripe.com/api/products, prices https://docs.stripe.com/api/prices, payment links
//   https://docs.stripe.com/api/payment-link, invoices https://docs.stripe.com/api/invoices (create,
//   finalize, send), invoice items https://docs.stripe.com/api/invoiceitems, payment intents
//   https://docs.stripe.com/api/payment_intents (retrieve, list), refunds
//   https://docs.stripe.com/api/refunds, balance https://docs.stripe.com/api/balance, account
//   https://docs.stripe.com/api/accounts/retrieve
//
// Where the documentation names a code without its HTTP status (account_invalid for a
// Stripe-Account the platform is not connected to) the fake answers 403 and says so below.

import Foundation
import HTTPFields
import Synchronization

/// Stripe on loopback: `/v1/account`, `/v1/balance`, customers, products, prices, payment
/// links, invoices (create, finalize, send), invoice items, payment intents (read) and refunds.
///
/// It keeps state like the real thing, per account (the key's own, or the connected account of
/// `Stripe-Account`): objects it created are listed newest first and paged, invoices take the
/// amounts of their items, refunds reduce what is left to refund, idempotency keys replay the
/// first answer. Knobs: `expire(key:)`, `injectRateLimit(calls:)`, `failNext(status:type:code:message:)`,
/// `loseNextAnswer()` (the request is processed but answered 500, as when a response is lost).
public final class StripeFake: ServedFake {
    /// A secret key of the platform account.
    public static let secretKey = "sk_test_51NeonHubFakeSecretKey0123456789"
    /// A restricted key that may only read.
    public static let readOnlyKey = "rk_test_51NeonHubFakeReadOnlyKey012345"
    /// The platform account (the keys' own).
    public static let platformAccount = "acct_1Nv0FGQ9RKHgCVdK"
    /// An account connected to the platform.
    public static let connectedAccount = "acct_1OConnectedShop01"
    /// The API versions the fake knows.
    public static let versions: Set<String> = ["2026-02-25.clover", "2026-01-28.clover", "2025-12-15.clover"]
    /// A succeeded PaymentIntent of the platform (2,000 usd, charge `ch_3MtwBwLkdIwHu7ix28a3tqPa`).
    public static let paidIntent = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    /// A PaymentIntent still waiting for a payment method.
    public static let openIntent = "pi_3MtwBwLkdIwHu7ix0OpenIntent"
    /// The customer of the seeded intents.
    public static let seededCustomer = "cus_NffrFeUfNV2Hib"

    private struct Stored: Sendable {
        var status: Int
        var body: [UInt8]
        var signature: String
    }

    private struct Fault: Sendable {
        var status: Int
        var body: [UInt8]
        var headers: [String: String]
    }

    private struct Ledger: Sendable {
        var objects: [String: StripeJSONTree] = [:]
        var order: [String: [String]] = [:]
        var idempotency: [String: Stored] = [:]
    }

    private struct State: Sendable {
        var ledgers: [String: Ledger] = [:]
        var expiredKeys: Set<String> = []
        var loseNext = false
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A platform with one connected account; the platform has a customer and two payment intents.
    public init() {
        state.withLock { state in
            var ledger = Ledger()
            let customer: [String: Any] = Self.customerJSON(
                id: Self.seededCustomer, email: "jenny.rosen@example.com", name: "Jenny Rosen", created: 1_680_893_993)
            Self.put(&ledger, "customer", Self.seededCustomer, customer)
            Self.put(
                &ledger, "payment_intent", Self.openIntent,
                Self.intentJSON(id: Self.openIntent, amount: 1500, status: "requires_payment_method", charge: nil, created: 1_680_800_000))
            Self.put(
                &ledger, "payment_intent", Self.paidIntent,
                Self.intentJSON(id: Self.paidIntent, amount: 2000, status: "succeeded", charge: "ch_3MtwBwLkdIwHu7ix28a3tqPa", created: 1_680_802_258)
            )
            Self.put(
                &ledger, "charge", "ch_3MtwBwLkdIwHu7ix28a3tqPa",
                [
                    "id": "ch_3MtwBwLkdIwHu7ix28a3tqPa", "object": "charge", "amount": 2000, "amount_refunded": 0, "currency": "usd",
                    "customer": Self.seededCustomer, "paid": true, "payment_intent": Self.paidIntent, "refunded": false, "status": "succeeded",
                    "livemode": false,
                ])
            state.ledgers[Self.platformAccount] = ledger
            state.ledgers[Self.connectedAccount] = Ledger()
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": ["type": "api_error", "message": "fake gone"]])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for `https://api.stripe.com`.
    public var baseURL: String { server.baseURL }

    // MARK: - Knobs

    /// From now on `key` answers 401 api_key_expired.
    public func expire(key: String) { _ = state.withLock { $0.expiredKeys.insert(key) } }

    /// The next `calls` requests answer 429 with code rate_limit and Stripe-Rate-Limited-Reason.
    public func injectRateLimit(calls: Int = 1, reason: String = "global-rate") {
        let body = Self.errorBody(
            type: "invalid_request_error", code: "rate_limit",
            message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
        faults.add(Fault(status: 429, body: body, headers: ["Stripe-Rate-Limited-Reason": reason]), calls: calls)
    }

    /// The next `calls` requests answer `status` with Stripe's error body.
    public func failNext(_ calls: Int = 1, status: Int, type: String, code: String? = nil, message: String, declineCode: String? = nil) {
        let body = Self.errorBody(type: type, code: code, message: message, declineCode: declineCode)
        faults.add(Fault(status: status, body: body, headers: [:]), calls: calls)
    }

    /// The next write is processed (and its idempotency key stored) but answered 500 api_error,
    /// as when the answer is lost on the way: a retry with the same key gets the first answer.
    public func loseNextAnswer() { state.withLock { $0.loseNext = true } }

    /// Adds `count` customers to `account` (`bulk-<n>@example.com`), for reads that page.
    public func addCustomers(_ count: Int, account: String = StripeFake.platformAccount) {
        for index in 0..<count {
            save(
                "customer", Self.customerJSON(id: nextID("cus"), email: "bulk-\(index)@example.com", name: "Bulk \(index)", created: Self.now),
                account: account)
        }
    }

    /// The objects of `type` (`customer`, `refund`…) of `account`, newest first.
    public func objects(_ type: String, account: String = StripeFake.platformAccount) -> [[String: Any]] {
        state.withLock { state in
            guard let ledger = state.ledgers[account] else { return [] }
            return (ledger.order[type] ?? []).reversed().compactMap { ledger.objects[$0]?.value as? [String: Any] }
        }
    }

    /// One object by id, if `account` has it.
    public func object(_ id: String, account: String = StripeFake.platformAccount) -> [String: Any]? {
        state.withLock { $0.ledgers[account]?.objects[id]?.value as? [String: Any] }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    /// An HTTP error with Stripe's body.
    struct Failure: Error {
        var status: Int
        var type = "invalid_request_error"
        var code: String?
        var message: String
        var param: String?

        static func missing(_ param: String) -> Failure {
            Failure(status: 400, code: "parameter_missing", message: "Missing required param: \(param).", param: param)
        }
        static func unknown(_ param: String) -> Failure {
            Failure(status: 400, code: "parameter_unknown", message: "Received unknown parameter: \(param)", param: param)
        }
        static func noSuch(_ kind: String, _ id: String, param: String = "id") -> Failure {
            Failure(status: 404, code: "resource_missing", message: "No such \(kind): '\(id)'", param: param)
        }
    }

    static func errorBody(type: String, code: String? = nil, message: String, param: String? = nil, declineCode: String? = nil) -> [UInt8] {
        var error: [String: Any] = ["type": type, "message": message]
        if let code {
            error["code"] = code; error["doc_url"] = "https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))"
        }
        if let param { error["param"] = param }
        if let declineCode { error["decline_code"] = declineCode }
        return Array((try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data())
    }

    private static func reply(_ failure: Failure) -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Request-Id", value: "req_fake")
        return Reply(
            status: failure.status, headers: headers,
            body: errorBody(type: failure.type, code: failure.code, message: failure.message, param: failure.param))
    }

    private static func redact(_ key: String) -> String {
        String(key.prefix(8)) + String(repeating: "*", count: max(0, key.count - 12)) + String(key.suffix(4))
    }

    private func handle(_ request: Request) -> Reply {
        // Authentication: the key as a Bearer token (the documented form of the curl examples' -u key:).
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else {
            return Self.reply(
                Failure(
                    status: 401,
                    message:
                        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                ))
        }
        let key = String(header.dropFirst(7))
        guard key == Self.secretKey || key == Self.readOnlyKey else {
            return Self.reply(Failure(status: 401, message: "Invalid API Key provided: \(Self.redact(key))"))
        }
        if state.withLock({ $0.expiredKeys.contains(key) }) {
            return Self.reply(Failure(status: 401, code: "api_key_expired", message: "Expired API Key provided: \(Self.redact(key))"))
        }
        if let version = request.header("Stripe-Version"), !Self.versions.contains(version) {
            return Self.reply(Failure(status: 400, message: "Invalid Stripe API version: \(version)"))
        }
        var account = Self.platformAccount
        if let connected = request.header("Stripe-Account") {
            // account_invalid: "The account ID provided as a value for the Stripe-Account header is invalid" (status assumed 403).
            guard connected == Self.connectedAccount else {
                return Self.reply(
                    Failure(
                        status: 403, code: "account_invalid",
                        message:
                            "The provided key '\(Self.redact(key))' does not have access to account '\(connected)' (or that account does not exist). Application access may have been revoked."
                    ))
            }
            account = connected
        }
        if let fault = faults.take() {
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            for (name, value) in fault.headers { headers.replaceOrAdd(name: name, value: value) }
            return Reply(status: fault.status, headers: headers, body: fault.body)
        }
        if request.method == "POST" {
            if key == Self.readOnlyKey {
                return Self.reply(
                    Failure(
                        status: 403,
                        message:
                            "The provided key '\(Self.redact(key))' does not have the required permissions for this endpoint on account '\(account)'."
                    ))
            }
            if !request.body.isEmpty, !(request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false) {
                return Self.reply(Failure(status: 400, message: "Invalid request: the body must be application/x-www-form-urlencoded"))
            }
            return idempotent(request, account: account)
        }
        return answer(request, account: account, params: Self.parse(request.query ?? ""))
    }

    /// A POST under its Idempotency-Key: the first answer is stored (unless it is a 5xx) and
    /// replayed for the same request; another request with the key is refused.
    private func idempotent(_ request: Request, account: String) -> Reply {
        let params = Self.parse(request.bodyText)
        let signature = request.method + " " + request.path + "?" + request.bodyText.split(separator: "&").sorted().joined(separator: "&")
        let key = request.header("Idempotency-Key").flatMap { $0.isEmpty ? nil : $0 }
        if let key {
            guard key.count <= 255 else {
                return Self.reply(Failure(status: 400, message: "Idempotency keys must be at most 255 characters", param: "Idempotency-Key"))
            }
            if let stored = state.withLock({ $0.ledgers[account]?.idempotency[key] }) {
                guard stored.signature == signature else {
                    return Self.reply(
                        Failure(
                            status: 400, type: "idempotency_error",
                            message:
                                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request."
                        ))
                }
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: "Content-Type", value: "application/json")
                headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
                headers.replaceOrAdd(name: "Idempotency-Key", value: key)
                return Reply(status: stored.status, headers: headers, body: stored.body)
            }
        }
        var reply = answer(request, account: account, params: params)
        if let key, reply.status < 500 {
            let stored = Stored(status: reply.status, body: reply.body, signature: signature)
            state.withLock { $0.ledgers[account]?.idempotency[key] = stored }
            reply.headers.replaceOrAdd(name: "Idempotency-Key", value: key)
        }
        if state.withLock({ state in
            defer { state.loseNext = false }; return state.loseNext
        }) {
            return Self.reply(Failure(status: 500, type: "api_error", message: "An unknown error occurred"))
        }
        return reply
    }

    private func answer(_ request: Request, account: String, params: [String: Any]) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.first == "v1" else {
            return Self.reply(Failure(status: 404, message: "Unrecognized request URL (\(request.method): \(request.path))."))
        }
        let route = Array(segments.dropFirst())
        do {
            let object: Any
            switch (request.method, route.count) {
            case ("GET", 1) where route[0] == "account": object = try accountJSON(account, params)
            case ("GET", 1) where route[0] == "balance": object = try balance(params)
            case ("GET", 1): object = try list(route[0], account: account, params: params)
            case ("POST", 1): object = try create(route[0], account: account, params: params)
            case ("GET", 2): object = try retrieve(route[0], route[1], account: account, params: params)
            case ("POST", 2) where route[0] == "customers": object = try updateCustomer(route[1], account: account, params: params)
            case ("POST", 3) where route[0] == "invoices": object = try invoiceAction(route[1], route[2], account: account, params: params)
            default: throw Failure(status: 404, message: "Unrecognized request URL (\(request.method): \(request.path)).")
            }
            return .json(200, object: object)
        } catch let failure as Failure {
            return Self.reply(failure)
        } catch {
            return Self.reply(Failure(status: 500, type: "api_error", message: "An unknown error occurred"))
        }
    }

    // MARK: - Form parsing

    /// `a[b][0][c]=v` pairs as nested dictionaries; numbered keys stay strings here (`items["0"]`),
    /// `k[]` appends to an array.
    static func parse(_ text: String) -> [String: Any] {
        var root: [String: Any] = [:]
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            let name = decode(parts[0]), value = parts.count > 1 ? decode(parts[1]) : ""
            var path: [String] = []
            if let open = name.firstIndex(of: "[") {
                path.append(String(name[..<open]))
                for piece in name[open...].split(separator: "]") { path.append(String(piece.dropFirst())) }
            } else {
                path.append(name)
            }
            insert(&root, path[...], value)
        }
        return root
    }

    private static func insert(_ node: inout [String: Any], _ path: ArraySlice<String>, _ value: String) {
        guard let head = path.first else { return }
        let rest = path.dropFirst()
        if rest.isEmpty { node[head] = value; return }
        if rest.first == "" {
            var list = node[head] as? [String] ?? []
            list.append(value)
            node[head] = list
            return
        }
        var child = node[head] as? [String: Any] ?? [:]
        insert(&child, rest, value)
        node[head] = child
    }

    /// The numbered members of a parsed array (`line_items[0]…`), in order.
    static func items(_ value: Any?) -> [[String: Any]]? {
        guard let dictionary = value as? [String: Any] else { return nil }
        let indices = dictionary.keys.compactMap(Int.init).sorted()
        guard indices == Array(0..<dictionary.count) else { return nil }
        return indices.map { dictionary[String($0)] as? [String: Any] ?? [:] }
    }

    private static func check(_ params: [String: Any], allowed: Set<String>, required: [String] = []) throws {
        if let extra = params.keys.sorted().first(where: { !allowed.contains($0) }) { throw Failure.unknown(extra) }
        for name in required where (params[name] as? String)?.isEmpty ?? (params[name] == nil) { throw Failure.missing(name) }
    }

    private static func integer(_ params: [String: Any], _ name: String) throws -> Int? {
        guard let text = params[name] as? String else { return nil }
        guard let value = Int(text) else {
            throw Failure(status: 400, code: "parameter_invalid_integer", message: "Invalid integer: \(text)", param: name)
        }
        return value
    }

    private static func boolean(_ params: [String: Any], _ name: String) throws -> Bool? {
        guard let text = params[name] as? String else { return nil }
        guard text == "true" || text == "false" else { throw Failure(status: 400, message: "Invalid boolean: \(text)", param: name) }
        return text == "true"
    }

    private static func oneOf(_ params: [String: Any], _ name: String, _ values: [String]) throws -> String? {
        guard let text = params[name] as? String else { return nil }
        guard values.contains(text) else {
            throw Failure(status: 400, message: "Invalid \(name): must be one of \(values.joined(separator: ", "))", param: name)
        }
        return text
    }

    /// Metadata as documented: at most 50 keys of up to 40 characters, values up to 500.
    private static func metadata(_ params: [String: Any], merging old: [String: Any] = [:]) throws -> [String: Any] {
        guard let given = params["metadata"] else { return old }
        guard let pairs = given as? [String: Any] else { throw Failure(status: 400, message: "Invalid metadata: must be a hash", param: "metadata") }
        var result = old
        for (key, value) in pairs {
            guard key.count <= 40 else {
                throw Failure(status: 400, message: "Metadata keys can have a maximum length of 40 characters.", param: "metadata[\(key)]")
            }
            guard let text = value as? String else { throw Failure(status: 400, message: "Invalid metadata value", param: "metadata[\(key)]") }
            guard text.count <= 500 else {
                throw Failure(status: 400, message: "Metadata values can have a maximum length of 500 characters.", param: "metadata[\(key)]")
            }
            result[key] = text.isEmpty ? nil : text  // an empty value unsets the key
        }
        guard result.count <= 50 else { throw Failure(status: 400, message: "You can only specify up to 50 metadata keys.", param: "metadata") }
        return result
    }

    // MARK: - Storage

    private static func put(_ ledger: inout Ledger, _ type: String, _ id: String, _ object: [String: Any]) {
        if ledger.objects[id] == nil { ledger.order[type, default: []].append(id) }
        ledger.objects[id] = StripeJSONTree(object)
    }

    private func nextID(_ prefix: String) -> String {
        state.withLock { state in
            state.sequence += 1
            return prefix + "_1Neon" + String(format: "%08d", state.sequence) + "Fake"
        }
    }

    private func stored(_ id: String, account: String) -> [String: Any]? {
        state.withLock { $0.ledgers[account]?.objects[id]?.value as? [String: Any] }
    }

    private func save(_ type: String, _ object: [String: Any], account: String) {
        let id = object["id"] as? String ?? ""
        state.withLock { state in
            var ledger = state.ledgers[account] ?? Ledger()
            Self.put(&ledger, type, id, object)
            state.ledgers[account] = ledger
        }
    }

    private static let now = 1_764_000_000

    // MARK: - Resources

    private static let resources: [String: (type: String, filters: [String])] = [
        "customers": ("customer", ["email"]), "products": ("product", ["active"]), "prices": ("price", ["product", "active"]),
        "payment_links": ("payment_link", ["active"]), "invoices": ("invoice", ["customer", "status"]),
        "payment_intents": ("payment_intent", ["customer", "created"]), "refunds": ("refund", ["payment_intent"]),
    ]

    private func list(_ resource: String, account: String, params: [String: Any]) throws -> [String: Any] {
        guard let entry = Self.resources[resource] else { throw Failure(status: 404, message: "Unrecognized request URL (GET: /v1/\(resource)).") }
        let type = entry.type, filters = entry.filters
        try Self.check(params, allowed: Set(filters + ["limit", "starting_after", "ending_before", "expand"]))
        let limit = try Self.integer(params, "limit") ?? 10
        guard (1...100).contains(limit) else {
            throw Failure(status: 400, message: "This value must be less than or equal to 100 and greater than or equal to 1.", param: "limit")
        }
        var all = state.withLock { state -> [[String: Any]] in
            guard let ledger = state.ledgers[account] else { return [] }
            return (ledger.order[type] ?? []).reversed().compactMap { ledger.objects[$0]?.value as? [String: Any] }
        }
        for name in filters {
            guard let wanted = params[name] else { continue }
            if name == "created", let range = wanted as? [String: Any] {
                if let gte = range["gte"] as? String {
                    guard let bound = Int(gte) else {
                        throw Failure(status: 400, code: "parameter_invalid_integer", message: "Invalid integer: \(gte)", param: "created[gte]")
                    }
                    all = all.filter { ($0["created"] as? Int ?? 0) >= bound }
                }
                continue
            }
            let text = wanted as? String ?? ""
            all = all.filter { object in
                switch object[name] {
                case let flag as Bool: return String(flag) == text
                case let value as String: return value == text
                default: return false
                }
            }
        }
        var start = 0
        if let after = params["starting_after"] as? String {
            guard let index = all.firstIndex(where: { $0["id"] as? String == after }) else {
                throw Failure.noSuch(type, after, param: "starting_after")
            }
            start = index + 1
        }
        let page = Array(all.dropFirst(start).prefix(limit))
        return ["object": "list", "url": "/v1/\(resource)", "has_more": start + page.count < all.count, "data": page]
    }

    private func retrieve(_ resource: String, _ id: String, account: String, params: [String: Any]) throws -> [String: Any] {
        guard let type = Self.resources[resource]?.type else {
            throw Failure(status: 404, message: "Unrecognized request URL (GET: /v1/\(resource)/\(id)).")
        }
        try Self.check(params, allowed: ["expand"])
        guard var object = stored(id, account: account), object["object"] as? String == type else { throw Failure.noSuch(type, id) }
        for path in params["expand"] as? [String] ?? [] {
            guard let related = object[path] as? String else {
                throw Failure(status: 400, message: "This property cannot be expanded (\(path)).", param: "expand[]")
            }
            object[path] = stored(related, account: account) ?? related
        }
        return object
    }

    private func create(_ resource: String, account: String, params: [String: Any]) throws -> [String: Any] {
        switch resource {
        case "customers":
            try Self.check(params, allowed: ["email", "name", "phone", "description", "metadata", "expand"])
            var customer = Self.customerJSON(id: nextID("cus"), email: params["email"] as? String, name: params["name"] as? String, created: Self.now)
            customer["phone"] = params["phone"] as? String ?? NSNull()
            customer["description"] = params["description"] as? String ?? NSNull()
            customer["metadata"] = try Self.metadata(params)
            save("customer", customer, account: account)
            return customer
        case "products":
            try Self.check(params, allowed: ["name", "description", "default_price_data", "metadata", "active", "expand"], required: ["name"])
            let id = nextID("prod")
            var defaultPrice: Any = NSNull()
            if let data = params["default_price_data"] as? [String: Any] {
                try Self.check(data, allowed: ["unit_amount", "currency", "recurring"], required: ["currency"])
                let price = try makePrice(
                    product: id, amount: try Self.integer(data, "unit_amount"), currency: data["currency"] as? String ?? "",
                    recurring: data["recurring"], nickname: nil, metadata: [:], param: "default_price_data")
                save("price", price, account: account)
                defaultPrice = price["id"] ?? NSNull()
            }
            let active = try Self.boolean(params, "active") ?? true
            let productMetadata = try Self.metadata(params)
            let product: [String: Any] = [
                "id": id, "object": "product", "active": active, "created": Self.now, "default_price": defaultPrice,
                "description": params["description"] as? String ?? NSNull(), "images": [String](), "livemode": false,
                "marketing_features": [String](),
                "metadata": productMetadata, "name": params["name"] as? String ?? "", "package_dimensions": NSNull(), "shippable": NSNull(),
                "statement_descriptor": NSNull(), "tax_code": NSNull(), "unit_label": NSNull(), "updated": Self.now, "url": NSNull(),
            ]
            save("product", product, account: account)
            return product
        case "prices":
            try Self.check(
                params, allowed: ["product", "unit_amount", "currency", "recurring", "nickname", "metadata", "active", "expand"],
                required: ["currency"])
            guard let product = params["product"] as? String else { throw Failure.missing("product") }
            guard stored(product, account: account)?["object"] as? String == "product" else {
                throw Failure.noSuch("product", product, param: "product")
            }
            let price = try makePrice(
                product: product, amount: try Self.integer(params, "unit_amount"), currency: params["currency"] as? String ?? "",
                recurring: params["recurring"], nickname: params["nickname"] as? String, metadata: try Self.metadata(params), param: nil)
            save("price", price, account: account)
            return price
        case "payment_links":
            return try createPaymentLink(account: account, params: params)
        case "invoices":
            return try createInvoice(account: account, params: params)
        case "invoiceitems":
            return try createInvoiceItem(account: account, params: params)
        case "refunds":
            return try createRefund(account: account, params: params)
        default:
            throw Failure(status: 404, message: "Unrecognized request URL (POST: /v1/\(resource)).")
        }
    }

    private func makePrice(
        product: String, amount: Int?, currency: String, recurring: Any?, nickname: String?, metadata: [String: Any], param: String?
    ) throws -> [String: Any] {
        let prefix = param.map { "\($0)[" } ?? ""
        let suffix = param == nil ? "" : "]"
        guard currency.count == 3, currency == currency.lowercased() else {
            throw Failure(status: 400, message: "Invalid currency: \(currency)", param: prefix + "currency" + suffix)
        }
        guard let amount else { throw Failure.missing(prefix + "unit_amount" + suffix) }
        guard amount >= 0 else {
            throw Failure(status: 400, message: "This value must be greater than or equal to 0.", param: prefix + "unit_amount" + suffix)
        }
        var recurrence: Any = NSNull()
        if let recurring = recurring as? [String: Any] {
            guard let interval = recurring["interval"] as? String else { throw Failure.missing(prefix + "recurring" + suffix + "[interval]") }
            guard ["day", "week", "month", "year"].contains(interval) else {
                throw Failure(
                    status: 400, message: "Invalid recurring[interval]: must be one of day, week, month, or year", param: "recurring[interval]")
            }
            recurrence = ["interval": interval, "interval_count": 1, "usage_type": "licensed", "meter": NSNull(), "aggregate_usage": NSNull()]
        }
        return [
            "id": nextID("price"), "object": "price", "active": true, "billing_scheme": "per_unit", "created": Self.now, "currency": currency,
            "custom_unit_amount": NSNull(), "livemode": false, "lookup_key": NSNull(), "metadata": metadata, "nickname": nickname ?? NSNull(),
            "product": product, "recurring": recurrence, "tax_behavior": "unspecified", "tiers_mode": NSNull(), "transform_quantity": NSNull(),
            "type": recurrence is NSNull ? "one_time" : "recurring", "unit_amount": amount, "unit_amount_decimal": String(amount),
        ]
    }

    private func createPaymentLink(account: String, params: [String: Any]) throws -> [String: Any] {
        try Self.check(params, allowed: ["line_items", "after_completion", "allow_promotion_codes", "metadata", "expand"])
        guard params["line_items"] != nil else { throw Failure.missing("line_items") }
        guard let lines = Self.items(params["line_items"]), !lines.isEmpty else {
            throw Failure(status: 400, message: "Invalid array", param: "line_items")
        }
        var currency = ""
        for (index, line) in lines.enumerated() {
            try Self.check(line, allowed: ["price", "quantity", "adjustable_quantity"])
            guard let price = line["price"] as? String else { throw Failure.missing("line_items[\(index)][price]") }
            guard let priceObject = stored(price, account: account), priceObject["object"] as? String == "price" else {
                throw Failure.noSuch("price", price, param: "line_items[\(index)][price]")
            }
            guard let quantity = try Self.integer(line, "quantity") else { throw Failure.missing("line_items[\(index)][quantity]") }
            guard quantity >= 1 else {
                throw Failure(status: 400, message: "This value must be greater than or equal to 1.", param: "line_items[\(index)][quantity]")
            }
            currency = priceObject["currency"] as? String ?? currency
        }
        var afterCompletion: [String: Any] = ["type": "hosted_confirmation", "hosted_confirmation": ["custom_message": NSNull()]]
        if let after = params["after_completion"] as? [String: Any] {
            let type = try Self.oneOf(after, "type", ["redirect", "hosted_confirmation"])
            guard let type else { throw Failure.missing("after_completion[type]") }
            if type == "redirect" {
                guard let url = (after["redirect"] as? [String: Any])?["url"] as? String else {
                    throw Failure.missing("after_completion[redirect][url]")
                }
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                    throw Failure(status: 400, code: "url_invalid", message: "Not a valid URL", param: "after_completion[redirect][url]")
                }
                afterCompletion = ["type": "redirect", "redirect": ["url": url]]
            }
        }
        let id = nextID("plink")
        let promotions = try Self.boolean(params, "allow_promotion_codes") ?? false
        let linkMetadata = try Self.metadata(params)
        let link: [String: Any] = [
            "id": id, "object": "payment_link", "active": true, "after_completion": afterCompletion,
            "allow_promotion_codes": promotions, "currency": currency, "livemode": false,
            "metadata": linkMetadata, "url": "https://buy.stripe.com/test_\(id.suffix(12))",
            "billing_address_collection": "auto", "customer_creation": "if_required",
        ]
        save("payment_link", link, account: account)
        return link
    }

    private func createInvoice(account: String, params: [String: Any]) throws -> [String: Any] {
        try Self.check(
            params,
            allowed: [
                "customer", "collection_method", "days_until_due", "description", "auto_advance", "metadata",
                "pending_invoice_items_behavior", "due_date", "expand",
            ])
        guard let customer = params["customer"] as? String else { throw Failure.missing("customer") }
        guard stored(customer, account: account)?["object"] as? String == "customer" else {
            throw Failure.noSuch("customer", customer, param: "customer")
        }
        let method = try Self.oneOf(params, "collection_method", ["charge_automatically", "send_invoice"]) ?? "charge_automatically"
        let days = try Self.integer(params, "days_until_due")
        if method == "send_invoice", days == nil, params["due_date"] == nil {
            throw Failure(
                status: 400, message: "Invoices with `collection_method=send_invoice` require `days_until_due` or `due_date`.",
                param: "days_until_due")
        }
        if method == "charge_automatically", days != nil {
            throw Failure(
                status: 400, message: "You cannot set `days_until_due` when `collection_method=charge_automatically`.", param: "days_until_due")
        }
        let autoAdvance = try Self.boolean(params, "auto_advance") ?? false
        let invoiceMetadata = try Self.metadata(params)
        let invoice: [String: Any] = [
            "id": nextID("in"), "object": "invoice", "customer": customer, "status": "draft", "collection_method": method,
            "days_until_due": days.map { $0 as Any } ?? NSNull(), "due_date": days.map { Self.now + $0 * 86_400 as Any } ?? NSNull(),
            "auto_advance": autoAdvance, "currency": "usd", "total": 0, "subtotal": 0, "amount_due": 0,
            "amount_paid": 0, "amount_remaining": 0, "description": params["description"] as? String ?? NSNull(), "hosted_invoice_url": NSNull(),
            "invoice_pdf": NSNull(), "number": NSNull(), "metadata": invoiceMetadata, "created": Self.now, "livemode": false,
            "lines": ["object": "list", "data": [[String: Any]](), "has_more": false, "total_count": 0],
        ]
        save("invoice", invoice, account: account)
        return invoice
    }

    private func createInvoiceItem(account: String, params: [String: Any]) throws -> [String: Any] {
        try Self.check(
            params, allowed: ["customer", "invoice", "amount", "currency", "description", "metadata", "quantity", "expand"], required: ["customer"])
        let customer = params["customer"] as? String ?? ""
        guard stored(customer, account: account)?["object"] as? String == "customer" else {
            throw Failure.noSuch("customer", customer, param: "customer")
        }
        guard let amount = try Self.integer(params, "amount") else { throw Failure.missing("amount") }
        guard let currency = params["currency"] as? String else { throw Failure.missing("currency") }
        var invoiceID: Any = NSNull()
        if let id = params["invoice"] as? String {
            guard var invoice = stored(id, account: account), invoice["object"] as? String == "invoice" else {
                throw Failure.noSuch("invoice", id, param: "invoice")
            }
            guard invoice["customer"] as? String == customer else {
                throw Failure(status: 400, message: "The invoice \(id) belongs to another customer.", param: "invoice")
            }
            guard invoice["status"] as? String == "draft" else {
                throw Failure(
                    status: 400, code: "invoice_not_editable", message: "You can only add invoice items to draft invoices.", param: "invoice")
            }
            let total = (invoice["total"] as? Int ?? 0) + amount
            for field in ["total", "subtotal", "amount_due", "amount_remaining"] { invoice[field] = total }
            var lines = invoice["lines"] as? [String: Any] ?? [:]
            var data = lines["data"] as? [[String: Any]] ?? []
            data.append(["object": "line_item", "amount": amount, "currency": currency, "description": params["description"] as? String ?? NSNull()])
            lines["data"] = data
            lines["total_count"] = data.count
            invoice["lines"] = lines
            save("invoice", invoice, account: account)
            invoiceID = id
        }
        let itemMetadata = try Self.metadata(params)
        let item: [String: Any] = [
            "id": nextID("ii"), "object": "invoiceitem", "amount": amount, "currency": currency, "customer": customer, "date": Self.now,
            "description": params["description"] as? String ?? NSNull(), "invoice": invoiceID, "livemode": false, "metadata": itemMetadata,
            "quantity": 1, "discountable": true,
        ]
        save("invoiceitem", item, account: account)
        return item
    }

    private func invoiceAction(_ id: String, _ action: String, account: String, params: [String: Any]) throws -> [String: Any] {
        guard var invoice = stored(id, account: account), invoice["object"] as? String == "invoice" else { throw Failure.noSuch("invoice", id) }
        switch action {
        case "finalize":
            try Self.check(params, allowed: ["auto_advance", "expand"])
            guard invoice["status"] as? String == "draft" else {
                throw Failure(
                    status: 400, code: "invoice_not_editable",
                    message: "This invoice is already finalized, you can't re-finalize a non-draft invoice.")
            }
            let count = objects("invoice", account: account).filter { $0["number"] is String }.count
            invoice["status"] = (invoice["amount_due"] as? Int ?? 0) == 0 ? "paid" : "open"
            invoice["number"] = String(format: "NEONHUB-%04d", count + 1)
            invoice["hosted_invoice_url"] = "https://invoice.stripe.com/i/\(account)/test_\(id)"
            invoice["invoice_pdf"] = "https://pay.stripe.com/invoice/\(account)/test_\(id)/pdf"
            if let auto = try Self.boolean(params, "auto_advance") { invoice["auto_advance"] = auto }
        case "send":
            try Self.check(params, allowed: ["expand"])
            guard invoice["collection_method"] as? String == "send_invoice" else {
                throw Failure(status: 400, message: "You can only manually send an invoice if its collection method is 'send_invoice'.")
            }
            guard invoice["status"] as? String == "open" else { throw Failure(status: 400, message: "You can only send an invoice that is open.") }
        default:
            throw Failure(status: 404, message: "Unrecognized request URL (POST: /v1/invoices/\(id)/\(action)).")
        }
        save("invoice", invoice, account: account)
        return invoice
    }

    private func createRefund(account: String, params: [String: Any]) throws -> [String: Any] {
        try Self.check(params, allowed: ["payment_intent", "charge", "amount", "reason", "metadata", "expand"])
        guard let intentID = params["payment_intent"] as? String else { throw Failure.missing("payment_intent") }
        guard let intent = stored(intentID, account: account), intent["object"] as? String == "payment_intent" else {
            throw Failure.noSuch("payment_intent", intentID, param: "payment_intent")
        }
        guard intent["status"] as? String == "succeeded", let chargeID = intent["latest_charge"] as? String,
            var charge = stored(chargeID, account: account)
        else {
            throw Failure(
                status: 400, message: "This PaymentIntent (\(intentID)) does not have a successful charge to refund.", param: "payment_intent")
        }
        let total = charge["amount"] as? Int ?? 0, refunded = charge["amount_refunded"] as? Int ?? 0
        guard refunded < total else {
            throw Failure(status: 400, code: "charge_already_refunded", message: "Charge \(chargeID) has already been refunded.")
        }
        let amount = try Self.integer(params, "amount") ?? (total - refunded)
        guard amount >= 1 else { throw Failure(status: 400, code: "amount_too_small", message: "Refund amount must be at least 1.", param: "amount") }
        guard amount <= total - refunded else {
            throw Failure(
                status: 400, code: "amount_too_large",
                message: "Refund amount ($\(Double(amount) / 100)) is greater than unrefunded amount on charge ($\(Double(total - refunded) / 100))",
                param: "amount")
        }
        let reason = try Self.oneOf(params, "reason", ["duplicate", "fraudulent", "requested_by_customer"])
        charge["amount_refunded"] = refunded + amount
        charge["refunded"] = refunded + amount == total
        save("charge", charge, account: account)
        let refundMetadata = try Self.metadata(params)
        let refund: [String: Any] = [
            "id": nextID("re"), "object": "refund", "amount": amount, "balance_transaction": "txn_fake", "charge": chargeID, "created": Self.now,
            "currency": charge["currency"] ?? "usd", "metadata": refundMetadata, "payment_intent": intentID,
            "reason": reason ?? NSNull(), "receipt_number": NSNull(), "source_transfer_reversal": NSNull(), "status": "succeeded",
            "transfer_reversal": NSNull(),
        ]
        save("refund", refund, account: account)
        return refund
    }

    private func updateCustomer(_ id: String, account: String, params: [String: Any]) throws -> [String: Any] {
        try Self.check(params, allowed: ["email", "name", "phone", "description", "metadata", "expand"])
        guard var customer = stored(id, account: account), customer["object"] as? String == "customer" else { throw Failure.noSuch("customer", id) }
        for field in ["email", "name", "phone", "description"] {
            if let value = params[field] as? String { customer[field] = value.isEmpty ? NSNull() : value }
        }
        customer["metadata"] = try Self.metadata(params, merging: customer["metadata"] as? [String: Any] ?? [:])
        save("customer", customer, account: account)
        return customer
    }

    private func accountJSON(_ account: String, _ params: [String: Any]) throws -> [String: Any] {
        try Self.check(params, allowed: ["expand"])
        let connected = account == Self.connectedAccount
        return [
            "id": account, "object": "account",
            "business_profile": ["name": connected ? "Example Coffee Roasters" : "NeonHub Demo", "url": "https://example.com"],
            "business_type": "company", "charges_enabled": true, "country": "US", "default_currency": "usd", "email": "owner@example.com",
            "payouts_enabled": true, "type": connected ? "express" : "standard", "details_submitted": true,
        ]
    }

    private func balance(_ params: [String: Any]) throws -> [String: Any] {
        try Self.check(params, allowed: ["expand"])
        return [
            "object": "balance", "livemode": false,
            "available": [["amount": 666_670, "currency": "usd", "source_types": ["card": 666_670]]],
            "pending": [["amount": 61_414, "currency": "usd", "source_types": ["card": 61_414]]],
            "connect_reserved": [["amount": 0, "currency": "usd"]],
        ]
    }

    private static func customerJSON(id: String, email: String?, name: String?, created: Int) -> [String: Any] {
        [
            "id": id, "object": "customer", "address": NSNull(), "balance": 0, "created": created, "currency": NSNull(), "default_source": NSNull(),
            "delinquent": false, "description": NSNull(), "email": email ?? NSNull(), "invoice_prefix": "NH" + id.suffix(6).uppercased(),
            "livemode": false,
            "metadata": [String: Any](), "name": name ?? NSNull(), "phone": NSNull(), "preferred_locales": [String](), "shipping": NSNull(),
            "tax_exempt": "none", "test_clock": NSNull(),
        ]
    }

    private static func intentJSON(id: String, amount: Int, status: String, charge: String?, created: Int) -> [String: Any] {
        [
            "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": status == "succeeded" ? amount : 0,
            "capture_method": "automatic", "client_secret": "\(id)_secret_redacted", "confirmation_method": "automatic", "created": created,
            "currency": "usd", "customer": seededCustomer, "description": NSNull(), "latest_charge": charge ?? NSNull(), "livemode": false,
            "metadata": [String: Any](), "payment_method": NSNull(), "payment_method_types": ["card"], "status": status,
        ]
    }
}

/// A JSON value from `JSONSerialization` kept `Sendable` (stored as its serialized bytes).
struct StripeJSONTree: Sendable {
    private let bytes: [UInt8]
    init(_ value: Any) { bytes = Array((try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data()) }
    var value: Any? { try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
}
