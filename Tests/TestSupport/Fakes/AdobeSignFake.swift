// A fake of Adobe Acrobat Sign's REST API v6 and its OAuth 2.0 server on loopback, following
// Adobe's documentation — not what our connector definition assumes:
//
// - Authorization request `GET https://secure.<shard>.adobesign.com/public/oauth/v2` (client_id,
//   redirect_uri, response_type=code, scope space-separated `name:modifier` with modifier self,
//   group or account, state); the redirect back carries `code`, `api_access_point`
//   (`https://api.na1.adobesign.com/`), `web_access_point` and the `state`:
//   https://opensource.adobe.com/acrobat-sign/developer_guide/helloworld.html (Configure OAuth,
//   Create an authorization request link), https://secure.adobesign.com/public/static/oauthDoc.jsp
// - Access token request `POST {api_access_point}oauth/v2/token`, form body with grant_type
//   authorization_code, code, client_id, client_secret (in the body) and redirect_uri; answer
//   {access_token, refresh_token, token_type "Bearer", expires_in 3600, api_access_point,
//   web_access_point}: https://opensource.adobe.com/acrobat-sign/developer_guide/helloworld.html
//   (Getting the access token)
// - Refresh on a SEPARATE endpoint `POST {api_access_point}oauth/v2/refresh` (grant_type
//   refresh_token, client_id, client_secret, refresh_token in a form); answer {access_token,
//   token_type, expires_in} with no new refresh token; refresh tokens last 60 days from their
//   last use; revocation `POST {api_access_point}oauth/v2/revoke` with `token` in a form,
//   revoking an access token revokes its refresh token and the other way round:
//   https://opensource.adobe.com/acrobat-sign/developer_guide/oauth.html,
//   https://developer.adobe.com/acrobat-sign/docs/overview/developer_guide/oauth
// - REST v6 under `{api_access_point}api/rest/v6`, `Authorization: Bearer <token>`; errors are
//   JSON {code, message}; the codes and statuses of the Acrobat Sign SDK's SdkErrorCodes
//   (INVALID_ACCESS_TOKEN 401, NO_ACCESS_TOKEN_HEADER 401 "Access token header not provided",
//   MISSING_REQUIRED_PARAM 400, INVALID_ARGUMENTS 400, INVALID_AGREEMENT_ID 404,
//   INVALID_TRANSIENTDOCUMENT_ID 404, INVALID_LIBRARYDOCUMENT_ID 404, INVALID_PAGE_CURSOR 400,
//   NO_FILE_CONTENT 400): https://secure.adobesign.com/public/docs/restapi/v6,
//   github.com/adobe-sign/AdobeSignJavaSdk (SdkErrorCodes.java)
// - `POST /transientDocuments` multipart/form-data with `File` (the file part, required),
//   `File-Name` and `Mime-Type` → 201 {transientDocumentId}, valid for 7 days:
//   https://secure.adobesign.com/public/docs/restapi/v6#!/transientDocuments/createTransientDocument
// - `POST /agreements` with AgreementInfo JSON (fileInfos, name, participantSetsInfo with
//   memberInfos/order/role, signatureType ESIGN|WRITTEN, state IN_PROCESS|AUTHORING|DRAFT) → 201
//   {id}: https://secure.adobesign.com/public/docs/restapi/v6#!/agreements/createAgreement,
//   https://opensource.adobe.com/acrobat-sign/developer_guide/apiusage.html
// - `GET /agreements/{agreementId}` → AgreementInfo (id, name, status, createdDate, senderEmail,
//   …) with an ETag: https://secure.adobesign.com/public/docs/restapi/v6#!/agreements/getAgreementInfo
// - `GET /agreements` (query `cursor`, `pageSize`) → {userAgreementList: [UserAgreement {id, name,
//   status, displayDate, esign, hidden, type, …}], page: {nextCursor}}:
//   https://secure.adobesign.com/public/docs/restapi/v6#!/agreements/getAgreements,
//   https://opensource.adobe.com/acrobat-sign/releasenotes/v6releasenotes.html (Pagination Support)
// - Throttling: 429 with {code: THROTTLING_TOO_MANY_REQUESTS, message, retryAfter (seconds)} and a
//   `Retry-After` header: https://opensource.adobe.com/acrobat-sign/developer_guide/apithrottling.html
//
// Assumed where the references are silent: the token endpoint's errors follow RFC 6749 §5.2
// ({error, error_description}: invalid_client 401, invalid_grant/invalid_request 400) and it
// refuses grant_type=refresh_token (400 unsupported_grant_type), refreshes going to /refresh;
// 100 agreements a page by default and at most 500; the list newest first; the cursor an opaque
// offset; a `File` sent as a plain text field (no filename) is not a file: 400 NO_FILE_CONTENT;
// which scope each endpoint needs (agreement_read for reads, agreement_write or agreement_send
// for writes; a token without it gets 403 PERMISSION_DENIED); a status of OUT_FOR_SIGNATURE for
// an agreement created IN_PROCESS (OUT_FOR_APPROVAL when the first set's role is APPROVER); the
// ids' and tokens' shapes and the messages' wording.

public import Foundation
import HTTPFields
import Synchronization

/// Acrobat Sign on loopback: the `na1` shard of an account with a sender and three agreements,
/// the OAuth server with its separate refresh endpoint, transient documents, agreements and the
/// REST v6 error payloads.
///
/// Knobs: `issueToken(scopes:)`, `expire(token:)`, `revokeRefreshTokens()`,
/// `injectThrottle(calls:retryAfter:)`, `addAgreements(_:)`; what it holds: `agreements`,
/// `transientDocuments`, `revokedTokens`.
public final class AdobeSignFake: ServedFake {
    /// The shard the account lives on.
    public static let shard = "na1"
    /// The sending user's email.
    public static let senderEmail = "sender@acme.example"
    /// Every scope the connector asks for.
    public static let allScopes = ["user_login:self", "agreement_read:account", "agreement_write:account", "agreement_send:account"]

    /// The API application registered in Acrobat Sign (Account > API Applications).
    public let app = FakeOAuthApp(
        clientID: "CBJCHBCAABAAq7Vsm2n4z3tE0nUvQ1cZ9aR8", clientSecret: "Ts9-xJ2kPq7LmN4vR1wZ8yB3cF6hD0gE",
        redirectURI: "https://app.example.test/oauth/callback/adobe-sign")

    /// A document uploaded with `POST /transientDocuments`.
    public struct TransientDocument: Sendable {
        /// The id answered.
        public var id: String
        /// `File-Name`, or the file part's filename.
        public var fileName: String
        /// `Mime-Type`, or the file part's content type.
        public var mimeType: String
        /// The file's bytes.
        public var bytes: [UInt8]
    }

    /// An agreement.
    public struct Agreement: Sendable {
        /// Its id.
        public var id: String
        /// Its name.
        public var name: String
        /// OUT_FOR_SIGNATURE, OUT_FOR_APPROVAL, SIGNED, DRAFT, AUTHORING, …
        public var status: String
        /// ESIGN or WRITTEN.
        public var signatureType: String
        /// The participants' emails, by participant set.
        public var participants: [[String]]
        /// The roles of the participant sets.
        public var roles: [String]
        /// The transient or library document ids it was made from.
        public var fileIDs: [String]
        /// When it was created.
        public var created: Date
        /// The message to the participants, if any.
        public var message: String?
    }

    struct Access: Sendable {
        var scopes: [String]
        var refresh: String?
        var expired = false
    }

    struct Refresh: Sendable {
        var scopes: [String]
        var valid = true
    }

    struct Grant: Sendable {
        var redirectURI: String
        var scopes: [String]
        var used = false
    }

    struct State: Sendable {
        var access: [String: Access] = [:]
        var refresh: [String: Refresh] = [:]
        var grants: [String: Grant] = [:]
        var revoked: [String] = []
        var documents: [String: TransientDocument] = [:]
        var agreements: [Agreement] = []
        var sequence = 0
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Int>()

    /// The `na1` account with three agreements (signed, out for signature, a draft), oldest first.
    public init() {
        let now = Date()
        state.withLock { state in
            for (index, (name, status)) in [("NDA Acme", "SIGNED"), ("Master services", "OUT_FOR_SIGNATURE"), ("Offer letter", "DRAFT")]
                .enumerated()
            {
                state.agreements.append(
                    Agreement(
                        id: "CBJCHBCAABAA" + String(format: "%04d", index + 1) + "seed", name: name, status: status, signatureType: "ESIGN",
                        participants: [["signer\(index + 1)@client.example"]], roles: ["SIGNER"], fileIDs: [],
                        created: now.addingTimeInterval(Double(index - 10) * 86_400), message: nil))
            }
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: [String: Any]())
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.na1.adobesign.com` and `https://secure.na1.adobesign.com`.
    public var baseURL: String { server.baseURL }
    /// The `api_access_point` of the redirect and the token answer, as Acrobat Sign hands it out
    /// (with its trailing `/`): the real host of the shard, which a client checks and keeps; the
    /// tests reach this fake through `CONNECTOR_ENDPOINTS_FILE`.
    public var apiAccessPoint: String { "https://api.\(Self.shard).adobesign.com/" }
    /// The `web_access_point`.
    public var webAccessPoint: String { "https://secure.\(Self.shard).adobesign.com/" }
    /// The API host the redirect names (the connection's `apiHost`).
    public static var apiHost: String { "api.\(shard).adobesign.com" }
    /// Stands for `https://api.{shard}.adobesign.com/api/rest/v6`.
    public var apiBaseURL: String { baseURL + "/api/rest/v6" }
    /// Stands for `https://secure.adobesign.com/public/oauth/v2`.
    public var authorizeURL: String { baseURL + "/public/oauth/v2" }
    /// Stands for `https://api.{shard}.adobesign.com/oauth/v2/token`.
    public var tokenURL: String { baseURL + "/oauth/v2/token" }
    /// Stands for `https://api.{shard}.adobesign.com/oauth/v2/refresh`.
    public var refreshURL: String { baseURL + "/oauth/v2/refresh" }
    /// Stands for `https://api.{shard}.adobesign.com/oauth/v2/revoke`.
    public var revokeURL: String { baseURL + "/oauth/v2/revoke" }

    /// The token endpoint's requests, in order.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/v2/token") }
    /// The refresh endpoint's requests, in order.
    public var refreshRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth/v2/refresh") }
    /// The tokens the revocation endpoint accepted.
    public var revokedTokens: [String] { state.withLock { $0.revoked } }
    /// The agreements, oldest first.
    public var agreements: [Agreement] { state.withLock { $0.agreements } }
    /// The transient documents uploaded, by id.
    public var transientDocuments: [String: TransientDocument] { state.withLock { $0.documents } }

    /// The refresh tokens issued, live or not.
    public var refreshTokens: [String] { state.withLock { Array($0.refresh.keys) } }

    /// A transient document uploaded in another session (the runtime tests); its id.
    public func addTransientDocument(name: String = "nda.pdf", bytes: [UInt8] = Array("%PDF-1.7".utf8)) -> String {
        state.withLock { state in
            state.sequence += 1
            let id = "3AAABLblqZhA" + Self.random(48) + String(state.sequence)
            state.documents[id] = TransientDocument(id: id, fileName: name, mimeType: "application/pdf", bytes: bytes)
            return id
        }
    }

    /// The next `calls` API requests are throttled: 429 THROTTLING_TOO_MANY_REQUESTS, `retryAfter` seconds.
    public func injectThrottle(calls: Int = 1, retryAfter: Int = 1) { throttles.add(retryAfter, calls: calls) }

    /// `count` more agreements, out for signature, each newer than the last; their ids.
    @discardableResult
    public func addAgreements(_ count: Int) -> [String] {
        state.withLock { state in
            (0..<count).map { _ in
                state.sequence += 1
                let id = "CBJCHBCAABAA" + Self.random(20) + String(state.sequence)
                state.agreements.append(
                    Agreement(
                        id: id, name: "Agreement \(state.sequence)", status: "OUT_FOR_SIGNATURE", signatureType: "ESIGN",
                        participants: [["bulk\(state.sequence)@client.example"]], roles: ["SIGNER"], fileIDs: [],
                        created: Date().addingTimeInterval(Double(state.sequence)), message: nil))
                return id
            }
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/public/oauth/v2"):
            return .json(200, object: ["note": "the consent page; tests call authorize(_:) instead"])
        case ("POST", "/oauth/v2/token"): return token(request)
        case ("POST", "/oauth/v2/refresh"): return refresh(request)
        case ("POST", "/oauth/v2/revoke"): return revoke(request)
        default: break
        }
        let prefix = "/api/rest/v6"
        guard request.path.hasPrefix(prefix + "/") else {
            return Self.error(404, "NOT_FOUND", "Resource not found")
        }
        if let seconds = throttles.take() {
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Retry-After", value: String(seconds))
            return .json(
                429,
                object: [
                    "code": "THROTTLING_TOO_MANY_REQUESTS", "message": "Too many requests. Please retry after \(seconds) seconds.",
                    "retryAfter": seconds,
                ], headers: headers)
        }
        let scopes: [String]
        switch authorized(request) {
        case .success(let granted): scopes = granted
        case .failure(let refusal): return refusal.reply
        }
        let segments = request.path.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (request.method, segments.count, segments.first) {
        case ("POST", 1, "transientDocuments"):
            guard Self.allows(scopes, ["agreement_write", "agreement_send"]) else { return Self.denied() }
            return uploadTransientDocument(request)
        case ("POST", 1, "agreements"):
            guard Self.allows(scopes, ["agreement_write", "agreement_send"]) else { return Self.denied() }
            return createAgreement(request)
        case ("GET", 1, "agreements"):
            guard Self.allows(scopes, ["agreement_read"]) else { return Self.denied() }
            return listAgreements(request)
        case ("GET", 2, "agreements"):
            guard Self.allows(scopes, ["agreement_read"]) else { return Self.denied() }
            return agreement(id: segments[1])
        default:
            return Self.error(404, "NOT_FOUND", "Resource not found")
        }
    }

    /// A refused request's answer.
    struct Refusal: Error {
        var reply: Reply
    }

    /// The scopes of the request's bearer token, or Acrobat Sign's 401.
    func authorized(_ request: Request) -> Result<[String], Refusal> {
        guard let header = request.header("Authorization"), !header.isEmpty else {
            return .failure(Refusal(reply: Self.error(401, "NO_ACCESS_TOKEN_HEADER", "Access token header not provided")))
        }
        let token = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        let access = state.withLock { $0.access[token] }
        guard let access, !access.expired else {
            return .failure(Refusal(reply: Self.error(401, "INVALID_ACCESS_TOKEN", "Access token provided is invalid or has expired")))
        }
        return .success(access.scopes)
    }

    static func allows(_ scopes: [String], _ names: [String]) -> Bool {
        scopes.contains { scope in names.contains { scope.hasPrefix($0 + ":") } }
    }

    static func denied() -> Reply { error(403, "PERMISSION_DENIED", "The API caller does not have the permission to execute this operation.") }

    /// Acrobat Sign's error payload.
    static func error(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, object: ["code": code, "message": message])
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
