// A fake of a Dynamics 365 Sales environment's Dataverse Web API (v9.2) and of the Microsoft
// identity platform's token endpoint on loopback, following Microsoft's documentation — not
// what our connector definition assumes:
//
// - Token endpoint, client credentials grant: `POST /{tenant}/oauth2/v2.0/token`, form-encoded
//   `client_id`, `scope` (the resource's `/.default`: `https://{org}.crm.dynamics.com/.default`),
//   `client_secret` (in the body, or HTTP Basic per RFC 6749), `grant_type=client_credentials` →
//   `{token_type: "Bearer", expires_in, ext_expires_in, access_token}`; errors are
//   `{error, error_description: "AADSTSnnnn: …", error_codes, timestamp, trace_id, correlation_id}`
//   (400 `invalid_request`/`invalid_scope`/`unauthorized_client`, 401 `invalid_client` for a bad
//   secret): https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
//   https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
// - Client credentials with Dataverse need an application user with a security role in the
//   environment; without one every call is 403 `0x80072560` "The user is not a member of the
//   organization.": https://learn.microsoft.com/en-us/power-apps/developer/data-platform/authenticate-oauth,
//   https://learn.microsoft.com/en-us/power-platform/admin/manage-application-users
// - Headers (`Accept: application/json`, `OData-MaxVersion: 4.0`, `OData-Version: 4.0`;
//   `Content-Type: application/json` with a JSON body; `Prefer` values `return=representation`
//   and `odata.maxpagesize`), status codes (200, 201 with `return=representation`, 204, 400, 401,
//   403 `PrivilegeDenied`…, 404, 412 `DuplicateRecord`, 429) and the error body
//   `{"error":{"code":"0x…","message":"…"}}`:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
// - `GET /WhoAmI` → `WhoAmIResponse` {BusinessUnitId, UserId, OrganizationId}:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/whoami,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/whoamiresponse
// - Queries: `$select`, `$filter` (comparison operators and `contains`/`startswith`/`endswith`),
//   `$orderby`, `$top`, no `$skip`; lookups as `_<name>_value`; rows with `@odata.etag`:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/overview,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/filter-rows,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/order-rows
// - Paging: `Prefer: odata.maxpagesize=N` (at most 5,000, the default), `Preference-Applied`,
//   `@odata.nextLink` carrying `$skiptoken` (an encoded paging cookie) to be followed unchanged
//   with the same `odata.maxpagesize`; `$top` ignored together with `odata.maxpagesize`:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results
// - Create: `POST /{entityset}` → 204 with `OData-EntityId`, or 201 with the row (and no
//   `OData-EntityId`) under `Prefer: return=representation`, `$select` choosing its columns;
//   single-valued navigation properties set with `<nav>@odata.bind: "/accounts(<id>)"`:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
// - Columns and lengths of contact, lead and opportunity (`parentcustomerid_account`,
//   `leadsourcecode` 8 = Web, `stepname`, `_customerid_value`):
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/contact,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/lead,
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/opportunity
// - Service protection limits: 429 with `Retry-After` in seconds, codes `0x80072322` (requests),
//   `0x80072321` (execution time), `0x80072326` (concurrency); `x-ms-ratelimit-burst-remaining-xrm-requests`
//   and `x-ms-ratelimit-time-remaining-xrm-requests` on answers:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits
// - Error codes: `0x80040217` ObjectDoesNotExist, `0x80048d19` payload error, `0x80060888` query
//   error, `0x8006088a` unknown segment, `0x80044331` string too long, `0x80040220` PrivilegeDenied:
//   https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/web-service-error-codes
//
// Assumed where the references are silent: the exact wording of the error messages; a 401 has
// an empty body and `WWW-Authenticate: Bearer authorization_uri=…, resource_id=…`; a
// `$skiptoken` the fake did not issue (or one re-encoded by the client) is a 400 `0x80040203`;
// the paging cookie holds only the page number (simple paging), so the page size of a later
// request decides where it starts; the lengths of the columns the fake checks; `fullname` is
// "first last"; an unknown `$filter` syntax is a 400 `0x80060888`; the rate-limit header values.

import Foundation
import HTTPFields
import Synchronization

/// A Dynamics 365 Sales environment on loopback: the organization `contoso.crm.dynamics.com`
/// with accounts, contacts, leads and opportunities, the Entra ID tenant that issues its app
/// tokens, OData queries with server paging, creates, and Dataverse's error payloads.
///
/// Knobs: `injectThrottle(calls:retryAfter:code:)`, `expire(token:)`, `removeApplicationUser()`,
/// `deny(privilege:)`, `addContacts(_:)`, `touch(contact:)`; what it holds: `contacts`, `leads`,
/// `opportunities`, `issuedTokens`, `tokenRequests`.
public final class Dynamics365Fake: ServedFake {
    /// The Entra ID tenant (directory) id.
    public static let tenantID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    /// The tenant's verified domain, which the token endpoint takes in place of the id.
    public static let tenantDomain = "contoso.onmicrosoft.com"
    /// The environment's host.
    public static let orgHost = "contoso.crm.dynamics.com"
    /// The application user's `systemuserid` (what `WhoAmI` answers as `UserId`).
    public static let applicationUserID = "88e7a4d0-e871-ec11-8941-000d3a3c2e6b"
    /// The root business unit.
    public static let businessUnitID = "6f202e6c-e471-ec11-8941-000d3a3c2e6b"
    /// The organization id.
    public static let organizationID = "883278f5-07af-45eb-a0bc-3fea67caa544"
    /// The app registration (client credentials; no redirect URI).
    public static let app = FakeOAuthApp(
        clientID: "6731de76-14a6-49ae-97bc-6eba6914391e", clientSecret: "Zq8~fake.entra-secret_4711", redirectURI: "")
    static let entra = EntraClientCredentials(tenantID: tenantID, domain: tenantDomain, app: app)
    /// The seeded account `Fourth Coffee`.
    public static let fourthCoffee = "7eb682f1-ca75-e511-80d4-00155d2a68d1"
    /// The seeded account `Litware`.
    public static let litware = "aaf9e2b1-4c1e-ed11-b83e-000d3a572421"

    /// A throttled answer (a service protection limit).
    struct Throttle: Sendable {
        var retryAfter: Int
        var code: String
    }

    /// An access token the tenant issued.
    struct Token: Sendable {
        var audience: String
        var expired = false
    }

    struct State: Sendable {
        var tables: [String: [Row]] = [:]
        var accounts: Set<String> = []
        var tokens: [String: Token] = [:]
        var issued: [String] = []
        var applicationUser = true
        var denied: Set<String> = []
        var sequence = 0
        var burstRemaining = 6000
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Throttle>()
    /// When the seeded rows were last modified, counting back from the fake's start.
    let seededAt = Date()

    /// The environment with two accounts, four contacts, four opportunities and no leads.
    public init() {
        state.withLock { state in
            state.accounts = [Self.fourthCoffee, Self.litware]
            state.tables = Self.seed(now: seededAt)
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "", "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for both `https://login.microsoftonline.com` and
    /// `https://contoso.crm.dynamics.com`.
    public var baseURL: String { server.baseURL }
    /// The Web API's base URL on the fake, `<baseURL>/api/data/v9.2`.
    public var apiBaseURL: String { baseURL + Self.apiPath }
    /// The token endpoint of the tenant, with `{{vars.tenantId}}` left for the connection to fill.
    public var tokenURLTemplate: String { baseURL + "/{{vars.tenantId}}/oauth2/v2.0/token" }
    /// The Web API path.
    public static let apiPath = "/api/data/v9.2"

    /// Every contact row, in creation order.
    public var contacts: [Row] { state.withLock { $0.tables["contacts"] ?? [] } }
    /// Every lead row.
    public var leads: [Row] { state.withLock { $0.tables["leads"] ?? [] } }
    /// Every opportunity row.
    public var opportunities: [Row] { state.withLock { $0.tables["opportunities"] ?? [] } }
    /// Every access token issued so far, oldest first.
    public var issuedTokens: [String] { state.withLock { $0.issued } }
    /// The requests to the token endpoint.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests.filter { $0.path.hasSuffix("/oauth2/v2.0/token") } }
    /// The requests to the Web API.
    public var apiRequests: [FakeProviderServer.RecordedRequest] { server.requests.filter { $0.path.hasPrefix(Self.apiPath) } }

    /// A token for the environment, as the client credentials grant would issue it.
    public func issueToken() -> String { state.withLock { Self.mint(&$0, audience: Self.orgHost) } }
    /// Whether `token` is a live token for the environment.
    public func isValid(token: String) -> Bool { state.withLock { $0.tokens[token].map { !$0.expired && $0.audience == Self.orgHost } ?? false } }
    /// `token` expires: the Web API answers 401.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }
    /// The application user is removed from the environment: every call is 403 `0x80072560`.
    public func removeApplicationUser() { state.withLock { $0.applicationUser = false } }
    /// The application user's role loses `privilege` (`prvCreateLead`, `prvReadOpportunity`).
    public func deny(privilege: String) { _ = state.withLock { $0.denied.insert(privilege) } }
    /// The next `calls` Web API requests are throttled: 429 with `Retry-After` and `code`.
    public func injectThrottle(calls: Int = 1, retryAfter: Int = 30, code: String = "0x80072322") {
        throttles.add(Throttle(retryAfter: retryAfter, code: code), calls: calls)
    }

    /// Adds `count` contacts of Fourth Coffee, modified over the last minutes (newest last).
    public func addContacts(_ count: Int) {
        state.withLock { state in
            for index in 0..<count {
                let modified = Date(timeIntervalSinceNow: -Double(count - index) * 60)
                let id = Self.guid(&state)
                state.tables["contacts", default: []].append(
                    Self.contact(
                        id: id, first: "Contact", last: "No\(index)", email: "contact\(index)@fourthcoffee.example",
                        account: Self.fourthCoffee, modified: modified))
            }
        }
    }

    /// The contact `id` is edited now: its `modifiedon` moves and its job title changes.
    public func touch(contact id: String, jobTitle: String = "Chief Coffee Officer") {
        state.withLock { state in
            guard let index = state.tables["contacts"]?.firstIndex(where: { $0["contactid"] == .text(id) }) else { return }
            state.tables["contacts"]?[index]["jobtitle"] = .text(jobTitle)
            state.tables["contacts"]?[index]["modifiedon"] = .text(Self.timestamp(Date()))
            state.sequence += 1
            state.tables["contacts"]?[index]["versionnumber"] = .int(90_000_000 + state.sequence)
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        if segments.count == 4, segments[1] == "oauth2", segments[2] == "v2.0", segments[3] == "token" {
            guard request.method == "POST" else {
                return EntraClientCredentials.error(405, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
            }
            return token(request, tenant: segments[0])
        }
        guard segments.count >= 4, segments[0] == "api", segments[1] == "data", segments[2] == "v9.2" else {
            return Self.error(404, "0x8006088a", "Resource not found for the segment '\(segments.first ?? "")'.")
        }
        guard let bearer = request.header("Authorization"), bearer.hasPrefix("Bearer "), isValid(token: String(bearer.dropFirst(7))) else {
            return Self.unauthorized()
        }
        guard state.withLock({ $0.applicationUser }) else {
            return Self.error(403, "0x80072560", "The user is not a member of the organization.")
        }
        if let throttle = throttles.take() {
            var reply = Self.error(429, throttle.code, Self.throttleMessage(throttle.code))
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(throttle.retryAfter))
            return reply
        }
        var reply = route(request, Array(segments.dropFirst(3)))
        reply.headers.replaceOrAdd(name: "OData-Version", value: "4.0")
        let remaining = state.withLock { state in
            state.burstRemaining -= 1
            return state.burstRemaining
        }
        reply.headers.replaceOrAdd(name: "x-ms-ratelimit-burst-remaining-xrm-requests", value: String(remaining))
        reply.headers.replaceOrAdd(name: "x-ms-ratelimit-time-remaining-xrm-requests", value: "1,199,950.00")
        return reply
    }

    private func route(_ request: Request, _ rest: [String]) -> Reply {
        guard rest.count == 1, let resource = rest.first?.removingPercentEncoding else {
            return Self.error(404, "0x8006088a", "Resource not found for the segment '\(rest.last ?? "")'.")
        }
        if resource == "WhoAmI" || resource == "WhoAmI()" {
            guard request.method == "GET" else {
                return Self.error(405, "0x80060888", "The HTTP method '\(request.method)' is not allowed for WhoAmI.")
            }
            return .json(
                200,
                object: [
                    "@odata.context": "https://\(Self.orgHost)\(Self.apiPath)/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                    "BusinessUnitId": Self.businessUnitID, "UserId": Self.applicationUserID, "OrganizationId": Self.organizationID,
                ])
        }
        guard let table = Self.tables[resource] else {
            return Self.error(404, "0x8006088a", "Resource not found for the segment '\(resource)'.")
        }
        switch request.method {
        case "GET":
            if let refused = privilegeCheck("prvRead", table) { return refused }
            return query(table, request)
        case "POST":
            if let refused = privilegeCheck("prvCreate", table) { return refused }
            return create(table, request)
        default:
            return Self.error(405, "0x80060888", "The HTTP method '\(request.method)' is not supported on the entity set '\(resource)'.")
        }
    }

    private func privilegeCheck(_ prefix: String, _ table: Table) -> Reply? {
        let privilege = prefix + table.schemaName
        guard state.withLock({ $0.denied.contains(privilege) }) else { return nil }
        return Self.error(
            403, "0x80040220",
            "Principal user (Id=\(Self.applicationUserID), type=8, roleCount=1, privilegeCount=412, accessMode=4, MetadataCachePrivilegesCount=4100, BusinessUnitId=\(Self.businessUnitID)), is missing \(privilege) privilege on OTC=\(table.objectTypeCode) for entity '\(table.logicalName)'."
        )
    }

    // MARK: Token endpoint

    private func token(_ request: Request, tenant: String) -> Reply {
        switch Self.entra.check(request, tenant: tenant) {
        case .refused(let reply): return reply
        case .resource(let resource):
            return EntraClientCredentials.granted(state.withLock { Self.mint(&$0, audience: URL(string: resource)?.host ?? "") })
        }
    }

    static func mint(_ state: inout State, audience: String) -> String {
        state.sequence += 1
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-\(state.sequence)-\(UUID().uuidString.lowercased())"
        state.tokens[token] = Token(audience: audience)
        state.issued.append(token)
        return token
    }

    // MARK: Answers

    /// Dataverse's error body, `{"error":{"code","message"}}`.
    static func error(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, object: ["error": ["code": code, "message": message]], headers: HTTPHeaders([("OData-Version", "4.0")]))
    }

    /// A refused or expired token: 401, an empty body, where to get a token in `WWW-Authenticate`.
    static func unauthorized() -> Reply {
        Reply(
            status: 401,
            headers: HTTPHeaders([
                (
                    "WWW-Authenticate",
                    "Bearer authorization_uri=https://login.microsoftonline.com/\(tenantID)/oauth2/authorize, resource_id=https://\(orgHost)/"
                )
            ]), body: [])
    }

    static func throttleMessage(_ code: String) -> String {
        switch code {
        case "0x80072321": "Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds."
        case "0x80072326": "Number of concurrent requests exceeded the limit of 52."
        default: "Number of requests exceeded the limit of 6000 over time window of 300 seconds."
        }
    }

    /// ISO 8601 in UTC without fractions, as Dataverse writes `Edm.DateTimeOffset`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func guid(_ state: inout State) -> String {
        state.sequence += 1
        return UUID().uuidString.lowercased()
    }
}
