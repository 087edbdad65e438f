// A fake of ADP Workforce Now's API gateway on loopback — the OAuth 2.0 token endpoint (client
// credentials) and HR Workers v2 — following what ADP and people who call it have published, not
// what our connector definition (configs/connectors/adp.json) assumes. ADP's developer portal
// (developers.adp.com) is not in the stores we can read; each fact says where it comes from, and
// the last paragraph lists what is inferred or from memory. Run it behind `TLSTerminator`: ADP
// serves both hosts only over mutual TLS, which the fake itself (plain HTTP) cannot check.
//
// - Mutual TLS on every call, token call included, with the certificate ADP signs from the
//   partner's CSR, plus client id and secret: ADP's own client library adplabs/adp-connection-node
//   (fork vaddiravi09/adp-connection-node, lib/clientCredentials.js: `agentOptions {key, cert}` on
//   the token POST), https://prismatic.io/docs/components/adp-workforce-now ("ADP's OAuth
//   implementation uses client certificates … in addition to standard OAuth credentials"; CSR
//   guide), JoeyRussoniello/Adp-Api-Client src/adpapi/client.py (`cert=` on token and API calls),
//   nbrain-team/Cazar ADP-INTEGRATION-FINDINGS.md (certificate alone → 401 on the API).
// - Token request: `POST /auth/oauth/v2/token`, form `grant_type=client_credentials`. Client
//   authentication: HTTP Basic in ADP's library (config/default.js tokenUrl
//   `https://api.adp.com/auth/oauth/v2/token`; `auth {user: clientId, pass: clientSecret}`, form
//   `{grant_type}`); `client_id`/`client_secret` in the form at
//   `https://accounts.adp.com/auth/oauth/v2/token` in JoeyRussoniello/Adp-Api-Client (RFC 6749
//   §2.3.1 allows both; the fake takes either, not both at once). Answer `{access_token,
//   expires_in}`, 3600 s by default (adp-connection-node `defaultexpiration: 3600`; Adp-Api-Client
//   defaults `expires_in` to 3600). No refresh token for client credentials.
// - `GET /hr/v2/workers` with OData `$top` (at most 100), `$skip`, `$select`, `$filter`; paging
//   ends when ADP answers 204 No Content: ADPMarketplace in adplabs/adp-connection-NET issue #6
//   ("paginate … by using the $top and $skip OData query parameters"), Adp-Api-Client
//   `call_endpoint` ("incrementing $skip until the API returns HTTP 204 (No Content)",
//   `page_size` "max 100"), PipedreamHQ/pipedream PR #20527 (`$filter`, `$top`, `$skip`,
//   `$select`; `GET /hr/v2/workers/{associateOID}`). `count=true` → `meta.totalNumber`: the
//   `meta.totalNumber` of ADP's collection payloads (adpllc/marketplace-sample-payloads, payroll
//   outputs).
// - Worker JSON (`{"workers": [ … ]}`, also for one worker): associateOID, workerID.idValue,
//   person.legalName {givenName, familyName1, formattedName}, businessCommunication.emails[].emailUri,
//   workerDates.originalHireDate, workerStatus.statusCode.codeValue, workAssignments[] with
//   homeOrganizationalUnits[].nameCode.shortName and typeCode `Department`:
//   adpllc/marketplace-sample-payloads run/hr/workers-v2/success/Retrieve-individual-worker-information-http-200-response.json;
//   jobTitle, assignmentStatus.statusCode.codeValue (`A`) on work assignments: the `$filter`
//   example in our definition and PR #20527.
// - Errors from the HR service: `{"confirmMessage": {confirmMessageID, createDateTime,
//   protocolStatusCode {codeValue: "400"}, requestStatusCode {codeValue: "failed"}, requestLink
//   {href, method}, resourceMessages: [{resourceStatusCode, processMessages: [{processMessageID,
//   messageTypeCode {codeValue: "error"}, userMessage {messageTxt}}]}]}}`: marketplace-sample-payloads
//   wfn/hr/Worker-read/errors/…-http-400-response.json (WFN) and run/hr/workers-v2/errors/
//   workers-IncorrectQueryParam-400 ("Expression expected at position 0 in '…'"), workers-InvalidAOID-404
//   ("The specified resource does not exist or you do not have access to it."),
//   workers-IncorrectHeaders-401 ("Invalid authorization credentials", `protocolStatusCode`
//   "Unauthorized").
//
// Inferred or from memory: the gateway's error body `{"response": {responseCode, methodCode,
// resourceUri {href}, serverRequestDateTime, applicationCode {code, typeCode: "error", message}}}`
// for 401 (missing, unknown or expired token), 403 and 429 (from memory of ADP's gateway and the
// `response.applicationCode.code` our definition reads); the token endpoint's errors (RFC 6749
// §5.2 `{error, error_description}`: 401 `invalid_client`, 400 `unsupported_grant_type` /
// `invalid_request`), `token_type: "Bearer"` and `scope: "api"` in the token answer; `$top`
// above 100 capped rather than refused; the page size without `$top` (`defaultPageSize`, 50,
// from one integrator's note); 204 for an empty filter result; `meta` only with `count=true`;
// the `$filter` subset (`eq`, `and`, single-quoted strings; anything else 400 with the message
// shape above); `$select` paths relative to `workers/`, unknown ones ignored; workerStatus codes
// `Active`/`Terminated` (WFN; RUN's sample shows `A`); 429's body and default Retry-After;
// `roleCode: practitioner` is recorded, not required.

import Foundation
import HTTPFields
import Synchronization

/// ADP Workforce Now's gateway on loopback (plain HTTP; put `TLSTerminator` in front):
/// `POST /auth/oauth/v2/token` (client credentials, Basic or form client authentication) and
/// `GET /hr/v2/workers` (`$top` ≤ 100, `$skip`, 204 past the end, `count=true`, `$select`,
/// `$filter` subset), `GET /hr/v2/workers/{aoid}`, with ADP's error payloads.
///
/// Knobs: `registerClient(id:secret:canReadWorkers:)`, `setTokenLifetime(_:)`, `expireTokens()`,
/// `issueToken(clientID:)`, `injectRateLimit(retryAfter:count:)`, `addWorker(_:)`,
/// `setDefaultPageSize(_:)`; what it holds: `grantCount`, `tokenRequests`, `workerRequests`,
/// `workers`, `requests`.
public final class ADPFake: ServedFake {
    /// The registered client id (ADP shows a UUID).
    public static let defaultClientID = "7f9ef1b6-2b5e-4c0a-9d43-5b8a1c2e6f10"
    /// Its secret.
    public static let defaultClientSecret = "c2a5e1d4-8b3f-4f7a-a1e6-0d9b7c3e2f58"
    /// A token's life in seconds.
    public static let defaultTokenLifetime = 3_600
    /// The largest `$top`.
    public static let maxPageSize = 100
    /// The page without `$top` (inferred).
    public static let defaultPageSizeWithoutTop = 50
    /// Retry-After on a scripted 429 (inferred).
    public static let defaultRetryAfter = 60

    /// A client (a consumer application's credentials, per customer consent).
    public struct Client: Sendable {
        /// `client_id`.
        public var id: String
        /// `client_secret`.
        public var secret: String
        /// Whether the consent covers HR workers (false: the API answers 403).
        public var canReadWorkers: Bool
        /// A client.
        public init(id: String, secret: String, canReadWorkers: Bool = true) {
            (self.id, self.secret, self.canReadWorkers) = (id, secret, canReadWorkers)
        }
    }

    /// A worker, as much of it as the fake serves.
    public struct Worker: Sendable, Equatable {
        /// `associateOID`.
        public var associateOID: String
        /// `workerID.idValue` (the employee id).
        public var workerID: String
        /// `person.legalName.givenName`.
        public var givenName: String
        /// `person.legalName.familyName1`.
        public var familyName: String
        /// `businessCommunication.emails[0].emailUri`.
        public var email: String
        /// `workerDates.originalHireDate`, `yyyy-MM-dd`.
        public var hireDate: String
        /// `workerStatus.statusCode.codeValue`: `Active`, `Terminated`, `Inactive`.
        public var status: String
        /// `workAssignments[0].jobTitle`.
        public var jobTitle: String
        /// `workAssignments[0].homeOrganizationalUnits[0].nameCode.shortName` (Department).
        public var department: String
        /// A worker.
        public init(
            associateOID: String, workerID: String, givenName: String, familyName: String, email: String, hireDate: String,
            status: String = "Active", jobTitle: String = "Analyst", department: String = "Finance"
        ) {
            (self.associateOID, self.workerID, self.givenName, self.familyName, self.email) = (associateOID, workerID, givenName, familyName, email)
            (self.hireDate, self.status, self.jobTitle, self.department) = (hireDate, status, jobTitle, department)
        }
    }

    struct AccessToken: Sendable {
        var clientID: String
        var expiresAt: Date
    }

    enum Fault: Sendable {
        case rateLimited(retryAfter: Int)
    }

    struct State: Sendable {
        var clients: [String: Client] = [:]
        var tokens: [String: AccessToken] = [:]
        var grantCount = 0
        var tokenLifetime = ADPFake.defaultTokenLifetime
        var defaultPageSize = ADPFake.defaultPageSizeWithoutTop
        var workers: [Worker]
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()

    /// One client (`clientID`, `clientSecret`) and `workerCount` workers (every tenth terminated).
    public init(clientID: String = defaultClientID, clientSecret: String = defaultClientSecret, workerCount: Int = 230) {
        var initial = State(workers: Self.seedWorkers(count: workerCount))
        initial.clients[clientID] = Client(id: clientID, secret: clientSecret)
        state = Mutex(initial)
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "Service Unavailable"])
        }
    }

    // MARK: - Addresses

    /// `http://127.0.0.1:<port>`: stands for both `https://accounts.adp.com` and `https://api.adp.com`.
    public var baseURL: String { server.baseURL }
    /// The token path.
    public static let tokenPath = "/auth/oauth/v2/token"
    /// The workers path.
    public static let workersPath = "/hr/v2/workers"

    // MARK: - Knobs and what it holds

    /// Registers another client.
    public func registerClient(id: String, secret: String, canReadWorkers: Bool = true) {
        state.withLock { $0.clients[id] = Client(id: id, secret: secret, canReadWorkers: canReadWorkers) }
    }

    /// Tokens issued from now on last `seconds`.
    public func setTokenLifetime(_ seconds: Int) { state.withLock { $0.tokenLifetime = seconds } }

    /// The page size when `$top` is absent.
    public func setDefaultPageSize(_ size: Int) { state.withLock { $0.defaultPageSize = size } }

    /// Every token issued so far is past its expiry: the API answers 401.
    public func expireTokens() {
        state.withLock { state in
            for key in state.tokens.keys { state.tokens[key]?.expiresAt = Date().addingTimeInterval(-1) }
        }
    }

    /// A token for `clientID` (default: the first registered) without the token call.
    public func issueToken(clientID: String? = nil) -> String {
        state.withLock { state in
            Self.mint(&state, clientID: clientID ?? state.clients.keys.sorted().first ?? "").token
        }
    }

    /// The next `count` API calls (token calls excluded) answer 429 with `Retry-After`.
    public func injectRateLimit(retryAfter: Int = defaultRetryAfter, count: Int = 1) {
        faults.add(.rateLimited(retryAfter: retryAfter), calls: count)
    }

    /// Adds (or replaces, by associateOID) a worker.
    public func addWorker(_ worker: Worker) {
        state.withLock { state in
            if let index = state.workers.firstIndex(where: { $0.associateOID == worker.associateOID }) {
                state.workers[index] = worker
            } else {
                state.workers.append(worker)
            }
        }
    }

    /// How many token requests got a token.
    public var grantCount: Int { state.withLock { $0.grantCount } }
    /// The requests made to the token endpoint.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", Self.tokenPath) }
    /// The requests made to the workers collection and to single workers.
    public var workerRequests: [FakeProviderServer.RecordedRequest] {
        server.requests.filter { $0.path.hasPrefix(Self.workersPath) }
    }
    /// The workers, in the order the collection serves them.
    public var workers: [Worker] { state.withLock { $0.workers } }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        if request.path == Self.tokenPath {
            guard request.method == "POST" else { return Self.oauthError(405, "invalid_request", "The token endpoint takes POST.") }
            return token(request)
        }
        let segments = request.path.split(separator: "/").map(String.init)
        let demographics = segments.count == 3 && segments.starts(with: ["hr", "v2", "worker-demographics"])
        guard demographics || segments.count >= 3 && segments.count <= 4 && segments.starts(with: ["hr", "v2", "workers"]) else {
            return Self.gatewayError(404, request, "Resource not found")
        }
        let clientID: String
        switch authenticate(request) {
        case .success(let id): clientID = id
        case .failure(let refusal): return refusal.reply
        }
        if case .rateLimited(let retryAfter) = faults.take() {
            return Self.gatewayError(429, request, "Too Many Requests", headers: HTTPHeaders([("Retry-After", String(retryAfter))]))
        }
        guard state.withLock({ $0.clients[clientID]?.canReadWorkers }) == true else {
            return Self.gatewayError(403, request, "Access to this resource is forbidden")
        }
        guard request.method == "GET" else { return Self.serviceError(405, request, "Method \(request.method) is not allowed.") }
        return segments.count == 3 ? listWorkers(request, demographics: demographics) : worker(segments[3], request)
    }

    /// A refusal carrying the reply to send.
    struct Refusal: Error {
        var reply: Reply
    }

    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601)
    }

    /// The gateway's error body (see the header: from memory).
    static func gatewayError(_ status: Int, _ request: Request, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
        .json(
            status,
            object: [
                "response": [
                    "responseCode": status, "methodCode": request.method, "resourceUri": ["href": request.path],
                    "serverRequestDateTime": timestamp(),
                    "applicationCode": ["code": status, "typeCode": "error", "message": message],
                ]
            ], headers: headers)
    }

    /// The HR service's `confirmMessage` as ADP's samples show it.
    static func serviceError(_ status: Int, _ request: Request, _ message: String, messageID: String = "errors.invalid") -> Reply {
        let href = request.path + (request.query.map { "?" + $0 } ?? "")
        let processMessage: [String: Any] = [
            "processMessageID": ["idValue": messageID, "schemeName": "processMessageID", "schemeAgencyName": "WFN"],
            "messageTypeCode": ["codeValue": "error"], "userMessage": ["messageTxt": message],
        ]
        return .json(
            status,
            object: [
                "confirmMessage": [
                    "confirmMessageID": ["idValue": UUID().uuidString, "schemeName": "confirmMessageID", "schemeAgencyName": "WFN"],
                    "createDateTime": timestamp(), "requestReceiptDateTime": timestamp(),
                    "protocolStatusCode": ["codeValue": String(status), "shortName": String(status)],
                    "requestStatusCode": ["codeValue": "failed"], "requestLink": ["href": href, "method": request.method],
                    "resourceMessages": [["resourceStatusCode": ["codeValue": "failed"], "processMessages": [processMessage]]],
                ]
            ])
    }

    /// RFC 6749 §5.2's token error (inferred for ADP).
    static func oauthError(_ status: Int, _ error: String, _ description: String) -> Reply {
        var headers = HTTPHeaders()
        if status == 401 { headers.replaceOrAdd(name: "WWW-Authenticate", value: "Basic realm=\"ADP\"") }
        return .json(status, object: ["error": error, "error_description": description], headers: headers)
    }
}
