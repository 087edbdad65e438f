// A fake of PagerDuty's REST API v2 on loopback, following PagerDuty's documentation — not what
// our connector definition assumes:
//
// - The OpenAPI reference (github.com/PagerDuty/api-schema, reference/REST/openapiv3.json;
//   rendered at https://developer.pagerduty.com/api-reference/): `GET /services` (query, limit,
//   offset, total, sort_by), `GET /incidents` (limit ≤ 100, offset, statuses[], service_ids[],
//   since, until, date_range, sort_by), `POST /incidents` (body {incident: {type: "incident",
//   title, service: {id, type: "service_reference"}, urgency, incident_key, body: {type:
//   "incident_body", details}, escalation_policy: {id, type: "escalation_policy_reference"}}},
//   `type`, `title` and `service` required, 201 {incident}), `GET /incidents/{id}`; the `Accept:
//   application/vnd.pagerduty+json;version=2` and `Content-Type: application/json` headers it marks
//   required on every operation, and the `From` header (a user's email) it marks required on
//   writes. Pagination {limit, offset, more, total (null unless total=true)}:
//   https://developer.pagerduty.com/docs/pagination — offset + limit may not pass 10,000.
// - Authentication `Authorization: Token token=<key>`; read-only keys answer 403 on anything
//   but GET: https://developer.pagerduty.com/docs/authentication
// - Errors {error: {message, code, errors: [details]}}: 2001 Invalid Input Provided (400),
//   2006 Authentication Failed (401), 2010 Access Denied (403), 2100 Not Found (404), and
//   429 "Rate Limit Exceeded" (2020): https://developer.pagerduty.com/docs/errors
// - Rate limits: 429 with `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds
//   to wait) on responses: https://support.pagerduty.com/main/docs/rest-api-rate-limits
//
// Assumed where the references are silent: a write without `From` is answered 400/2001 with the
// detail the API is known to give ("You must specify a user's email address in the "From"
// header…"); a `From` that is no user of the account, an unknown service, a reference without its
// id, and a second open incident with the same `incident_key` on a service are 400/2001 with a
// detail naming the problem; a missing `Accept` or a `Content-Type` other than JSON is 400/2001
// (the API itself may be lenient; our client must send them, as the reference requires).

public import Foundation
import HTTPFields
import Synchronization

/// PagerDuty's REST API on loopback: services, incidents (create, list, get), with the
/// account's users and keys, rate-limit headers, and PagerDuty's error envelope.
///
/// Knobs: `injectRateLimit(calls:reset:)`, `revoke(key:)`; what it holds: `incidents`.
public final class PagerDutyFake: ServedFake {
    /// A full-access account key.
    public static let apiKey = "u+pdFakeFullAccessKey-0123456789abcdef"
    /// A read-only account key.
    public static let readOnlyKey = "y_pdFakeReadOnlyKey-0123456789abcdef"
    /// The email of a user of the account (valid in `From`).
    public static let userEmail = "oncall-bot@example.com"
    /// The services of the account.
    public static let services: [(id: String, name: String)] = [
        ("PIJ90N7", "Checkout API"), ("PQL78HM", "Checkout Web"), ("P4VJ1RM", "Email Delivery"),
    ]
    /// The per-minute limit reported in `ratelimit-limit`.
    public static let perMinute = 960

    /// An incident as the fake stores it.
    public struct Incident: Sendable {
        /// PagerDuty's id (`Q…`).
        public var id: String
        /// The account-wide incident number.
        public var number: Int
        /// The title.
        public var title: String
        /// The service's id.
        public var serviceID: String
        /// `triggered`, `acknowledged` or `resolved`.
        public var status: String
        /// `high` or `low`.
        public var urgency: String
        /// The de-duplication key, if one was given.
        public var incidentKey: String?
        /// The escalation policy's id, if one was given.
        public var escalationPolicyID: String?
        /// The body's details, if given.
        public var details: String?
        /// When it was created.
        public var createdAt: Date
    }

    struct State: Sendable {
        var incidents: [Incident] = []
        var revoked: Set<String> = []
        var nextNumber = 1234
        var remaining = PagerDutyFake.perMinute
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let rateLimits = ScriptedFaults<Int>()

    /// An account with the three services, a triggered and a resolved incident of last week and
    /// one from last year.
    public init() {
        let day: TimeInterval = 86_400
        state.withLock { state in
            state.incidents = [
                Incident(
                    id: "Q0RIJJZL24RC6W", number: 1230, title: "Disk almost full on db-2", serviceID: "PIJ90N7", status: "resolved",
                    urgency: "low", createdAt: Date(timeIntervalSinceNow: -400 * day)),
                Incident(
                    id: "Q1P3AHC3KLGSO9", number: 1231, title: "Checkout latency above 2 s", serviceID: "PIJ90N7", status: "triggered",
                    urgency: "high", createdAt: Date(timeIntervalSinceNow: -7 * day)),
                Incident(
                    id: "Q2KDBGRF1NCYZQ", number: 1232, title: "Bounce rate above 8 %", serviceID: "P4VJ1RM", status: "resolved",
                    urgency: "high", createdAt: Date(timeIntervalSinceNow: -6 * day)),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, code: 2000, message: "Internal Error")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.pagerduty.com`.
    public var baseURL: String { server.baseURL }

    /// Every incident of the account, oldest first.
    public var incidents: [Incident] { state.withLock { $0.incidents } }

    /// The next `calls` requests are answered 429 with `ratelimit-reset: reset`.
    public func injectRateLimit(calls: Int = 1, reset: Int = 30) { rateLimits.add(reset, calls: calls) }

    /// From now on `key` is refused (deleted in the web app).
    public func revoke(key: String) { _ = state.withLock { $0.revoked.insert(key) } }

    /// Adds `count` incidents on `service`, created over the last hours.
    public func addIncidents(_ count: Int, service: String = "PQL78HM") {
        state.withLock { state in
            for index in 0..<count {
                state.incidents.append(
                    Incident(
                        id: "QADD\(String(format: "%010d", index))", number: state.nextNumber + index, title: "Synthetic check \(index) failed",
                        serviceID: service, status: "triggered", urgency: "low", createdAt: Date(timeIntervalSinceNow: -Double(count - index) * 60)))
            }
            state.nextNumber += count
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Token token=") else {
            return Self.error(401, code: 2006, message: "Authentication Failed")
        }
        let key = String(authorization.dropFirst("Token token=".count))
        let known = (key == Self.apiKey || key == Self.readOnlyKey) && !state.withLock { $0.revoked.contains(key) }
        guard known else { return Self.error(401, code: 2006, message: "Authentication Failed") }
        if let reset = rateLimits.take() {
            var reply = Self.error(429, code: 2020, message: "Rate Limit Exceeded")
            reply.headers.replaceOrAdd(name: "ratelimit-limit", value: String(Self.perMinute))
            reply.headers.replaceOrAdd(name: "ratelimit-remaining", value: "0")
            reply.headers.replaceOrAdd(name: "ratelimit-reset", value: String(reset))
            return reply
        }
        guard request.header("Accept") == "application/vnd.pagerduty+json;version=2" else {
            return Self.invalid("The Accept header must be application/vnd.pagerduty+json;version=2")
        }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return Self.invalid("The Content-Type header must be application/json")
        }
        var reply: Reply
        switch (request.method, request.path.split(separator: "/").map(String.init)) {
        case ("GET", ["services"]): reply = listServices(request)
        case ("GET", ["incidents"]): reply = listIncidents(request)
        case ("POST", ["incidents"]):
            reply = key == Self.readOnlyKey ? Self.error(403, code: 2010, message: "Access Denied") : createIncident(request)
        case ("GET", let path) where path.count == 2 && path[0] == "incidents": reply = getIncident(path[1])
        default: reply = Self.error(404, code: 2100, message: "Not Found")
        }
        let remaining = state.withLock { state in
            state.remaining = max(0, state.remaining - 1)
            return state.remaining
        }
        reply.headers.replaceOrAdd(name: "ratelimit-limit", value: String(Self.perMinute))
        reply.headers.replaceOrAdd(name: "ratelimit-remaining", value: String(remaining))
        reply.headers.replaceOrAdd(name: "ratelimit-reset", value: "42")
        return reply
    }

    /// PagerDuty's error envelope.
    static func error(_ status: Int, code: Int, message: String, errors: [String]? = nil) -> Reply {
        var error: [String: Any] = ["message": message, "code": code]
        if let errors { error["errors"] = errors }
        return .json(status, object: ["error": error])
    }

    /// 400 Invalid Input Provided with one detail.
    static func invalid(_ detail: String) -> Reply { error(400, code: 2001, message: "Invalid Input Provided", errors: [detail]) }
}
