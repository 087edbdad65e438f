// A fake of the Power BI REST API (v1.0, `myorg`) as a service principal sees it, and of the
// Microsoft identity platform's token endpoint, on loopback, following Microsoft's
// documentation — not what our connector definition assumes:
//
// - Token endpoint, client credentials grant: `POST /{tenant}/oauth2/v2.0/token`, form-encoded
//   `client_id`, `scope` (the resource's `/.default`), `client_secret` (in the body or HTTP
//   Basic), `grant_type=client_credentials` → `{token_type, expires_in, ext_expires_in,
//   access_token}`; errors `{error, error_description: "AADSTSnnnn: …", error_codes, …}`:
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
//   https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
// - Power BI's resource and scope for an app: `https://analysis.windows.net/powerbi/api/.default`;
//   the service principal needs the tenant setting "Service principals can use Fabric APIs"
//   (formerly "Allow service principals to use Power BI APIs") and membership of each
//   workspace; it has no My workspace, so it works through `/groups/{groupId}/…`:
//   https://learn.microsoft.com/en-us/power-bi/developer/embedded/embed-service-principal,
//   https://learn.microsoft.com/en-us/fabric/admin/service-admin-portal-developer
// - `GET /groups` (`$filter` OData, `$top`, `$skip`; `{"@odata.context", "value": [Group]}`, a
//   Group being id, name, isReadOnly, isOnDedicatedCapacity, capacityId,
//   defaultDatasetStorageFormat, dataflowStorageId — no `type`; only the workspaces the caller
//   can access): https://learn.microsoft.com/en-us/rest/api/power-bi/groups/get-groups
// - `GET /groups/{groupId}/reports` (reportType PowerBIReport or PaginatedReport; a paginated
//   report has no datasetId): https://learn.microsoft.com/en-us/rest/api/power-bi/reports/get-reports-in-group
// - `GET /groups/{groupId}/datasets`: https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/get-datasets-in-group
// - `POST /groups/{groupId}/datasets/{datasetId}/refreshes` → 202 Accepted, no body;
//   `x-ms-request-id` and `Location` only for an enhanced refresh (a payload other than
//   `notifyOption`); `notifyOption` (NoNotification, MailOnFailure, MailOnCompletion) is "not
//   applicable to enhanced refreshes or API operations with a service principal"; on shared
//   capacity at most eight refreshes a day (scheduled ones included), only `notifyOption` in the
//   body, no enhanced refresh: https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/refresh-dataset-in-group,
//   https://learn.microsoft.com/en-us/power-bi/connect-data/asynchronous-refresh
// - `POST /groups/{groupId}/datasets/{datasetId}/executeQueries` with `{queries: [{query}],
//   serializerSettings: {includeNulls}}` (includeNulls false unless given) → `{results:
//   [{tables: [{rows: [{"Table[Column]": value}]}]}]}`; one query per call; a DAX error is a
//   400; more rows than allowed is a 200 with limited rows and an error ("More than {allowed
//   number} rows in a query result"); at most 100,000 rows; 120 query requests a minute per
//   user: https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries-in-group
// - The response and error models (`error` objects with `code` and `message`, at the top level
//   and inside `results[]`/`tables[]` of executeQueries): the OpenAPI document,
//   github.com/microsoft/PowerBI-CSharp sdk/swaggers/swagger.json (`PowerBIApiErrorResponseDetail`,
//   `DatasetExecuteQueriesError`, `Groups`, `Reports`, `Datasets`).
//
// Assumed where the references are silent (from what Power BI answers in practice, not from a
// reference page): every answer carries a `RequestId` header; a missing, malformed or
// other-audience token is 401 with an empty body and `WWW-Authenticate: Bearer
// authorization_uri=…`; an expired token is 403 `{"error":{"code":"TokenExpired","message":
// "Access token has expired, resubmit with a new access token"}}`; a workspace the service
// principal is not a member of (or one that does not exist) is 401 `PowerBINotAuthorizedException`
// with a `pbi.error` object and no message; an unknown dataset is 404 `ItemNotFound`; mail
// notify options from a service principal are 400 `InvalidRequest` ("Invalid NotifyOption value
// '…' for app only owner requests"); the ninth refresh of a day on shared capacity is 400
// `InvalidRequest`; a DAX error is 400 `DatasetExecuteQueriesError` whose reason is in
// `pbi.error.details` (`DetailsMessage`), not in `message`; throttling is 429 `TooManyRequests`
// with `Retry-After` in seconds; a bad `$filter`, `$top` or `$skip` is 400 `InvalidRequest`;
// workspaces are listed in creation order; the fake's DAX is only `EVALUATE <table>` and
// `EVALUATE TOPN(n, <table>[, <table>[<column>][, ASC|DESC]])`. `/reports` and `/datasets`
// outside a workspace (My workspace) are not served.

public import Foundation
import HTTPFields
import Synchronization

/// The Power BI service for one tenant on loopback: an app registration whose service principal
/// is a member of three workspaces (one on dedicated capacity, two on shared capacity) and not of
/// a fourth, their reports and semantic models, refreshes with the shared-capacity daily limit,
/// DAX queries over a small table, and the identity platform that issues the app's tokens.
///
/// Knobs: `expire(token:)`, `injectThrottle(calls:retryAfter:)`, `addWorkspaces(_:)`,
/// `rowLimit`; what it holds: `refreshes`, `issuedTokens`, `tokenRequests`, `apiRequests`.
public final class PowerBIFake: ServedFake {
    /// The Entra ID tenant (directory) id.
    public static let tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    /// The tenant's verified domain, which the token endpoint takes in place of the id.
    public static let tenantDomain = "contoso.onmicrosoft.com"
    /// The app registration whose service principal calls Power BI (no redirect URI).
    public static let app = FakeOAuthApp(
        clientID: "b2f5c4a1-7d3e-4f60-8a19-2c6e0d4b9f11", clientSecret: "Pb8~fake.powerbi-secret_0815", redirectURI: "")
    static let entra = EntraClientCredentials(tenantID: tenantID, domain: tenantDomain, app: app)
    /// The scope an app asks for Power BI.
    public static let scope = "https://analysis.windows.net/powerbi/api/.default"
    /// The audience of Power BI's tokens.
    public static let audience = "https://analysis.windows.net/powerbi/api"
    /// The API's path on the fake.
    public static let apiPath = "/v1.0/myorg"

    /// The Marketing workspace (dedicated capacity): the reference's sample group id.
    public static let marketing = "f089354e-8366-4e18-aea3-4cb4a3a50b48"
    /// The Sales Analytics workspace (shared capacity).
    public static let sales = "3d9b93c6-7b6d-4801-a491-1738910904fd"
    /// The Contoso Finance workspace (shared capacity; the service principal is a viewer).
    public static let finance = "a2f89923-421a-464e-bf4c-25eab39bb09f"
    /// A workspace the service principal is not a member of.
    public static let hr = "5f0d2a63-8c4e-4d2b-9b7a-1e3f6c9d8a70"
    /// The dedicated capacity of Marketing.
    public static let capacityID = "0f084df7-c13d-451b-af5f-ed0c466403b2"
    /// The `Campaigns` semantic model in Marketing (refreshable, with the `Campaigns` table).
    public static let campaigns = "cfafbeb1-8037-4d0c-896e-a46fb27ff229"
    /// The `Web Analytics` model in Marketing (DirectQuery: not refreshable).
    public static let webAnalytics = "8d2b6c1e-3f4a-4b5c-9d6e-7f8091a2b3c4"
    /// The `Pipeline` model in Sales Analytics (shared capacity, refreshable).
    public static let pipeline = "4c3e2d1f-0a9b-4c8d-8e7f-6a5b4c3d2e1f"
    /// Refreshes a model on shared capacity may start per day.
    public static let sharedRefreshesPerDay = 8
    /// Query requests a user may send per minute to executeQueries.
    public static let queriesPerMinute = 120

    /// A workspace.
    struct Workspace: Sendable {
        var id: String
        var name: String
        var isReadOnly: Bool
        var capacityID: String?
        var member: Bool
    }

    /// A report.
    struct Report: Sendable {
        var id: String
        var name: String
        var workspace: String
        var datasetID: String?
        var type: String
    }

    /// A semantic model.
    struct Dataset: Sendable {
        var id: String
        var name: String
        var workspace: String
        var configuredBy: String
        var isRefreshable: Bool
        var table: String?
    }

    /// A cell of a table.
    enum Cell: Sendable {
        case text(String)
        case number(Double)
        case null

        var json: Any {
            switch self {
            case .text(let text): text
            case .number(let number): number == number.rounded() ? Int(number) as Any : number as Any
            case .null: NSNull()
            }
        }
    }

    /// A table of a model: its columns and rows.
    struct Table: Sendable {
        var columns: [String]
        var rows: [[Cell]]
    }

    /// A refresh Power BI accepted.
    public struct Refresh: Sendable {
        /// The workspace.
        public var workspace: String
        /// The model.
        public var dataset: String
        /// The notify option sent, if any.
        public var notifyOption: String?
        /// Whether it was an enhanced refresh (a payload other than `notifyOption`).
        public var enhanced: Bool
        /// The refresh id (the `x-ms-request-id` of an enhanced refresh).
        public var requestID: String
        /// When it was accepted.
        public var at: Date
    }

    /// An access token the tenant issued.
    struct Token: Sendable {
        var audience: String
        var expired = false
    }

    struct State: Sendable {
        var workspaces: [Workspace] = []
        var reports: [Report] = []
        var datasets: [Dataset] = []
        var tables: [String: Table] = [:]
        var tokens: [String: Token] = [:]
        var issued: [String] = []
        var refreshes: [Refresh] = []
        var queryTimes: [Date] = []
        var rowLimit = 100_000
        var sequence = 0
    }

    /// The loopback server that answers as Power BI and as the identity platform.
    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Int>()

    /// The tenant with its four workspaces, three reports, three models and one table.
    public init() {
        state.withLock { Self.seed(&$0) }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "ServiceUnavailable", "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for both `https://login.microsoftonline.com` and
    /// `https://api.powerbi.com`.
    public var baseURL: String { server.baseURL }
    /// The API's base URL on the fake, `<baseURL>/v1.0/myorg`.
    public var apiBaseURL: String { baseURL + Self.apiPath }
    /// The tenant's token endpoint, with `{{vars.tenantId}}` left for the connection to fill.
    public var tokenURLTemplate: String { baseURL + "/{{vars.tenantId}}/oauth2/v2.0/token" }

    /// Every access token issued so far, oldest first.
    public var issuedTokens: [String] { state.withLock { $0.issued } }
    /// The requests to the token endpoint.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests.filter { $0.path.hasSuffix("/oauth2/v2.0/token") } }
    /// The requests to the Power BI API.
    public var apiRequests: [FakeProviderServer.RecordedRequest] { server.requests.filter { $0.path.hasPrefix(Self.apiPath) } }
    /// The refreshes accepted, oldest first.
    public var refreshes: [Refresh] { state.withLock { $0.refreshes } }

    /// A Power BI token for the app, as the client credentials grant would issue it.
    public func issueToken() -> String { state.withLock { Self.mint(&$0, audience: Self.audience) } }
    /// Whether `token` is a live Power BI token.
    public func isValid(token: String) -> Bool {
        state.withLock { $0.tokens[token].map { !$0.expired && $0.audience == Self.audience } ?? false }
    }
    /// `token` expires: Power BI answers 403 `TokenExpired`.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }
    /// The next `calls` API requests are throttled: 429 with `Retry-After: retryAfter`.
    public func injectThrottle(calls: Int = 1, retryAfter: Int = 30) { throttles.add(retryAfter, calls: calls) }
    /// The most rows a query result holds before it is cut short (100,000 in Power BI).
    public var rowLimit: Int {
        get { state.withLock { $0.rowLimit } }
        set { state.withLock { $0.rowLimit = newValue } }
    }
    /// Adds `count` workspaces the service principal is a member of, named `Workspace 000`….
    public func addWorkspaces(_ count: Int) {
        state.withLock { state in
            for index in 0..<count {
                let id = Self.guid(&state)
                state.workspaces.append(
                    Workspace(id: id, name: String(format: "Workspace %03d", index), isReadOnly: false, capacityID: nil, member: true))
            }
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
        var reply = api(request, segments)
        reply.headers.replaceOrAdd(name: "RequestId", value: UUID().uuidString.lowercased())
        return reply
    }

    private func api(_ request: Request, _ segments: [String]) -> Reply {
        guard segments.count >= 3, segments[0] == "v1.0", segments[1] == "myorg" else {
            return Self.error(404, "NotFound", "No HTTP resource was found that matches the request URI.")
        }
        guard let bearer = request.header("Authorization"), bearer.hasPrefix("Bearer ") else { return Self.unauthorized() }
        let token = state.withLock { $0.tokens[String(bearer.dropFirst(7))] }
        guard let token, token.audience == Self.audience else { return Self.unauthorized() }
        guard !token.expired else { return Self.error(403, "TokenExpired", "Access token has expired, resubmit with a new access token") }
        if let retryAfter = throttles.take() {
            var reply = Self.error(429, "TooManyRequests", "The request was throttled. Retry after \(retryAfter) seconds.")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
            return reply
        }
        return route(request, Array(segments.dropFirst(2)))
    }

    // MARK: Token endpoint

    private func token(_ request: Request, tenant: String) -> Reply {
        switch Self.entra.check(request, tenant: tenant) {
        case .refused(let reply): return reply
        case .resource(let resource):
            return EntraClientCredentials.granted(state.withLock { Self.mint(&$0, audience: resource) })
        }
    }

    static func mint(_ state: inout State, audience: String) -> String {
        state.sequence += 1
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.pbi-\(state.sequence)-\(UUID().uuidString.lowercased())"
        state.tokens[token] = Token(audience: audience)
        state.issued.append(token)
        return token
    }

    // MARK: Answers

    /// Power BI's error body, `{"error":{"code","message"}}`.
    static func error(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, object: ["error": ["code": code, "message": message]])
    }

    /// An error with a `pbi.error` object and no message (`PowerBINotAuthorizedException`, DAX errors).
    static func pbiError(_ status: Int, _ code: String, details: [(String, String)] = []) -> Reply {
        let listed: [[String: Any]] = details.map { ["code": $0.0, "detail": ["type": 1, "value": $0.1]] }
        return .json(
            status,
            object: ["error": ["code": code, "pbi.error": ["code": code, "parameters": [String: Any](), "details": listed, "exceptionCulprit": 1]]])
    }

    /// A missing or refused token: 401, an empty body, where to get a token in `WWW-Authenticate`.
    static func unauthorized() -> Reply {
        Reply(
            status: 401,
            headers: HTTPHeaders([
                ("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, error=\"invalid_token\"")
            ]), body: [])
    }

    static func guid(_ state: inout State) -> String {
        state.sequence += 1
        return UUID().uuidString.lowercased()
    }
}
