import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The PagerDuty definition run by the real runtime against the PagerDuty fake (which follows
/// PagerDuty's OpenAPI reference, pagination, error and rate-limit documentation): the headers,
/// query arrays, incident body, paging and error classes, field by field.
@Suite struct PagerDutyRuntimeTests {
    static func runtime(_ fake: PagerDutyFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "pagerduty"), baseURLOverrides: ["pagerduty": fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withPagerDuty(_ body: (PagerDutyFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = PagerDutyFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let key = ConnectorCredentialsValue.token(PagerDutyFake.apiKey)
    static let from = ["fromEmail": PagerDutyFake.userEmail]

    static func call(_ action: String, _ input: [String: JSONValue] = [:], variables: [String: String] = from) -> ConnectorCall {
        ConnectorCall(connector: "pagerduty", action: action, input: .object(input), variables: variables)
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func servicesAreListedWithTheKeyAndTheVersionedAcceptHeader() async throws {
        try await withPagerDuty { fake, runtime in
            let all = try await runtime.execute(Self.call("services.list")) { _ in Self.key }
            #expect(Self.items(all.output).compactMap { JSONPath.text($0["name"]) } == ["Checkout API", "Checkout Web", "Email Delivery"])
            #expect(Self.items(all.output).first?["url"] == .string("https://acme.pagerduty.com/service-directory/PIJ90N7"))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/services")
            #expect(sent.header("Authorization") == "Token token=\(PagerDutyFake.apiKey)")
            #expect(sent.header("Accept") == "application/vnd.pagerduty+json;version=2")
            #expect(sent.header("From") == nil, "a read sends no From")

            let filtered = try await runtime.execute(Self.call("services.list", ["query": .string("checkout")])) { _ in Self.key }
            #expect(Self.items(filtered.output).count == 2)
            #expect(fake.requests.last?.queryItems["query"] == ["checkout"])
            // What the runtime learned from PagerDuty's rate-limit headers.
            #expect(filtered.rateLimit?.source == "ratelimit-remaining")
            #expect(filtered.rateLimit?.remaining == PagerDutyFake.perMinute - 2)
        }
    }

    @Test func anIncidentIsCreatedFromTheUsersEmailWithItsReferencesAndDeduplicatedByKey() async throws {
        try await withPagerDuty { fake, runtime in
            let input: [String: JSONValue] = [
                "title": .string("Checkout error rate above 5%"), "serviceId": .string("PIJ90N7"), "urgency": .string("low"),
                "details": .string("Error rate 7.2% over the last 10 minutes."), "incidentKey": .string("checkout-errors-2026-12-03"),
            ]
            let created = try await runtime.execute(Self.call("incidents.create", input)) { _ in Self.key }
            #expect(created.output["status"] == .string("triggered"))
            let id = try #require(JSONPath.text(created.output["id"]))
            let stored = try #require(fake.incidents.first { $0.id == id })
            #expect(stored.urgency == "low" && stored.details == "Error rate 7.2% over the last 10 minutes.")
            #expect(stored.incidentKey == "checkout-errors-2026-12-03")
            #expect(stored.escalationPolicyID == nil)
            let sent = try #require(fake.requests.last)
            #expect(sent.header("From") == PagerDutyFake.userEmail)
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            let incident = try #require((sent.json as? [String: Any])?["incident"] as? [String: Any])
            #expect(incident["escalation_policy"] == nil, "no policy given: no half-empty reference")
            #expect((incident["service"] as? [String: String]) == ["id": "PIJ90N7", "type": "service_reference"])

            // The same key while the incident is open: PagerDuty refuses it, nothing is added.
            let duplicate = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.create", input)) { _ in Self.key }
            }
            #expect(duplicate?.code == .providerRejected)
            #expect(duplicate?.providerCode == "2001")
            #expect(fake.incidents.count == 4)

            // A policy reference is sent whole when given.
            let escalated = try await runtime.execute(
                Self.call(
                    "incidents.create",
                    ["title": .string("Email bounces"), "serviceId": .string("P4VJ1RM"), "escalationPolicyId": .string("PT20YPA")])
            ) { _ in Self.key }
            #expect(fake.incidents.first { $0.id == JSONPath.text(escalated.output["id"]) }?.escalationPolicyID == "PT20YPA")
        }
    }

    @Test func aWriteWithoutTheFromEmailIsRefusedWithPagerDutysReason() async throws {
        try await withPagerDuty { fake, runtime in
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("incidents.create", ["title": .string("x"), "serviceId": .string("PIJ90N7")], variables: [:])
                ) { _ in Self.key }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.message.contains("Invalid Input Provided") == true)
            #expect(fake.requests.last?.header("From") == nil, "an empty From is left out, not sent empty")
            #expect(fake.incidents.count == 3)

            // A read-only key may read but not write: 2010 is permanent, not a reason to re-connect.
            let readOnly = ConnectorCredentialsValue.token(PagerDutyFake.readOnlyKey)
            _ = try await runtime.execute(Self.call("services.list")) { _ in readOnly }
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.create", ["title": .string("x"), "serviceId": .string("PIJ90N7")])) { _ in
                    readOnly
                }
            }
            #expect(denied?.code == .providerRejected)
            #expect(denied?.providerCode == "2010")
        }
    }

    @Test func incidentsArePagedByOffsetNewestFirstAndFilteredWithQueryArrays() async throws {
        try await withPagerDuty { fake, runtime in
            fake.addIncidents(130)
            let all = try await runtime.execute(Self.call("incidents.list", ["limit": .number(500)])) { _ in Self.key }
            // The last month's: 130 added and the two of last week, not last year's.
            #expect(Self.items(all.output).count == 132)
            #expect(all.pages == 2)
            let documented = try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            #expect(Self.items(documented.output).count == 100 && documented.output["truncated"] == .bool(true), "limit: default 100")
            let numbers = Self.items(all.output).compactMap { $0["number"].flatMap(\.numberValue) }
            #expect(numbers == numbers.sorted(by: >), "created_at:desc")
            let reads = fake.server.requests("GET", "/incidents")
            #expect(reads[0].queryItems["limit"] == ["100"] && reads[0].queryItems["sort_by"] == ["created_at:desc"])
            #expect(reads[1].queryItems["offset"] == ["100"])

            let bounded = try await runtime.execute(Self.call("incidents.list", ["limit": .number(5)])) { _ in Self.key }
            #expect(Self.items(bounded.output).count == 5)
            #expect(bounded.pages == 1)

            let filtered = try await runtime.execute(
                Self.call("incidents.list", ["statuses": .string("resolved"), "serviceIds": .string("P4VJ1RM")])
            ) { _ in Self.key }
            #expect(Self.items(filtered.output).compactMap { JSONPath.text($0["title"]) } == ["Bounce rate above 8 %"])
            #expect(fake.requests.last?.queryItems["statuses[]"] == ["resolved"])
            #expect(fake.requests.last?.queryItems["service_ids[]"] == ["P4VJ1RM"])

            let old = try await runtime.execute(
                Self.call(
                    "incidents.list",
                    [
                        "since": .string(ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -450 * 86_400))),
                        "until": .string(ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -300 * 86_400))),
                    ])
            ) { _ in Self.key }
            #expect(Self.items(old.output).compactMap { JSONPath.text($0["title"]) } == ["Disk almost full on db-2"])

            let one = try await runtime.execute(Self.call("incidents.get", ["id": .string("Q1P3AHC3KLGSO9")])) { _ in Self.key }
            #expect(one.output["number"] == .number(1231) && one.output["status"] == .string("triggered"))
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.get", ["id": .string("QNOSUCHINCIDENT")])) { _ in Self.key }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "2100")
        }
    }

    @Test func aRateLimitIsWaitedOutByItsResetHeaderOrSurfacedWithIt() async throws {
        try await withPagerDuty { fake, runtime in
            fake.injectRateLimit(calls: 1, reset: 1)
            let retried = try await runtime.execute(Self.call("services.list")) { _ in Self.key }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", "/services")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "ratelimit-reset: 1 was waited for")

            fake.injectRateLimit(calls: 1, reset: 600)  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("services.list")) { _ in Self.key }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "2020")
            #expect(limited?.retryAfterSeconds == 600)
        }
    }

    @Test func aRevokedKeyIsAnAuthenticationError() async throws {
        try await withPagerDuty { fake, runtime in
            fake.revoke(key: PagerDutyFake.apiKey)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("services.list")) { _ in Self.key }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "2006")
            #expect(refused?.message.contains(PagerDutyFake.apiKey) == false)
        }
    }
}
