import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// The Opsgenie definition run by the real runtime against the Opsgenie fake (which follows
/// Opsgenie's Incident API, Alert API, response and rate-limit documentation): the GenieKey,
/// the asynchronous create → request-status round trip, the incident search and its offset
/// paging, and the error classes, field by field.
@Suite struct OpsgenieRuntimeTests {
    static func runtime(_ fake: OpsgenieFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "opsgenie"), baseURLOverrides: ["opsgenie": fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withOpsgenie(_ body: (OpsgenieFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = OpsgenieFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let key = ConnectorCredentialsValue.token(OpsgenieFake.apiKey)
    static let host = ["apiHost": "api.opsgenie.com"]

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "opsgenie", action: action, input: .object(input), variables: host)
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? [] }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    @Test func theApiHostVariableChoosesTheUSOrEUInstance() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["opsgenie"]?.definition)
        for host in ["api.opsgenie.com", "api.eu.opsgenie.com"] {
            let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
                try #require(definition.action("incidents.requestStatus")?.request),
                renderer: TemplateRenderer(scope: ["vars": .object(["apiHost": .string(host)]), "input": .object(["requestId": .string("r-1")])]),
                credentials: Self.key.credentials.forRequest())
            #expect(built.url.absoluteString == "https://\(host)/v1/incidents/requests/r-1")
            #expect(built.headers["Authorization"] == "GenieKey \(OpsgenieFake.apiKey)")
        }
    }

    @Test func anIncidentIsCreatedWithTheGenieKeyAndItsOutcomeReadFromTheRequestStatus() async throws {
        try await withOpsgenie { fake, runtime in
            let input: [String: JSONValue] = [
                "message": .string("Checkout error rate above 5%"), "description": .string("7.2 % over the last 10 minutes."),
                "responders": .array([.object(["type": .string("team"), "name": .string("NOC")])]),
                "tags": .array([.string("checkout")]), "details": .object(["runbook": .string("https://runbooks.example.com/checkout")]),
                "impactedServices": .array([.string(OpsgenieFake.services[1])]), "note": .string("Paged by NeonHub"),
            ]
            let created = try await runtime.execute(Self.call("incidents.create", input)) { _ in Self.key }
            #expect(created.output["result"] == .string("Request will be processed"))
            let requestID = try #require(JSONPath.text(created.output["requestId"]))
            let sent = try #require(fake.server.requests("POST", "/v1/incidents/create").last)
            #expect(sent.header("Authorization") == "GenieKey \(OpsgenieFake.apiKey)")
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = Self.body(sent)
            #expect(body["priority"] == .string("P3") && body["notifyStakeholders"] == .bool(false), "the schema's defaults are sent")
            #expect(body["responders"] == .array([.object(["type": .string("team"), "name": .string("NOC")])]))

            let stored = try #require(fake.incidents.last)
            #expect(stored.message == "Checkout error rate above 5%" && stored.priority == "P3")
            #expect(stored.responders == [.init(type: "team", id: OpsgenieFake.teams[1].id)])
            #expect(stored.impactedServices == [OpsgenieFake.services[1]] && stored.note == "Paged by NeonHub")
            #expect(stored.details == ["runbook": "https://runbooks.example.com/checkout"] && stored.tags == ["checkout"])

            let status = try await runtime.execute(Self.call("incidents.requestStatus", ["requestId": .string(requestID)])) { _ in Self.key }
            #expect(status.output["success"] == .bool(true) && status.output["status"] == .string("Created incident"))
            #expect(status.output["incidentId"] == .string(stored.id))
            #expect(JSONPath.text(status.output["processedAt"])?.hasSuffix("Z") == true)
            #expect(fake.requests.last?.path == "/v1/incidents/requests/\(requestID)")

            // A request that failed when processed is read back as such, not as an error.
            let failing = try await runtime.execute(
                Self.call("incidents.create", ["message": .string("x"), "impactedServices": .array([.string("no-such-service")])])
            ) { _ in Self.key }
            let failed = try await runtime.execute(
                Self.call("incidents.requestStatus", ["requestId": try #require(failing.output["requestId"])])
            ) { _ in Self.key }
            #expect(failed.output["success"] == .bool(false))
            #expect(JSONPath.text(failed.output["status"])?.contains("no-such-service") == true)
        }
    }

    @Test func anUnknownRequestIdIsReadAgainThenReportedWithOpsgeniesMessage() async throws {
        try await withOpsgenie { fake, runtime in
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.requestStatus", ["requestId": .string(UUID().uuidString.lowercased())])) { _ in
                    Self.key
                }
            }
            // Opsgenie answers an unknown id as it answers one not processed yet (404
            // RequestNotProcessed): it is read again, then reported as not available yet.
            #expect(missing?.code == .providerUnavailable)
            #expect(missing?.message.contains("Request not found") == true)
            #expect(missing?.message.contains("404") == true)
            #expect(fake.requests.filter { $0.path.hasPrefix("/v1/incidents/requests/") }.count > 1, "RequestNotProcessed is repeated")
        }
    }

    @Test func openIncidentsAreListedNewestFirstAndPagedByOffset() async throws {
        try await withOpsgenie { fake, runtime in
            let open = try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            #expect(Self.items(open.output).compactMap { JSONPath.text($0["tinyId"]) } == ["3", "2"])
            let first = try #require(Self.items(open.output).first)
            #expect(first["id"] == .string("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9") && first["status"] == .string("open"))
            #expect(first["priority"] == .string("P3") && first["message"] == .string("Email campaign webhook failing"))
            #expect(JSONPath.text(first["createdAt"])?.hasSuffix("Z") == true)
            let read = try #require(fake.server.requests("GET", "/v1/incidents").last)
            #expect(read.queryItems["query"] == ["status:open"], "the schema's default query")
            #expect(read.queryItems["sort"] == ["createdAt"] && read.queryItems["order"] == ["desc"])
            #expect(read.queryItems["limit"] == ["100"], "the documented maximum page")
            #expect(read.header("Authorization") == "GenieKey \(OpsgenieFake.apiKey)")

            fake.addIncidents(130)
            let all = try await runtime.execute(Self.call("incidents.list", ["limit": .number(500)])) { _ in Self.key }
            #expect(Self.items(all.output).count == 132)
            #expect(all.pages == 2 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", "/v1/incidents").suffix(2)
            #expect(reads.first?.queryItems["offset"] == nil && reads.last?.queryItems["offset"] == ["100"])
            let tiny = Self.items(all.output).compactMap { JSONPath.text($0["tinyId"]).flatMap(Int.init) }
            #expect(tiny == tiny.sorted(by: >), "createdAt desc")

            let bounded = try await runtime.execute(Self.call("incidents.list", ["limit": .number(5)])) { _ in Self.key }
            #expect(Self.items(bounded.output).count == 5 && bounded.pages == 1)
            #expect(bounded.output["truncated"] == .bool(true))

            let resolved = try await runtime.execute(Self.call("incidents.list", ["query": .string("status:resolved")])) { _ in Self.key }
            #expect(Self.items(resolved.output).compactMap { JSONPath.text($0["message"]) } == ["Checkout API returns 502"])
        }
    }

    @Test func aReadIsBoundedWhenTheProviderHasMoreThanTheDefaultMaximum() async throws {
        try await withOpsgenie { fake, runtime in
            fake.addIncidents(700)
            let capped = try await runtime.execute(Self.call("incidents.list", ["limit": .number(5000)])) { _ in Self.key }
            #expect(Self.items(capped.output).count == ConnectorRuntime.defaultMaxItems)
            #expect(capped.pages == 5)
            #expect(fake.server.requests("GET", "/v1/incidents").count == 5, "no page past the bound is fetched")
            // Without a limit, the documented default (100): one page.
            let documented = try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            #expect(Self.items(documented.output).count == 100 && documented.pages == 1)
            // (That the output says `truncated` here needs the definition to read `totalCount`
            // or `paging.next`: OpsgenieRuntimeTests+Mismatch.swift.disabled.)
        }
    }

    @Test func thePollingTriggerListsOpenIncidents() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let trigger = try #require(catalog["opsgenie"]?.definition.triggers.first { $0.id == "incidents.open" })
        #expect(trigger.type == "polling" && trigger.action == "incidents.list")
        try await withOpsgenie { fake, runtime in
            fake.addIncidents(2, status: "resolved")
            let polled = try await runtime.execute(Self.call(try #require(trigger.action))) { _ in Self.key }
            #expect(Self.items(polled.output).allSatisfy { $0["status"] == .string("open") })
            #expect(Self.items(polled.output).count == 2)
        }
    }

    @Test func anAlertIsCreatedWithItsAliasAndDeduplicatedByOpsgenie() async throws {
        try await withOpsgenie { fake, runtime in
            let input: [String: JSONValue] = [
                "message": .string("CPU above 90% on web-1"), "alias": .string("cpu-web-1"), "entity": .string("web-1"),
                "source": .string("NeonHub"), "priority": .string("P2"), "tags": .array([.string("cpu")]),
                "details": .object(["host": .string("web-1")]),
                "responders": .array([
                    .object(["type": .string("team"), "id": .string(OpsgenieFake.teams[0].id)]),
                    .object(["type": .string("escalation"), "name": .string("Web Ops_escalation")]),
                    .object(["type": .string("schedule"), "name": .string("Web Ops_schedule")]),
                    .object(["type": .string("user"), "id": .string(OpsgenieFake.users[1].id)]),
                ]),
            ]
            let created = try await runtime.execute(Self.call("alerts.create", input)) { _ in Self.key }
            #expect(created.output["result"] == .string("Request will be processed"))
            #expect(UUID(uuidString: JSONPath.text(created.output["requestId"]) ?? "") != nil)
            let sent = try #require(fake.server.requests("POST", "/v2/alerts").last)
            #expect(sent.header("Authorization") == "GenieKey \(OpsgenieFake.apiKey)")
            let alert = try #require(fake.alerts.first)
            #expect(alert.alias == "cpu-web-1" && alert.entity == "web-1" && alert.source == "NeonHub" && alert.priority == "P2")
            #expect(alert.responders.map(\.type) == ["team", "escalation", "schedule", "user"])
            #expect(alert.details == ["host": "web-1"])

            _ = try await runtime.execute(Self.call("alerts.create", input)) { _ in Self.key }
            #expect(fake.alerts.count == 1 && fake.alerts.first?.count == 2, "the same alias while open is one alert")
            let plain = try await runtime.execute(Self.call("alerts.create", ["message": .string("Disk full")])) { _ in Self.key }
            #expect(plain.output["requestId"] != nil)
            #expect(fake.alerts.last?.priority == "P3", "the default priority is sent")
        }
    }

    @Test func errorsAreClassifiedByStatusWithOpsgeniesMessage() async throws {
        try await withOpsgenie { fake, runtime in
            // 422: the provider's message, permanent, nothing created.
            for input: [String: JSONValue] in [
                ["message": .string("")], ["message": .string("x"), "responders": .array([.object(["type": .string("team")])])],
            ] {
                let invalid = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("incidents.create", input)) { _ in Self.key }
                }
                #expect(invalid?.code == .providerRejected)
                #expect(invalid?.message.contains("Request body is not processable. Please check the errors.") == true)
                #expect(invalid?.message.contains("422") == true)
            }
            #expect(fake.incidents.count == 3)

            // A read-only integration may list but not create: 403, an auth error as the definition's notes say.
            let readOnly = ConnectorCredentialsValue.token(OpsgenieFake.readOnlyKey)
            _ = try await runtime.execute(Self.call("incidents.list")) { _ in readOnly }
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("alerts.create", ["message": .string("x")])) { _ in readOnly }
            }
            #expect(denied?.code == .providerAuth)
            #expect(fake.alerts.isEmpty)

            // 401: an auth error whose text never holds the key.
            fake.revoke(key: OpsgenieFake.apiKey)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.message.contains("Could not authenticate") == true)
            #expect(refused?.message.contains(OpsgenieFake.apiKey) == false)
        }
    }

    @Test func throttlingIsRetriedOnReadsAndSurfacedAsARateLimit() async throws {
        try await withOpsgenie { fake, runtime in
            fake.faults.add(.throttled(reason: "ACCOUNT", period: 1))
            let retried = try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            #expect(retried.attempts == 2 && Self.items(retried.output).count == 2)
            fake.faults.add(.unavailable)
            #expect(try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }.attempts == 2)

            // Throttled at every attempt: the retries run out and the 429 is the answer. A one-second
            // period, waited each time (a period of 60 s is within the client's cap too, and made
            // this test wait three minutes).
            fake.faults.add(.throttled(reason: "ACCOUNT", period: 1), calls: 4)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.list")) { _ in Self.key }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.message.contains("429") == true)

            // A create is not repeated on its own: the 429 goes back to the caller, nothing is created.
            let before = fake.server.requests("POST", "/v1/incidents/create").count
            fake.faults.add(.throttled(reason: "INTEGRATION", period: 60))
            let write = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("incidents.create", ["message": .string("x")])) { _ in Self.key }
            }
            #expect(write?.code == .providerRateLimited)
            #expect(fake.server.requests("POST", "/v1/incidents/create").count == before + 1)
            #expect(fake.incidents.count == 3)
        }
    }
}
