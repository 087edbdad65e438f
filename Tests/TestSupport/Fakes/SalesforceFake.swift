// A fake of one Salesforce org (its My Domain instance, https://MyDomainName.my.salesforce.com, and
// its login server, https://login.salesforce.com) on loopback, following Salesforce's
// documentation — not what our connector definition (configs/connectors/salesforce.json) assumes:
//
// - OAuth 2.0 web server flow (GET /services/oauth2/authorize with response_type=code, client_id,
//   redirect_uri — it must match the connected app's callback URL —, scope, state, and for PKCE
//   code_challenge, base64url SHA-256 of the verifier; POST /services/oauth2/token, form-encoded,
//   grant_type=authorization_code with code, client_id, client_secret, redirect_uri and
//   code_verifier; the answer {access_token, refresh_token (only with the refresh_token or
//   offline_access scope), signature, scope, instance_url, id, token_type: "Bearer", issued_at}
//   and no expires_in: the session timeout of the org decides):
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
//   (PKCE: RFC 7636, https://www.rfc-editor.org/rfc/rfc7636)
//   (signature: Base64 HMAC-SHA256 of id + issued_at keyed with the client secret; issued_at in
//   milliseconds since the epoch: https://www.yumpu.com/en/document/view/50136036/databasecom-rest-api-developers-guide-salesforcecom/22)
// - Refresh token flow (grant_type=refresh_token with refresh_token, client_id, client_secret; the
//   answer carries no refresh_token: the same one stays valid unless the connected app rotates them):
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm,
//   https://cloudsfdc.com/refresh-token-flow
// - Token errors: 400 {"error", "error_description"} — invalid_grant "authentication failure" (a
//   bad code), "expired access/refresh token" (a dead refresh token), invalid_client_id "client
//   identifier invalid", invalid_client "invalid client credentials", redirect_uri_mismatch
//   "redirect_uri must match configuration", unsupported_grant_type "grant type not supported":
//   https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_flow_errors.htm,
//   https://bayyabuzz.blogspot.com/2021/05 (error codes of the token endpoint). A verifier that
//   does not hash to the challenge: invalid_grant "invalid code verifier".
// - Revocation (POST /services/oauth2/revoke, form token=<access or refresh token>; a refresh token
//   revokes its access tokens too; 200, or 400 invalid_token / unsupported_token_type):
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.mobile_sdk.meta/mobile_sdk/oauth_revoking_tokens.htm
// - Query (GET /services/data/vXX.X/query?q=<SOQL>, Authorization: Bearer; {totalSize, done,
//   records: [{attributes: {type, url}, <fields>}], nextRecordsUrl} — nextRecordsUrl, a path
//   /services/data/vXX.X/query/01g…-2000, present while done is false; up to 2,000 records a batch,
//   fewer at Salesforce's discretion or with Sforce-Query-Options: batchSize=200…2000; an invalid
//   query is MALFORMED_QUERY): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
// - Parameterized search (GET /services/data/vXX.X/parameterizedSearch?q=…&sobject=…&in=ALL|NAME|
//   EMAIL|PHONE|SIDEBAR&<sobject>.fields=…&<sobject>.limit=…&overallLimit=… → {searchRecords: [...]};
//   only Ids when no fields are named):
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_search.htm
// - Create a record (POST /services/data/vXX.X/sobjects/<Type>/ with a JSON body of field values →
//   201 {id, success: true, errors: []}):
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm.
//   The fake's describe of Contact, Lead and Opportunity (required fields Contact.LastName;
//   Lead.LastName, Company; Opportunity.Name, StageName, CloseDate; text lengths FirstName 40,
//   LastName 80, Title 128, Opportunity.Name 120) follows the Object Reference
//   (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/).
// - Errors: a JSON array [{"message", "errorCode", "fields"?}] — 400 REQUIRED_FIELD_MISSING,
//   INVALID_FIELD, MALFORMED_QUERY, INVALID_TYPE, STRING_TOO_LONG, INVALID_EMAIL_ADDRESS; 401
//   INVALID_SESSION_ID "Session expired or invalid"; 403 REQUEST_LIMIT_EXCEEDED "TotalRequests
//   Limit exceeded." (the org's rolling 24-hour allocation; no Retry-After); 404 NOT_FOUND; 415 for a
//   body that is not JSON: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm,
//   https://gist.github.com/rickysaltzer/4542457 (the 403 as sent)
// - Limits (Sforce-Limit-Info: api-usage=<used>/<allocation> on every answer):
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
// - Record ids are 18 characters: a 15-character case-sensitive id and a 3-character checksum of
//   its letters' case (key prefixes 001 Account, 003 Contact, 00Q Lead, 006 Opportunity, as in the
//   examples of the pages above).
//
// Served on 127.0.0.1, the fake is the login server and the instance at once: its token answers
// name its own address as instance_url. Its SOQL reader takes SELECT <fields> FROM <object>
// [WHERE <field> = '<value>' [AND …]] [ORDER BY <field> [ASC|DESC]] [LIMIT <n>]; anything else in
// a WHERE clause is answered MALFORMED_QUERY rather than guessed at.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// One Salesforce org on loopback: the OAuth web server flow with PKCE, refresh and revocation,
/// `GET …/query` (with query locators), `GET …/query/<locator>`, `GET …/parameterizedSearch` and
/// `POST …/sobjects/{Contact,Lead,Opportunity}/`.
///
/// It keeps state like the real thing: only tokens it issued work until they expire or are
/// revoked; codes are single use and bound to their redirect URI and PKCE challenge; created
/// records are in the store and found by later queries. Knobs: `expire(token:)`,
/// `revoke(token:)`, `dailyLimit`, `batchSize`, `failNext(status:errorCode:message:count:)`.
public final class SalesforceFake: ServedFake {
    /// The REST API version of the definition's base URL.
    public static let apiVersion = "v62.0"
    /// The connected app (consumer key and secret shaped as Salesforce issues them).
    public static let defaultApp = FakeOAuthApp(
        clientID: "3MVG9n_HvETGhr3AFake.0S2nMk5yVbq0oTQ2wQz1XhC7pJ8nJ4Xy3EbG6sDhN_Rc4a9Lq1uXwE",
        clientSecret: "E8B1C7A4F0D94B6E3A2C5D7F9E1B3A5C7D9F1E3B5A7C9D1F3E5B7A9C1D3F5E7B",
        redirectURI: "https://hub.example.test/oauth/callback/salesforce")
    /// The scopes of `configs/connectors/salesforce.json`.
    public static let defaultScopes: Set<String> = ["api", "refresh_token"]
    /// The org id (18 characters).
    public static let orgID = "00D5g000004SXbEEAW"
    /// The authorizing user's id.
    public static let userID = "0055g00000C9RzHAAV"
    /// The body of a 401 for an unknown, expired or revoked session.
    public static let invalidSession = #"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#

    /// A record of the store: its type, id and field values by API name (numbers as text).
    public struct Record: Sendable, Equatable {
        /// `Contact`, `Lead`, `Opportunity` or `Account`.
        public var type: String
        /// The 18-character id.
        public var id: String
        /// Field values by API name, without `Id` (`Name` of contacts and leads is computed).
        public var fields: [String: String]

        /// A record.
        public init(type: String, id: String, fields: [String: String]) {
            self.type = type
            self.id = id
            self.fields = fields
        }
    }

    /// `count` contacts (ids of prefix 003, emails `contact1@example.com`…, phones, titles) and
    /// one account they belong to, modified a minute apart from 2026-01-05T09:00Z.
    public static func seed(contacts count: Int) -> [Record] {
        let first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Linus"]
        let titles = ["Marketing Director", "VP Sales", "Engineer", "Buyer"]
        var records = [Record(type: "Account", id: salesforceID(prefix: "001", sequence: 1), fields: ["Name": "Example Holdings"])]
        for index in 0..<max(0, count) {
            records.append(
                Record(
                    type: "Contact", id: salesforceID(prefix: "003", sequence: index + 1),
                    fields: [
                        "FirstName": first[index % first.count], "LastName": "Example\(index + 1)", "Email": "contact\(index + 1)@example.com",
                        "Phone": "+1 555 01\(String(format: "%02d", index % 100))", "Title": titles[index % titles.count],
                        "AccountId": records[0].id, "SystemModstamp": timestamp(seedEpoch + TimeInterval(index * 60)),
                    ]))
        }
        return records
    }

    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var challenge: String?
        var used = false
    }

    struct Token: Sendable {
        var refresh: String?
        var expired = false
        var revoked = false
    }

    struct Cursor: Sendable {
        var type: String
        var fields: [String]
        var ids: [String]
    }

    struct Fault: Sendable {
        var status: Int
        var errorCode: String
        var message: String
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Bool] = [:]
        var records: [Record]
        var cursors: [String: Cursor] = [:]
        var apiUsage = 0
        var dailyLimit: Int
        var batchSize = 2000
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The connected app.
    public let app: FakeOAuthApp
    let state: Mutex<State>
    let faults = ScriptedFaults<Fault>()
    /// The `instance_url` token answers name; nil names the fake itself.
    let instanceURL: String?

    /// An org holding `records` (an account and 450 contacts by default) whose API allocation is
    /// `dailyLimit` requests (Enterprise Edition's base: 100,000), whose token answers name
    /// `instanceURL` as the org's instance (the fake's own address when nil: real instances are
    /// https hosts of salesforce.com, which a test reaches through an endpoint override).
    public init(
        app: FakeOAuthApp = defaultApp, records: [Record] = SalesforceFake.seed(contacts: 450), dailyLimit: Int = 100_000,
        instanceURL: String? = nil
    ) {
        self.app = app
        self.instanceURL = instanceURL
        state = Mutex(State(records: records, dailyLimit: dailyLimit))
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, #"[{"message":"fake gone","errorCode":"SERVER_UNAVAILABLE"}]"#)
        }
    }

    // MARK: - Addresses and knobs

    /// `http://127.0.0.1:<port>`: stands for the instance (`instance_url`) and the login server.
    public var baseURL: String { server.baseURL }
    /// The REST base, `<instance>/services/data/v62.0`.
    public var apiBaseURL: String { "\(baseURL)/services/data/\(Self.apiVersion)" }
    /// The authorization endpoint.
    public var authorizeURL: String { "\(baseURL)/services/oauth2/authorize" }
    /// The token endpoint.
    public var tokenURL: String { "\(baseURL)/services/oauth2/token" }
    /// The revocation endpoint.
    public var revokeURL: String { "\(baseURL)/services/oauth2/revoke" }

    /// An access token, issued without the OAuth dance.
    public func issueToken() -> String { state.withLock { Self.mintAccess(&$0, refresh: nil) } }

    /// From now on `token` is refused with 401 `INVALID_SESSION_ID` (its session timed out).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// Revokes `token` as the revocation endpoint does: a refresh token with its access tokens.
    public func revoke(token: String) { state.withLock { Self.revoke(&$0, token: token) } }

    /// Whether `token` is a refresh token that still works.
    public func isValid(refreshToken token: String) -> Bool { state.withLock { $0.refreshTokens[token] == true } }

    /// Every refresh token the token endpoint issued, valid or not, in no particular order.
    public var issuedRefreshTokens: [String] { state.withLock { $0.refreshTokens.keys.sorted() } }

    /// The org's API allocation for the rolling 24 hours; past it, 403 `REQUEST_LIMIT_EXCEEDED`.
    public var dailyLimit: Int {
        get { state.withLock { $0.dailyLimit } }
        set { state.withLock { $0.dailyLimit = newValue } }
    }

    /// API requests counted so far (what `Sforce-Limit-Info` reports as used).
    public var apiUsage: Int { state.withLock { $0.apiUsage } }

    /// The most records a query batch holds (2,000; Salesforce may send fewer).
    public var batchSize: Int {
        get { state.withLock { $0.batchSize } }
        set { state.withLock { $0.batchSize = max(1, newValue) } }
    }

    /// The next `count` API calls answer `status` with Salesforce's error array of `errorCode`
    /// and `message` (`SERVER_UNAVAILABLE` 503, `UNABLE_TO_LOCK_ROW` 400…).
    public func failNext(status: Int, errorCode: String, message: String, count: Int = 1) {
        faults.add(Fault(status: status, errorCode: errorCode, message: message), calls: count)
    }

    /// The records in the store, seeded and created, in creation order.
    public var records: [Record] { state.withLock { $0.records } }

    /// The records of one type.
    public func records(_ type: String) -> [Record] { records.filter { $0.type == type } }

    /// The requests made to the token endpoint.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/services/oauth2/token") }

    /// The requests made to the revocation endpoint.
    public var revokeRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/services/oauth2/revoke") }

    /// The requests made with `method` to `path` under the REST base (`/query`, `/query/*`…).
    public func apiRequests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] {
        server.requests(method, "/services/data/\(Self.apiVersion)\(path)")
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        switch request.path {
        case "/services/oauth2/token":
            return request.method == "POST" ? token(request) : Self.oauthError(405, "invalid_request", "token requests must be POST")
        case "/services/oauth2/revoke":
            return revokeEndpoint(request)
        default: break
        }
        let prefix = "/services/data/\(Self.apiVersion)"
        guard request.path.hasPrefix(prefix + "/") else {
            return Self.error(404, "NOT_FOUND", "The requested resource does not exist")
        }
        var path = String(request.path.dropFirst(prefix.count))
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if let refused = authenticate(request) { return refused }
        // Each call counts against the org's allocation; once it is spent, every call is refused.
        let (usage, limit, spent) = state.withLock { state -> (Int, Int, Bool) in
            let spent = state.apiUsage >= state.dailyLimit
            if !spent { state.apiUsage += 1 }
            return (state.apiUsage, state.dailyLimit, spent)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Sforce-Limit-Info", value: "api-usage=\(usage)/\(limit)")
        if spent { return Self.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", headers: headers) }
        if let fault = faults.take() { return Self.error(fault.status, fault.errorCode, fault.message, headers: headers) }
        var reply: Reply
        switch (request.method, path) {
        case ("GET", "/query"): reply = query(request)
        case ("GET", _) where path.hasPrefix("/query/"): reply = queryMore(locator: String(path.dropFirst("/query/".count)))
        case ("GET", "/parameterizedSearch"): reply = parameterizedSearch(request)
        case ("POST", _) where path.hasPrefix("/sobjects/") && !path.dropFirst("/sobjects/".count).contains("/"):
            reply = create(request, type: String(path.dropFirst("/sobjects/".count)))
        case (_, "/query"), (_, "/parameterizedSearch"):
            reply = Self.error(405, "METHOD_NOT_ALLOWED", "HTTP Method '\(request.method)' not allowed. Allowed are GET,HEAD")
        default:
            reply = Self.error(404, "NOT_FOUND", "The requested resource does not exist")
        }
        for field in headers { reply.headers.replaceOrAdd(name: field.name, value: field.value) }
        return reply
    }

    // MARK: - Pieces

    static let seedEpoch = Date(timeIntervalSince1970: 1_767_603_600)  // 2026-01-05T09:00:00Z

    /// Salesforce's datetime format, `2026-01-05T09:00:00.000+0000`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.string(from: date)
    }

    /// An 18-character id: the key prefix, the org's pod and a sequence (15 case-sensitive
    /// characters), then the checksum of the letters' case, five characters at a time.
    public static func salesforceID(prefix: String, sequence: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var number = sequence
        var digits: [Character] = []
        for _ in 0..<6 {
            digits.insert(alphabet[number % 62], at: 0)
            number /= 62
        }
        let fifteen = Array(prefix + "5g000" + "0" + String(digits))
        let checksum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
        var suffix = ""
        for chunk in 0..<3 {
            var bits = 0
            for (offset, character) in fifteen[(chunk * 5)..<(chunk * 5 + 5)].enumerated() where character.isASCII && character.isUppercase {
                bits |= 1 << offset
            }
            suffix.append(checksum[bits])
        }
        return String(fifteen) + suffix
    }

    /// Salesforce's error answer: a JSON array of one `{message, errorCode, fields?}`.
    static func error(_ status: Int, _ code: String, _ message: String, fields: [String]? = nil, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
        var entry: [String: Any] = ["message": message, "errorCode": code]
        if let fields { entry["fields"] = fields }
        return .json(status, object: [entry], headers: headers)
    }

    /// An OAuth error answer (RFC 6749 §5.2 shape, as the token and revocation endpoints send it).
    static func oauthError(_ status: Int, _ code: String, _ description: String) -> Reply {
        .json(status, object: ["error": code, "error_description": description])
    }
}
