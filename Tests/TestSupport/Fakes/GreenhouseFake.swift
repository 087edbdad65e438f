// A fake of Greenhouse's Harvest API as documented in December 2026 — Harvest v3 — on loopback,
// following Greenhouse's documentation, not what our connector definition assumes:
//
// - Harvest v1 and v2 (`https://harvest.greenhouse.io/v1`, Basic auth with the API key as user
//   name) were deprecated and removed on 31 August 2026; Harvest v3 is the only Harvest API:
//   https://harvestdocs.greenhouse.io/docs/authentication ("After v1 and v2 endpoints are
//   deprecated, OAuth will be the only supported authentication method"),
//   https://harvestdocs.greenhouse.io/docs/step-by-step-migration-instructions, and the retirement
//   notices of Greenhouse's partners (https://docs.workato.com/connectors/greenhouse/migration,
//   https://docs.cronofy.com/integrations/greenhouse/migrating-greenhouse-to-harvest-v3/). The
//   retired reference is https://developers.greenhouse.io/harvest.html.
// - Authentication (custom integrations): OAuth 2.0 client credentials. `POST
//   https://auth.greenhouse.io/token`, HTTP Basic with `client_id:client_secret`, an
//   `application/x-www-form-urlencoded` body with `grant_type=client_credentials` and an optional
//   `sub` (the numeric Greenhouse user id the calls are made as; without it, the credential's
//   service account); then `Authorization: Bearer <access_token>` on every Harvest v3 call:
//   https://harvestdocs.greenhouse.io/docs/authentication,
//   https://harvestdocs.greenhouse.io/reference/generate-token. Scopes (`harvest:candidates:list`,
//   `harvest:jobs:list`, `harvest:applications:list`) are granted to the credential in Dev Center,
//   not asked for in the grant: https://harvestdocs.greenhouse.io/docs/harvest-partner-oauth.
//   Access tokens live one hour (the partner guide's TTL table).
// - Base URL `https://harvest.greenhouse.io/v3`; list endpoints answer a bare JSON array:
//   https://harvestdocs.greenhouse.io/docs/pagination, https://harvestdocs.greenhouse.io/docs/list-endpoints.
// - Pagination: cursor based. Filters and `per_page` go on the first request only; the next page
//   is the `Link: <…?cursor=…>; rel="next"` URL (no `prev`, no `last`); no Link header on the last
//   page; a `cursor` must be the only query parameter; there is no `page` parameter:
//   https://harvestdocs.greenhouse.io/docs/pagination.
// - Filters on every list: `ids` (comma separated), `created_at` and `updated_at` with the
//   operators `gte`, `gt`, `lte`, `lt` written `updated_at=gte|2026-01-01T00:00:00Z`, a parent
//   resource's ids (`candidate_ids=…`), and `status` where the resource has one:
//   https://harvestdocs.greenhouse.io/docs/list-endpoints.
//
// Taken from third-party readings of Greenhouse's Harvest v3 OpenAPI document, where the pages
// above are silent (the Airbyte connector manifest, airbytehq/airbyte
// airbyte-integrations/connectors/source-greenhouse/manifest.yaml, and clients that quote the
// document): `per_page` defaults to 100 and is at most 500; more is a 422, as is a cursor sent with
// another parameter; `ids` takes at most 50; there is no `GET /v3/candidates/{id}` (a candidate is
// read with `ids`); a job has `department_id` and `office_ids`, not department and office objects;
// an application has `job_id`, `stage_id`, `stage_name`, `source_id`, `created_at`,
// `last_activity_at` (no `applied_at`, `jobs`, `current_stage` or `source` objects); the
// application `status` filter takes `active|rejected|hired|converted` and answers `in_process` for
// active ones; timestamps are ISO 8601 with milliseconds and `Z`; every answer carries
// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, and a 429 `Retry-After`
// in seconds; the token answer is `{access_token, token_type: "Bearer", expires_at}` (no
// `expires_in`); errors are `{"message": …}` (a 422 adds `errors: [{field, message}]`).
//
// Assumed where nothing says: a removed v1/v2 path answers 410 Gone; ascending id order; an
// unknown query parameter is a 422 (so a wrong filter name is seen, not silently ignored);
// candidates also filter by `email` and applications by `job_ids` and `last_activity_at`; a
// missing scope is a 403; an expired or unknown token is a 401; the token endpoint's error body
// is RFC 6749's `{"error": …}`; the rate-limit window (30 s) and limit (50) are this fake's own.

public import Foundation
import HTTPFields
import Synchronization

/// Greenhouse Harvest v3 on loopback: an organization with candidates, jobs and applications,
/// the client-credentials token endpoint, bearer tokens with scopes, cursor pagination through
/// `Link` headers, rate-limit headers and 429s, and the removed v1/v2 API answering 410.
///
/// Knobs: `injectRateLimit(calls:retryAfter:)`, `revoke(client:)`, `expireTokens()`,
/// `addJobs(_:)`, `addCandidates(_:updatedAt:)`, `mintToken(client:)`; what it holds:
/// `candidates`, `jobs`, `applications`, `issuedTokens`.
public final class GreenhouseFake: ServedFake {
    /// The client id of a Harvest V3 (OAuth) credential with every list scope used here.
    public static let clientID = "gh-client-7f3a91c2"
    /// Its client secret.
    public static let clientSecret = "ghs_5d2e8b6f0a4c9e1b7d3f5a8c2e6b0d4f"
    /// A credential granted only `harvest:jobs:list`.
    public static let jobsOnlyClientID = "gh-client-jobs-only"
    /// Its client secret.
    public static let jobsOnlyClientSecret = "ghs_0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
    /// A Harvest v1/v2 API key: Basic auth with it reaches only the removed API.
    public static let legacyAPIKey = "a7183e1b7e9ab09b8a5cfa87d1934c3c"
    /// The Greenhouse user a token may be issued for (`sub`).
    public static let userID = 4080
    /// Every scope the full credential has.
    public static let allScopes: Set<String> = ["harvest:candidates:list", "harvest:jobs:list", "harvest:applications:list"]
    /// The default and largest `per_page`.
    public static let defaultPageSize = 100
    /// The largest `per_page` (more is a 422).
    public static let maxPageSize = 500
    /// Requests allowed per rate-limit window (this fake's number, sent as `X-RateLimit-Limit`).
    public static let rateLimit = 50
    /// The rate-limit window, in seconds (this fake's number).
    public static let rateWindow: TimeInterval = 30

    /// A candidate.
    public struct Candidate: Sendable {
        /// Its id.
        public var id: Int
        /// First name.
        public var firstName: String
        /// Last name.
        public var lastName: String
        /// Current company.
        public var company: String?
        /// Current title.
        public var title: String?
        /// Personal email.
        public var email: String
        /// When it was created.
        public var createdAt: Date
        /// When it was last updated.
        public var updatedAt: Date
    }

    /// A job (requisition).
    public struct Job: Sendable {
        /// Its id.
        public var id: Int
        /// The internal job name.
        public var name: String
        /// `open`, `closed` or `draft`.
        public var status: String
        /// The external requisition id.
        public var requisitionID: String?
        /// Its department.
        public var departmentID: Int?
        /// Its offices.
        public var officeIDs: [Int]
        /// When it first opened.
        public var openedAt: Date?
        /// When it was created.
        public var createdAt: Date
        /// When it was last updated.
        public var updatedAt: Date
    }

    /// An application of a candidate to a job.
    public struct Application: Sendable {
        /// Its id.
        public var id: Int
        /// The candidate.
        public var candidateID: Int
        /// The job.
        public var jobID: Int
        /// `in_process`, `rejected`, `hired` or `converted`.
        public var status: String
        /// The current stage's id.
        public var stageID: Int?
        /// The current stage's name.
        public var stageName: String?
        /// The source.
        public var sourceID: Int?
        /// When it was created (the application date).
        public var createdAt: Date
        /// When it was last updated.
        public var updatedAt: Date
        /// When anything last happened on it.
        public var lastActivityAt: Date
    }

    /// An access token the fake issued.
    public struct Token: Sendable {
        /// The token itself.
        public var value: String
        /// The credential it was issued to.
        public var clientID: String
        /// The scopes it carries.
        public var scopes: Set<String>
        /// The user it acts as (`sub`), nil for the service account.
        public var userID: Int?
        /// When it stops working.
        public var expiresAt: Date
    }

    struct Throttle: Sendable { var retryAfter: Int }

    struct State: Sendable {
        var candidates: [Candidate] = []
        var jobs: [Job] = []
        var applications: [Application] = []
        var tokens: [String: Token] = [:]
        var revoked: Set<String> = []
        var windowStart = Date()
        var windowCount = 0
        var minted = 0
    }

    /// The loopback server that answers as Greenhouse.
    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Throttle>()

    /// An organization with four jobs (two open, one closed, a draft), four candidates and five
    /// applications.
    public init() {
        let day: TimeInterval = 86_400
        let now = Date()
        state.withLock { state in
            state.jobs = [
                Job(
                    id: 101, name: "Backend Engineer", status: "open", requisitionID: "ENG-12", departmentID: 7, officeIDs: [3],
                    openedAt: now - 40 * day, createdAt: now - 45 * day, updatedAt: now - 2 * day),
                Job(
                    id: 102, name: "Growth Marketer", status: "open", requisitionID: "MKT-4", departmentID: 8, officeIDs: [3, 4],
                    openedAt: now - 20 * day, createdAt: now - 21 * day, updatedAt: now - 1 * day),
                Job(
                    id: 103, name: "Office Manager", status: "closed", requisitionID: nil, departmentID: nil, officeIDs: [],
                    openedAt: now - 200 * day, createdAt: now - 210 * day, updatedAt: now - 90 * day),
                Job(
                    id: 104, name: "Data Analyst", status: "draft", requisitionID: nil, departmentID: 7, officeIDs: [4],
                    openedAt: nil, createdAt: now - 3 * day, updatedAt: now - 3 * day),
            ]
            state.candidates = [
                Candidate(
                    id: 5001, firstName: "Ada", lastName: "Lovelace", company: "Analytical Engines", title: "Engineer",
                    email: "ada@example.com", createdAt: now - 30 * day, updatedAt: now - 10 * day),
                Candidate(
                    id: 5002, firstName: "Grace", lastName: "Hopper", company: "Navy", title: "Rear Admiral",
                    email: "grace@example.com", createdAt: now - 25 * day, updatedAt: now - 1 * day),
                Candidate(
                    id: 5003, firstName: "Linus", lastName: "Coder", company: nil, title: nil,
                    email: "linus@example.com", createdAt: now - 12 * day, updatedAt: now - 12 * day),
                Candidate(
                    id: 5004, firstName: "Hired", lastName: "Person", company: "Acme", title: "Office Manager",
                    email: "hired@example.com", createdAt: now - 150 * day, updatedAt: now - 90 * day),
            ]
            state.applications = [
                Application(
                    id: 9001, candidateID: 5001, jobID: 101, status: "in_process", stageID: 31, stageName: "Technical Interview",
                    sourceID: 11, createdAt: now - 30 * day, updatedAt: now - 10 * day, lastActivityAt: now - 10 * day),
                Application(
                    id: 9002, candidateID: 5002, jobID: 101, status: "in_process", stageID: 30, stageName: "Application Review",
                    sourceID: 12, createdAt: now - 25 * day, updatedAt: now - 1 * day, lastActivityAt: now - 1 * day),
                Application(
                    id: 9003, candidateID: 5003, jobID: 102, status: "rejected", stageID: nil, stageName: nil,
                    sourceID: 11, createdAt: now - 12 * day, updatedAt: now - 11 * day, lastActivityAt: now - 11 * day),
                Application(
                    id: 9004, candidateID: 5002, jobID: 102, status: "in_process", stageID: 40, stageName: "Phone Screen",
                    sourceID: nil, createdAt: now - 5 * day, updatedAt: now - 4 * day, lastActivityAt: now - 4 * day),
                Application(
                    id: 9005, candidateID: 5004, jobID: 103, status: "hired", stageID: nil, stageName: nil,
                    sourceID: 13, createdAt: now - 150 * day, updatedAt: now - 90 * day, lastActivityAt: now - 90 * day),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for both `https://harvest.greenhouse.io` and `https://auth.greenhouse.io`.
    public var baseURL: String { server.baseURL }
    /// The Harvest v3 base, `<baseURL>/v3`.
    public var harvestBaseURL: String { "\(baseURL)/v3" }
    /// The token endpoint, `<baseURL>/token`.
    public var tokenURL: String { "\(baseURL)/token" }

    /// Every candidate.
    public var candidates: [Candidate] { state.withLock { $0.candidates } }
    /// Every job.
    public var jobs: [Job] { state.withLock { $0.jobs } }
    /// Every application.
    public var applications: [Application] { state.withLock { $0.applications } }
    /// Every access token issued, by value.
    public var issuedTokens: [String: Token] { state.withLock { $0.tokens } }

    /// The next `calls` Harvest requests are throttled: 429 with `Retry-After: retryAfter`.
    public func injectRateLimit(calls: Int = 1, retryAfter: Int = 10) {
        throttles.add(Throttle(retryAfter: retryAfter), calls: calls)
    }

    /// The credential is deleted: its tokens stop working and it gets no new one.
    public func revoke(client: String) {
        state.withLock { state in
            state.revoked.insert(client)
            state.tokens = state.tokens.filter { $0.value.clientID != client }
        }
    }

    /// Every token issued so far has expired.
    public func expireTokens() {
        state.withLock { state in
            for key in state.tokens.keys { state.tokens[key]?.expiresAt = Date(timeIntervalSinceNow: -1) }
        }
    }

    /// A valid access token for `client`, as the token endpoint would issue it (for tests that
    /// need a token without the grant).
    public func mintToken(client: String = GreenhouseFake.clientID, userID: Int? = nil) -> Token {
        let scopes: Set<String> = client == Self.jobsOnlyClientID ? ["harvest:jobs:list"] : Self.allScopes
        return state.withLock { state in
            state.minted += 1
            let value = "eyJhbGciOiJSUzI1NiJ9.gh\(state.minted).\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let token = Token(value: value, clientID: client, scopes: scopes, userID: userID, expiresAt: Date(timeIntervalSinceNow: 3600))
            state.tokens[value] = token
            return token
        }
    }

    /// Adds `count` open jobs (ids after the highest).
    public func addJobs(_ count: Int) {
        state.withLock { state in
            let first = (state.jobs.map(\.id).max() ?? 0) + 1
            for index in 0..<count {
                state.jobs.append(
                    Job(
                        id: first + index, name: "Opening \(index)", status: "open", requisitionID: "GEN-\(index)", departmentID: 7,
                        officeIDs: [3], openedAt: Date(timeIntervalSinceNow: -86_400), createdAt: Date(timeIntervalSinceNow: -86_400),
                        updatedAt: Date(timeIntervalSinceNow: -3600)))
            }
        }
    }

    /// Adds `count` candidates updated at `updatedAt` (ids after the highest).
    public func addCandidates(_ count: Int, updatedAt: Date = Date(timeIntervalSinceNow: -60)) {
        state.withLock { state in
            let first = (state.candidates.map(\.id).max() ?? 0) + 1
            for index in 0..<count {
                state.candidates.append(
                    Candidate(
                        id: first + index, firstName: "Applicant", lastName: "No\(index)", company: nil, title: nil,
                        email: "applicant\(index)@example.com", createdAt: updatedAt, updatedAt: updatedAt))
            }
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        if segments == ["token"] { return request.method == "POST" ? token(request) : Self.error(405, "Method Not Allowed") }
        if let first = segments.first, first == "v1" || first == "v2" {
            return Self.error(410, "Harvest API \(first) has been removed. Please migrate to Harvest v3.")
        }
        guard segments.first == "v3" else { return Self.error(404, "Not Found") }
        var reply = harvest(request, route: Array(segments.dropFirst()))
        for (name, value) in rateLimitHeaders() { reply.headers.replaceOrAdd(name: name, value: value) }
        return reply
    }

    private func harvest(_ request: Request, route: [String]) -> Reply {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else {
            return Self.error(401, "Unauthorized")
        }
        let value = String(header.dropFirst(7))
        guard let token = state.withLock({ $0.tokens[value] }), token.expiresAt > Date() else { return Self.error(401, "Unauthorized") }
        if let throttle = throttles.take() {
            var reply = Self.error(429, "Too Many Requests")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(throttle.retryAfter))
            return reply
        }
        guard request.method == "GET", route.count == 1, let resource = Self.resources[route[0]] else {
            return Self.error(404, "Not Found")
        }
        guard token.scopes.contains("harvest:\(route[0]):list") else {
            return Self.error(403, "The credential is missing the harvest:\(route[0]):list scope")
        }
        return list(resource, request)
    }

    /// `X-RateLimit-*` for this request: one more in the current window.
    private func rateLimitHeaders() -> [(String, String)] {
        state.withLock { state in
            let now = Date()
            if now.timeIntervalSince(state.windowStart) >= Self.rateWindow {
                state.windowStart = now
                state.windowCount = 0
            }
            state.windowCount += 1
            let reset = Int((state.windowStart + Self.rateWindow).timeIntervalSince1970)
            return [
                ("X-RateLimit-Limit", String(Self.rateLimit)), ("X-RateLimit-Remaining", String(max(0, Self.rateLimit - state.windowCount))),
                ("X-RateLimit-Reset", String(reset)),
            ]
        }
    }

    /// Greenhouse's error: `{"message": …}`, with `errors` on a 422.
    static func error(_ status: Int, _ message: String, errors: [[String: String]] = []) -> Reply {
        var body: [String: Any] = ["message": message]
        if !errors.isEmpty { body["errors"] = errors }
        return .json(status, object: body)
    }

    /// ISO 8601 with milliseconds and `Z`, as Harvest v3 writes timestamps.
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
