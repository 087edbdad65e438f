// A fake of HubSpot's public API (https://api.hubapi.com) on loopback, following HubSpot's
// documentation — not what our connector definition (configs/connectors/hubspot.json) assumes:
//
// - OAuth v1 tokens (POST /oauth/v1/token, form-encoded; grant_type authorization_code with
//   client_id, client_secret, redirect_uri, code; grant_type refresh_token with client_id,
//   client_secret, refresh_token; answer {token_type: "bearer", refresh_token, access_token,
//   expires_in: 1800}; id_token only with openid):
//   https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide,
//   https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token
// - Token types (a single-use authorization code, access tokens that last 30 minutes, refresh tokens):
//   https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide
// - Token errors: 400 {"status": "BAD_AUTH_CODE", "message": "missing or unknown auth code",
//   "correlationId"} and {"status": "BAD_REFRESH_TOKEN", "message": "missing or invalid refresh
//   token"} as HubSpot answers them (https://nango.dev/blog/hubspot-oauth-bad-refresh-token). HubSpot's
//   reference does not list the codes for a wrong client_id, client_secret or redirect_uri; the
//   fake answers BAD_CLIENT_ID, BAD_CLIENT_SECRET and BAD_REDIRECT_URI in the same shape.
// - Account details (GET /account-info/v3/details, scope oauth; portalId, accountType, timeZone,
//   companyCurrency, additionalCurrencies, utcOffset, utcOffsetMilliseconds, uiDomain,
//   dataHostingLocation): https://developers.hubspot.com/docs/api-reference/latest/account/account-information/guide,
//   https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details.md
// - Contacts (list with limit ≤ 100, after, properties, archived; paging.next {after, link} absent on
//   the last page; default properties createdate, email, firstname, hs_object_id, lastmodifieddate,
//   lastname; create with properties and associations, 201):
//   https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide,
//   https://developers.hubspot.com/docs-beta/crm/contacts
// - Invalid email on create: 400 VALIDATION_ERROR "Property values were not valid: [{…"error":
//   "INVALID_EMAIL","name":"email"}]" (https://community.hubspot.com/t5/APIs-Integrations/contacts-integration-invalid-e-mails/td-p/833439);
//   an existing email: 409 CONFLICT "Contact already exists. Existing ID: <id>".
// - Deals ("you should include dealname, dealstage and, with several pipelines, pipeline"; the
//   default pipeline otherwise — the fake refuses a deal without dealname or dealstage with 400
//   VALIDATION_ERROR; associations [{to: {id}, types: [{associationCategory: HUBSPOT_DEFINED,
//   associationTypeId: 3}]}] for deal → contact, an unknown contact refused with 400 VALIDATION_ERROR):
//   https://developers.hubspot.com/docs/api-reference/latest/crm/objects/deals/guide.md
// - CRM search (filterGroups ≤ 5 OR-ed, filters AND-ed, ≤ 10 per group and 25 in all; operators EQ,
//   NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN,
//   NOT_CONTAINS_TOKEN; limit ≤ 200; after in the body; 10,000 results per query; {total, results,
//   paging}): https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm,
//   https://developers.hubspot.com/changelog/breaking-change-expanded-filtering-capabilities-and-error-messaging-in-hubspots-search-api
// - Errors ({"status": "error", "message", "correlationId", "category", optional "errors" and
//   "context"}; 401 for bad credentials, 403 for missing scopes, 429 category RATE_LIMITS):
//   https://developers.hubspot.com/docs/api-reference/error-handling,
//   https://developers.hubspot.com/docs/faq/api-error-responses,
//   https://developers.hubspot.com/changelog/upcoming-changes-to-error-responses; the 401 and 403
//   texts as HubSpot sends them ("Authentication credentials not found…", "The OAuth token used to
//   make this call expired N second(s) ago.", requiredGranularScopes):
//   https://github.com/segmentio/segment-docs/pull/6244,
//   https://eshopman-com.pages.dev/insights/hubspot-development/hubspot-api-missing-scopes-error-demystifying-403-forbidden-for-e-commerce-integrations/
// - Rate limits (public apps 110 requests per 10 seconds per account; X-HubSpot-RateLimit-Max,
//   -Remaining, -Interval-Milliseconds; no -Daily headers for OAuth calls; 429 {"status": "error",
//   "message": "You have reached your … limit.", "errorType": "RATE_LIMIT", "correlationId",
//   "policyName"}): https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines,
//   https://developers.hubspot.com/docs/api/usage-details,
//   https://developers.hubspot.com/changelog/rate-limit-headers-will-now-appear-for-oauth-authenticated-calls
//
// The search endpoints answer without X-HubSpot-RateLimit-* headers (their own limit is 5 per second).

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// HubSpot on loopback: `POST /oauth/v1/token`, `GET /account-info/v3/details`,
/// `GET /crm/v3/objects/contacts`, `GET /crm/v3/objects/contacts/{id}`,
/// `POST /crm/v3/objects/contacts/search`, `POST /crm/v3/objects/contacts` and
/// `POST /crm/v3/objects/deals`.
///
/// It keeps state like the real thing: only tokens it issued work, and only for their scopes;
/// codes are single use and bound to their `redirect_uri`; created contacts and deals are in the
/// store. Knobs: `expire(token:)`, `revoke(token:)`, `injectRateLimit(count:policy:)`,
/// `failNext(status:category:message:count:)`.
public final class HubSpotFake: ServedFake {
    /// The app registered with HubSpot (client id and secret are UUIDs, as HubSpot's are).
    public static let defaultApp = FakeOAuthApp(
        clientID: "5f2b1c3e-8a4d-4e6f-9b7a-1c2d3e4f5a6b", clientSecret: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        redirectURI: "http://127.0.0.1/oauth/callback/hubspot")
    /// The scopes a token gets unless told otherwise (those of `configs/connectors/hubspot.json`).
    public static let defaultScopes: Set<String> = [
        "oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read", "crm.objects.deals.write",
    ]
    /// The account (Hub ID) the app is installed in.
    public static let portalID = 62515

    /// A contact record.
    public struct Contact: Sendable, Equatable {
        /// The record id (numeric, as a string).
        public var id: String
        /// Property values by internal name (`email`, `firstname`, …), without the ones HubSpot
        /// computes (`hs_object_id`, `createdate`, `lastmodifieddate`).
        public var properties: [String: String]
        /// ISO 8601 creation time.
        public var createdAt: String
        /// ISO 8601 time of the last change.
        public var updatedAt: String
        /// In the recycle bin.
        public var archived: Bool

        /// A contact.
        public init(id: String, properties: [String: String], createdAt: String, updatedAt: String, archived: Bool = false) {
            self.id = id
            self.properties = properties
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.archived = archived
        }
    }

    /// A deal record.
    public struct Deal: Sendable, Equatable {
        /// The record id.
        public var id: String
        /// Property values by internal name (`dealname`, `amount`, `dealstage`, `pipeline`, …).
        public var properties: [String: String]
        /// The ids of the contacts it is associated with.
        public var associations: [String]

        /// A deal.
        public init(id: String, properties: [String: String], associations: [String] = []) {
            self.id = id
            self.properties = properties
            self.associations = associations
        }
    }

    /// `count` contacts, ids `1001`…, emails `contact1@example.com`…, with first and last names,
    /// a lifecycle stage and a company; created a minute apart from 2026-01-05T09:00Z.
    public static func contacts(count: Int) -> [Contact] {
        let names = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Linus"]
        let stages = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]
        return (0..<max(0, count)).map { index in
            let time = timestamp(seedEpoch + TimeInterval(index * 60))
            return Contact(
                id: String(1001 + index),
                properties: [
                    "email": "contact\(index + 1)@example.com", "firstname": names[index % names.count], "lastname": "Example\(index + 1)",
                    "lifecyclestage": stages[index % stages.count], "company": "Example Company \(index % 10 + 1)",
                ], createdAt: time, updatedAt: time)
        }
    }

    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var used = false
    }

    struct Token: Sendable {
        var scopes: Set<String>
        var expiredAt: Date?
        var revoked = false
    }

    struct Refresh: Sendable {
        var scopes: Set<String>
        var revoked = false
    }

    struct Fault: Sendable {
        var status: Int
        var category: String
        var message: String
        var policy: String?
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Refresh] = [:]
        var contacts: [Contact]
        var deals: [Deal] = []
        var window: [Date] = []
        var sequence = 0
        var clock = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: FakeOAuthApp
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()

    /// A fake account holding `contacts` (250 seeded ones by default) and no deals.
    public init(app: FakeOAuthApp = defaultApp, contacts: [Contact] = HubSpotFake.contacts(count: 250)) {
        self.app = app
        state = Mutex(State(contacts: contacts))
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["status": "error", "message": "service unavailable"])
        }
    }

    // MARK: - Lifecycle and knobs

    /// `http://127.0.0.1:<port>`: stands for `https://api.hubapi.com`.
    public var baseURL: String { server.baseURL }

    /// What the install (consent) screen would do: a one-time code for `scopes`, bound to this
    /// app's client id and to `redirectURI` (the app's own when nil).
    public func authorize(scopes: Set<String> = HubSpotFake.defaultScopes, redirectURI: String? = nil) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = String(format: "%08lx-5a1e-4c0d-9e00-%012lx", state.sequence, 62515 + state.sequence)
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirectURI ?? app.redirectURI)
            return code
        }
    }

    /// An access token for `scopes`, issued without the OAuth dance.
    public func issueToken(scopes: Set<String> = HubSpotFake.defaultScopes) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes) }
    }

    /// From now on `token` answers 401 `EXPIRED_AUTHENTICATION` (past its 30 minutes).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expiredAt = Date() } }

    /// From now on `token` (an access or a refresh token) is refused as unknown: 401
    /// `INVALID_AUTHENTICATION`, or `BAD_REFRESH_TOKEN` at the token endpoint.
    public func revoke(token: String) {
        state.withLock { state in
            state.tokens[token]?.revoked = true
            state.refreshTokens[token]?.revoked = true
        }
    }

    /// The next `count` API calls answer 429 with category `RATE_LIMITS`, `errorType` `RATE_LIMIT`
    /// and `policyName` `policy` (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`).
    public func injectRateLimit(count: Int = 1, policy: String = "TEN_SECONDLY_ROLLING") {
        let message = "You have reached your \(policy.lowercased()) limit."
        faults.add(Fault(status: 429, category: "RATE_LIMITS", message: message, policy: policy), calls: count)
    }

    /// The next `count` API calls answer `status` with HubSpot's error body of `category` and `message`.
    public func failNext(status: Int, category: String, message: String, count: Int = 1) {
        faults.add(Fault(status: status, category: category, message: message), calls: count)
    }

    /// The contacts in the store, seeded and created, in id order.
    public var contacts: [Contact] { state.withLock { $0.contacts } }

    /// The deals created.
    public var deals: [Deal] { state.withLock { $0.deals } }

    /// The requests made to `POST /oauth/v1/token`.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/v1/token") }

    /// The requests made with `method` to `path` (`*` matches one path segment).
    public func requests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] { server.requests(method, path) }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    enum Route {
        case accountDetails, listContacts, searchContacts, createContact, createDeal
        case contact(String)

        var scope: String {
            switch self {
            case .accountDetails: "oauth"
            case .listContacts, .searchContacts, .contact: "crm.objects.contacts.read"
            case .createContact: "crm.objects.contacts.write"
            case .createDeal: "crm.objects.deals.write"
            }
        }
    }

    private func resolve(_ request: Request) -> Route? {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch (request.method, path) {
        case ("GET", "/account-info/v3/details"): return .accountDetails
        case ("GET", "/crm/v3/objects/contacts"): return .listContacts
        case ("POST", "/crm/v3/objects/contacts/search"): return .searchContacts
        case ("POST", "/crm/v3/objects/contacts"): return .createContact
        case ("POST", "/crm/v3/objects/deals"): return .createDeal
        default:
            let prefix = "/crm/v3/objects/contacts/"
            guard request.method == "GET", path.hasPrefix(prefix), !path.dropFirst(prefix.count).contains("/") else { return nil }
            return .contact(String(path.dropFirst(prefix.count)))
        }
    }

    private func handle(_ request: Request) -> Reply {
        if request.path == "/oauth/v1/token" {
            guard request.method == "POST" else { return hubspotError(405, category: "VALIDATION_ERROR", message: "Method not allowed") }
            return token(request)
        }
        guard let route = resolve(request) else { return hubspotError(404, category: "OBJECT_NOT_FOUND", message: "resource not found") }
        let counted = { if case .searchContacts = route { return false } else { return true } }()
        if let refused = authenticate(request, scope: route.scope) { return refused }
        let headers = counted ? rateHeaders() : HTTPHeaders()
        if let fault = faults.take() {
            if let policy = fault.policy {
                var limited = headers
                if counted { limited.replaceOrAdd(name: "X-HubSpot-RateLimit-Remaining", value: "0") }
                let body: [String: Any] = [
                    "status": "error", "message": fault.message, "errorType": "RATE_LIMIT", "policyName": policy,
                    "category": fault.category, "correlationId": Self.correlationID(),
                ]
                return .json(429, object: body, headers: limited)
            }
            return hubspotError(fault.status, category: fault.category, message: fault.message, headers: headers)
        }
        var reply: Reply
        switch route {
        case .accountDetails: reply = accountDetails()
        case .listContacts: reply = listContacts(request)
        case .contact(let id): reply = readContact(request, id: id)
        case .searchContacts: reply = searchContacts(request)
        case .createContact: reply = createContact(request)
        case .createDeal: reply = createDeal(request)
        }
        for field in headers { reply.headers.replaceOrAdd(name: field.name, value: field.value) }
        return reply
    }

    /// Public apps: 110 requests per rolling 10 seconds per account; no daily headers for OAuth calls.
    private func rateHeaders() -> HTTPHeaders {
        let now = Date()
        let used = state.withLock { state -> Int in
            state.window = state.window.filter { now.timeIntervalSince($0) < 10 } + [now]
            return state.window.count
        }
        var headers = HTTPHeaders()
        headers.add(name: "X-HubSpot-RateLimit-Interval-Milliseconds", value: "10000")
        headers.add(name: "X-HubSpot-RateLimit-Max", value: "110")
        headers.add(name: "X-HubSpot-RateLimit-Remaining", value: String(max(0, 110 - used)))
        return headers
    }

    // MARK: - Pieces

    static let seedEpoch = Date(timeIntervalSince1970: 1_767_603_600)  // 2026-01-05T09:00:00Z

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func correlationID() -> String { UUID().uuidString.lowercased() }

    /// HubSpot's error body: `{"status": "error", "message", "correlationId", "category"}` plus `extra`.
    func hubspotError(
        _ status: Int, category: String, message: String, extra: [String: Any] = [:], headers: HTTPHeaders = HTTPHeaders()
    ) -> Reply {
        var body: [String: Any] = ["status": "error", "message": message, "correlationId": Self.correlationID(), "category": category]
        body.merge(extra) { $1 }
        return .json(status, object: body, headers: headers)
    }
}
