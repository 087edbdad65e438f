// A fake of one Workday tenant's REST API and OAuth 2.0 server on loopback, following what is
// public about Workday — not what our connector definition (configs/connectors/workday.json)
// assumes. Workday's own reference (the REST API directory and the admin guide) is largely behind
// a community login; each fact below says where it comes from, and the last paragraph lists what
// is inferred or from memory.
//
// - REST API directory (per-service Swagger documents; `common` v1 `GET /workers`,
//   `GET /workers/{ID}`, recruiting v4 `GET /jobPostings`, `GET /prospects`):
//   https://community.workday.com/sites/default/files/file-hosting/restapi/index.html (anchors
//   #common/v1/get-/workers, #recruiting/v4/get-/jobPostings, #recruiting/v4/get-/prospects/-ID-,
//   as PipedreamHQ/pipedream components/workday/actions/*/ cite them).
// - URL forms `https://{host}/ccx/api/{service}/{version}/{tenant}/{resource}` and the token
//   endpoint `https://{host}/ccx/oauth2/{tenant}/token` (View API Clients shows both), the
//   authorization endpoint `https://{host}/{tenant}/authorize`:
//   https://cdn.cdata.com/help/JWJ/cloud/default.htm, https://help.contactmonkey.com/hc/en-us/articles/44945595258509,
//   https://help.salesforce.com/s/articleView?id=platform.br_o_workday_errors_authentication.htm,
//   open-source clients calling `/ccx/api/common/v1/{tenant}/workers/{id}/directReports` and
//   `/ccx/api/recruiting/v4/{tenant}/jobPostings` (found with the code search; not citable as docs).
// - Register API Client: Authorization Code Grant, Bearer access tokens, "Non-Expiring Refresh
//   Tokens", scopes are functional areas chosen on the client (no `scope` parameter needed),
//   PKCE can be required on the client; "Enforce 60 Minutes Access Token Expiry" gives tokens
//   that expire in 60 minutes, without it the credential carries no expiry:
//   https://documentation.sailpoint.com/connectors/saas/workday/help/saas_connectivity/workday/configuration_to_update_.html,
//   https://www.crul.com/docs/oauthproviders/workday/,
//   https://docs-snaplogic.atlassian.net/wiki/spaces/SD/pages/2668101657 (Workday REST OAuth2 Account).
// - Token endpoint answers: `{access_token, token_type: "Bearer", expires_in, refresh_token}`;
//   the refresh token is non-expiring; a wrong tenant in the token URL answers 503 ("Invalid Tenant
//   Name"), a wrong client, secret or refresh token 401/400:
//   https://schemas.apis.io/schemas/workday-security/workday-security-tokenresponse/ (derived
//   from Workday's spec, not Workday's page), help.salesforce.com above.
// - Collections `{"total": N, "data": [...]}`; `limit` "The default is 20. The maximum is 100.";
//   `offset` zero-based; workers `search` "by name or worker ID … case-insensitive … space-delimited
//   search strings for an OR search"; instances are `{id, descriptor, href}`; errors are
//   `{"error": "…", "errors": [{"error", "code", "field", "path"}]}` for 400/401/403/404:
//   Workday's staffing v6 OpenAPI document as konfig-sdks/workday-staffing-java-sdk api/openapi.yaml
//   carries it (INSTANCE_MODEL_REFERENCE, MULTIPLE_INSTANCE_MODEL_REFERENCE,
//   VALIDATION_ERROR_MODEL_REFERENCE, ERROR_MODEL_REFERENCE, the limit/offset/search parameters).
// - The common v1 worker: id, descriptor, href, businessTitle, primaryWorkEmail, primaryWorkPhone,
//   isManager, primarySupervisoryOrganization {id, descriptor, href}; `me` names the token's
//   worker: NangoHQ integration templates (workday get-worker), several clients reading
//   `workers/{id}/directReports` and `workers/me` (code search).
// - Throttling answers 429 and clients honour Retry-After; no public REST rate:
//   https://knowledgelib.io/business/erp-integration/workday-rest-soap-api-capabilities/2026.
//
// Inferred or from memory (Workday does not publish it without a login): the 401 body
// `{"error": "invalid_token", "errors": [{"error": …}]}` (shape from the OAS, value from memory);
// the wording of every error; the 400 for `limit` above 100 (`field: "limit"`) rather than a
// silent cap; a 503 for an unknown tenant on the API as on the token URL; a refresh answering the
// same refresh token again; 400 `invalid_grant` for a bad code, verifier or revoked refresh token
// and 401 `invalid_client` for bad client credentials (RFC 6749 §5.2); the code's 5-minute life
// and its being spent only by a successful exchange; the 429 body; the job posting and prospect
// fields beyond `{id, descriptor, href}` (jobPostingSite, jobRequisition, startDate, endDate,
// url; candidate, status, source), which recruiting v4 names but whose full schema we could not
// read; the worker's `workerId` (staffing v6 spelling) as what `search` matches for worker IDs.

public import Foundation
import HTTPFields
import Synchronization

/// One Workday tenant on loopback: the OAuth 2.0 token endpoint (`/ccx/oauth2/<tenant>/token`,
/// authorization code with PKCE, non-rotating refresh tokens, HTTP Basic client auth), the
/// consent step as a method (`authorize(_:worker:)`), and the REST API under `/ccx/api`:
/// `common/v1/<tenant>/workers`, `…/workers/me`, `…/workers/{id}`,
/// `recruiting/v4/<tenant>/jobPostings` and `…/prospects`.
///
/// Knobs: `issueToken(worker:lifetime:)`, `expire(token:)`, `revoke(refreshToken:)`,
/// `revokeRefreshTokens()`, `injectRateLimit(retryAfter:count:)`; what it holds: `workers`,
/// `jobPostings`, `prospects`, `refreshCount`, `tokenRequests`, `requests(_:_:)`.
public final class WorkdayFake: ServedFake {
    /// The tenant name as it appears in the REST and token paths.
    public static let defaultTenant = "neonhub_preview"
    /// The API client registered with Register API Client (Workday shows a base64-like id and a long secret).
    public static let defaultApp = FakeOAuthApp(
        clientID: "ZTk2NWY3MjQtNGU1My00YTIyLWE3ZjEtYjY0ZTA4M2QwNjVh",
        clientSecret: "x8m2q4vz7k1n9c3b5t6y0r2w4e6u8i1o3p5a7s9d2f4g6h8j0k2l4z6x8c0v2b4n6m8q",
        redirectURI: "http://127.0.0.1/oauth/callback/workday")
    /// Access token lifetime with "Enforce 60 Minutes Access Token Expiry".
    public static let accessTokenLifetime: TimeInterval = 3600
    /// How many workers the tenant holds by default (three pages of 100).
    public static let defaultWorkerCount = 230

    /// A worker as the common v1 service shows it.
    public struct Worker: Sendable, Equatable {
        /// The Workday ID (32 hex digits).
        public var id: String
        /// The Employee ID (`workerId`).
        public var workerID: String
        /// The name (`descriptor`).
        public var name: String
        /// `businessTitle`.
        public var businessTitle: String
        /// `primaryWorkEmail`.
        public var email: String
        /// `primaryWorkPhone`.
        public var phone: String
        /// `isManager`.
        public var isManager: Bool
        /// The primary supervisory organization's Workday ID.
        public var organizationID: String
        /// The primary supervisory organization's name.
        public var organizationName: String
    }

    /// A job posting (recruiting v4).
    public struct JobPosting: Sendable, Equatable {
        /// The Workday ID.
        public var id: String
        /// The title (`descriptor`).
        public var title: String
        /// The posting site's name (`jobPostingSite.descriptor`).
        public var site: String
        /// The requisition (`jobRequisition.descriptor`), e.g. `R-00042 Account Executive`.
        public var requisition: String
        /// `startDate`, `YYYY-MM-DD`.
        public var startDate: String
        /// `endDate`, `YYYY-MM-DD`, or nil for an open-ended posting.
        public var endDate: String?
        /// The posting's public URL (`url`).
        public var url: String
    }

    /// A prospect (recruiting v4).
    public struct Prospect: Sendable, Equatable {
        /// The Workday ID.
        public var id: String
        /// The candidate's name (`descriptor`, `candidate.descriptor`).
        public var name: String
        /// `status.descriptor`.
        public var status: String
        /// `source.descriptor`.
        public var source: String
    }

    struct Grant: Sendable {
        var worker: String
        var redirectURI: String
        var challenge: String?
        var issuedAt: Date
        var used = false
    }

    struct AccessToken: Sendable {
        var worker: String
        var expiresAt: Date?
    }

    struct RefreshToken: Sendable {
        var worker: String
        var revoked = false
    }

    enum Fault: Sendable {
        case rateLimited(retryAfter: Int)
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: AccessToken] = [:]
        var refreshTokens: [String: RefreshToken] = [:]
        var refreshCount = 0
        var sequence = 0
        var workers: [Worker]
        var jobPostings: [JobPosting]
        var prospects: [Prospect]
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The API client.
    public let app: FakeOAuthApp
    /// The tenant name.
    public let tenant: String
    /// Whether the API client enforces 60-minute access tokens (`expires_in` 3600); without it
    /// the token endpoint answers no `expires_in` and tokens do not expire.
    public let enforce60MinuteExpiry: Bool
    /// Whether the API client requires PKCE (an authorization without an S256 challenge is refused).
    public let requiresPKCE: Bool
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()

    /// A tenant with `workerCount` seeded workers (the first is the default consenting user),
    /// 45 job postings and 120 prospects.
    public init(
        app: FakeOAuthApp = defaultApp, tenant: String = defaultTenant, workerCount: Int = defaultWorkerCount,
        enforce60MinuteExpiry: Bool = true, requiresPKCE: Bool = true
    ) {
        self.app = app
        self.tenant = tenant
        self.enforce60MinuteExpiry = enforce60MinuteExpiry
        self.requiresPKCE = requiresPKCE
        state = Mutex(
            State(workers: Self.seedWorkers(count: workerCount), jobPostings: Self.seedJobPostings(), prospects: Self.seedProspects()))
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "Service Unavailable"])
        }
    }

    // MARK: - Addresses

    /// `http://127.0.0.1:<port>`: stands for `https://wd2-impl-services1.workday.com`.
    public var baseURL: String { server.baseURL }
    /// What the definition's `baseUrl` names: `…/ccx/api`.
    public var apiBaseURL: String { "\(baseURL)/ccx/api" }
    /// The token endpoint, `…/ccx/oauth2/<tenant>/token`.
    public var tokenURL: String { "\(baseURL)/ccx/oauth2/\(tenant)/token" }
    /// The authorization endpoint, `…/<tenant>/authorize` (consent is `authorize(_:worker:)`).
    public var authorizeURL: String { "\(baseURL)/\(tenant)/authorize" }
    /// The common v1 path prefix of this tenant, `/ccx/api/common/v1/<tenant>`.
    public var commonPath: String { "/ccx/api/common/v1/\(tenant)" }
    /// The recruiting v4 path prefix of this tenant, `/ccx/api/recruiting/v4/<tenant>`.
    public var recruitingPath: String { "/ccx/api/recruiting/v4/\(tenant)" }

    // MARK: - Knobs and what it holds

    /// An access token for `worker` (default: the first worker) lasting `lifetime` (nil: no
    /// expiry), issued without the OAuth dance.
    public func issueToken(worker: String? = nil, lifetime: TimeInterval? = WorkdayFake.accessTokenLifetime) -> String {
        state.withLock { state in
            let owner = worker ?? state.workers.first?.id ?? ""
            return Self.mintAccess(&state, worker: owner, lifetime: lifetime)
        }
    }

    /// From now on the access token `token` is past its expiry.
    public func expire(token: String) {
        state.withLock { state in
            guard state.tokens[token] != nil else { return }
            state.tokens[token]?.expiresAt = Date().addingTimeInterval(-1)
        }
    }

    /// The refresh token is deleted (Manage Refresh Tokens for Integrations): refreshing with
    /// it answers `invalid_grant`.
    public func revoke(refreshToken token: String) {
        state.withLock { state in
            guard state.refreshTokens[token] != nil else { return }
            state.refreshTokens[token]?.revoked = true
        }
    }

    /// Every refresh token issued so far is revoked.
    public func revokeRefreshTokens() {
        state.withLock { state in
            for token in state.refreshTokens.keys { state.refreshTokens[token]?.revoked = true }
        }
    }

    /// Whether `token` is a refresh token that still works.
    public func isValid(refreshToken token: String) -> Bool {
        state.withLock { $0.refreshTokens[token].map { !$0.revoked } ?? false }
    }

    /// How many successful `grant_type=refresh_token` exchanges there were.
    public var refreshCount: Int { state.withLock { $0.refreshCount } }

    /// The next `count` API calls (not token calls) answer 429 with `Retry-After: retryAfter`.
    public func injectRateLimit(retryAfter: Int = 30, count: Int = 1) {
        faults.add(.rateLimited(retryAfter: retryAfter), calls: count)
    }

    /// The tenant's workers, in the order the collection lists them.
    public var workers: [Worker] { state.withLock { $0.workers } }
    /// The tenant's job postings.
    public var jobPostings: [JobPosting] { state.withLock { $0.jobPostings } }
    /// The tenant's prospects.
    public var prospects: [Prospect] { state.withLock { $0.prospects } }
    /// The requests made to the token endpoint (any tenant).
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/ccx/oauth2/*/token") }

    /// The requests made with `method` to `pattern` (`*` matches one segment), e.g.
    /// `requests("GET", "/ccx/api/common/v1/*/workers")`.
    public func requests(_ method: String, _ pattern: String) -> [FakeProviderServer.RecordedRequest] {
        server.requests(method, pattern)
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // /ccx/oauth2/<tenant>/token
        if segments.count == 4, segments[0] == "ccx", segments[1] == "oauth2", segments[3] == "token" {
            guard segments[2] == tenant else { return Self.unknownTenant() }
            guard request.method == "POST" else { return Self.apiError(405, "Method Not Allowed") }
            return token(request)
        }
        // /ccx/api/<service>/<version>/<tenant>/<resource>…
        guard segments.count >= 6, segments[0] == "ccx", segments[1] == "api" else {
            return Self.apiError(404, "Resource not found")
        }
        guard segments[4] == tenant else { return Self.unknownTenant() }
        let service = "\(segments[2])/\(segments[3])"
        let resource = Array(segments[5...])
        let route: Route
        switch (request.method, service, resource.count) {
        case ("GET", "common/v1", 1) where resource[0] == "workers": route = .workers
        case ("GET", "common/v1", 2) where resource[0] == "workers": route = resource[1] == "me" ? .me : .worker(resource[1])
        case ("GET", "recruiting/v4", 1) where resource[0] == "jobPostings": route = .jobPostings
        case ("GET", "recruiting/v4", 1) where resource[0] == "prospects": route = .prospects
        default: return Self.apiError(404, "Resource not found")
        }
        let owner: String
        switch authenticate(request) {
        case .success(let worker): owner = worker
        case .failure(let refusal): return refusal.reply
        }
        if case .rateLimited(let retryAfter) = faults.take() {
            return .json(
                429, object: ["error": "Too Many Requests", "errors": [["error": "The request rate limit for this tenant was exceeded."]]],
                headers: HTTPHeaders([("Retry-After", String(retryAfter))]))
        }
        switch route {
        case .me: return worker(id: owner)
        case .worker(let id): return worker(id: id)
        case .workers: return listWorkers(request)
        case .jobPostings: return listJobPostings(request)
        case .prospects: return listProspects(request)
        }
    }

    enum Route {
        case me, workers, jobPostings, prospects
        case worker(String)
    }

    /// A refusal carrying the reply to send.
    struct Refusal: Error {
        var reply: Reply
    }

    /// Workday's error body, `{"error": …, "errors": [{"error": …, "field": …}]}` (`errors` only when given).
    static func apiError(_ status: Int, _ error: String, details: [(message: String, field: String?)] = []) -> Reply {
        var body: [String: Any] = ["error": error]
        if !details.isEmpty {
            body["errors"] = details.map { detail -> [String: String] in
                var item = ["error": detail.message]
                if let field = detail.field { item["field"] = field }
                return item
            }
        }
        return .json(status, object: body)
    }

    /// What a tenant name the host does not serve gets (503 "Invalid Tenant Name").
    static func unknownTenant() -> Reply {
        apiError(503, "Service Unavailable", details: [("Invalid Tenant Name", nil)])
    }
}
