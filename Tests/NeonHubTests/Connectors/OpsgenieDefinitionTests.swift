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
        let fake = OpsgenieFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Support.runtime(fake)) }
    }

    /// `actions[0|3].inputSchema.properties.responders.items` allows only id, name and type
    /// (additionalProperties false): a user responder is named by `username` (or id), as the
    /// Incident and Alert API samples show (https://docs.opsgenie.com/docs/incident-api,
    /// https://docs.opsgenie.com/docs/alert-api; Opsgenie's SDK: "For responder type user either
    /// username or id must be provided", github.com/opsgenie/opsgenie-go-sdk-v2 incident/request.go).
    /// Today the call is refused as invalidInput before anything is sent.
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

    /// `actions[2].pagination` (incidents.list) names neither `totalPath` ("totalCount") nor
    /// `nextUrlPath` ("paging.next"), which the list answers carry
    /// (https://docs.opsgenie.com/docs/incident-api#list-incidents, https://docs.opsgenie.com/docs/pagination):
    /// a read capped at 500 of 702 incidents says `truncated: false`.
    @Test func aCappedListSaysItIsTruncated() async throws {
        try await withOpsgenie { fake, runtime in
            fake.addIncidents(700)
            let capped = try await runtime.execute(Support.call("incidents.list")) { _ in Support.key }
            #expect(Support.items(capped.output).count == ConnectorRuntime.defaultMaxItems)
            #expect(capped.output["truncated"] == .bool(true))
        }
    }

    /// Creation is asynchronous and a request-status read made before Opsgenie processed the
    /// request is 404 with `X-Opsgenie-Errortype: RequestNotProcessed`, which Opsgenie's SDK waits
    /// out (github.com/opsgenie/opsgenie-go-sdk-v2 client/client.go `RetrieveStatus`;
    /// https://docs.opsgenie.com/docs/incident-api#get-request-status). `errors` of the definition
    /// has no rule for it (and the runtime reads codes from bodies only): the read fails as a
    /// permanent providerRejected, so a caller reading the status right after creating gets
    /// "not found" for an incident that is being created.
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

    /// `actions` has no alert counterpart of incidents.requestStatus although alerts.create's own
    /// description says it is asynchronous: `GET /v2/alerts/requests/{requestId}` answers
    /// {data: {success, isSuccess, status, alertId, alias, processedAt…}}
    /// (https://docs.opsgenie.com/docs/alert-api#get-request-status). Today: unknownAction.
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

    /// `rateLimit` lists X-RateLimit-Period-In-Sec and X-RateLimit-Reason but names neither as
    /// `resetAfterHeader` nor `scopeHeader`, so a 429 surfaces with no wait and no scope, though
    /// Opsgenie says which limit it was and for how long it throttles
    /// (https://docs.opsgenie.com/docs/api-rate-limiting; github.com/opsgenie/opsgenie-oas
    /// paths/incident.yaml: "X-RateLimit-Period-In-Sec: Time of throttle in seconds"). Minor.
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
