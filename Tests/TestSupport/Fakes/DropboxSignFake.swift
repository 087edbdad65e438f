// A fake of the Dropbox Sign (formerly HelloSign) API v3 on loopback, following Dropbox Sign's
// documentation — not what our connector definition assumes:
//
// - Base URL `https://api.hellosign.com/v3` (the OpenAPI document's `servers`,
//   github.com/hellosign/hellosign-openapi `openapi.yaml`); API keys go in HTTP Basic as the
//   user name "and the password is left blank" (`-u "${API_KEY}:"`); OAuth access tokens as
//   `Bearer` (not served here): https://developers.hellosign.com/api/reference/authentication
// - Errors: `{"error": {"error_msg", "error_name", "error_path"?}}` (`ErrorResponse`,
//   `ErrorResponseError`; examples Error400…Error429Response in the same repository): 400
//   `bad_request` (with `error_path`), 401 `unauthorized` ("Unauthorized user. No credentials
//   supplied."), 402 `payment_required`, 403 `forbidden`, 404 `not_found`, 409 `conflict`, 410
//   `deleted`, 429 `exceeded_rate`, 503 `maintenance`:
//   https://developers.hellosign.com/api/reference/warnings-and-errors/ — warnings ride along in
//   a 200 as `warnings: [{warning_msg, warning_name}]` (`parameter_ignored` among them).
// - Production (not `test_mode`) sends need a paid API plan, else 402:
//   https://developers.hellosign.com/ ("How we charge").
// - Rate limits per account: 100 requests a minute on standard endpoints, 25 on the high tier
//   (`/signature_request/send` among them), 10 in test mode; over it 429 `exceeded_rate`
//   ("Too many requests."). Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//   `X-Ratelimit-Reset` (the Unix time the window resets; `components/headers` of `openapi.yaml`):
//   https://help.dropbox.com/integrations/api-requests-that-count-against-limit
// - `GET /account` (`{account: {account_id, email_address, is_locked, is_paid_hs, is_paid_hf,
//   quotas{api_signature_requests_left, documents_left, templates_left, …}, callback_url,
//   role_code, locale}}`; `account_id` or `email_address` to look one up):
//   https://developers.hellosign.com/api/reference/operation/accountGet/
// - `POST /signature_request/send`, `application/json` or `multipart/form-data`: `files[]` or
//   `file_urls[]` (one of them, not both), `signers[]` {name, email_address, order?} or
//   `grouped_signers` (one of them), `title` and `subject` ≤ 255, `message` ≤ 5000,
//   `cc_email_addresses`, `metadata` (≤ 10 keys, names ≤ 40 and values ≤ 1000 characters),
//   `test_mode`; answers `{signature_request}`:
//   https://developers.hellosign.com/api/reference/operation/signatureRequestSend/ — recipient
//   names up to 255 characters since https://developers.hellosign.com/changelog/2026/6/30
// - `GET /signature_request/{signature_request_id}` (404 `not_found`, 410 `deleted`):
//   https://developers.hellosign.com/api/reference/operation/signatureRequestGet/
// - `GET /signature_request/list` (`account_id` — a team member or `all`, default yours —,
//   `page` default 1, `page_size` 1…100 default 20, `query`; sent and received requests, not
//   CC'd ones; `{list_info: {page, num_pages, num_results, page_size}, signature_requests}`):
//   https://developers.hellosign.com/api/reference/operation/signatureRequestList/ and the search
//   syntax (fields to, from — `me` for yourself —, title, subject, message, complete, declined,
//   test_mode, created ranges `{a TO b}` / `[a TO b]`; bare terms match to, from, title,
//   subject, message and metadata; `AND`/`OR` case-sensitive; no leading wildcard):
//   https://developers.hellosign.com/api/reference/search/
//
// Assumed where the references are silent: any Basic password is accepted with the key (the
// docs show a blank one); a wrong key answers 401 "Unauthorized api key"; lists are newest
// first; a page past the last answers 200 with no requests; `AND` binds tighter than `OR`,
// matching is a case-insensitive substring, a trailing `*` a prefix; an `account_id` outside the
// team is 403 `forbidden`; a request of another account is 404; unknown send parameters are
// ignored with a `parameter_ignored` warning; other content types are 400; the wording of
// validation messages; the 429 carries the same three headers (remaining 0) and no `Retry-After`.

import Foundation
import HTTPFields
import Synchronization

/// Dropbox Sign on loopback: a paid and a free account of one team, their signature requests,
/// Basic auth with API keys, the documented error envelope and per-minute rate limits.
///
/// Knobs: `injectError(status:name:message:resetIn:calls:)`, `injectRateLimit(calls:resetIn:)`,
/// `revoke(key:)`, `addRequests(_:)`; what it holds: `signatureRequests`.
public final class DropboxSignFake: ServedFake {
    /// The paid account's API key (64 hex characters, as Dropbox Sign issues them).
    public static let apiKey = "3f9a0c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a"
    /// The free account's API key: reads and test-mode sends only.
    public static let freeKey = "c4e6a8b0d2f41638a5c7e9b1d3f5072a4c6e8b0d2f4a6c8e1b3d5f7a9c0e2b4d"
    /// The paid account's id.
    public static let accountID = "5008b25c7f67153e57d5a357b1687968068fb465"
    /// The paid account's email address.
    public static let email = "sender@acme.example"
    /// The free account's id (a member of the same team).
    public static let freeAccountID = "7a1c3e5b9d2f4a6c8e0b1d3f5a7c9e1b3d5f7a90"
    /// The free account's email address.
    public static let freeEmail = "colleague@acme.example"
    /// Requests a minute on standard endpoints, on high-tier ones, and in test mode.
    public static let limits = (standard: 100, highTier: 25, testMode: 10)

    /// A signer of a request.
    public struct Signer: Sendable {
        /// The signature's id (32 hex characters).
        public var signatureID: String
        /// The signer's email address.
        public var email: String
        /// The signer's name.
        public var name: String
        /// The signing order, if any.
        public var order: Int?
        /// `awaiting_signature`, `signed` or `declined`.
        public var status: String
        /// When the signer signed (Unix time).
        public var signedAt: Int?
    }

    /// A signature request as the fake stores it.
    public struct SignatureRequest: Sendable {
        /// The request's id (40 hex characters).
        public var id: String
        /// The account that sent it.
        public var requesterAccountID: String
        /// The sender's email address.
        public var requesterEmail: String
        /// Title, subject and message.
        public var title: String, subject: String, message: String
        /// The metadata attached, as JSON text.
        public var metadataJSON: String
        /// When it was created (Unix time).
        public var createdAt: Int
        /// The signers.
        public var signers: [Signer]
        /// CC'd addresses.
        public var cc: [String]
        /// A test (not legally binding) request.
        public var testMode: Bool
        /// The file URLs it was sent with, or how many files were uploaded.
        public var fileURLs: [String]
        /// Cancelled or removed: answered 410.
        public var deleted: Bool
        /// Whether every signer signed.
        public var isComplete: Bool { signers.allSatisfy { $0.status == "signed" } }
        /// Whether a signer declined.
        public var isDeclined: Bool { signers.contains { $0.status == "declined" } }
    }

    /// A scripted error answer.
    struct Fault: Sendable {
        var status: Int
        var name: String
        var message: String
        var resetIn: Int
    }

    struct Window: Sendable {
        var start: Int
        var used: Int
    }

    struct State: Sendable {
        var requests: [SignatureRequest] = []
        var revoked: Set<String> = []
        /// Requests counted per account and tier in the current minute.
        var windows: [String: Window] = [:]
        var serial = 0
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let faults = ScriptedFaults<Fault>()

    /// The paid account with three requests it sent (one complete, one awaiting, one declined),
    /// one it received from its colleague, one cancelled; the colleague has one of its own.
    public init() {
        let now = Int(Date().timeIntervalSince1970)
        let day = 86_400
        state.withLock { state in
            state.requests = [
                Self.seed(
                    "fa5c8a0b0f492d768749333ad6fcc214c111e967", from: (Self.accountID, Self.email), title: "Purchase Agreement",
                    created: now - 30 * day, signers: [("john@example.com", "John Doe", "signed")], metadata: #"{"order":"PO-1"}"#),
                Self.seed(
                    "2b388914e3ae3b738bd4e2ee2850c677e6dc53d2", from: (Self.accountID, Self.email), title: "NDA with Acme Co.",
                    created: now - 10 * day, signers: [("jack@example.com", "Jack", "signed"), ("jill@example.com", "Jill", "awaiting_signature")],
                    metadata: "{}"),
                Self.seed(
                    "d10338cad145e1cb68afc828e1f8a3b6c4d2e0f9", from: (Self.accountID, Self.email), title: "Offer Letter",
                    created: now - 5 * day, signers: [("george@example.com", "George Jetson", "declined")], metadata: "{}"),
                Self.seed(
                    "9e7c5a3b1d0f8e6c4a2b0d9f7e5c3a1b8d6f4e2c", from: (Self.freeAccountID, Self.freeEmail), title: "Expense Policy",
                    created: now - 2 * day, signers: [(Self.email, "Sender", "awaiting_signature")], metadata: "{}"),
                Self.seed(
                    "0c2e4a6b8d1f3e5a7c9b0d2f4e6a8c1b3d5f7e9a", from: (Self.accountID, Self.email), title: "Cancelled Lease",
                    created: now - 40 * day, signers: [("old@example.com", "Old Tenant", "awaiting_signature")], metadata: "{}", deleted: true),
                Self.seed(
                    "5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f", from: (Self.freeAccountID, Self.freeEmail), title: "Colleague's Contract",
                    created: now - 1 * day, signers: [("someone@example.com", "Someone", "awaiting_signature")], metadata: "{}"),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "maintenance", "Down for maintenance.")
        }
    }

    static func seed(
        _ id: String, from: (String, String), title: String, created: Int, signers: [(String, String, String)], metadata: String,
        deleted: Bool = false
    ) -> SignatureRequest {
        SignatureRequest(
            id: id, requesterAccountID: from.0, requesterEmail: from.1, title: title, subject: title, message: "Please sign and return.",
            metadataJSON: metadata, createdAt: created,
            signers: signers.enumerated().map { index, signer in
                Signer(
                    signatureID: String(id.reversed().prefix(30)) + String(format: "%02d", index), email: signer.0, name: signer.1,
                    order: signers.count > 1 ? index : nil, status: signer.2, signedAt: signer.2 == "signed" ? created + 3600 : nil)
            }, cc: [], testMode: false, fileURLs: ["https://files.example/\(id).pdf"], deleted: deleted)
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.hellosign.com`.
    public var baseURL: String { server.baseURL }
    /// `<baseURL>/v3`, the API base.
    public var apiBaseURL: String { "\(baseURL)/v3" }

    /// Every request held, deleted ones included, newest last.
    public var signatureRequests: [SignatureRequest] { state.withLock { $0.requests } }

    /// The next `calls` requests get `status` with Dropbox Sign's envelope (`name`, `message`) and
    /// the rate-limit headers resetting in `resetIn` seconds (none left when it is a 429).
    public func injectError(status: Int, name: String, message: String, resetIn: Int = 60, calls: Int = 1) {
        faults.add(Fault(status: status, name: name, message: message, resetIn: resetIn), calls: calls)
    }

    /// The next `calls` requests are over the limit: 429 `exceeded_rate`, remaining 0, the window
    /// resetting in `resetIn` seconds.
    public func injectRateLimit(calls: Int = 1, resetIn: Int = 60) {
        injectError(status: 429, name: "exceeded_rate", message: "Too many requests.", resetIn: resetIn, calls: calls)
    }

    /// From now on `key` is refused (deleted from the account's API settings).
    public func revoke(key: String) { _ = state.withLock { $0.revoked.insert(key) } }

    /// Adds `count` awaiting test-mode requests sent by the paid account over the last minutes (newest last).
    public func addRequests(_ count: Int) {
        let now = Int(Date().timeIntervalSince1970)
        state.withLock { state in
            for index in 0..<count {
                state.serial += 1
                var request = Self.seed(
                    Self.newID(40, state.serial), from: (Self.accountID, Self.email), title: "Bulk Agreement \(index)",
                    created: now - (count - index) * 60, signers: [("bulk\(index)@example.com", "Bulk Signer \(index)", "awaiting_signature")],
                    metadata: "{}")
                request.testMode = true
                state.requests.append(request)
            }
        }
    }

    /// An id of `length` hex characters, unique per `serial`.
    static func newID(_ length: Int, _ serial: Int) -> String {
        let random = (UUID().uuidString + UUID().uuidString).lowercased().filter(\.isHexDigit)
        return String((String(format: "%08x", serial) + random).prefix(length))
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    /// The account an API key belongs to.
    struct Caller {
        var accountID: String
        var email: String
        var paid: Bool
    }

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.first == "v3" else { return Self.error(404, "not_found", "Not found.") }
        guard let header = request.header("Authorization") else {
            return Self.error(401, "unauthorized", "Unauthorized user. No credentials supplied.")
        }
        guard let key = Self.basicUser(header), !state.withLock({ $0.revoked.contains(key) }),
            let caller = Self.caller(key)
        else {
            return Self.error(401, "unauthorized", "Unauthorized api key")
        }
        let route = Array(segments.dropFirst())
        let highTier = route == ["signature_request", "send"]
        let testMode = highTier && Self.isTestMode(request)
        let tier = testMode ? "test" : highTier ? "high" : "standard"
        let limit = testMode ? Self.limits.testMode : highTier ? Self.limits.highTier : Self.limits.standard
        if let fault = faults.take() {
            let reset = Int(Date().timeIntervalSince1970) + fault.resetIn
            return Self.withLimits(
                Self.error(fault.status, fault.name, fault.message), limit: limit, remaining: fault.status == 429 ? 0 : limit - 1, reset: reset)
        }
        // The account's window for this tier: a minute from its first request.
        let (remaining, reset) = state.withLock { state -> (Int, Int) in
            let now = Int(Date().timeIntervalSince1970)
            let name = "\(caller.accountID)/\(tier)"
            var window = state.windows[name] ?? Window(start: now, used: 0)
            if now >= window.start + 60 { window = Window(start: now, used: 0) }
            window.used += 1
            state.windows[name] = window
            return (limit - window.used, window.start + 60)
        }
        guard remaining >= 0 else {
            return Self.withLimits(Self.error(429, "exceeded_rate", "Too many requests."), limit: limit, remaining: 0, reset: reset)
        }
        let reply: Reply
        switch (request.method, route) {
        case ("GET", ["account"]): reply = account(request, caller)
        case ("POST", ["signature_request", "send"]): reply = send(request, caller)
        case ("GET", ["signature_request", "list"]): reply = list(request, caller)
        case ("GET", let rest) where rest.count == 2 && rest[0] == "signature_request": reply = get(rest[1], caller)
        case (_, ["account"]), (_, ["signature_request", "send"]), (_, ["signature_request", "list"]):
            reply = Self.error(405, "method_not_supported", "Method not supported.")
        default: reply = Self.error(404, "not_found", "Not found.")
        }
        return Self.withLimits(reply, limit: limit, remaining: remaining, reset: reset)
    }

    /// The account of an API key, if it is one of the fake's.
    static func caller(_ key: String) -> Caller? {
        switch key {
        case apiKey: Caller(accountID: accountID, email: email, paid: true)
        case freeKey: Caller(accountID: freeAccountID, email: freeEmail, paid: false)
        default: nil
        }
    }

    /// Whether a send asks for test mode (JSON `true`; `1` or `true` in a form).
    static func isTestMode(_ request: Request) -> Bool {
        if let body = request.json as? [String: Any] { return body["test_mode"] as? Bool == true }
        return (try? multipartFields(request))?["test_mode"].map { ["1", "true"].contains("\($0)") } ?? false
    }

    /// The user name of a Basic `Authorization` (the API key); nil unless it is Basic with a
    /// `user:password` pair and a user.
    static func basicUser(_ header: String) -> String? {
        guard header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let user = String(text[..<colon])
        return user.isEmpty ? nil : user
    }

    /// Dropbox Sign's error envelope.
    static func error(_ status: Int, _ name: String, _ message: String, path: String? = nil) -> Reply {
        var error: [String: Any] = ["error_msg": message, "error_name": name]
        if let path { error["error_path"] = path }
        return .json(status, object: ["error": error])
    }

    /// `reply` with the three rate-limit headers.
    static func withLimits(_ reply: Reply, limit: Int, remaining: Int, reset: Int) -> Reply {
        var reply = reply
        reply.headers.replaceOrAdd(name: "X-RateLimit-Limit", value: String(limit))
        reply.headers.replaceOrAdd(name: "X-RateLimit-Remaining", value: String(max(0, remaining)))
        reply.headers.replaceOrAdd(name: "X-Ratelimit-Reset", value: String(reset))
        return reply
    }
}
