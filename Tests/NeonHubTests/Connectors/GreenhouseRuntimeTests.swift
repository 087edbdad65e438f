import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Greenhouse definition run by the real runtime against the Greenhouse fake, which follows
/// Harvest v3 as documented in December 2026 (https://harvestdocs.greenhouse.io/docs/authentication,
/// https://harvestdocs.greenhouse.io/docs/pagination, https://harvestdocs.greenhouse.io/docs/list-endpoints).
/// Every action runs on Harvest v3 with a bearer token from the client-credentials grant, pages
/// through the `Link` cursor, and maps v3's fields; `GreenhouseDefinitionTests` holds what the
/// v1 definition got wrong (Greenhouse removed v1 on 31 August 2026).
@Suite struct GreenhouseRuntimeTests {
    static let connector = "greenhouse"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own, on the fake's host.
    static func runtime(_ fake: GreenhouseFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://harvest.greenhouse.io", with: fake.baseURL)
        return ConnectorRuntime(catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake.
    func withGreenhouse(_ body: (GreenhouseFake) async throws -> Void) async throws {
        let fake = GreenhouseFake()
        try fake.start()
        try await fake.server.serving { try await body(fake) }
    }

    /// A Harvest v3 access token from the fake, as the client-credentials grant issues it.
    static func bearer(_ fake: GreenhouseFake, client: String = GreenhouseFake.clientID) -> ConnectorCredentialsValue {
        .token(fake.mintToken(client: client).value)
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), variables: [:])
    }

    static func list(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items)? = output["items"] { return items }
        return []
    }

    @Test func jobsArePagedThroughTheLinkCursorWithFiltersOnTheFirstRequestOnly() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.runtime(fake)
            let token = Self.bearer(fake)
            fake.addJobs(150)
            let open = try await runtime.execute(Self.call("jobs.list")) { _ in token }
            let jobs = Self.list(open.output)
            #expect(jobs.count == 152, "the two seeded open jobs and the 150 added")
            #expect(open.pages == 2 && open.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", "/v3/jobs")
            #expect(reads.count == 2)
            #expect(reads[0].queryItems["status"] == ["open"] && reads[0].queryItems["per_page"] == ["100"])
            #expect(reads[1].queryItems.keys.sorted() == ["cursor"], "the cursor alone, as Greenhouse requires")
            #expect(reads.allSatisfy { $0.header("Authorization")?.hasPrefix("Bearer ") == true })
            let backend = try #require(jobs.first)
            #expect(backend["id"] == .number(101) && backend["name"] == .string("Backend Engineer"))
            #expect(backend["status"] == .string("open") && backend["requisitionId"] == .string("ENG-12"))
            #expect(JSONPath.text(backend["openedAt"])?.hasSuffix("Z") == true)

            let bounded = try await runtime.execute(Self.call("jobs.list", ["limit": .number(120), "status": .string("open")])) { _ in token }
            #expect(Self.list(bounded.output).count == 120 && bounded.output["truncated"] == .bool(true))

            let closed = try await runtime.execute(Self.call("jobs.list", ["status": .string("closed")])) { _ in token }
            #expect(Self.list(closed.output).compactMap { JSONPath.text($0["name"]) } == ["Office Manager"])
        }
    }

    @Test func candidatesAndApplicationsWithoutFiltersRunOnV3() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.runtime(fake)
            let token = Self.bearer(fake)
            let candidates = try await runtime.execute(Self.call("candidates.list")) { _ in token }
            let people = Self.list(candidates.output)
            #expect(people.compactMap { JSONPath.text($0["lastName"]) } == ["Lovelace", "Hopper", "Coder", "Person"])
            let ada = try #require(people.first)
            #expect(ada["firstName"] == .string("Ada") && ada["email"] == .string("ada@example.com"))
            #expect(ada["company"] == .string("Analytical Engines") && JSONPath.text(ada["updatedAt"]) != nil)
            #expect(fake.requests.last?.queryItems == ["per_page": ["100"]], "no filter is sent when none is given")

            let applications = try await runtime.execute(Self.call("applications.list")) { _ in token }
            let rows = Self.list(applications.output)
            #expect(rows.compactMap { $0["id"]?.numberValue } == [9001, 9002, 9003, 9004, 9005])
            #expect(rows.first?["candidateId"] == .number(5001) && rows.first?["status"] == .string("in_process"))

            let hired = try await runtime.execute(Self.call("applications.list", ["status": .string("hired")])) { _ in token }
            #expect(Self.list(hired.output).compactMap { $0["id"]?.numberValue } == [9005])
            #expect(fake.requests.last?.queryItems["status"] == ["hired"], "v3 takes the definition's status values")
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrSurfacedAsARateLimit() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.runtime(fake)
            let token = Self.bearer(fake)
            fake.injectRateLimit(calls: 1, retryAfter: 1)
            let retried = try await runtime.execute(Self.call("jobs.list")) { _ in token }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", "/v3/jobs")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectRateLimit(calls: 1, retryAfter: 600)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("jobs.list")) { _ in token }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }

    @Test func anExpiredTokenIsAnAuthErrorAndAMissingScopeIsRefused() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.runtime(fake)
            let token = Self.bearer(fake)
            fake.expireTokens()
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("jobs.list")) { _ in token }
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.message.contains("401") == true)

            let jobsOnly = Self.bearer(fake, client: GreenhouseFake.jobsOnlyClientID)
            let jobs = try await runtime.execute(Self.call("jobs.list")) { _ in jobsOnly }
            #expect(Self.list(jobs.output).count == 2)
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("candidates.list")) { _ in jobsOnly }
            }
            #expect(denied?.message.contains("403") == true)
        }
    }
}
