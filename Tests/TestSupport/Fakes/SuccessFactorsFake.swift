// A fake of one SAP SuccessFactors company on loopback — its OAuth 2.0 token server (SAML 2.0
// bearer assertion grant, RFC 7522) and the OData v2 API — following what SAP and people who
// call it have published, not what our connector definition (configs/connectors/successfactors.json)
// assumes. SAP's Help Portal guides are not in the stores we can read; each fact says where it
// comes from, and the last paragraph lists what is inferred or from memory.
//
// - Token request: `POST https://<API-Server>/oauth/token`, `application/x-www-form-urlencoded`
//   `company_id`, `client_id` (the OAuth2 client application's API key),
//   `grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer`, `assertion` (the signed SAML
//   assertion, Base64, one line), no client secret; answer `{access_token, token_type: "Bearer",
//   expires_in}`, no refresh token, tokens last 24 hours: SAP KBA 3462403
//   (https://userapps.support.sap.com/sap/support/knowledge/en/3462403), moveworks/developer-docs
//   connectors/sap-success-factors/README.md, https://mtr-design.com/news/sap-successfactors-saml
//   (mtrdesign/python-saml-example doc/sf_saml.md), piejanssens/sf-oauth src/gen.js and README
//   (an observed answer `{access_token: "eyJ0b2tlbkNvbnRlbnQiOnsiYXBpS2V5Ijo…", token_type:
//   "Bearer", expires_in: 85949}`; the token is Base64 of `{"tokenContent":{apiKey, sfPrinciple,
//   issuedFor, scope, issuedAt, expiresAt}, "signature"}`), https://docs.jitterbit.com/app-builder/security/providers/successfactors-odata.
// - Same user and client again before expiry: the same token, `expires_in` the time left;
//   `new_token=true` forces a fresh 24-hour token: SAP KBA 2872019
//   (https://userapps.support.sap.com/sap/support/knowledge/en/2872019); the sf-oauth answer
//   above (a freshly generated assertion got 85949 s) shows reuse is per user and client, not
//   per assertion.
// - The assertion as SAP's generator and SAP KBA 3031657's offline tool build it: Issuer any
//   (`www.successfactors.com` in sf-oauth, the client id in mtr-design, `local.insomnia.com` in
//   edersouza38/insomnia-plugin-sfsf-samlassertion), NameID = user id (`use_username=true`
//   attribute: username; `use_email=true`: e-mail), SubjectConfirmation bearer with
//   `NotOnOrAfter` and `Recipient`, Conditions `NotBefore`/`NotOnOrAfter`, Audience
//   `www.successfactors.com`, AuthnStatement, attribute `api_key` = client id; default life 10
//   minutes; signed enveloped (RSA): sf-oauth src/gen.js, the insomnia plugin src/samlAssertion.js,
//   mtr-design, SAP blog "SAML assertions for SAP SuccessFactors OAuth 2.0 API's: Handling of User
//   Identifiers" (https://community.sap.com/t5/human-capital-management-blogs-by-sap/saml-assertions-for-sap-successfactors-oauth-2-0-api-s-handling-of-user/ba-p/13552014).
// - Refusals: 401 `{"errorHttpCode": "401", "errorMessage": "Unable to authenticate the client
//   (Login failed - invalid user)"}` for an unknown user, and a user id in e-mail form without
//   `use_email`: SAP KBA 2668018; "Unable to verify the signature of the SAML assertion. Please
//   ensure that the assertion has a signature and the key pairs match the client ID" (401): SAP
//   KBA 3336571; "Unable to verify the SAML assertion - api_key doesn't match client_id", "The
//   recipient attribute value must be set as the URL of the API server", "API key does not exist
//   in company": moveworks/developer-docs (so SAP does check the Recipient; its host must be the
//   API server — mtr-design's `…/odata/v2` and SAP's `…/oauth/token` both name it).
// - OData v2 JSON `{"d": {"results": […], "__next": "…$skiptoken=…"}}`, records with
//   `__metadata {uri, type: "SFOData.<Entity>"}`, dates `/Date(ms)/`: mtr-design's sample, SAP KBA
//   2489065 (the `__next` example, `$skiptoken` = Base64 of `{"startRow":1000,"endRow":2000}`).
// - Pages: at most 1,000 records, the default page size; `customPageSize`; server-side paging
//   (cursor by default, snapshot with `paging=snapshot`, a new `$skiptoken` each page, the last
//   page has no `__next`); client-side `$top`/`$skip`: SAP KBAs 2489065, 3308165, 2723468,
//   2675265, 2925125, the SAP blog on CPI's SuccessFactors adapter (customPageSize default 1000).
// - User: without a status filter only `t`/`T` users (active, active_external) come back; status
//   letters t, f, T, F, e, d or their texts (active, inactive, active_external, …); `status in
//   't','f'` (SuccessFactors' `in`, without parentheses); an `or` drops the implicit filter: SAP
//   KBAs 2736579, 2166571, 3575859. The `$filter` `in` clause: SAP KBA 2735876.
// - Errors `{"error": {"code": "COE_…", "message": {"lang": "en-US", "value": "[COE0007]…"}}}`:
//   400 COE_ENTITY_NOT_FOUND "[COE0007]invalid entity (or function) name: X" (SAP KBAs 2546923,
//   2545055), 400 COE_PROPERTY_NOT_FOUND "[COE0021]Invalid property names: Entity/prop." (KBA
//   2545055; the message as clients' mocks quote it), COE_BAD_PROPERTY_EXPRESSION "[COE0003]Bad
//   property expression: …; cannot expand non-navigation property: …" (KBAs 2584770, 2569829).
// - Login errors (custom code in the message, HTTP 403): LGN0003 CREDENTIALS_MISSING, LGN0007
//   TOKEN_INVALID, LGN0008 COMPANY_NOT_FOUND: SAP KBA 2524436; "[LGN0022]The access token is
//   either rejected or expired": SAP KBA 2872019; a client (rakkau's SuccessFactors ConnId
//   connector, HttpUtils.java) detects the expired token as HTTP 403 with "[LGN0022]" in the body.
// - Rate limiting: announced, postponed indefinitely; on a 429 retry after the recommended 300
//   seconds: SAP KBA 3159263.
// - Fields: Candidate (candidateId, firstName, lastName, contactEmail, primaryEmail, country,
//   city, currentTitle, creationDateTime, lastModifiedDateTime) and JobRequisitionLocale (jobReqId,
//   jobReqLocalId, locale, jobTitle, externalTitle, status) from SAP Cloud SDK's generated SFOData
//   entities (saphanaacademy/sfsdkapp srv/generated/sfo-data-service/Candidate.d.ts; the
//   JobRequisitionLocale.d.ts of another SDK copy).
//
// Inferred or from memory: the token error body beyond the two keys KBA 2668018 shows, and every
// token-endpoint status other than 401 for an invalid user or signature; the wording for an
// expired assertion, a wrong audience, an unknown company, a bad grant type or Base64 (SAP's
// acceptance of URL-safe or line-wrapped Base64 is unknown — mtr-design strips the line breaks
// Python adds; the fake takes standard Base64 on one line only); whether SAP checks the Audience
// (moveworks' IdP setup uses the API server's URL as audience; SAP's generator uses
// www.successfactors.com — the fake checks it); the status of a rejected OData token (SAP's 2017
// table says 403 for LGN errors and one client sees 403; `setTokenRejectionStatus(401)` makes it 401) and
// the `code` beside "[LGN0022]…" (the fake says TOKEN_REJECTED_OR_EXPIRED, an invented name:
// classify by status, not by code); the 429 body; COE_GENERAL_BAD_REQUEST for a `$filter` the
// fake cannot read (no source names COE_INVALID_FILTER); `$top` above 1,000 paging on with
// `__next`; `customPageSize` above 1,000 capped; `$top`/`$skip` refused with snapshot paging;
// Int64 keys (jobReqId, candidateId) as JSON strings (OData v2 JSON); `/Date(ms+0000)/` for
// DateTimeOffset; JobRequisition's internalStatus values and createdDateTime; the User status in
// answers as its letter.

public import Foundation
import HTTPFields
import Synchronization

/// One SAP SuccessFactors company on loopback: `POST /oauth/token` (SAML 2.0 bearer assertion
/// grant; the signature checked with `XMLSecCommand` against the certificate registered with the
/// client), and OData v2 under `/odata/v2`: `User`, `JobRequisition` (`$expand=jobReqLocale`) and
/// `Candidate`, with `$select`, a `$filter` subset, `$orderby`, `$top`/`$skip`, server paging
/// (`customPageSize`, `paging=snapshot`, `__next` with `$skiptoken`) and SAP's error payloads.
///
/// Knobs: `registerClient(apiKey:certificatePEM:)`, `addUser(_:)`, `addRequisition(_:)`,
/// `addCandidate(_:)`, `setTokenLifetime(_:)`, `expireTokens()`, `issueToken(userID:)`,
/// `injectRateLimit(retryAfter:count:)`; what it holds: `grantCount`, `receivedAssertions`,
/// `tokenRequests`, `users`, `requisitions`, `candidates`, `requests(_:_:)`.
public final class SuccessFactorsFake: ServedFake {
    /// The company id (Show version information).
    public static let defaultCompanyID = "NEONHUBT1"
    /// The API server the fake stands for.
    public static let defaultAPIHost = "api4.successfactors.com"
    /// The OAuth2 client application's API key (SuccessFactors shows a Base64-like string).
    public static let defaultAPIKey = "NzNkYzk0NTljMTQ0NWEyOWMxNzUwYjdhOTdkOA"
    /// The audience SAP's generator writes.
    public static let audience = "www.successfactors.com"
    /// The grant type.
    public static let grantType = "urn:ietf:params:oauth:grant-type:saml2-bearer"
    /// An access token's life: 24 hours.
    public static let defaultTokenLifetime: TimeInterval = 86_400
    /// The largest page and the page size without `$top` or `customPageSize`.
    public static let maxPageSize = 1_000
    /// What SAP recommends waiting after a 429 (KBA 3159263).
    public static let recommendedRetryAfter = 300

    /// An OAuth2 client application (Admin Center > Manage OAuth2 Client Applications).
    public struct Client: Sendable {
        /// The API key (`client_id`).
        public var apiKey: String
        /// The X.509 certificate pasted at registration (PEM, or its bare Base64 body).
        public var certificatePEM: String
        /// A client.
        public init(apiKey: String, certificatePEM: String) {
            self.apiKey = apiKey
            self.certificatePEM = certificatePEM
        }
    }

    /// A User record.
    public struct User: Sendable, Equatable {
        /// `userId` (the key; what a NameID names).
        public var userID: String
        /// `username` (login name).
        public var username: String
        /// `firstName`.
        public var firstName: String
        /// `lastName`.
        public var lastName: String
        /// `email`.
        public var email: String
        /// `title`.
        public var title: String
        /// `department`.
        public var department: String
        /// `status`: t active, f inactive, T/F external, e/d external suite.
        public var status: String
        /// `lastModifiedDateTime`.
        public var lastModified: Date
        /// A user.
        public init(
            userID: String, username: String, firstName: String, lastName: String, email: String, title: String = "Analyst",
            department: String = "Marketing", status: String = "t", lastModified: Date = Date(timeIntervalSince1970: 1_730_000_000)
        ) {
            (self.userID, self.username, self.firstName, self.lastName, self.email) = (userID, username, firstName, lastName, email)
            (self.title, self.department, self.status, self.lastModified) = (title, department, status, lastModified)
        }
    }

    /// A JobRequisition with its JobRequisitionLocale rows.
    public struct Requisition: Sendable, Equatable {
        /// `jobReqId`.
        public var jobReqID: Int
        /// `internalStatus`, e.g. `Approved`.
        public var internalStatus: String
        /// `numberOpenings`.
        public var numberOpenings: Int
        /// `createdDateTime`.
        public var created: Date
        /// `lastModifiedDateTime`.
        public var lastModified: Date
        /// `jobReqLocale`: (locale, jobTitle) pairs.
        public var locales: [(locale: String, jobTitle: String)]
        /// A requisition.
        public init(jobReqID: Int, internalStatus: String, numberOpenings: Int, created: Date, lastModified: Date, locales: [(String, String)]) {
            (self.jobReqID, self.internalStatus, self.numberOpenings) = (jobReqID, internalStatus, numberOpenings)
            (self.created, self.lastModified, self.locales) = (created, lastModified, locales.map { (locale: $0.0, jobTitle: $0.1) })
        }

        public static func == (a: Requisition, b: Requisition) -> Bool {
            a.jobReqID == b.jobReqID && a.internalStatus == b.internalStatus && a.numberOpenings == b.numberOpenings
                && a.created == b.created && a.lastModified == b.lastModified
                && a.locales.map(\.locale) == b.locales.map(\.locale) && a.locales.map(\.jobTitle) == b.locales.map(\.jobTitle)
        }
    }

    /// A Candidate.
    public struct Candidate: Sendable, Equatable {
        /// `candidateId`.
        public var candidateID: Int
        /// `firstName`.
        public var firstName: String
        /// `lastName`.
        public var lastName: String
        /// `contactEmail` (and `primaryEmail`).
        public var contactEmail: String
        /// `country`.
        public var country: String
        /// `creationDateTime`.
        public var created: Date
        /// `lastModifiedDateTime`.
        public var lastModified: Date
        /// A candidate.
        public init(candidateID: Int, firstName: String, lastName: String, contactEmail: String, country: String, created: Date, lastModified: Date) {
            (self.candidateID, self.firstName, self.lastName, self.contactEmail) = (candidateID, firstName, lastName, contactEmail)
            (self.country, self.created, self.lastModified) = (country, created, lastModified)
        }
    }

    struct AccessToken: Sendable {
        var userID: String
        var apiKey: String
        var expiresAt: Date
    }

    enum Fault: Sendable {
        case rateLimited(retryAfter: Int)
    }

    struct State: Sendable {
        var clients: [String: Client] = [:]
        var tokens: [String: AccessToken] = [:]
        var grantCount = 0
        var sequence = 0
        var tokenLifetime = SuccessFactorsFake.defaultTokenLifetime
        var tokenRejectionStatus = 403
        var assertions: [ReceivedAssertion] = []
        var snapshots: [String: [String]] = [:]
        var users: [User]
        var requisitions: [Requisition]
        var candidates: [Candidate]
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The company id.
    public let companyID: String
    /// The API server host the fake stands for (a Recipient must name it, or the loopback address).
    public let apiHost: String
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()

    /// A company with one client (`apiKey`, whose registered certificate is `certificatePEM`),
    /// `userCount` users (`sfadmin` first; every tenth inactive), 230 requisitions and 310 candidates.
    public init(
        certificatePEM: String, apiKey: String = defaultAPIKey, companyID: String = defaultCompanyID, apiHost: String = defaultAPIHost,
        userCount: Int = 1_203
    ) {
        self.companyID = companyID
        self.apiHost = apiHost
        var initial = State(users: Self.seedUsers(count: userCount), requisitions: Self.seedRequisitions(), candidates: Self.seedCandidates())
        initial.clients[apiKey] = Client(apiKey: apiKey, certificatePEM: certificatePEM)
        state = Mutex(initial)
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "Service Unavailable"])
        }
    }

    // MARK: - Addresses

    /// `http://127.0.0.1:<port>`: stands for `https://<apiHost>`.
    public var baseURL: String { server.baseURL }
    /// `127.0.0.1:<port>`: what a test passes as the API host.
    public var loopbackHost: String { String(baseURL.dropFirst("http://".count)) }
    /// The token endpoint, `…/oauth/token`.
    public var tokenURL: String { "\(baseURL)/oauth/token" }
    /// What the definition's `baseUrl` names: `…/odata/v2`.
    public var apiBaseURL: String { "\(baseURL)/odata/v2" }

    // MARK: - Knobs and what it holds

    /// Registers another OAuth2 client application.
    public func registerClient(apiKey: String, certificatePEM: String) {
        state.withLock { $0.clients[apiKey] = Client(apiKey: apiKey, certificatePEM: certificatePEM) }
    }

    /// Tokens issued from now on last `lifetime`.
    public func setTokenLifetime(_ lifetime: TimeInterval) { state.withLock { $0.tokenLifetime = lifetime } }

    /// The status an expired or revoked token gets on OData (403 by default; see the header).
    public func setTokenRejectionStatus(_ status: Int) { state.withLock { $0.tokenRejectionStatus = status } }

    /// Every token issued so far is past its expiry: OData refuses it and the next grant mints anew.
    public func expireTokens() {
        state.withLock { state in
            for key in state.tokens.keys { state.tokens[key]?.expiresAt = Date().addingTimeInterval(-1) }
        }
    }

    /// A token for `userID` (default `sfadmin`) without the SAML exchange, for OData-only tests.
    public func issueToken(userID: String = "sfadmin") -> String {
        state.withLock { state in
            let apiKey = state.clients.keys.sorted().first ?? ""
            return Self.mint(&state, userID: userID, apiKey: apiKey, companyID: companyID)
        }
    }

    /// The next `count` OData calls answer 429 with `Retry-After: retryAfter`.
    public func injectRateLimit(retryAfter: Int = recommendedRetryAfter, count: Int = 1) {
        faults.add(.rateLimited(retryAfter: retryAfter), calls: count)
    }

    /// Adds (or replaces, by `userId`) a user.
    public func addUser(_ user: User) {
        state.withLock { state in
            state.users.removeAll { $0.userID == user.userID }
            state.users.append(user)
        }
    }

    /// Adds (or replaces, by `jobReqId`) a requisition.
    public func addRequisition(_ requisition: Requisition) {
        state.withLock { state in
            state.requisitions.removeAll { $0.jobReqID == requisition.jobReqID }
            state.requisitions.append(requisition)
        }
    }

    /// Adds (or replaces, by `candidateId`) a candidate.
    public func addCandidate(_ candidate: Candidate) {
        state.withLock { state in
            state.candidates.removeAll { $0.candidateID == candidate.candidateID }
            state.candidates.append(candidate)
        }
    }

    /// How many token requests got a token (a reused token counts too).
    public var grantCount: Int { state.withLock { $0.grantCount } }
    /// Every assertion the token endpoint received, in order, accepted or not.
    public var receivedAssertions: [ReceivedAssertion] { state.withLock { $0.assertions } }
    /// The requests made to `/oauth/token`.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/token") }
    /// The users.
    public var users: [User] { state.withLock { $0.users } }
    /// The requisitions.
    public var requisitions: [Requisition] { state.withLock { $0.requisitions } }
    /// The candidates.
    public var candidates: [Candidate] { state.withLock { $0.candidates } }

    /// The requests made with `method` to `pattern` (`*` matches one segment).
    public func requests(_ method: String, _ pattern: String) -> [FakeProviderServer.RecordedRequest] {
        server.requests(method, pattern)
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        if segments == ["oauth", "token"] {
            guard request.method == "POST" else { return Self.tokenError(405, "Method Not Allowed") }
            return token(request)
        }
        guard segments.count == 3, segments[0] == "odata", segments[1] == "v2" else {
            return Self.odataError(404, "COE_GENERAL_NOT_FOUND", "Invalid endpoint")
        }
        switch authenticate(request) {
        case .success: break
        case .failure(let refusal): return refusal.reply
        }
        if case .rateLimited(let retryAfter) = faults.take() {
            return Self.odataError(429, "TOO_MANY_REQUESTS", "Too Many Requests", headers: HTTPHeaders([("Retry-After", String(retryAfter))]))
        }
        guard let entity = Entity(rawValue: segments[2]) else {
            return Self.odataError(400, "COE_ENTITY_NOT_FOUND", "[COE0007]invalid entity (or function) name: \(segments[2])")
        }
        guard request.method == "GET" else { return Self.odataError(405, "COE_GENERAL_BAD_REQUEST", "Method Not Allowed") }
        return query(entity, request)
    }

    /// A refusal carrying the reply to send.
    struct Refusal: Error {
        var reply: Reply
    }

    /// SAP's OData error body.
    static func odataError(_ status: Int, _ code: String, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
        .json(status, object: ["error": ["code": code, "message": ["lang": "en-US", "value": message]]], headers: headers)
    }

    /// The token endpoint's error body as SAP KBA 2668018 shows it.
    static func tokenError(_ status: Int, _ message: String) -> Reply {
        .json(status, object: ["errorHttpCode": String(status), "errorMessage": message])
    }
}
