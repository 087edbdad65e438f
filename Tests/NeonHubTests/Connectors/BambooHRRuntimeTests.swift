import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The BambooHR definition run by the real runtime against the BambooHR fake (which follows
/// BambooHR's getting-started, technical overview and reference pages and its OpenAPI
/// document): the company domain in the path, the key as the Basic user name, JSON asked for,
/// every action's query and mapping, next-URL paging within the limit, and the error classes.
@Suite struct BambooHRRuntimeTests {
    static let connector = "bamboohr"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own, on the fake's host: the company domain
    /// variable still fills the path.
    static func runtime(_ fake: BambooHRFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://api.bamboohr.com", with: fake.baseURL)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withBambooHR(_ body: (BambooHRFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = BambooHRFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    /// The credential a connection with this key sends, as the connector service builds it from the definition.
    static func key(_ key: String = BambooHRFake.apiKey) throws -> ConnectorCredentialsValue {
        try ConnectorService.credential(try definition(), ["apiKey": key])
    }

    static let path = "/api/gateway.php/\(BambooHRFake.companyDomain)/v1"

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), variables: ["companyDomain": BambooHRFake.companyDomain])
    }

    static func list(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items) = output { return items }
        if case .array(let items)? = output["items"] { return items }
        return []
    }

    /// The user name of a Basic `Authorization` header.
    static func basicUser(_ header: String?) -> String? {
        guard let header, header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    static func newSince(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    @Test func theDirectoryIsReadInTheCompanysPathWithTheKeyAsBasicUserAndJSONAccepted() async throws {
        #expect(try Self.definition().baseUrl == "https://api.bamboohr.com/api/gateway.php/{{vars.companyDomain}}/v1")
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            let directory = try await runtime.execute(Self.call("employees.directory")) { _ in key }
            let people = Self.list(directory.output)
            #expect(people.compactMap { JSONPath.text($0["name"]) } == ["Sample Manager", "Sample Employee", "Ada Lovelace", "Grace Hopper"])
            #expect(
                people.first
                    == .object([
                        "id": .string("5"), "name": .string("Sample Manager"), "jobTitle": .string("Head of People"),
                        "department": .string("Human Resources"), "email": .string("sample.manager@acme.example"), "location": .string("Remote"),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/employees/directory")
            #expect(Self.basicUser(sent.header("Authorization")) == BambooHRFake.apiKey, "the key is the Basic user name")
            #expect(sent.header("Accept") == "application/json", "without it BambooHR answers XML")
        }
    }

    @Test func anEmployeeIsReadWithTheDefaultFieldsOrTheNamedOnes() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            let ada = try await runtime.execute(Self.call("employees.get", ["id": .string("124")])) { _ in key }
            #expect(
                ada.output
                    == .object([
                        "id": .string("124"), "firstName": .string("Ada"), "lastName": .string("Lovelace"), "jobTitle": .string("Staff Engineer"),
                        "department": .string("Engineering"), "email": .string("ada@acme.example"), "hireDate": .string("2021-09-13"),
                        "status": .string("Active"),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.path == Self.path + "/employees/124/")
            #expect(sent.queryItems["fields"] == ["firstName,lastName,jobTitle,department,workEmail,hireDate,status,location"])

            let me = try await runtime.execute(Self.call("employees.get", ["id": .string("0"), "fields": .string("firstName,lastName")])) {
                _ in key
            }
            #expect(me.output == .object(["id": .string("5"), "firstName": .string("Sample"), "lastName": .string("Manager")]))
            #expect(fake.requests.last?.queryItems["fields"] == ["firstName,lastName"])

            // Not an id: refused before anything is sent.
            let count = fake.requests.count
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("employees.get", ["id": .string("../directory")])) { _ in key }
            }
            #expect(invalid?.code == .invalidInput)
            #expect(fake.requests.count == count)

            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("employees.get", ["id": .string("4040")])) { _ in key }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.message.contains("HTTP 404") == true)
            #expect(fake.server.requests("GET", Self.path + "/employees/4040/").count == 1, "a 404 is not retried")
        }
    }

    @Test func jobOpeningsAreListedOpenAndNewestFirstUnlessAsked() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            let open = try await runtime.execute(Self.call("jobs.list")) { _ in key }
            let jobs = Self.list(open.output)
            #expect(jobs.compactMap { JSONPath.text($0["title"]) } == ["Backend Engineer", "Growth Marketer"])
            let backend = try #require(jobs.first)
            #expect(backend["id"] == .number(18) && backend["status"] == .string("Open") && backend["department"] == .string("Engineering"))
            #expect(backend["totalApplicants"] == .number(2) && backend["newApplicants"] == .number(0))
            #expect(backend["postingUrl"] == .string("https://acme.bamboohr.com/careers/18"))
            #expect(JSONPath.text(backend["postedDate"])?.hasSuffix("+00:00") == true)
            let sent = try #require(fake.requests.last)
            #expect(sent.path == Self.path + "/applicant_tracking/jobs")
            #expect(sent.queryItems["statusGroups"] == ["Open"] && sent.queryItems["sortBy"] == ["created"])
            #expect(sent.queryItems["sortOrder"] == ["DESC"])

            let all = try await runtime.execute(Self.call("jobs.list", ["statusGroups": .string("ALL"), "sortBy": .string("title")])) { _ in key }
            #expect(
                Self.list(all.output).compactMap { JSONPath.text($0["title"]) } == [
                    "Old Opening", "Office Manager", "Growth Marketer", "Data Analyst", "Backend Engineer",
                ])
            #expect(Self.list(all.output).first?["department"] == .string("Sales"))
            #expect(Self.list(all.output).dropFirst().first?["department"] == nil, "an opening without a department maps none")

            let onHold = try await runtime.execute(Self.call("jobs.list", ["statusGroups": .string("On Hold")])) { _ in key }
            #expect(Self.list(onHold.output).isEmpty)
            #expect(fake.requests.last?.queryItems["statusGroups"] == ["On Hold"])
        }
    }

    @Test func applicationsFollowNextPageURLUntilTheEndOrTheLimit() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            fake.addApplications(230)
            let all = try await runtime.execute(Self.call("applications.list", ["limit": .number(500)])) { _ in key }
            let items = Self.list(all.output)
            // The active ones (new and in progress): 230 added and three seeded, not the declined or hired.
            #expect(items.count == 233)
            #expect(all.pages == 3)
            #expect(all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", Self.path + "/applicant_tracking/applications")
            #expect(reads.count == 3)
            #expect(reads[0].queryItems["applicationStatus"] == ["ALL_ACTIVE"] && reads[0].queryItems["page"] == nil)
            #expect(reads[1].queryItems["page"] == ["2"] && reads[2].queryItems["page"] == ["3"])
            #expect(reads.allSatisfy { Self.basicUser($0.header("Authorization")) == BambooHRFake.apiKey }, "every page is authenticated")
            let newest = try #require(items.first)
            #expect(newest["candidateFirstName"] == .string("Applicant") && newest["candidateLastName"] == .string("No229"))
            #expect(newest["status"] == .string("New") && newest["jobId"] == .number(18))
            #expect(newest["jobTitle"] == .string("Backend Engineer"))
            #expect(newest["candidateEmail"] == .string("applicant229@example.com"))
            #expect(JSONPath.text(newest["appliedDate"]) != nil)

            let bounded = try await runtime.execute(Self.call("applications.list", ["limit": .number(150)])) { _ in key }
            #expect(Self.list(bounded.output).count == 150)
            #expect(bounded.pages == 2)
            #expect(bounded.output["truncated"] == .bool(true))

            let one = try await runtime.execute(Self.call("applications.list", ["jobId": .number(17), "applicationStatus": .string("ALL")])) {
                _ in key
            }
            #expect(Self.list(one.output).compactMap { $0["id"]?.numberValue } == [43, 42])
            #expect(fake.requests.last?.queryItems["jobId"] == ["17"] && fake.requests.last?.queryItems["applicationStatus"] == ["ALL"])
        }
    }

    @Test func newApplicationsSinceAWatermarkAreWhatThePollingTriggerReads() async throws {
        let trigger = try #require(try Self.definition().triggers.first { $0.id == "applications.new" })
        #expect(trigger.type == "polling" && trigger.action == "applications.list")
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            fake.addApplications(2)
            let since = Self.newSince(Date(timeIntervalSinceNow: -4 * 86_400))
            let fresh = try await runtime.execute(
                Self.call("applications.list", ["newSince": .string(since), "applicationStatus": .string("ALL")])
            ) { _ in key }
            #expect(Self.list(fresh.output).compactMap { JSONPath.text($0["candidateLastName"]) } == ["No1", "No0", "Chosen"])
            #expect(fake.requests.last?.queryItems["newSince"] == [since], "Y-m-d H:i:s, as BambooHR takes it")

            let none = try await runtime.execute(Self.call("applications.list", ["newSince": .string(Self.newSince(Date()))])) { _ in key }
            #expect(Self.list(none.output).isEmpty)
            #expect(none.pages == 1)
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrSurfacedAsARateLimit() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            fake.injectRateLimit(calls: 1, retryAfter: 1)
            let retried = try await runtime.execute(Self.call("employees.directory")) { _ in key }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", Self.path + "/employees/directory")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectRateLimit(calls: 1, retryAfter: 600)  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("employees.directory")) { _ in key }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }

    @Test func anUnavailableAPIIsRetriedAfterItsRetryAfterOrSurfacedAsUnavailable() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            fake.injectRateLimit(calls: 1, retryAfter: 1, status: 503)
            let retried = try await runtime.execute(Self.call("jobs.list")) { _ in key }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", Self.path + "/applicant_tracking/jobs")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            // Since 16 September 2026 a 503 is BambooHR being unavailable, no longer a rate limit.
            fake.injectRateLimit(calls: 1, retryAfter: 600, status: 503)
            let unavailable = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("jobs.list")) { _ in key }
            }
            #expect(unavailable?.code == .providerUnavailable)
            #expect((598...600).contains(unavailable?.retryAfterSeconds ?? 0))
        }
    }

    @Test func aRevokedKeyIsAnAuthenticationErrorThatNamesNoKey() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key()
            fake.revoke(key: BambooHRFake.apiKey)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("employees.get", ["id": .string("0")])) { _ in key }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.message.contains("HTTP 401") == true)
            #expect(refused?.message.contains(BambooHRFake.apiKey) == false)
            #expect(fake.requests.count == 1, "a refused key is not retried")
        }
    }

    @Test func aUserWithoutApplicantTrackingAccessReadsEmployeesButNoATS() async throws {
        try await withBambooHR { fake, runtime in
            let key = try Self.key(BambooHRFake.employeeKey)
            let directory = try await runtime.execute(Self.call("employees.directory")) { _ in key }
            #expect(Self.list(directory.output).count == 4)
            for action in ["jobs.list", "applications.list"] {
                let denied = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call(action)) { _ in key }
                }
                #expect(denied?.message.contains("HTTP 403") == true)
            }
            #expect(fake.requests.count == 3, "a 403 is not retried")
        }
    }
}
