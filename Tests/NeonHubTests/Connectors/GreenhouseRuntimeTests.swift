import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Greenhouse definition run by the real runtime against the Greenhouse fake, which follows
/// Harvest v3 as documented in December 2026 (https://harvestdocs.greenhouse.io/docs/authentication,
/// https://harvestdocs.greenhouse.io/docs/pagination, https://harvestdocs.greenhouse.io/docs/list-endpoints).
/// As the definition stands (Harvest v1 with a Basic API key) every action reaches only the API
/// Greenhouse removed on 31 August 2026. Pointed at v3 with a bearer token — what a fixed base URL
/// and auth would send — the action templates that use no filter run, page through the `Link`
/// cursor, and map what v3 still has; `GreenhouseMismatchTests` shows the rest.
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

    /// A runtime pointed at Harvest v3 on the fake (`https://harvest.greenhouse.io/v3`).
    static func v3Runtime(_ fake: GreenhouseFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: fake.harvestBaseURL])
    }

    /// Runs `body` with a started fake.
    func withGreenhouse(_ body: (GreenhouseFake) async throws -> Void) async throws {
        let fake = GreenhouseFake()
        try fake.start()
        try await fake.server.serving { try await body(fake) }
    }

    /// The credential a connection with this key sends, as the connector service builds it from the definition.
    static func key(_ key: String = GreenhouseFake.legacyAPIKey) throws -> ConnectorCredentialsValue {
        try ConnectorService.credential(try definition(), ["apiKey": key])
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

    @Test func theDefinitionAsItStandsReachesOnlyTheRemovedV1API() async throws {
        #expect(try Self.definition().baseUrl == "https://harvest.greenhouse.io/v1")
        try await withGreenhouse { fake in
            let runtime = try Self.runtime(fake)
            let key = try Self.key()
            let calls = [
                Self.call("jobs.list"), Self.call("candidates.list"), Self.call("candidates.get", ["id": .number(5001)]),
                Self.call("applications.list"),
            ]
            for call in calls {
                let gone = await #expect(throws: ConnectorError.self) { try await runtime.execute(call) { _ in key } }
                #expect(gone?.code == .providerRejected, "\(call.action): \(gone?.code.rawValue ?? "")")
                #expect(gone?.message.contains("410") == true, "\(gone?.message ?? "")")
                #expect(gone?.message.contains(GreenhouseFake.legacyAPIKey) == false)
            }
            #expect(fake.requests.count == 4, "a 410 is not retried")
            #expect(fake.requests.allSatisfy { $0.path.hasPrefix("/v1/") })
            let basic = try #require(fake.requests.first?.header("Authorization"))
            #expect(basic.hasPrefix("Basic "), "v3 takes only bearer tokens")
            #expect(fake.requests.first?.path == "/v1/jobs" && fake.requests.first?.queryItems["per_page"] == ["100"])
        }
    }

    @Test func jobsArePagedThroughTheLinkCursorWithFiltersOnTheFirstRequestOnly() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.v3Runtime(fake)
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
            let runtime = try Self.v3Runtime(fake)
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

    @Test func aV1FilterNameIsRefusedWithGreenhousesMessage() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.v3Runtime(fake)
            let token = Self.bearer(fake)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("candidates.list", ["updatedAfter": .string("2026-11-01T00:00:00Z")])) { _ in token }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.message.contains("Unknown query parameter: updated_after") == true, "\(refused?.message ?? "")")
            #expect(fake.requests.count == 1, "a 422 is not retried")
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrSurfacedAsARateLimit() async throws {
        try await withGreenhouse { fake in
            let runtime = try Self.v3Runtime(fake)
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
            let runtime = try Self.v3Runtime(fake)
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
