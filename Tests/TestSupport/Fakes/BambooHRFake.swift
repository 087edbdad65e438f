// A fake of BambooHR's REST API (v1, API-key access) on loopback, following BambooHR's
// documentation — not what our connector definition assumes:
//
// - Base URL `https://api.bamboohr.com/api/gateway.php/{companyDomain}/v1`, the company's
//   subdomain in the path; HTTP Basic with the API key as the user name and any password ("x");
//   every request over HTTPS; a throttled client must expect an error status:
//   https://documentation.bamboohr.com/docs/getting-started,
//   https://documentation.bamboohr.com/docs/api-details
// - Status codes: 400 bad request, 401 missing or bad key, 403 the key's user lacks the
//   permission, 404 unknown resource or id, 406 references to non-existent fields; the reason in
//   the `X-BambooHR-Error-Message` response header, the body empty (the OpenAPI document,
//   github.com/BambooHR/bhr-api-python specs/public.yaml: "The error message is returned in the
//   `x-bamboohr-error-message` response header; the body is empty"):
//   https://documentation.bamboohr.com/docs/api-details
// - Rate limiting: since 16 September 2026 a throttled request is answered 429 with
//   `Retry-After`; 503 now only means the API is unavailable (before, throttling was a 503):
//   https://documentation.bamboohr.com/docs/planned-changes-to-the-api
// - JSON only with `Accept: application/json`; without it the employee endpoints answer XML:
//   https://documentation.bamboohr.com/reference/get-employees-directory,
//   https://documentation.bamboohr.com/reference/get-employee
// - `GET /employees/directory` ({fields, employees}, active employees only, 403 when the
//   company does not share its directory): https://documentation.bamboohr.com/reference/get-employees-directory
// - `GET /employees/{id}` (`fields` comma-separated; `id` always present and a string, nothing
//   else unless named; id 0 is the key's own employee; 404 for an unknown employee):
//   https://documentation.bamboohr.com/reference/get-employee
// - Applicant tracking, for keys whose user has ATS access (403 otherwise): `GET
//   /applicant_tracking/jobs` (statusGroups, comma-separated, of ALL, DRAFT_AND_OPEN, Open,
//   Filled, Draft, Deleted, On Hold, Canceled; sortBy count, title, lead, created, status;
//   sortOrder ASC or DESC; a bare array of job summaries; all non-deleted openings by default):
//   https://documentation.bamboohr.com/reference/get-job-summaries — and `GET
//   /applicant_tracking/applications` (page, jobId, applicationStatusId, applicationStatus of ALL,
//   ALL_ACTIVE, NEW, ACTIVE, INACTIVE, HIRED, jobStatusGroups, searchString, sortBy, sortOrder,
//   newSince as `Y-m-d H:i:s` UTC; {paginationComplete, nextPageUrl, applications}):
//   https://documentation.bamboohr.com/reference/get-applications
//
// Assumed where the references are silent: 100 applications a page, newest first unless sorted,
// `nextPageUrl` keeping the request's filters; the error messages' wording; an unknown company
// domain or route is a 404; a bad `newSince` or filter value is a 400; no `applicationStatus`
// means every status; the ids of the applicant and job statuses.

public import Foundation
import HTTPFields
import Synchronization

/// BambooHR on loopback: the company `acme` with its employees, job openings and applications,
/// Basic auth with API keys, JSON or XML by `Accept`, and BambooHR's header-borne errors.
///
/// Knobs: `injectRateLimit(calls:retryAfter:status:)`, `revoke(key:)`, `stopSharingDirectory()`,
/// `addApplications(_:job:)`; what it holds: `employees`, `jobs`, `applications`.
public final class BambooHRFake: ServedFake {
    /// The company's subdomain (`acme.bamboohr.com`).
    public static let companyDomain = "acme"
    /// The API key of an HR administrator (employee 5), with applicant tracking access.
    public static let apiKey = "9f3c1e7a5b2d4f6081a3c5e7092b4d6f8a1c3e5b"
    /// The API key of an employee (123) without applicant tracking access.
    public static let employeeKey = "0b1d2f3a4c5e6a7b8c9d0e1f2a3b4c5d6e7f8091"
    /// The header that carries BambooHR's reason on an error.
    public static let errorHeader = "X-BambooHR-Error-Message"

    /// An employee as the fake stores it.
    public struct Employee: Sendable {
        /// The immutable employee id (a string in every answer).
        public var id: String
        /// First name.
        public var firstName: String
        /// Last name.
        public var lastName: String
        /// Job title.
        public var jobTitle: String
        /// Department.
        public var department: String
        /// Work email.
        public var workEmail: String
        /// Location.
        public var location: String
        /// Hire date, `YYYY-MM-DD`.
        public var hireDate: String
        /// `Active` or `Inactive`.
        public var status: String
        /// First and last name.
        public var displayName: String { "\(firstName) \(lastName)" }
    }

    /// A job opening.
    public struct Job: Sendable {
        /// The opening's id.
        public var id: Int
        /// The title.
        public var title: String
        /// The department, if any.
        public var department: String?
        /// `Open`, `On Hold`, `Filled`, `Draft`, `Deleted` or `Canceled`.
        public var status: String
        /// The hiring lead's employee id.
        public var hiringLead: String
        /// When it was posted.
        public var postedDate: Date
    }

    /// An application to a job opening.
    public struct Application: Sendable {
        /// The application's id.
        public var id: Int
        /// When it was submitted.
        public var appliedDate: Date
        /// The applicant status (see `applicantStatuses`).
        public var statusID: Int
        /// The applicant's first name.
        public var firstName: String
        /// The applicant's last name.
        public var lastName: String
        /// The applicant's email.
        public var email: String
        /// The job opening applied to.
        public var jobID: Int
    }

    /// The applicant statuses: id, label, status group.
    public static let applicantStatuses: [(id: Int, label: String, group: String)] = [
        (1, "New", "NEW"), (2, "Reviewed", "ACTIVE"), (5, "Interviewed", "ACTIVE"), (8, "Not a Fit", "INACTIVE"), (11, "Hired", "HIRED"),
    ]
    /// The job opening statuses, with their ids.
    public static let jobStatuses: [(id: Int, label: String)] = [
        (1, "Open"), (2, "On Hold"), (3, "Filled"), (4, "Draft"), (5, "Deleted"), (6, "Canceled"),
    ]

    /// A throttled or unavailable answer.
    struct Throttle: Sendable {
        var status: Int
        var retryAfter: Int
    }

    struct State: Sendable {
        var employees: [Employee] = []
        var jobs: [Job] = []
        var applications: [Application] = []
        var revoked: Set<String> = []
        var directoryShared = true
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Throttle>()

    /// `acme` with four active employees and a former one, five openings (two open, one filled,
    /// a draft and a deleted one) and five applications to them.
    public init() {
        let day: TimeInterval = 86_400
        let now = Date()
        state.withLock { state in
            state.employees = [
                Employee(
                    id: "5", firstName: "Sample", lastName: "Manager", jobTitle: "Head of People", department: "Human Resources",
                    workEmail: "sample.manager@acme.example", location: "Remote", hireDate: "2019-04-01", status: "Active"),
                Employee(
                    id: "123", firstName: "Sample", lastName: "Employee", jobTitle: "Content Marketing Manager", department: "Marketing",
                    workEmail: "sample.employee@acme.example", location: "Remote", hireDate: "2022-03-01", status: "Active"),
                Employee(
                    id: "124", firstName: "Ada", lastName: "Lovelace", jobTitle: "Staff Engineer", department: "Engineering",
                    workEmail: "ada@acme.example", location: "London", hireDate: "2021-09-13", status: "Active"),
                Employee(
                    id: "125", firstName: "Grace", lastName: "Hopper", jobTitle: "Engineering Manager", department: "Engineering",
                    workEmail: "grace@acme.example", location: "New York", hireDate: "2020-01-06", status: "Active"),
                Employee(
                    id: "99", firstName: "Former", lastName: "Colleague", jobTitle: "Sales Associate", department: "Sales",
                    workEmail: "former@acme.example", location: "Remote", hireDate: "2018-02-01", status: "Inactive"),
            ]
            state.jobs = [
                Job(id: 17, title: "Growth Marketer", department: "Marketing", status: "Open", hiringLead: "5", postedDate: now - 30 * day),
                Job(id: 18, title: "Backend Engineer", department: "Engineering", status: "Open", hiringLead: "125", postedDate: now - 10 * day),
                Job(id: 19, title: "Office Manager", department: nil, status: "Filled", hiringLead: "5", postedDate: now - 90 * day),
                Job(id: 20, title: "Data Analyst", department: "Engineering", status: "Draft", hiringLead: "125", postedDate: now - 2 * day),
                Job(id: 21, title: "Old Opening", department: "Sales", status: "Deleted", hiringLead: "5", postedDate: now - 400 * day),
            ]
            state.applications = [
                Application(
                    id: 42, appliedDate: now - 20 * day, statusID: 1, firstName: "Sample", lastName: "Candidate",
                    email: "candidate@example.com", jobID: 17),
                Application(
                    id: 43, appliedDate: now - 12 * day, statusID: 2, firstName: "Second", lastName: "Candidate",
                    email: "second@example.com", jobID: 17),
                Application(
                    id: 44, appliedDate: now - 5 * day, statusID: 5, firstName: "Linus", lastName: "Coder",
                    email: "linus@example.com", jobID: 18),
                Application(
                    id: 45, appliedDate: now - 3 * day, statusID: 8, firstName: "Not", lastName: "Chosen",
                    email: "not.chosen@example.com", jobID: 18),
                Application(
                    id: 46, appliedDate: now - 60 * day, statusID: 11, firstName: "Hired", lastName: "Person",
                    email: "hired@example.com", jobID: 19),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "Service Unavailable")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.bamboohr.com`.
    public var baseURL: String { server.baseURL }

    /// The company's API base, `<baseURL>/api/gateway.php/acme/v1`.
    public var companyBaseURL: String { "\(baseURL)/api/gateway.php/\(Self.companyDomain)/v1" }

    /// Every employee, active or not.
    public var employees: [Employee] { state.withLock { $0.employees } }
    /// Every job opening, deleted ones included.
    public var jobs: [Job] { state.withLock { $0.jobs } }
    /// Every application.
    public var applications: [Application] { state.withLock { $0.applications } }

    /// The next `calls` requests are throttled: 429 with `Retry-After: retryAfter`, as BambooHR
    /// answers since 16 September 2026; `status: 503` is how it answered before (and how it still
    /// answers when it is unavailable).
    public func injectRateLimit(calls: Int = 1, retryAfter: Int = 30, status: Int = 429) {
        throttles.add(Throttle(status: status, retryAfter: retryAfter), calls: calls)
    }

    /// From now on `key` is refused (deleted by its user).
    public func revoke(key: String) { _ = state.withLock { $0.revoked.insert(key) } }

    /// The company stops sharing its directory: `/employees/directory` answers 403.
    public func stopSharingDirectory() { state.withLock { $0.directoryShared = false } }

    /// Adds `count` new applications to `job`, submitted over the last minutes (newest last).
    public func addApplications(_ count: Int, job: Int = 18) {
        state.withLock { state in
            let first = (state.applications.map(\.id).max() ?? 0) + 1
            for index in 0..<count {
                state.applications.append(
                    Application(
                        id: first + index, appliedDate: Date(timeIntervalSinceNow: -Double(count - index) * 60), statusID: 1,
                        firstName: "Applicant", lastName: "No\(index)", email: "applicant\(index)@example.com", jobID: job))
            }
        }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.count >= 4, segments[0] == "api", segments[1] == "gateway.php", segments[3] == "v1" else {
            return Self.error(404, "Invalid API request")
        }
        guard segments[2] == Self.companyDomain else { return Self.error(404, "Company not found") }
        guard let key = Self.basicUser(request.header("Authorization")), [Self.apiKey, Self.employeeKey].contains(key),
            !state.withLock({ $0.revoked.contains(key) })
        else {
            var reply = Self.error(401, "Invalid API key")
            reply.headers.replaceOrAdd(name: "WWW-Authenticate", value: "Basic realm=\"BambooHR\"")
            return reply
        }
        if let throttle = throttles.take() {
            var reply = Self.error(throttle.status, throttle.status == 429 ? "Too many requests" : "Service Unavailable")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(throttle.retryAfter))
            return reply
        }
        let json = request.header("Accept")?.lowercased().contains("application/json") == true
        let route = Array(segments.dropFirst(4))
        switch (request.method, route) {
        case ("GET", ["employees", "directory"]): return directory(json: json)
        case ("GET", let rest) where rest.count == 2 && rest[0] == "employees": return employee(rest[1], request, key: key, json: json)
        case ("GET", let rest) where rest.first == "applicant_tracking":
            guard key == Self.apiKey else { return Self.error(403, "You do not have access to this resource") }
            switch rest {
            case ["applicant_tracking", "jobs"]: return listJobs(request)
            case ["applicant_tracking", "applications"]: return listApplications(request)
            default: return Self.error(404, "Invalid API request")
            }
        default: return Self.error(404, "Invalid API request")
        }
    }

    /// The user name of a Basic `Authorization` (the API key); nil unless it is Basic with a
    /// `user:password` pair.
    static func basicUser(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let user = String(text[..<colon])
        return user.isEmpty ? nil : user
    }

    /// BambooHR's error: the status, the reason in `X-BambooHR-Error-Message`, an empty body.
    static func error(_ status: Int, _ message: String) -> Reply {
        Reply(status: status, headers: HTTPHeaders([(errorHeader, message)]), body: [])
    }

    /// An XML answer (what the employee endpoints send without `Accept: application/json`).
    static func xml(_ text: String) -> Reply {
        Reply(status: 200, headers: HTTPHeaders([("Content-Type", "application/xml")]), body: Array(("<?xml version=\"1.0\"?>\n" + text).utf8))
    }

    /// `&`, `<`, `>` and quotes escaped for XML text and attributes.
    static func escapeXML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
