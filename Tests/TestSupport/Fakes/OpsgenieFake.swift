// A fake of Opsgenie's REST API (Incident API and Alert API) on loopback, following Opsgenie's
// documentation — not what our connector definition assumes:
//
// - Incident API: https://docs.opsgenie.com/docs/incident-api — creation, deletion and actions are
//   asynchronous: `POST /v1/incidents/create` (message mandatory, ≤ 130 characters; description
//   ≤ 15000; responders; tags; details; priority P1–P5, default P3; note; impactedServices;
//   statusPageEntry {title, detail}; notifyStakeholders) answers 202 {result: "Request will be
//   processed", took, requestId}; `GET /v1/incidents/requests/{requestId}` answers {data: {success,
//   action, processedAt, integrationId, isSuccess, status, incidentId}, took, requestId};
//   `GET /v1/incidents` (query mandatory, offset ≥ 0, limit 1–100 default 20, sort createdAt |
//   tinyId | message | status | isSeen | owner, order desc | asc) answers {data, paging {next,
//   first, last}, totalCount, took, requestId}. The same contract in Opsgenie's OpenAPI
//   definitions: https://github.com/opsgenie/opsgenie-oas (paths/incident.yaml).
// - Alert API: https://docs.opsgenie.com/docs/alert-api — `POST /v2/alerts` (message ≤ 130, alias
//   ≤ 512 — an open alert with the same alias is de-duplicated: its count goes up, no alert is
//   added —, description ≤ 15000, responders and visibleTo, actions, tags, details, entity ≤ 512,
//   source ≤ 100, priority, user ≤ 100, note ≤ 25000) answers 202; `GET /v2/alerts/requests/{id}`
//   answers the request's status with alertId and alias.
// - Responders: `type` is mandatory (team or user for incidents; team, user, escalation or
//   schedule for alerts); a user is named by `id` or `username`, the others by `id` or `name` (the
//   references' samples; Opsgenie's own SDK checks the same, https://github.com/opsgenie/opsgenie-go-sdk-v2
//   incident/request.go `validateResponders`, alert/responder.go).
// - Pagination (offset, limit ≤ 100, sort, order; paging links in the body):
//   https://docs.opsgenie.com/docs/pagination
// - Authentication `Authorization: GenieKey <apiKey>`: https://docs.opsgenie.com/docs/authentication
// - Response format and codes: https://docs.opsgenie.com/docs/response — {data | result, took,
//   requestId} with `X-Request-ID` and `X-Response-Time`; 400 only for a body that is not JSON, 401
//   for an invalid key, 403 for a key without the right, 404, 422 for semantic errors ({message,
//   errors {field: reason}, took, requestId}), 429.
// - Rate limits: https://docs.opsgenie.com/docs/api-rate-limiting — 429 with `X-RateLimit-State:
//   THROTTLED`, `X-RateLimit-Reason` and `X-RateLimit-Period-In-Sec` (`OK` on every answer within
//   the limit); EU accounts use the same API on https://api.eu.opsgenie.com (Incident API page).
// - A request not processed yet is 404 with `X-Opsgenie-Errortype: RequestNotProcessed`, which
//   Opsgenie's SDK waits out (opsgenie-go-sdk-v2 client/client.go `RetrieveStatus`).
//
// Assumed where the references are silent: the wording of the 400, 401, 403, 404, 415 and 422
// messages and of a failed request's `status`; a responder or impacted service the account does
// not have is accepted (202) and the request then fails (isSuccess false); a POST whose
// Content-Type is not JSON is 415; a list `query` is `field:value` terms (status, priority,
// tinyId, tag) joined by AND, other words matching the message; more than 20 tags is a 422.

public import Foundation
import HTTPFields
import Synchronization

/// Opsgenie's Incident and Alert APIs on loopback: asynchronous creation with request status,
/// incident search with offset paging, Opsgenie's error bodies and rate-limit headers.
///
/// Knobs: `faults` (throttling, a request not processed yet, an outage), `revoke(key:)`,
/// `addIncidents(_:status:)`; what it holds: `incidents`, `alerts`.
public final class OpsgenieFake: ServedFake {
    /// The key of an API integration with read and create-and-update access.
    public static let apiKey = "3f1c9a2e-7b4d-4e8a-9c6f-0d1e2f3a4b5c"
    /// The key of an API integration with read access only.
    public static let readOnlyKey = "7e0d4c1b-2a3f-4b5c-8d9e-0f1a2b3c4d5e"
    /// The integration the keys belong to (reported in request statuses).
    public static let integrationID = "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03"
    /// The account's teams.
    public static let teams: [(id: String, name: String)] = [
        ("8418d193-2dab-4490-b331-8c02cdd196b7", "Web Ops"), ("4513b7ea-3b91-438f-b7e4-e3e54af9147c", "NOC"),
    ]
    /// The account's users.
    public static let users: [(id: String, username: String)] = [
        ("bb4d9938-c3c2-455d-aaab-727aa701c0d8", "trinity@example.com"), ("e0b8c3a1-5d2f-4c6e-9a7b-1f2e3d4c5b6a", "neo@example.com"),
    ]
    /// The account's escalations.
    public static let escalations: [(id: String, name: String)] = [("f6a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b", "Web Ops_escalation")]
    /// The account's schedules.
    public static let schedules: [(id: String, name: String)] = [("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Web Ops_schedule")]
    /// The account's services.
    public static let services = ["9d8a3b6c-1f2e-4a5b-8c7d-6e5f4a3b2c1d", "2c4e6a8b-0d1f-4e3a-9b5c-7d9e1f3a5b7c"]

    /// A fault the next requests get.
    public enum Fault: Sendable {
        /// 429 with the rate-limit headers (`reason`: ACCOUNT, INTEGRATION…; `period` seconds).
        case throttled(reason: String, period: Int)
        /// A request-status read answered 404 `RequestNotProcessed` (only request-status reads take it).
        case notProcessedYet
        /// 503 from the load balancer.
        case unavailable
    }

    /// A responder as stored: its type and the id it resolved to.
    public struct Responder: Sendable, Equatable {
        /// `team`, `user`, `escalation` or `schedule`.
        public var type: String
        /// The responder's id in the account.
        public var id: String

        /// A responder of `type` with account id `id`.
        public init(type: String, id: String) {
            self.type = type
            self.id = id
        }
    }

    /// An incident as the fake stores it.
    public struct Incident: Sendable {
        /// Opsgenie's id (a UUID).
        public var id: String
        /// The account-wide short number.
        public var tinyID: Int
        /// The message.
        public var message: String
        /// The description, if given.
        public var description: String?
        /// `open`, `resolved` or `closed`.
        public var status: String
        /// P1–P5.
        public var priority: String
        /// The tags.
        public var tags: [String]
        /// The custom properties.
        public var details: [String: String]
        /// Who is notified.
        public var responders: [Responder]
        /// The services it impacts.
        public var impactedServices: [String]
        /// The note added on creation, if any.
        public var note: String?
        /// Whether stakeholders were notified.
        public var notifyStakeholders: Bool
        /// When it was created.
        public var createdAt: Date
    }

    /// An alert as the fake stores it.
    public struct Alert: Sendable {
        /// Opsgenie's id.
        public var id: String
        /// The de-duplication key (the id when none was given).
        public var alias: String
        /// The message.
        public var message: String
        /// Who is notified.
        public var responders: [Responder]
        /// The tags.
        public var tags: [String]
        /// The custom properties.
        public var details: [String: String]
        /// The entity, if given.
        public var entity: String?
        /// The source (the caller's address when not given).
        public var source: String
        /// P1–P5.
        public var priority: String
        /// `open` or `closed`.
        public var status: String
        /// How many creations it stands for (de-duplicated ones included).
        public var count: Int
    }

    /// The outcome of an asynchronous request.
    struct Outcome: Sendable {
        var domain: String
        var success: Bool
        var status: String
        var entityID: String
        var alias: String?
        var processedAt: Date
    }

    struct State: Sendable {
        var incidents: [Incident] = []
        var alerts: [Alert] = []
        var outcomes: [String: Outcome] = [:]
        var revoked: Set<String> = []
        var nextTinyID = 1
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    /// The faults the next requests get, first queued first.
    public let faults = ScriptedFaults<Fault>()

    /// An account with two open incidents of the last hours and one resolved three days ago.
    public init() {
        let hour: TimeInterval = 3_600
        state.withLock { state in
            state.incidents = [
                Self.seed(
                    "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", 1, "Checkout API returns 502", status: "resolved", priority: "P1",
                    at: -72 * hour),
                Self.seed(
                    "70413a06-38d6-4c85-92b8-5ebc900d42e2", 2, "Landing page checkout form returns 500", status: "open", priority: "P2", at: -2 * hour
                ),
                Self.seed("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", 3, "Email campaign webhook failing", status: "open", priority: "P3", at: -hour),
            ]
            state.nextTinyID = 4
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "Service Unavailable")
        }
    }

    private static func seed(_ id: String, _ tiny: Int, _ message: String, status: String, priority: String, at offset: TimeInterval) -> Incident {
        Incident(
            id: id, tinyID: tiny, message: message, status: status, priority: priority, tags: ["web"], details: [:],
            responders: [Responder(type: "team", id: teams[0].id)], impactedServices: [services[0]], notifyStakeholders: false,
            createdAt: Date(timeIntervalSinceNow: offset))
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.opsgenie.com` (or the EU host).
    public var baseURL: String { server.baseURL }

    /// Every incident of the account, oldest first.
    public var incidents: [Incident] { state.withLock { $0.incidents } }

    /// Every alert of the account, oldest first.
    public var alerts: [Alert] { state.withLock { $0.alerts } }

    /// From now on `key` is refused (its integration disabled or deleted).
    public func revoke(key: String) { _ = state.withLock { $0.revoked.insert(key) } }

    /// Adds `count` incidents created over the last minutes (newest last), with `status`.
    public func addIncidents(_ count: Int, status: String = "open") {
        state.withLock { state in
            for index in 0..<count {
                state.incidents.append(
                    Incident(
                        id: UUID().uuidString.lowercased(), tinyID: state.nextTinyID + index, message: "Synthetic check \(index) failed",
                        status: status, priority: "P4", tags: ["synthetic"], details: [:], responders: [], impactedServices: [],
                        notifyStakeholders: false, createdAt: Date(timeIntervalSinceNow: -Double(count - index))))
            }
            state.nextTinyID += count
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        var reply = route(request)
        // Every answer names its request (body and header) and the rate-limit state.
        if reply.status != 429 { reply.headers.replaceOrAdd(name: "X-RateLimit-State", value: "OK") }
        if let body = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any], let id = body["requestId"] as? String {
            reply.headers.replaceOrAdd(name: "X-Request-ID", value: id)
            reply.headers.replaceOrAdd(name: "X-Response-Time", value: "0.004")
        }
        return reply
    }

    private func route(_ request: Request) -> Reply {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("GenieKey ") else {
            return Self.error(401, "Could not authenticate")
        }
        let key = String(authorization.dropFirst("GenieKey ".count))
        let known = (key == Self.apiKey || key == Self.readOnlyKey) && !state.withLock { $0.revoked.contains(key) }
        guard known else { return Self.error(401, "Could not authenticate") }
        switch faults.take(where: { if case .notProcessedYet = $0 { false } else { true } }) {
        case .throttled(let reason, let period)?:
            var reply = Self.error(429, "You are making too many requests! To avoid errors, we recommend you to limit requests.")
            reply.headers.replaceOrAdd(name: "X-RateLimit-State", value: "THROTTLED")
            reply.headers.replaceOrAdd(name: "X-RateLimit-Reason", value: reason)
            reply.headers.replaceOrAdd(name: "X-RateLimit-Period-In-Sec", value: String(period))
            return reply
        case .unavailable?: return Self.error(503, "Service Unavailable")
        default: break
        }
        if request.method == "POST", request.header("Content-Type")?.lowercased().hasPrefix("application/json") != true {
            return Self.error(415, "Content type must be application/json")
        }
        let path = request.path.split(separator: "/").map(String.init)
        switch (request.method, path) {
        case ("POST", ["v1", "incidents", "create"]):
            return key == Self.readOnlyKey ? Self.forbidden() : createIncident(request)
        case ("GET", ["v1", "incidents"]): return listIncidents(request)
        case ("GET", let path) where path.count == 4 && path[0...2] == ["v1", "incidents", "requests"]:
            return requestStatus(path[3], domain: "incident")
        case ("POST", ["v2", "alerts"]):
            return key == Self.readOnlyKey ? Self.forbidden() : createAlert(request)
        case ("GET", let path) where path.count == 4 && path[0...2] == ["v2", "alerts", "requests"]:
            return requestStatus(path[3], domain: "alert")
        default: return Self.error(404, "Could not find the requested resource")
        }
    }

    /// Opsgenie's error body: {message, took, requestId}, and `errors` on a 422.
    static func error(_ status: Int, _ message: String, errors: [String: String]? = nil) -> Reply {
        var body: [String: Any] = ["message": message, "took": 0.002, "requestId": UUID().uuidString.lowercased()]
        if let errors { body["errors"] = errors }
        return .json(status, object: body)
    }

    /// 422 with one reason per field.
    static func unprocessable(_ errors: [String: String]) -> Reply {
        error(422, "Request body is not processable. Please check the errors.", errors: errors)
    }

    /// 403 for a key whose integration may not write.
    static func forbidden() -> Reply { error(403, "You are not authorized to perform this action with this API key") }

    /// A success body with Opsgenie's metadata.
    static func success(_ status: Int, _ members: [String: Any]) -> Reply {
        .json(status, object: members.merging(["took": 0.031, "requestId": UUID().uuidString.lowercased()]) { given, _ in given })
    }

    /// The 202 of an accepted asynchronous request, whose outcome is stored under its request id.
    func accepted(_ outcome: Outcome) -> Reply {
        let requestID = UUID().uuidString.lowercased()
        state.withLock { $0.outcomes[requestID] = outcome }
        return .json(202, object: ["result": "Request will be processed", "took": 0.107, "requestId": requestID])
    }

    func requestStatus(_ requestID: String, domain: String) -> Reply {
        let pending = faults.take(where: { if case .notProcessedYet = $0 { true } else { false } }) != nil
        guard !pending, let outcome = state.withLock({ $0.outcomes[requestID] }), outcome.domain == domain else {
            var reply = Self.error(404, "Request not found. It might not be processed, yet.")
            reply.headers.replaceOrAdd(name: "X-Opsgenie-Errortype", value: "RequestNotProcessed")
            return reply
        }
        var data: [String: Any] = [
            "success": outcome.success, "isSuccess": outcome.success, "action": "Create", "status": outcome.status,
            "integrationId": Self.integrationID, "processedAt": Self.timestamp(outcome.processedAt),
        ]
        if domain == "incident" {
            data["incidentId"] = outcome.entityID
        } else {
            data["alertId"] = outcome.entityID
            data["alias"] = outcome.alias ?? ""
        }
        return Self.success(200, ["data": data])
    }

    /// `2024-11-14T10:00:00.000Z`, as Opsgenie writes times.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
