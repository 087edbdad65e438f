import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where configs/connectors/opsgenie.json disagreed with Opsgenie's documented API until these
/// tests showed it: user responders by username, a capped list saying it is truncated, a
/// request status read before Opsgenie processed the request, the alerts' request status, and
/// what a 429 says about its limit.
@Suite struct OpsgenieDefinitionTests {
    typealias Support = OpsgenieRuntimeTests

    func withOpsgenie(_ body: (OpsgenieFake, ConnectorRuntime) async throws -> Void) async throws {
        try await Support().withOpsgenie(body)
    }

    /// A user responder is named by `username` or `id` (https://docs.opsgenie.com/docs/incident-api,
    /// https://docs.opsgenie.com/docs/alert-api; opsgenie-go-sdk-v2 incident/request.go): both create
    /// actions' `responders.items` take `username` (they allowed only id, name and type, and the call
    /// was refused as invalid input).
    @Test func aUserResponderIsNamedByUsername() async throws {
        try await withOpsgenie { fake, runtime in
            let trinity: JSONValue = .array([.object(["type": .string("user"), "username": .string("trinity@example.com")])])
            for action in ["incidents.create", "alerts.create"] {
                _ = try await runtime.execute(Support.call(action, ["message": .string("Checkout down"), "responders": trinity])) { _ in
                    Support.key
                }
            }
            let user = OpsgenieFake.Responder(type: "user", id: OpsgenieFake.users[0].id)
            #expect(fake.incidents.last?.responders == [user])
            #expect(fake.alerts.last?.responders == [user])
        }
    }

    /// Incident lists carry `totalCount` (https://docs.opsgenie.com/docs/pagination):
    /// `pagination.totalPath` lets a read capped at 500 of 702 incidents say `truncated: true`.
    @Test func aCappedListSaysItIsTruncated() async throws {
        try await withOpsgenie { fake, runtime in
            fake.addIncidents(700)
            let capped = try await runtime.execute(Support.call("incidents.list", ["limit": .number(5000)])) { _ in Support.key }
            #expect(Support.items(capped.output).count == ConnectorRuntime.defaultMaxItems)
            #expect(capped.output["truncated"] == .bool(true))
        }
    }

    /// A request-status read made before Opsgenie processed the request is 404 with
    /// `X-Opsgenie-Errortype: RequestNotProcessed`, which Opsgenie's SDK waits out (opsgenie-go-sdk-v2
    /// client/client.go `RetrieveStatus`; https://docs.opsgenie.com/docs/incident-api#get-request-status).
    /// `errors.codeHeader` with that type among `retryableCodes` repeats it like a 5xx; before, the read
    /// failed as a permanent "not found" for an incident being created.
    @Test func aRequestNotProcessedYetIsWaitedFor() async throws {
        try await withOpsgenie { fake, runtime in
            let created = try await runtime.execute(Support.call("incidents.create", ["message": .string("Checkout down")])) { _ in Support.key }
            fake.faults.add(.notProcessedYet)
            let status = try await runtime.execute(
                Support.call("incidents.requestStatus", ["requestId": try #require(created.output["requestId"])])
            ) { _ in Support.key }
            #expect(status.output["incidentId"] == .string(fake.incidents.last?.id ?? ""))
        }
    }

    /// alerts.create is asynchronous too: `alerts.requestStatus` reads
    /// `GET /v2/alerts/requests/{requestId}` (https://docs.opsgenie.com/docs/alert-api#get-request-status).
    @Test func anAlertsRequestStatusCanBeRead() async throws {
        try await withOpsgenie { fake, runtime in
            let created = try await runtime.execute(Support.call("alerts.create", ["message": .string("Disk full"), "alias": .string("disk")])) {
                _ in Support.key
            }
            let status = try await runtime.execute(
                Support.call("alerts.requestStatus", ["requestId": try #require(created.output["requestId"])])
            ) { _ in Support.key }
            #expect(status.output["alertId"] == .string(fake.alerts.last?.id ?? ""))
        }
    }

    /// A 429 says which limit it was (`X-RateLimit-Reason`) and how long it throttles
    /// (`X-RateLimit-Period-In-Sec`; https://docs.opsgenie.com/docs/api-rate-limiting): the definition
    /// names them as `scopeHeader` and `resetAfterHeader`, so the error carries both.
    @Test func aThrottledCallSaysHowLongAndWhichLimit() async throws {
        try await withOpsgenie { fake, runtime in
            fake.faults.add(.throttled(reason: "ACCOUNT", period: 120), calls: 4)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("incidents.list")) { _ in Support.key }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.retryAfterSeconds == 120)
            #expect(limited?.rateLimitScope == "ACCOUNT")
        }
    }
}
