// A fake of DocuSign on loopback: the authentication service (account.docusign.com) and the
// eSignature REST API v2.1 of the user's accounts, following DocuSign's documentation — not
// what our connector definition (configs/connectors/docusign.json) assumes.
//
// - Authorization Code Grant: consent at GET /oauth/auth (response_type=code, scope, client_id,
//   redirect_uri, state; optional PKCE code_challenge with code_challenge_method S256), the code
//   valid for two minutes; POST /oauth/token with Content-Type
//   application/x-www-form-urlencoded, `Authorization: Basic base64(integrationKey:secretKey)`
//   and grant_type=authorization_code&code=… (+ code_verifier); grant_type=refresh_token gives
//   an access token and a NEW refresh token; answer {access_token, token_type "Bearer",
//   refresh_token, expires_in 28800}; access tokens last 8 hours, refresh tokens 30 days:
//   https://developers.docusign.com/platform/auth/authcode/authcode-get-token/,
//   https://developers.docusign.com/platform/auth/confidential-authcode-get-token/,
//   https://developers.docusign.com/platform/auth/reference/obtain-access-token/,
//   https://www.docusign.com/blog/developers/docusign-adds-support-pkce,
//   https://docs.docusign.com/esign/guide/authentication/oa2_auth_code.html
// - GET /oauth/userinfo (Bearer) → {sub, name, given_name, family_name, created, email,
//   accounts: [{account_id, is_default, account_name, base_uri, organization?}]}; each account
//   lives on its own site (www, na2, na3, na4, ca, eu, au) and the REST API refuses calls that
//   are not made to the account's base_uri:
//   https://developers.docusign.com/platform/auth/reference/user-info/,
//   https://www.docusign.com/blog/developers/the-trenches-who-are-you,
//   https://www.docusign.com/blog/developers/the-trenches-optimize-your-soap-api-calls-server-specific-base-uris
// - Envelopes (create POST, get GET …/envelopes/{envelopeId}, listStatusChanges GET …/envelopes
//   with from_date — required unless envelope_ids or transaction_ids —, to_date, status (comma
//   list, `any`), search_text, folder_ids, start_position, count, order_by, order; answer
//   envelopesInformation {resultSetSize, startPosition, endPosition, totalSetSize, nextUri,
//   previousUri, envelopes} with the counts as strings; envelopeSummary {envelopeId, uri,
//   statusDateTime, status}; status `created` (or absent) saves a draft, `sent` sends and then
//   needs emailSubject, documents (or a template) and recipients; errors are errorDetails
//   {errorCode, message} with 400, the only error status the spec declares for these methods):
//   https://developers.docusign.com/docs/esign-rest-api/reference/envelopes/envelopes/,
//   github.com/docusign/OpenAPI-Specifications and github.com/docusign/eSign-OpenAPI-Specification
//   (esignature.rest.swagger-v2.1.json: Envelopes_PostEnvelopes, Envelopes_GetEnvelope,
//   Envelopes_GetEnvelopes, definitions envelope, envelopesInformation, envelopeSummary,
//   errorDetails), github.com/docusign/docusign-esign-python-client (models/envelopes_information.py
//   for nextUri/previousUri)
// - Error texts seen in DocuSign's answers: INVALID_REQUEST_PARAMETER "…Query parameter
//   'from_date' must be set to a valid DateTime, or 'envelope_ids' or 'transaction_ids' must be
//   specified." (github.com/docusign/docusign-esign-java-client/issues/76), "Value for 'status'
//   must be 'created', 'sent' or 'voided'." (docusign-esign-csharp-client/issues/102),
//   INVALID_REQUEST_BODY "The request body is missing or improperly formatted."
//   (docusign-esign-python-client/issues/19), AUTHORIZATION_INVALID_TOKEN 401 "The access token
//   provided is expired, revoked or malformed.", USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT "The
//   specified User is not a member of the specified Account." (Stack Overflow 54109579); `status=any`
//   leaves drafts out, they are listed with status=created
//   (docusign-esign-node-client/issues/233, "as designed"); the error code list:
//   https://developers.docusign.com/docs/esign-rest-api/esign101/error-codes/troubleshooting-common-errors/
// - Rate limits: X-RateLimit-Limit (3,000 an hour per account), X-RateLimit-Remaining,
//   X-RateLimit-Reset (when the hour resets, refreshed at the top of each hour),
//   X-BurstLimit-Limit (500 in 30 seconds in production), X-BurstLimit-Remaining; over the limit
//   "The maximum number of hourly API invocations has been exceeded":
//   https://developers.docusign.com/platform/resource-limits/,
//   https://developers.docusign.com/docs/esign-rest-api/esign101/rules-and-limits/,
//   https://developers.docusign.com/docs/esign-soap-api/esign101/security/call-limits/
//
// From memory or assumed where the sources above are silent (each is marked in the code):
// the 429 status and the codes HOURLY_APIINVOCATION_LIMIT_EXCEEDED / BURST_APIINVOCATION_LIMIT_EXCEEDED
// with their full messages; X-RateLimit-Reset as Unix seconds; the refused refresh token and a
// bad client answering 400 {"error": "invalid_grant"} (with error_description "unauthorized_client"
// for the client); the old refresh token failing after a rotation (our definition says the
// token rotates); userinfo's 401 {"error": "invalid_token"} (RFC 6750); USER_AUTHENTICATION_FAILED
// "One or both of Username and Password are invalid." without a token;
// USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT (400) for an account called on another site's host —
// DocuSign says such calls are rejected, not with which code —; ENVELOPE_DOES_NOT_EXIST "Invalid
// envelope ID." with 400; ENVELOPE_IS_INCOMPLETE, INVALID_EMAIL_ADDRESS_FOR_RECIPIENT,
// TEMPLATE_ID_INVALID and their messages; bad base64 as INVALID_REQUEST_BODY; the dates'
// seven fractional digits; nextUri relative to the account ("/envelopes?…") and "" on the last
// page; the default order (last_modified, desc); a missing `count` meaning every match.
//
// One loopback server cannot be several hosts, so the REST API is served with the host as the
// first path segment: `/<host>/restapi/v2.1/accounts/<accountId>/…`.

public import Foundation
import HTTPFields
import Synchronization

/// DocuSign on loopback: the authentication service (consent, code exchange with PKCE, rotating
/// refresh tokens, userinfo) and the eSignature REST API of two accounts on different sites —
/// the default one on `na3.docusign.net` with 230 envelopes, one on `eu.docusign.net` with three.
///
/// Knobs: `authorize(_:)`, `issueToken(scopes:)`, `expire(token:)`, `revokeRefreshTokens()`,
/// `setStatus(_:envelopeID:)`, `injectRateLimit(calls:burst:)`, `hourlyLimit`; what it holds:
/// `envelopes(accountID:)`, `refreshCount`, `tokenRequests`, `apiRequests`.
public final class DocuSignFake: ServedFake {
    /// The default account's site.
    public static let defaultHost = "na3.docusign.net"
    /// The second account's site.
    public static let euHost = "eu.docusign.net"
    /// The default account (API account id GUID), on `na3`.
    public static let defaultAccountID = "3f1c2a8e-5b7d-4e21-9a36-0d4c8e7b1f52"
    /// The second account, on `eu`.
    public static let euAccountID = "8a0e6d43-2c19-4b5f-a7e2-91f3c5d60b84"
    /// The user's id (`sub`).
    public static let userID = "5d9e2c71-0b4a-4f83-a6d2-7c1e9f30b845"
    /// The user's email.
    public static let userEmail = "ada.lovelace@neonhub.example"
    /// The scopes of configs/connectors/docusign.json.
    public static let scopes = ["signature", "extended"]
    /// A server template of the default account, with one role, `Signer`.
    public static let templateID = "c0ffee00-1a2b-4c3d-8e4f-5a6b7c8d9e01"
    /// When the seeded envelopes' history starts: the first one changed status at this instant,
    /// each next one an hour later.
    public static let seedStart = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01T00:00:00Z

    /// The integration key (client id), its secret key and redirect URI, as Apps and Keys holds them.
    public let app = FakeOAuthApp(
        clientID: "7c2b8d7e-4a1f-4f0e-9b6d-cda8a50dd73f", clientSecret: "d7014634-3e2b-47a1-8c5f-6842b7aa8861",
        redirectURI: "https://app.example.test/oauth/callback/docusign")

    /// An account of the user.
    public struct Account: Sendable {
        /// `account_id`.
        public var id: String
        /// `account_name`.
        public var name: String
        /// The host of its `base_uri`.
        public var host: String
        /// `is_default`.
        public var isDefault: Bool
        /// The organization's id, if the account belongs to one.
        public var organizationID: String?
        /// `https://<host>`.
        public var baseURI: String { "https://" + host }
    }

    /// A recipient who signs.
    public struct Signer: Sendable {
        /// The email address.
        public var email: String
        /// The full name.
        public var name: String
        /// `recipientId`.
        public var recipientID: String
        /// `routingOrder`.
        public var routingOrder: String
        /// The template role, for a signer from `templateRoles`.
        public var roleName: String?
    }

    /// A document of an envelope.
    public struct Document: Sendable {
        /// `documentId`.
        public var id: String
        /// `name`.
        public var name: String
        /// `fileExtension`.
        public var fileExtension: String
        /// The decoded `documentBase64`.
        public var bytes: [UInt8]
    }

    /// An envelope.
    public struct Envelope: Sendable {
        /// `envelopeId`.
        public var id: String
        /// The account it belongs to.
        public var accountID: String
        /// created, sent, delivered, signed, completed, declined, voided, …
        public var status: String
        /// `emailSubject`.
        public var emailSubject: String
        /// `emailBlurb`.
        public var emailBlurb: String?
        /// The signers.
        public var signers: [Signer]
        /// The documents.
        public var documents: [Document]
        /// The template it was made from.
        public var templateID: String?
        /// `transactionId`.
        public var transactionID: String?
        /// `createdDateTime`.
        public var created: Date
        /// `sentDateTime`.
        public var sent: Date?
        /// `statusChangedDateTime`.
        public var statusChanged: Date
        /// `lastModifiedDateTime`.
        public var lastModified: Date
    }

    struct Access: Sendable {
        var scopes: [String]
        var expiresAt: Date
        var expired = false
    }

    struct Refresh: Sendable {
        var scopes: [String]
        var valid = true
    }

    struct Grant: Sendable {
        var redirectURI: String
        var scopes: [String]
        var challenge: String?
        var issuedAt: Date
        var used = false
    }

    struct Usage: Sendable {
        var hour: Int = 0
        var calls = 0
        var recent: [Date] = []
    }

    struct State: Sendable {
        var accounts: [Account] = []
        var envelopes: [Envelope] = []
        var access: [String: Access] = [:]
        var refresh: [String: Refresh] = [:]
        var grants: [String: Grant] = [:]
        var refreshes = 0
        var usage: [String: Usage] = [:]
        var hourlyLimit = 3000
        var burstLimit = 500
        var sequence = 0
    }

    /// An injected rate-limit refusal.
    enum Throttle: Sendable {
        case hourly, burst
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Throttle>()

    /// The two accounts; `envelopeCount` envelopes on the default account (seeded, oldest first:
    /// a cycle of sent, delivered, completed, declined, voided and draft), three on the EU one.
    public init(envelopeCount: Int = 230) {
        state.withLock { state in
            state.accounts = [
                Account(
                    id: Self.defaultAccountID, name: "NeonHub Inc.", host: Self.defaultHost, isDefault: true,
                    organizationID: "9b2f4c6e-8d1a-4e3b-b5c7-0f2e4d6a8c10"),
                Account(id: Self.euAccountID, name: "NeonHub Europe Ltd", host: Self.euHost, isDefault: false, organizationID: nil),
            ]
            let statuses = ["sent", "delivered", "completed", "completed", "declined", "voided", "sent", "created"]
            for index in 0..<envelopeCount {
                state.envelopes.append(Self.seeded(index, account: Self.defaultAccountID, status: statuses[index % statuses.count]))
            }
            for index in 0..<3 {
                state.envelopes.append(Self.seeded(10_000 + index, account: Self.euAccountID, status: "completed"))
            }
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: [String: Any]())
        }
    }

    private static func seeded(_ index: Int, account: String, status: String) -> Envelope {
        let changed = seedStart.addingTimeInterval(Double(index) * 3600)
        let subject = index % 10 == 0 ? "Mutual NDA #\(index + 1)" : "Services agreement #\(index + 1)"
        let signer = Signer(email: "signer\(index + 1)@client.example", name: "Signer \(index + 1)", recipientID: "1", routingOrder: "1")
        return Envelope(
            id: String(format: "%08x-5eed-4000-8000-%012x", index + 1, index * 7919), accountID: account, status: status,
            emailSubject: subject, emailBlurb: nil, signers: [signer], documents: [], templateID: nil, transactionID: nil,
            created: changed.addingTimeInterval(-86_400), sent: status == "created" ? nil : changed.addingTimeInterval(-43_200),
            statusChanged: changed, lastModified: changed)
    }

    /// `http://127.0.0.1:<port>`: stands for `https://account.docusign.com` and, with a host as
    /// the first path segment, for every `https://<site>.docusign.net`.
    public var baseURL: String { server.baseURL }
    /// Stands for `https://account.docusign.com/oauth/auth`.
    public var authorizeURL: String { baseURL + "/oauth/auth" }
    /// Stands for `https://account.docusign.com/oauth/token`.
    public var tokenURL: String { baseURL + "/oauth/token" }
    /// Stands for `https://account.docusign.com/oauth/userinfo`.
    public var userInfoURL: String { baseURL + "/oauth/userinfo" }
    /// Stands for `https://<host>` (a `base_uri`).
    public func siteURL(host: String) -> String { baseURL + "/" + host }
    /// The path of an account's REST base on `host`: `/<host>/restapi/v2.1/accounts/<accountId>`.
    public static func accountPath(_ accountID: String = defaultAccountID, host: String = defaultHost) -> String {
        "/\(host)/restapi/v2.1/accounts/\(accountID)"
    }

    /// The user's accounts, the default first.
    public var accounts: [Account] { state.withLock { $0.accounts } }
    /// The envelopes of an account, in creation order.
    public func envelopes(accountID: String = DocuSignFake.defaultAccountID) -> [Envelope] {
        state.withLock { $0.envelopes.filter { $0.accountID == accountID } }
    }
    /// How many refresh grants succeeded.
    public var refreshCount: Int { state.withLock { $0.refreshes } }
    /// The token endpoint's requests, in order.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/token") }
    /// The eSignature REST API's requests (any host), in order.
    public var apiRequests: [FakeProviderServer.RecordedRequest] { requests.filter { $0.path.contains("/restapi/") } }

    /// The envelope's status changes now (a signer signed, declined, the sender voided it).
    public func setStatus(_ status: String, envelopeID: String) {
        state.withLock { state in
            guard let index = state.envelopes.firstIndex(where: { $0.id == envelopeID }) else { return }
            let now = Date()
            state.envelopes[index].status = status
            state.envelopes[index].statusChanged = now
            state.envelopes[index].lastModified = now
            if status == "sent", state.envelopes[index].sent == nil { state.envelopes[index].sent = now }
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/oauth/auth"): return consent(request)
        case ("POST", "/oauth/token"): return token(request)
        case ("GET", "/oauth/userinfo"): return userInfo(request)
        default: return restAPI(request)
        }
    }

    /// DocuSign's errorDetails payload.
    static func error(_ status: Int, _ code: String, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
        .json(status, object: ["errorCode": code, "message": message], headers: headers)
    }

    /// A date as DocuSign writes it: UTC with seven fractional digits (from memory).
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0,
            (c.nanosecond ?? 0) / 100)
    }

    /// A GUID in DocuSign's lower-case form.
    static func guid() -> String { UUID().uuidString.lowercased() }

    /// An opaque token of `prefix` and a sequence number.
    static func mint(_ prefix: String, _ state: inout State) -> String {
        state.sequence += 1
        return prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "") + String(state.sequence)
    }
}
