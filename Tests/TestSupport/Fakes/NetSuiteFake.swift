// A fake of Oracle NetSuite's REST web services (record service v1 and SuiteQL) and of its
// OAuth 2.0 authorization code grant on loopback, following Oracle's NetSuite help center — not
// what our connector definition (configs/connectors/netsuite.json) assumes:
//
// - OAuth 2.0 consent at `https://<accountID>.app.netsuite.com/app/login/oauth2/authorize.nl`
//   (response_type code, client_id, redirect_uri matching the integration record, scope of
//   restlets, rest_webservices, suite_analytics or mcp separated by spaces, state of 22 to 1024
//   printable characters, code_challenge and code_challenge_method); the redirect back carries
//   state, role, entity, company and code:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html,
//   https://docs.oracle.com/en/middleware/idm/identity-governance-connectors/12.2.1.3/cgnsc/oauth2_0_flow_to_generate_the_user-level_tokens.html
// - Token endpoint `POST https://<accountID>.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token`,
//   an `application/x-www-form-urlencoded` body and the client by HTTP Basic (client_id:client_secret);
//   grant_type authorization_code with code, redirect_uri and code_verifier (a verifier that does
//   not match is HTTP 400), or refresh_token with refresh_token; tokens are JWTs, the access token
//   lasts 60 minutes (`expires_in` "3600"):
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081952044.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855594402.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_162755359851.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158255317571.html
// - Token endpoint errors `{"error": "<value>"}`: invalid_request 400 (missing or malformed
//   parameter, wrong grant_type, several client authentication approaches), invalid_client 401
//   with `WWW-Authenticate: Basic realm="<accountID>"`, invalid_grant (code or refresh token
//   invalid, expired or revoked):
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/subsect_161252460252.html
// - Revocation `POST …/services/rest/auth/oauth2/v1/revoke`, Basic client auth, form `token=<refresh
//   token>`; it revokes the refresh token and its access tokens:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_161071224088.html
// - REST calls carry `Authorization: Bearer <access token>`; a bad token is 401 with
//   `WWW-Authenticate: Bearer realm="<accountID>", error="invalid_token", error_description="Invalid login attempt."`:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157780312610.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/subsect_158521885412.html
// - Errors: `{type, title, status, "o:errorDetails": [{detail, "o:errorCode", "o:errorPath"?,
//   "o:errorQueryParam"?, "o:errorHeader"?}]}`; 401 INVALID_LOGIN "Invalid login attempt…":
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156570709583.html
// - Record collection `GET /record/v1/customer` ({links, count, hasMore, items [{links, id}],
//   offset, totalResults}; `limit` up to 1000, default 1000; `offset`; next/last/self links):
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156414087576.html;
//   `q` conditions `field OPERATOR value` joined by AND / OR (String: CONTAIN, IS, START_WITH,
//   END_WITH and their _NOT; numbers EQUAL, GREATER, LESS…; Boolean IS; EMPTY):
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545222128.html
// - `POST /record/v1/<type>` answers 204 with no body and the new record's URL in `Location`:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html
// - SuiteQL `POST /query/v1/suiteql` with `Prefer: transient`, body {"q": "<SELECT …>"}, limit and
//   offset in the URL as collection paging, at most 100,000 results:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158394344595.html
// - Concurrency governance: one account limit shared by SOAP, REST and RESTlets, requests over it
//   rejected ("Too Many Requests" for REST, HTTP 429), 15-minute request time-out:
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/subsect_1559222360.html,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_0827103226.html
// - As of December 2026: NetSuite 2027.1 stops new TBA integrations (OAuth 2.0 is the way,
//   https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158921905537.html) and,
//   per integrators' notes, makes PKCE mandatory (https://prismatic.io/docs/changelog/connectors/2026/03/24/netsuite/);
//   this fake accepts an authorization without a challenge (2026.2) but checks one that was given.
//
// Assumed where the documentation is silent: the 429 body's o:errorCode CONCURRENCY_LIMIT_EXCEEDED
// and its wording, with no Retry-After; the error `type` URLs (RFC 9110 sections) and content type
// `application/vnd.oracle.resource+json; type=error`; a refresh answers no new refresh token
// (confidential client, seven-day refresh token); a code verifier mismatch is invalid_grant; the
// revocation answers 200 with no body, also for an unknown token; client_id in the form next to
// Basic is accepted, client_secret in the form is a second approach (invalid_request); SuiteQL
// values are strings and null columns are left out, dates read `M/D/YYYY`; SuiteQL without
// `Prefer: transient` is 400 INVALID_HEADER; limits outside 1…1000 are 400 INVALID_PARAMETER; an
// offset past the end is an empty page; the wording of NONEXISTENT_ID, USER_ERROR, INVALID_CONTENT
// and INVALID_PARAMETER details; which fields a customer or invoice requires.

import Foundation
import HTTPFields
import Synchronization

/// NetSuite on loopback: the sandbox account `1234567-sb1` with customers, items and invoices,
/// the OAuth 2.0 authorization code grant (Basic client auth, PKCE), the record service, SuiteQL,
/// and NetSuite's error payloads.
///
/// Knobs: `authorize(_:)`, `issueToken()`, `expire(token:)`, `revokeRefreshTokens()`,
/// `injectConcurrencyLimit(calls:)`, `addCustomers(_:)`, `addInvoice(entity:amount:)`; what it
/// holds: `customers`, `invoices`, `revokedTokens`.
public final class NetSuiteFake: ServedFake {
    /// The account id in URL form (`1234567_SB1` in the UI).
    public static let accountId = "1234567-sb1"
    /// The account id as the realm and the redirect's `company` write it.
    public static let company = "1234567_SB1"
    /// The scope REST web services need.
    public static let restScope = "rest_webservices"
    /// The scopes an integration record can grant.
    public static let knownScopes: Set<String> = ["restlets", "rest_webservices", "suite_analytics", "mcp"]
    /// The content type of NetSuite's error bodies (assumed).
    public static let errorContentType = "application/vnd.oracle.resource+json; type=error"

    /// The integration record: client id and secret, the redirect URI it allows.
    public let app = FakeOAuthApp(
        clientID: "6794a3086e4f61a120350d01b8527aed3631472ef33412212495be65a8fc8d4c",
        clientSecret: "cdc7ac22183ef5024e81b0fce8ef461c44d5896a1f1805d4b372ca61c4d326ae",
        redirectURI: "https://hub.example.test/oauth/callback/netsuite")

    /// A customer record.
    public struct Customer: Sendable {
        /// The internal id.
        public var id: String
        /// The customer's entity id (name or number).
        public var entityId: String
        /// The company name (companies).
        public var companyName: String?
        /// First name (individuals).
        public var firstName: String?
        /// Last name (individuals).
        public var lastName: String?
        /// An individual rather than a company.
        public var isPerson: Bool
        /// Email address.
        public var email: String?
        /// Phone number.
        public var phone: String?
        /// Open balance.
        public var balance: Double
        /// The subsidiary's internal id.
        public var subsidiary: String
        /// `dateCreated`, ISO 8601.
        public var dateCreated: String
    }

    /// One item line of an invoice.
    public struct Line: Sendable {
        /// The item's internal id.
        public var item: String
        /// Quantity.
        public var quantity: Double
        /// Rate.
        public var rate: Double
        /// Amount.
        public var amount: Double
        /// Description.
        public var description: String?
    }

    /// An invoice (transaction type `CustInvc`).
    public struct Invoice: Sendable {
        /// The internal id.
        public var id: String
        /// The document number (`tranid`).
        public var tranId: String
        /// The customer's internal id.
        public var entity: String
        /// The transaction date, `YYYY-MM-DD`.
        public var tranDate: String
        /// The due date, `YYYY-MM-DD`.
        public var dueDate: String?
        /// The memo.
        public var memo: String?
        /// The item lines.
        public var lines: [Line]
        /// `A` open, `B` paid in full.
        public var status: String
        /// The sum of the lines.
        public var total: Double { lines.reduce(0) { $0 + $1.amount } }
    }

    struct Grant: Sendable {
        var redirectURI: String
        var challenge: String?
        var method: String?
        var scopes: [String]
        var used = false
    }

    struct Access: Sendable {
        var refresh: String?
        var expired = false
    }

    struct State: Sendable {
        var customers: [Customer] = []
        var invoices: [Invoice] = []
        var subsidiaries: [String: String] = ["1": "Parent Company", "2": "Honeycomb Mfg."]
        var items: [String: (name: String, price: Double)] = ["10": ("Consulting hour", 150), "11": ("Widget", 25)]
        var grants: [String: Grant] = [:]
        var access: [String: Access] = [:]
        var refresh: [String: Bool] = [:]
        var revoked: [String] = []
        var nextID = 400
        var sequence = 0
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let concurrency = ScriptedFaults<Int>()

    /// Three customers (two companies, one individual) and three invoices (two open, one paid).
    public init() {
        state.withLock { state in
            state.customers = [
                Customer(
                    id: "107", entityId: "CUST107 Acme Corp", companyName: "Acme Corp", firstName: nil, lastName: nil, isPerson: false,
                    email: "ap@acme.example", phone: "555-0107", balance: 300, subsidiary: "1", dateCreated: "2025-03-04T09:12:00Z"),
                Customer(
                    id: "108", entityId: "CUST108 Globex", companyName: "Globex", firstName: nil, lastName: nil, isPerson: false,
                    email: "billing@globex.example", phone: "555-0108", balance: 125, subsidiary: "1", dateCreated: "2025-06-11T14:30:00Z"),
                Customer(
                    id: "109", entityId: "CUST109 Ada Lovelace", companyName: nil, firstName: "Ada", lastName: "Lovelace", isPerson: true,
                    email: "ada@example.com", phone: nil, balance: 0, subsidiary: "2", dateCreated: "2026-01-20T08:00:00Z"),
            ]
            state.invoices = [
                Invoice(
                    id: "301", tranId: "INV1001", entity: "107", tranDate: "2026-10-02", dueDate: "2026-11-01", memo: nil,
                    lines: [Line(item: "10", quantity: 2, rate: 150, amount: 300, description: "Onboarding")], status: "A"),
                Invoice(
                    id: "302", tranId: "INV1002", entity: "108", tranDate: "2026-11-15", dueDate: "2026-12-15", memo: "Q4",
                    lines: [Line(item: "11", quantity: 5, rate: 25, amount: 125, description: nil)], status: "A"),
                Invoice(
                    id: "303", tranId: "INV1003", entity: "107", tranDate: "2026-09-01", dueDate: "2026-10-01", memo: nil,
                    lines: [Line(item: "10", quantity: 1, rate: 150, amount: 150, description: nil)], status: "B"),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "UNEXPECTED_ERROR", "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://1234567-sb1.suitetalk.api.netsuite.com`
    /// and `https://1234567-sb1.app.netsuite.com`.
    public var baseURL: String { server.baseURL }
    /// Stands for `https://<accountID>.suitetalk.api.netsuite.com/services/rest`.
    public var restBaseURL: String { baseURL + "/services/rest" }
    /// Stands for `https://<accountID>.app.netsuite.com/app/login/oauth2/authorize.nl`.
    public var authorizeURL: String { baseURL + "/app/login/oauth2/authorize.nl" }
    /// The token endpoint's path.
    public static let tokenPath = "/services/rest/auth/oauth2/v1/token"
    /// The revocation endpoint's path.
    public static let revokePath = "/services/rest/auth/oauth2/v1/revoke"
    /// Stands for `https://<accountID>.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token`.
    public var tokenURL: String { baseURL + Self.tokenPath }
    /// Stands for `https://<accountID>.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/revoke`.
    public var revokeURL: String { baseURL + Self.revokePath }

    /// The token endpoint's requests, in order.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", Self.tokenPath) }
    /// The tokens the revocation endpoint was given.
    public var revokedTokens: [String] { state.withLock { $0.revoked } }
    /// Every customer.
    public var customers: [Customer] { state.withLock { $0.customers } }
    /// Every invoice.
    public var invoices: [Invoice] { state.withLock { $0.invoices } }

    /// The next `calls` REST requests exceed the account's concurrency limit (429).
    public func injectConcurrencyLimit(calls: Int = 1) { concurrency.add(429, calls: calls) }

    /// Adds `count` customers of subsidiary 1 (`Customer 1`…), numbered after the highest id.
    public func addCustomers(_ count: Int) {
        state.withLock { state in
            for index in 1...max(1, count) {
                state.nextID += 1
                state.customers.append(
                    Customer(
                        id: String(state.nextID), entityId: "CUST\(state.nextID)", companyName: "Customer \(index)", firstName: nil,
                        lastName: nil, isPerson: false, email: "customer\(index)@example.com", phone: nil, balance: 0, subsidiary: "1",
                        dateCreated: "2026-12-01T10:00:00Z"))
            }
        }
    }

    /// An invoice entered in the NetSuite UI today; its id.
    @discardableResult
    public func addInvoice(entity: String = "107", amount: Double) -> String {
        state.withLock { state in
            state.nextID += 1
            let id = String(state.nextID)
            let number = "INV\(1000 + state.invoices.count + 1)"
            state.invoices.append(
                Invoice(
                    id: id, tranId: number, entity: entity, tranDate: Self.today(), dueDate: nil, memo: nil,
                    lines: [Line(item: "10", quantity: 1, rate: amount, amount: amount, description: nil)], status: "A"))
            return id
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("POST", Self.tokenPath): return token(request)
        case ("POST", Self.revokePath): return revoke(request)
        default: break
        }
        let prefix = "/services/rest/"
        guard request.path.hasPrefix(prefix) else { return Self.error(404, "INVALID_ID", "Invalid request URL \(request.path).") }
        guard let bearer = Self.bearer(request), state.withLock({ $0.access[bearer].map { !$0.expired } ?? false }) else {
            var reply = Self.error(
                401, "INVALID_LOGIN",
                "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail."
            )
            reply.headers.replaceOrAdd(
                name: "WWW-Authenticate",
                value: "Bearer realm=\"\(Self.company)\", error=\"invalid_token\", error_description=\"Invalid login attempt.\"")
            return reply
        }
        if concurrency.take() != nil {
            return Self.error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.")
        }
        let route = request.path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        switch (request.method, route) {
        case ("GET", ["record", "v1", "customer"]): return listCustomers(request)
        case ("GET", let path) where path.count == 4 && path[0] == "record" && path[2] == "customer": return customer(path[3])
        case ("POST", ["record", "v1", "customer"]): return createCustomer(request)
        case ("POST", ["record", "v1", "invoice"]): return createInvoice(request)
        case ("POST", ["query", "v1", "suiteql"]): return suiteQL(request)
        default:
            return Self.error(404, "INVALID_ID", "Invalid request URL. The record type or path \(route.joined(separator: "/")) does not exist.")
        }
    }

    /// The token of a Bearer `Authorization`.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.header("Authorization"), header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// A NetSuite REST error: `{type, title, status, o:errorDetails: [{detail, o:errorCode, …}]}`.
    static func error(_ status: Int, _ code: String, _ detail: String, extra: [String: String] = [:]) -> Reply {
        var details: [String: Any] = ["detail": detail, "o:errorCode": code]
        for (name, value) in extra { details[name] = value }
        let (type, title): (String, String) =
            switch status {
            case 400: ("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", "Bad Request")
            case 401: ("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2", "Unauthorized")
            case 403: ("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4", "Forbidden")
            case 404: ("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5", "Not Found")
            case 429: ("https://www.rfc-editor.org/rfc/rfc6585.html#section-4", "Too Many Requests")
            default: ("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1", "Internal Server Error")
            }
        var reply = Reply.json(status, object: ["type": type, "title": title, "status": status, "o:errorDetails": [details]])
        reply.headers.replaceOrAdd(name: "Content-Type", value: errorContentType)
        return reply
    }

    /// Today, `YYYY-MM-DD` in UTC.
    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }
}
