// A fake of Xero's identity service and Accounting API on loopback, following Xero's
// documentation — not what our connector definition (configs/connectors/xero.json) assumes:
//
// - OAuth 2.0 (authorization code, `https://login.xero.com/identity/connect/authorize`, token
//   endpoint `https://identity.xero.com/connect/token` with the app's id and secret by HTTP Basic;
//   PKCE with `code_verifier`; answers id_token, access_token, expires_in 1800, token_type Bearer,
//   refresh_token (only with `offline_access`) and scope; the refresh token rotates on every use,
//   the previous one stays usable for a 30-minute grace period; RFC 6749 §5.2 errors with 400):
//   https://developer.xero.com/documentation/guides/oauth2/auth-flow/,
//   https://developer.xero.com/documentation/guides/oauth2/pkce-flow/,
//   https://developer.xero.com/faq/oauth2/ (refresh tokens, grace period)
// - Revocation (`POST https://identity.xero.com/connect/revocation`, Basic client auth, form
//   `token=<refresh token>`; the refresh token and its access tokens stop working) and the
//   connections endpoint (`GET https://api.xero.com/connections`, Bearer; a list of
//   {id, authEventId, tenantId, tenantType, tenantName, createdDateUtc, updatedDateUtc};
//   `DELETE /connections/{id}` removes one tenant):
//   https://developer.xero.com/documentation/guides/oauth2/auth-flow/#revoking-tokens,
//   https://developer.xero.com/documentation/guides/oauth2/tenants/
// - Scopes, and the granular scopes: apps created on or after 2 March 2026 use
//   `accounting.invoices(.read)`, `accounting.payments`, … instead of `accounting.transactions`;
//   older apps may keep the broad scopes until September 2027:
//   https://developer.xero.com/documentation/guides/oauth2/scopes/,
//   https://developer.xero.com/faq/granular-scopes
// - Accounting API requests: `xero-tenant-id` header on every call, `If-Modified-Since`,
//   `where`, `order`, `page` (100 a page) and `pageSize` (up to 1000), `summaryOnly`, the
//   `pagination` object {page, pageSize, pageCount, itemCount}; `Idempotency-Key` (128
//   characters at most) on PUT/POST; the response envelope {Id, Status, ProviderName,
//   DateTimeUTC, …}; dates as `/Date(ms+0000)/`: XeroAPI/Xero-OpenAPI xero_accounting.yaml
//   (getInvoices, createInvoices, updateOrCreateInvoices, getContacts, createContacts,
//   components.parameters), https://developer.xero.com/documentation/api/accounting/requests-and-responses
// - Invoices (GET with Statuses, ContactIDs, IDs, InvoiceNumbers, includeArchived,
//   createdByMyApp, searchTerm; PUT creates, POST creates or updates; `{"Invoices":[…]}` or one
//   invoice; Type, Contact and LineItems required; line items are only returned on paged or
//   single reads): https://developer.xero.com/documentation/api/accounting/invoices
// - Contacts (GET with searchTerm over Name, FirstName, LastName, ContactNumber and EmailAddress;
//   ARCHIVED only with includeArchived; a contact's Name must be unique):
//   https://developer.xero.com/documentation/api/accounting/contacts
// - Errors: 400 `{ErrorNumber, Type, Message, Elements[].ValidationErrors[].Message}`
//   (ValidationException), 401 problem JSON `{Type, Title, Status, Detail, Instance}`, 403, 404,
//   429, 503 organisation offline:
//   https://developer.xero.com/documentation/api/http-response-codes
// - Limits: 60 calls a minute, 5,000 a day and 5 concurrent per tenant, 10,000 a minute per app;
//   every answer carries X-DayLimit-Remaining, X-MinLimit-Remaining and X-AppMinLimit-Remaining;
//   a 429 names the limit in X-Rate-Limit-Problem (minute, day, appminute, concurrent) and carries
//   Retry-After: https://developer.xero.com/documentation/guides/oauth2/limits/,
//   https://developer.xero.com/faq/limits
//
// Assumed where the references are silent: a request without `page` is answered with every
// matching record, without line items and without a `pagination` object (pageSize is ignored
// then); pageSize above 1000 is treated as 1000; the default order is the order of creation;
// `where` supports `Field=="value"` terms joined by ` AND ` (anything else is a 400
// QueryParseException); an unknown or missing tenant id is a 403 `AuthenticationUnsuccessful`;
// a token without the endpoint's scope is a 403 `AuthorizationUnsuccessful`; 15% tax on
// Exclusive lines; the wording of validation messages other than the documented examples; a
// replayed Idempotency-Key answers the first answer again; 429 and 503 bodies are plain text.

public import Foundation
import HTTPFields
import Synchronization

/// Xero on loopback: the identity service (`/identity/connect/authorize` is a method here,
/// `/connect/token`, `/connect/revocation`), `/connections`, and `/api.xro/2.0/Invoices` and
/// `/Contacts` for two organisations.
///
/// Knobs: `newApp` (an app created on or after 2 March 2026: broad scopes refused),
/// `expire(token:)`, `endGracePeriods()`, `injectRateLimit(problem:retryAfter:calls:)`,
/// `takeOffline(_:)`, `addInvoices(_:tenant:)`; what it holds: `invoices(of:)`, `contacts(of:)`,
/// `tokenRequests`.
public final class XeroFake: ServedFake {
    /// A Web app registered with Xero (32-character client id, 48-character secret).
    public static let defaultApp = FakeOAuthApp(
        clientID: "8D2F6A1C9B3E4F70A5C6D7E8F9012345", clientSecret: "q4W8eR2tY6uI0oP3aS7dF1gH5jK9lZ2xC6vB0nM4qW8eR2tY",
        redirectURI: "http://127.0.0.1/oauth/callback/xero")
    /// The broad scopes that apps created on or after 2 March 2026 cannot request.
    public static let retiredScopes: Set<String> = ["accounting.transactions", "accounting.transactions.read", "accounting.reports.read"]
    /// The scopes an invoice read accepts (broad or granular).
    public static let invoiceReadScopes: Set<String> = [
        "accounting.transactions", "accounting.transactions.read", "accounting.invoices", "accounting.invoices.read",
    ]
    /// The scopes an invoice write accepts.
    public static let invoiceWriteScopes: Set<String> = ["accounting.transactions", "accounting.invoices"]

    /// An organisation the user can connect.
    public struct Tenant: Sendable {
        /// `tenantId`, the value of `xero-tenant-id`.
        public var id: String
        /// `tenantName`.
        public var name: String
        /// The connection's own id (`id` in `/connections`).
        public var connectionID: String
    }

    /// The demo company and a second organisation.
    public static let tenants = [
        Tenant(id: "a3b2c1d0-4e5f-4a6b-8c7d-9e0f1a2b3c4d", name: "Demo Company (UK)", connectionID: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"),
        Tenant(id: "b4c3d2e1-5f60-4b7c-9d8e-0f1a2b3c4d5e", name: "Acme Trading Ltd", connectionID: "2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b"),
    ]

    /// An invoice as the fake stores it.
    public struct Invoice: Sendable {
        /// `InvoiceID`.
        public var id: String
        /// `InvoiceNumber`.
        public var number: String
        /// `ACCREC` or `ACCPAY`.
        public var type: String
        /// `DRAFT`, `SUBMITTED`, `AUTHORISED`, `PAID`, `VOIDED`, `DELETED`.
        public var status: String
        /// The contact's id.
        public var contactID: String
        /// The contact's name.
        public var contactName: String
        /// `YYYY-MM-DD`.
        public var date: String
        /// `YYYY-MM-DD`.
        public var dueDate: String
        /// `Reference`.
        public var reference: String
        /// `Exclusive`, `Inclusive` or `NoTax`.
        public var lineAmountTypes: String
        /// The line items as sent, with `LineAmount` added.
        public var lineItems: [[String: JSONScalar]]
        /// `SubTotal`.
        public var subTotal: Double
        /// `TotalTax`.
        public var totalTax: Double
        /// `Total`.
        public var total: Double
        /// `AmountPaid`.
        public var amountPaid: Double
        /// `CurrencyCode`.
        public var currency: String
        /// `UpdatedDateUTC`.
        public var updated: Date
        /// `AmountDue`.
        public var amountDue: Double { (total - amountPaid).xeroCents }
    }

    /// A JSON scalar kept in a line item.
    public enum JSONScalar: Sendable, Equatable {
        /// A string.
        case string(String)
        /// A number.
        case number(Double)
    }

    /// A contact as the fake stores it.
    public struct Contact: Sendable {
        /// `ContactID`.
        public var id: String
        /// `Name`, unique among active contacts.
        public var name: String
        /// `FirstName`.
        public var firstName: String?
        /// `LastName`.
        public var lastName: String?
        /// `EmailAddress`.
        public var email: String?
        /// `AccountNumber`.
        public var accountNumber: String?
        /// `ContactNumber`.
        public var contactNumber: String?
        /// `ACTIVE` or `ARCHIVED`.
        public var status: String
        /// `IsCustomer`.
        public var isCustomer: Bool
        /// `UpdatedDateUTC`.
        public var updated: Date
    }

    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var challenge: String?
        var challengeMethod: String?
        var used = false
    }

    struct AccessToken: Sendable {
        var scopes: Set<String>
        var refresh: String?
        var expired = false
        var revoked = false
    }

    struct RefreshToken: Sendable {
        var scopes: Set<String>
        var rotatedAt: Date?
        var revoked = false
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: AccessToken] = [:]
        var refreshTokens: [String: RefreshToken] = [:]
        var connected: Set<String> = Set(XeroFake.tenants.map(\.id))
        var invoices: [String: [Invoice]] = [:]
        var contacts: [String: [Contact]] = [:]
        var offline: Set<String> = []
        var idempotent: [String: Reply] = [:]
        var minuteCalls: [String: Int] = [:]
        var dayCalls: [String: Int] = [:]
        var appCalls = 0
        var sequence = 0
        var newApp = false
    }

    struct RateLimitFault: Sendable {
        var problem: String
        var retryAfter: Int
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: FakeOAuthApp
    let state = Mutex(State())
    let rateLimits = ScriptedFaults<RateLimitFault>()

    /// Both organisations with contacts and invoices; `invoices` extra ACCREC drafts for the demo company.
    public init(app: FakeOAuthApp = defaultApp) {
        self.app = app
        state.withLock { Self.seed(&$0) }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Reply(status: 503, body: Array("The Xero API is temporarily unavailable".utf8))
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    // MARK: - Knobs and what it holds

    /// `http://127.0.0.1:<port>`: stands for `https://api.xero.com`, `https://identity.xero.com`
    /// and `https://login.xero.com`.
    public var baseURL: String { server.baseURL }

    /// Whether the app was created on or after 2 March 2026 (the broad scopes are refused).
    public var newApp: Bool {
        get { state.withLock { $0.newApp } }
        set { state.withLock { $0.newApp = newValue } }
    }

    /// The requests made to the token endpoint, in order.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/connect/token") }

    /// The requests received for `method path`.
    public func requests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] { server.requests(method, path) }

    /// The invoices of `tenant`, in order of creation.
    public func invoices(of tenant: String = XeroFake.tenants[0].id) -> [Invoice] { state.withLock { $0.invoices[tenant] ?? [] } }

    /// The contacts of `tenant`, in order of creation.
    public func contacts(of tenant: String = XeroFake.tenants[0].id) -> [Contact] { state.withLock { $0.contacts[tenant] ?? [] } }

    /// An access token issued outside the OAuth dance (for runtime tests), with `scopes`.
    public func issueToken(scopes: Set<String> = ["accounting.transactions", "accounting.contacts", "accounting.settings.read"]) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes, refresh: nil) }
    }

    /// From now on `token` answers 401 (past its 30 minutes).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// Whether `token` (access or refresh) still works.
    public func isValid(token: String) -> Bool {
        state.withLock { state in
            if let access = state.tokens[token] { return !access.revoked && !access.expired }
            guard let refresh = state.refreshTokens[token], !refresh.revoked else { return false }
            return refresh.rotatedAt.map { Date().timeIntervalSince($0) < 30 * 60 } ?? true
        }
    }

    /// Every rotated refresh token is past its 30-minute grace period.
    public func endGracePeriods() {
        state.withLock { state in
            for (key, value) in state.refreshTokens where value.rotatedAt != nil { state.refreshTokens[key]?.rotatedAt = .distantPast }
        }
    }

    /// The next `calls` API requests are answered 429 with `X-Rate-Limit-Problem: problem`.
    public func injectRateLimit(problem: String = "minute", retryAfter: Int = 1, calls: Int = 1) {
        rateLimits.add(RateLimitFault(problem: problem, retryAfter: retryAfter), calls: calls)
    }

    /// `tenant` answers 503 "Organisation offline" (or comes back with `false`).
    public func takeOffline(_ tenant: String, _ offline: Bool = true) {
        state.withLock { state in
            if offline { state.offline.insert(tenant) } else { state.offline.remove(tenant) }
        }
    }

    /// Adds `count` DRAFT ACCREC invoices to `tenant`, each updated a second after the last.
    public func addInvoices(_ count: Int, tenant: String = XeroFake.tenants[0].id) {
        state.withLock { state in
            let contact = state.contacts[tenant]?.first
            for _ in 0..<count {
                let invoice = Self.makeInvoice(
                    &state, tenant: tenant, type: "ACCREC", status: "DRAFT", contactID: contact?.id ?? "", contactName: contact?.name ?? "",
                    lines: [["Description": .string("Consulting"), "Quantity": .number(1), "UnitAmount": .number(100)]], lineAmountTypes: "Exclusive")
                state.invoices[tenant, default: []].append(invoice)
            }
        }
    }

    // MARK: - Dispatch

    private func handle(_ request: Request) -> Reply {
        let path = request.path
        switch (request.method, path) {
        case ("POST", "/connect/token"): return token(request)
        case ("POST", "/connect/revocation"): return revocation(request)
        case ("GET", "/connections"): return listConnections(request)
        default: break
        }
        if request.method == "DELETE", path.hasPrefix("/connections/") { return deleteConnection(request) }
        guard path.hasPrefix("/api.xro/2.0/") else { return Self.plain(404, "The resource you're looking for cannot be found") }
        let resource = String(path.dropFirst("/api.xro/2.0/".count))
        let scopes: (read: Set<String>, write: Set<String>)
        switch resource {
        case "Invoices": scopes = (Self.invoiceReadScopes, Self.invoiceWriteScopes)
        case "Contacts": scopes = (["accounting.contacts", "accounting.contacts.read"], ["accounting.contacts"])
        default: return Self.plain(404, "The resource you're looking for cannot be found")
        }
        let token: AccessToken
        switch authenticate(request) {
        case .success(let found): token = found
        case .failure(let refusal): return refusal.reply
        }
        guard let tenant = request.header("xero-tenant-id")?.lowercased(), state.withLock({ $0.connected.contains(tenant) }) else {
            return Self.problem(403, "Forbidden", "AuthenticationUnsuccessful")
        }
        let needed = request.method == "GET" ? scopes.read : scopes.write
        guard !token.scopes.isDisjoint(with: needed) else { return Self.problem(403, "Forbidden", "AuthorizationUnsuccessful") }
        if let fault = rateLimits.take() {
            var reply = Self.plain(429, "")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(fault.retryAfter))
            reply.headers.replaceOrAdd(name: "X-Rate-Limit-Problem", value: fault.problem)
            return reply
        }
        if state.withLock({ $0.offline.contains(tenant) }) { return Self.plain(503, "Organisation is offline") }
        let (minute, day, appMinute) = state.withLock { state -> (Int, Int, Int) in
            state.minuteCalls[tenant, default: 0] += 1
            state.dayCalls[tenant, default: 0] += 1
            state.appCalls += 1
            return (60 - state.minuteCalls[tenant]!, 5000 - state.dayCalls[tenant]!, 10_000 - state.appCalls)
        }
        var reply: Reply
        if minute < 0 {
            reply = Self.plain(429, "")
            reply.headers.replaceOrAdd(name: "Retry-After", value: "60")
            reply.headers.replaceOrAdd(name: "X-Rate-Limit-Problem", value: "minute")
        } else {
            switch (request.method, resource) {
            case ("GET", "Invoices"): reply = listInvoices(request, tenant: tenant)
            case ("PUT", "Invoices"), ("POST", "Invoices"): reply = idempotent(request, tenant: tenant) { self.saveInvoices(request, tenant: tenant) }
            case ("GET", "Contacts"): reply = listContacts(request, tenant: tenant)
            case ("PUT", "Contacts"), ("POST", "Contacts"): reply = idempotent(request, tenant: tenant) { self.saveContacts(request, tenant: tenant) }
            default: return Self.plain(405, "The requested resource does not support http method '\(request.method)'.")
            }
        }
        reply.headers.replaceOrAdd(name: "X-MinLimit-Remaining", value: String(max(0, minute)))
        reply.headers.replaceOrAdd(name: "X-DayLimit-Remaining", value: String(max(0, day)))
        reply.headers.replaceOrAdd(name: "X-AppMinLimit-Remaining", value: String(max(0, appMinute)))
        return reply
    }

    /// Replays the first answer to an `Idempotency-Key` (128 characters at most).
    private func idempotent(_ request: Request, tenant: String, _ body: () -> Reply) -> Reply {
        guard let key = request.header("Idempotency-Key") else { return body() }
        guard key.count <= 128 else {
            return Self.apiException(400, type: "ValidationException", message: "Idempotency-Key must be 128 characters or fewer")
        }
        let scoped = "\(tenant)/\(request.path)/\(key)"
        if let earlier = state.withLock({ $0.idempotent[scoped] }) { return earlier }
        let reply = body()
        state.withLock { $0.idempotent[scoped] = reply }
        return reply
    }

    struct Refusal: Error {
        var reply: Reply
    }

    /// The Bearer check: the token, or 401 problem JSON.
    func authenticate(_ request: Request) -> Result<AccessToken, Refusal> {
        guard let header = request.header("Authorization"), header.lowercased().hasPrefix("bearer ") else {
            return .failure(Refusal(reply: Self.problem(401, "Unauthorized", "AuthenticationUnsuccessful")))
        }
        let value = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = state.withLock({ $0.tokens[value] }), !token.revoked else {
            return .failure(Refusal(reply: Self.problem(401, "Unauthorized", "AuthenticationUnsuccessful")))
        }
        if token.expired { return .failure(Refusal(reply: Self.problem(401, "Unauthorized", "TokenExpired: token expired"))) }
        return .success(token)
    }
}
