import Foundation
import TestSupport
import Testing

/// The PagerDuty fake, driven with plain HTTP as PagerDuty's reference shows each call
/// (https://developer.pagerduty.com/api-reference/, https://developer.pagerduty.com/docs/pagination,
/// https://developer.pagerduty.com/docs/errors): what it refuses is what a client must not send.
@Suite struct PagerDutyFakeTests {
    static let headers = [
        "Authorization": "Token token=\(PagerDutyFake.apiKey)", "Accept": "application/vnd.pagerduty+json;version=2",
        "Content-Type": "application/json",
    ]

    private func withFake<T>(_ body: (PagerDutyFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = PagerDutyFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any]? { try reply.json()["error"] as? [String: Any] }

    @Test func headersTheReferenceRequiresAreEnforced() async throws {
        try await withFake { _, client in
            let ok = try await client.get("/services", headers: Self.headers)
            #expect(ok.status == 200)
            #expect(ok.header("ratelimit-limit") == "960" && ok.header("ratelimit-remaining") != nil)

            var bearer = Self.headers
            bearer["Authorization"] = "Bearer \(PagerDutyFake.apiKey)"
            let wrongScheme = try await client.get("/services", headers: bearer)
            #expect(wrongScheme.status == 401)
            #expect(try Self.error(wrongScheme)?["code"] as? Int == 2006)

            var noAccept = Self.headers
            noAccept["Accept"] = nil
            let unversioned = try await client.get("/services", headers: noAccept)
            #expect(unversioned.status == 400)
            #expect(try Self.error(unversioned)?["code"] as? Int == 2001)

            let body = Data(#"{"incident":{"type":"incident","title":"t","service":{"id":"PIJ90N7","type":"service_reference"}}}"#.utf8)
            let anonymous = try await client.request("POST", "/incidents", headers: Self.headers, body: body)
            #expect(anonymous.status == 400)
            #expect((try Self.error(anonymous)?["errors"] as? [String])?.first?.contains("\"From\" header") == true)
            var from = Self.headers
            from["From"] = PagerDutyFake.userEmail
            let created = try await client.request("POST", "/incidents", headers: from, body: body)
            #expect(created.status == 201)
            #expect((try created.json()["incident"] as? [String: Any])?["status"] as? String == "triggered")
        }
    }

    @Test func referencesMustBeWholeAndPagesStopAtTenThousand() async throws {
        try await withFake { fake, client in
            var from = Self.headers
            from["From"] = PagerDutyFake.userEmail
            let halfEmpty = Data(
                #"{"incident":{"type":"incident","title":"t","service":{"id":"PIJ90N7","type":"service_reference"},"escalation_policy":{"type":"escalation_policy_reference"}}}"#
                    .utf8)
            let refused = try await client.request("POST", "/incidents", headers: from, body: halfEmpty)
            #expect(refused.status == 400)
            #expect(fake.incidents.count == 3)

            let far = try await client.get("/incidents?limit=100&offset=9950", headers: Self.headers)
            #expect(far.status == 400)
            #expect(try Self.error(far)?["message"] as? String == "Arguments Caused Error")

            fake.addIncidents(30)
            let first = try await client.get("/incidents?limit=20&sort_by=created_at:desc&total=true", headers: Self.headers)
            let page = try first.json()
            #expect((page["incidents"] as? [Any])?.count == 20)
            #expect(page["more"] as? Bool == true && page["total"] as? Int == 32 && page["offset"] as? Int == 0)
            let last = try await client.get("/incidents?limit=20&offset=20", headers: Self.headers)
            #expect((try last.json()["incidents"] as? [Any])?.count == 12)
            #expect(try last.json()["more"] as? Bool == false)
            #expect(try last.json()["total"] is NSNull, "total is null unless asked for")

            let missing = try await client.get("/incidents/QNOPE", headers: Self.headers)
            #expect(missing.status == 404)
            #expect(try Self.error(missing)?["code"] as? Int == 2100)
        }
    }
}
