// A fake of Intuit's QuickBooks Online Accounting API (v3) and of Intuit's OAuth 2.0 server on
// loopback, following Intuit's documentation — not what our connector definition
// (configs/connectors/quickbooks.json) assumes:
//
// - OAuth 2.0: consent at https://appcenter.intuit.com/connect/oauth2 (client_id, response_type
//   code, scope com.intuit.quickbooks.accounting, redirect_uri, state); the redirect back carries
//   code, state and realmId (the company the user picked); the code is exchanged at
//   https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer with `Authorization: Basic
//   base64(client_id:client_secret)`, a form body (grant_type authorization_code, code,
//   redirect_uri; or refresh_token, refresh_token) and answers {token_type "bearer", access_token,
//   expires_in 3600, refresh_token, x_refresh_token_expires_in}; refresh tokens roll (the value
//   changes about every 24 hours; always keep the latest):
//   https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0,
//   https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq,
//   https://blogs.intuit.com/2024/06/03/oauth-token-management-done-the-right-way/,
//   https://blogs.a.intuit.com/2025/11/12/important-changes-to-refresh-token-policy (five-year cap),
//   github.com/intuit/oauth-jsclient src/OAuthClient.js (endpoints; revocation is POST
//   https://developer.api.intuit.com/v2/oauth2/tokens/revoke with Basic auth and the JSON body
//   {"token": …}).
// - Accounting API: `https://quickbooks.api.intuit.com/v3/company/{realmId}/…`, Bearer access
//   token, `Accept: application/json` (XML otherwise), `minorversion` query parameter — since
//   1 August 2025 versions 1–74 are ignored and 75 is the default:
//   https://blogs.intuit.com/2025/01/21/changes-to-our-accounting-api-that-may-impact-your-application,
//   https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions
// - `GET /companyinfo/{realmId}` → {"CompanyInfo": {Id, CompanyName, Country, Email.Address, …}};
//   CompanyInfo.Id is "1", not the realm id:
//   https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo,
//   github.com/intuit/QuickBooks-V3-PHP-SDK issue 39.
// - `GET /query?query=<select>` (SELECT * | count(*) FROM Entity [WHERE p op v AND …] [ORDERBY …]
//   [STARTPOSITION n] [MAXRESULTS n]; operators =, <, >, <=, >=, LIKE with %, IN; no OR; 1-based
//   start; 100 by default, at most 1000; only properties with values are returned; SELECT * FROM
//   Customer lists the active customers) → {"QueryResponse": {"<Entity>": […], startPosition,
//   maxResults}, "time"}:
//   https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries,
//   https://developer.intuit.com/hub/blog/2017/02/08/deep-dive-sql-queries/,
//   https://blogs.intuit.com/2023/06/15/building-smarter-with-intuit-supercharge-your-queries/
// - `POST /invoice` (CustomerRef and at least one Line required; SalesItemLineDetail lines with
//   Amount, ItemRef, Qty, UnitPrice) → {"Invoice": {…}}; `POST /customer` (DisplayName unique
//   across customers, vendors and employees, at most 500 characters) → {"Customer": {…}}:
//   https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice,
//   https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
// - Errors: {"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"};
//   2010 unsupported property, 2020 required parameter missing, 2050 string length, 2500 invalid
//   reference id, 4000/4001 query parse/validation, 6240 duplicate name; read the Detail:
//   https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes,
//   https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors,
//   https://developer.intuit.com/hub/blog/2017/06/08/top-quickbooks-online-api-errors-and-how-to-handle-them
// - The gateway's 401 (3200 AuthenticationFailed) and 403 (3100 AuthorizationFailed, a token of
//   another company) bodies are lower-case {"fault": {"error": [{"message", "detail", "code"}]}}
//   as seen in github.com/routablehq/python-quickbooks issue 250 and mcohen01/node-quickbooks
//   issue 154; a throttled call is HTTP 429 with an XML Fault, code 3001 ThrottleExceeded, even
//   when JSON was asked for, and no Retry-After (wait 60 s):
//   https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles,
//   github.com/ruckus/quickbooks-ruby pull 348, routablehq/python-quickbooks issues 43 and 83.
// - Every API answer carries an `intuit_tid` header (the transaction id support asks for):
//   https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
//
// Assumed where the documentation is silent: a rotated refresh token stops working at once;
// client credentials only by Basic (the form's client_id/client_secret are not read); the token
// endpoint's refusal of the client is 401 {"error": "invalid_client"}, of a grant 400
// {"error": "invalid_grant"}; the revocation endpoint refuses a form body with 400; a POST whose
// Content-Type is not JSON is 415 with a Fault; the wording of 2500 and 4000/4001 details; new
// invoices are numbered after the highest DocNumber and due 30 days after today; property names
// in queries are case-insensitive, entity names are not; the MetaData clock is the fake's own
// (one second per change, Pacific offset).

import Foundation
import HTTPFields
import Synchronization

/// QuickBooks Online on loopback: two companies (realms) with customers, items and invoices,
/// Intuit's OAuth 2.0 server with rolling refresh tokens and the realm on the redirect, the query
/// language, invoice and customer creation, and the documented faults.
///
/// Knobs: `authorize(_:realmId:)`, `expire(token:)`, `rotateRefreshTokens()`,
/// `revokeRefreshTokens()`, `injectThrottle(calls:)`, `injectUnavailable(calls:)`,
/// `updateInvoice(_:balance:realmId:)`, `addInvoice(customer:amount:realmId:)`.
public final class QuickBooksFake: ServedFake {
    /// The company the fixtures connect (Intuit's sandbox realm ids are 16 digits or more).
    public static let realmId = "9130347596851234"
    /// A second company the same user can pick on the consent screen.
    public static let otherRealmId = "4620816365212345"
    /// The OAuth scope the Accounting API needs.
    public static let accountingScope = "com.intuit.quickbooks.accounting"
    /// The minor version every request should name (the lowest still honoured).
    public static let minorVersion = 75

    /// The app registered in Intuit's developer portal.
    public let app = FakeOAuthApp(
        clientID: "ABqbFakeClient7Hc2Lk9Qw3Zt5Rn8Pm4Xy1Vb6Nd0Sj", clientSecret: "qbFakeSecret4d9F2kQ7mW1xZ8cV5bN3hJ6tR0yL",
        redirectURI: "https://hub.example.test/oauth/callback/quickbooks")

    /// A customer of one company.
    public struct Customer: Sendable {
        /// The id, a numeric string unique within the company.
        public var id: String
        /// Unique across customers, vendors and employees.
        public var displayName: String
        /// Given name.
        public var givenName: String?
        /// Family name.
        public var familyName: String?
        /// Company name.
        public var companyName: String?
        /// Primary email address.
        public var email: String?
        /// Primary phone number.
        public var phone: String?
        /// Open balance.
        public var balance: Double
        /// False once made inactive (deleted in the UI).
        public var active: Bool
        /// Bumped on every change.
        public var syncToken: Int
        /// `MetaData.CreateTime`.
        public var created: String
        /// `MetaData.LastUpdatedTime`.
        public var updated: String
    }

    /// One sales line of an invoice.
    public struct Line: Sendable {
        /// The line amount.
        public var amount: Double
        /// The description.
        public var description: String?
        /// The item sold.
        public var itemID: String
        /// Quantity.
        public var qty: Double?
        /// Unit price.
        public var unitPrice: Double?
    }

    /// An invoice of one company.
    public struct Invoice: Sendable {
        /// The id, a numeric string unique within the company.
        public var id: String
        /// The invoice number.
        public var docNumber: String
        /// The customer's id.
        public var customerID: String
        /// `YYYY-MM-DD`.
        public var txnDate: String
        /// `YYYY-MM-DD`.
        public var dueDate: String
        /// The sales lines.
        public var lines: [Line]
        /// What is still owed.
        public var balance: Double
        /// Billing email address.
        public var billEmail: String?
        /// Message to the customer.
        public var memo: String?
        /// Bumped on every change.
        public var syncToken: Int
        /// `MetaData.CreateTime`.
        public var created: String
        /// `MetaData.LastUpdatedTime`.
        public var updated: String
        /// The sum of the lines.
        public var total: Double { lines.reduce(0) { $0 + $1.amount } }
    }

    /// One company's data.
    struct Company: Sendable {
        var name: String
        var email: String
        var country = "US"
        var customers: [Customer] = []
        var invoices: [Invoice] = []
        var items: [(id: String, name: String, price: Double)] = [("1", "Services", 0), ("2", "Hours", 150), ("3", "Design", 95)]
        var nextID = 200
    }

    struct Grant: Sendable {
        var realm: String
        var redirectURI: String
        var used = false
    }

    struct Access: Sendable {
        var realm: String
        var expired = false
    }

    struct Refresh: Sendable {
        var realm: String
        var valid = true
    }

    struct State: Sendable {
        var companies: [String: Company] = [:]
        var grants: [String: Grant] = [:]
        var access: [String: Access] = [:]
        var refresh: [String: Refresh] = [:]
        var rotateNext = false
        var revoked: [String] = []
        var sequence = 0
        var clock = 0
    }

    /// A scripted failure: a throttle or an unavailable service.
    enum Fault: Sendable { case throttle, unavailable }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let faults = ScriptedFaults<Fault>()

    /// Two companies: "Craig's Design and Landscaping Services" (`realmId`) with four customers
    /// (one inactive) and three invoices, and "Sample Bakery" (`otherRealmId`) with one customer.
    public init() {
        state.withLock { state in
            var main = Company(name: "Craig's Design and Landscaping Services", email: "noreply@quickbooks.example")
            for (id, name, email, balance, active) in [
                ("58", "Amy's Bird Sanctuary", "birds@intuit.example", 239.0, true),
                ("59", "Bill's Windsurf Shop", "surf@intuit.example", 85.0, true),
                ("60", "Cool Cars", "cool_cars@intuit.example", 0.0, true), ("61", "Old Mill Supplies", "mill@intuit.example", 0.0, false),
            ] {
                let stamp = Self.stamp(&state.clock)
                main.customers.append(
                    Customer(
                        id: id, displayName: name, givenName: nil, familyName: nil, companyName: name, email: email, phone: "(650) 555-0100",
                        balance: balance, active: active, syncToken: 0, created: stamp, updated: stamp))
            }
            for (id, number, customer, amount, balance) in [
                ("130", "1037", "58", 239.0, 239.0), ("131", "1038", "59", 85.0, 85.0), ("132", "1039", "60", 150.0, 0.0),
            ] {
                let stamp = Self.stamp(&state.clock)
                main.invoices.append(
                    Invoice(
                        id: id, docNumber: number, customerID: customer, txnDate: "2026-11-02", dueDate: "2026-12-02",
                        lines: [Line(amount: amount, description: "Landscaping", itemID: "1", qty: 1, unitPrice: amount)], balance: balance,
                        billEmail: nil, memo: nil, syncToken: 0, created: stamp, updated: stamp))
            }
            var other = Company(name: "Sample Bakery", email: "bakery@intuit.example")
            let stamp = Self.stamp(&state.clock)
            other.customers = [
                Customer(
                    id: "1", displayName: "Corner Cafe", givenName: nil, familyName: nil, companyName: nil, email: nil, phone: nil, balance: 0,
                    active: true, syncToken: 0, created: stamp, updated: stamp)
            ]
            state.companies = [Self.realmId: main, Self.otherRealmId: other]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: [String: Any]())
        }
    }

    /// `http://127.0.0.1:<port>`: stands for every Intuit host.
    public var baseURL: String { server.baseURL }
    /// Stands for `https://quickbooks.api.intuit.com/v3/company/{realmId}` (the definition's base URL shape).
    public var apiBaseURL: String { baseURL + "/v3/company/{{vars.realmId}}" }
    /// Stands for `https://appcenter.intuit.com/connect/oauth2`.
    public var authorizeURL: String { baseURL + "/connect/oauth2" }
    /// Stands for `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`.
    public var tokenURL: String { baseURL + "/oauth2/v1/tokens/bearer" }
    /// Stands for `https://developer.api.intuit.com/v2/oauth2/tokens/revoke`.
    public var revokeURL: String { baseURL + "/v2/oauth2/tokens/revoke" }

    /// The token endpoint's requests, in order.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth2/v1/tokens/bearer") }
    /// The tokens the revocation endpoint accepted.
    public var revokedTokens: [String] { state.withLock { $0.revoked } }

    /// A company's customers (inactive ones included).
    public func customers(realmId: String = QuickBooksFake.realmId) -> [Customer] {
        state.withLock { $0.companies[realmId]?.customers ?? [] }
    }

    /// A company's invoices.
    public func invoices(realmId: String = QuickBooksFake.realmId) -> [Invoice] {
        state.withLock { $0.companies[realmId]?.invoices ?? [] }
    }

    /// The next `calls` API requests are throttled (429, code 3001, XML).
    public func injectThrottle(calls: Int = 1) { faults.add(.throttle, calls: calls) }

    /// The next `calls` API requests find the service unavailable (503).
    public func injectUnavailable(calls: Int = 1) { faults.add(.unavailable, calls: calls) }

    /// Records a payment against an invoice: a new balance, a new SyncToken and LastUpdatedTime.
    public func updateInvoice(_ id: String, balance: Double, realmId: String = QuickBooksFake.realmId) {
        state.withLock { state in
            let stamp = Self.stamp(&state.clock)
            guard let index = state.companies[realmId]?.invoices.firstIndex(where: { $0.id == id }) else { return }
            state.companies[realmId]?.invoices[index].balance = balance
            state.companies[realmId]?.invoices[index].syncToken += 1
            state.companies[realmId]?.invoices[index].updated = stamp
        }
    }

    /// An invoice made in the QuickBooks UI; its id.
    @discardableResult
    public func addInvoice(customer: String = "58", amount: Double, realmId: String = QuickBooksFake.realmId) -> String {
        state.withLock { state in
            let stamp = Self.stamp(&state.clock)
            guard var company = state.companies[realmId] else { return "" }
            company.nextID += 1
            let number = (company.invoices.compactMap { Int($0.docNumber) }.max() ?? 1000) + 1
            let invoice = Invoice(
                id: String(company.nextID), docNumber: String(number), customerID: customer, txnDate: "2026-12-03", dueDate: "2027-01-02",
                lines: [Line(amount: amount, description: nil, itemID: "1", qty: nil, unitPrice: nil)], balance: amount, billEmail: nil,
                memo: nil, syncToken: 0, created: stamp, updated: stamp)
            company.invoices.append(invoice)
            state.companies[realmId] = company
            return invoice.id
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("POST", "/oauth2/v1/tokens/bearer"): return token(request)
        case ("POST", "/v2/oauth2/tokens/revoke"): return revoke(request)
        default: break
        }
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.count >= 4, segments[0] == "v3", segments[1] == "company" else {
            return Self.tagged(
                Self.fault(404, "Unsupported Operation", "Operation \(request.path) is not supported", code: "500", type: "SystemFault"))
        }
        return Self.tagged(api(request, realm: segments[2], route: Array(segments.dropFirst(3))))
    }

    private func api(_ request: Request, realm: String, route: [String]) -> Reply {
        let bearer = request.header("Authorization").flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
        guard let token = bearer?.trimmingCharacters(in: .whitespaces), let access = state.withLock({ $0.access[token] }), !access.expired
        else { return Self.gatewayFault(401, "AuthenticationFailed", code: "3200", detail: "Token expired or invalid", type: "AUTHENTICATION") }
        guard access.realm == realm else { return Self.gatewayFault(403, "AuthorizationFailed", code: "3100", detail: nil, type: "SERVICE") }
        switch faults.take() {
        case .throttle?: return Self.throttled()
        case .unavailable?:
            return .json(
                503, object: ["Fault": ["Error": [["Message": "Service Unavailable", "code": "10000"]], "type": "SystemFault"] as [String: Any]])
        case nil: break
        }
        let reply: Reply
        switch (request.method, route) {
        case ("GET", ["companyinfo", realm]): reply = companyInfo(realm)
        case ("GET", ["query"]): reply = query(request, realm: realm)
        case ("POST", ["invoice"]), ("POST", ["customer"]):
            guard Self.isJSON(request.header("Content-Type")) else {
                return Self.fault(415, "Unsupported Media Type", "Content-Type must be application/json", code: "500", type: "ValidationFault")
            }
            guard let body = request.json as? [String: Any] else {
                return Self.fault(400, "Request has invalid or unsupported property", "The request body is not a JSON object", code: "2010")
            }
            reply = route == ["invoice"] ? createInvoice(body, realm: realm) : createCustomer(body, realm: realm)
        default:
            reply = Self.fault(
                404, "Unsupported Operation", "Operation \(request.method) \(route.joined(separator: "/")) is not supported", code: "500")
        }
        let wantsJSON = request.header("Accept")?.lowercased().contains("application/json") == true
        return wantsJSON || reply.status != 200 ? reply : Self.asXML(reply)
    }
}
