import Foundation
import TestSupport
import Testing

/// The Opsgenie fake, driven with plain HTTP as Opsgenie's references show each call
/// (https://docs.opsgenie.com/docs/incident-api, https://docs.opsgenie.com/docs/alert-api,
/// https://docs.opsgenie.com/docs/response, https://docs.opsgenie.com/docs/api-rate-limiting): what
/// it refuses is what a client must not send, and its answers have the documented shapes.
@Suite struct OpsgenieFakeTests {
    static let headers = ["Authorization": "GenieKey \(OpsgenieFake.apiKey)", "Content-Type": "application/json"]

    private func withFake<T>(_ body: (OpsgenieFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = OpsgenieFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private static func post(_ client: HTTPTestClient, _ path: String, _ json: String, headers: [String: String] = headers) async throws
        -> HTTPTestClient.Reply
    {
        try await client.request("POST", path, headers: headers, body: Data(json.utf8))
    }

    @Test func theGenieKeyIsRequiredAndEveryAnswerNamesItsRequest() async throws {
        try await withFake { _, client in
            let anonymous = try await client.get("/v1/incidents?query=status%3Aopen")
            #expect(anonymous.status == 401)
            #expect(try anonymous.json()["message"] as? String == "Could not authenticate")
            #expect(try anonymous.json()["requestId"] is String && anonymous.json()["took"] is Double)

            let bearer = try await client.get("/v1/incidents?query=status%3Aopen", headers: ["Authorization": "Bearer \(OpsgenieFake.apiKey)"])
            #expect(bearer.status == 401, "only the GenieKey scheme is accepted")
            let unknown = try await client.get("/v1/incidents?query=status%3Aopen", headers: ["Authorization": "GenieKey 00000000-0000"])
            #expect(unknown.status == 401)

            let ok = try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers)
            #expect(ok.status == 200)
            #expect(ok.header("X-RateLimit-State") == "OK")
            #expect(ok.header("X-Request-ID") == (try ok.json()["requestId"] as? String))
        }
    }

    @Test func anIncidentIsCreatedAsynchronouslyAndItsRequestStatusReadBack() async throws {
        try await withFake { fake, client in
            let team = OpsgenieFake.teams[1]
            let created = try await Self.post(
                client, "/v1/incidents/create",
                #"{"message":"Checkout down","description":"502 on /pay","responders":[{"type":"team","name":"\#(team.name)"},{"type":"user","username":"trinity@example.com"}],"tags":["web"],"details":{"region":"eu"},"priority":"P1","impactedServices":["\#(OpsgenieFake.services[1])"],"notifyStakeholders":true}"#
            )
            #expect(created.status == 202)
            #expect(try created.json()["result"] as? String == "Request will be processed")
            let requestID = try #require(try created.json()["requestId"] as? String)

            let status = try await client.get("/v1/incidents/requests/\(requestID)", headers: Self.headers)
            #expect(status.status == 200)
            let data = try #require(try status.json()["data"] as? [String: Any])
            #expect(data["isSuccess"] as? Bool == true && data["success"] as? Bool == true)
            #expect(data["status"] as? String == "Created incident" && data["action"] as? String == "Create")
            let stored = try #require(fake.incidents.last)
            #expect(data["incidentId"] as? String == stored.id)
            #expect(stored.priority == "P1" && stored.notifyStakeholders && stored.details == ["region": "eu"])
            #expect(stored.responders == [.init(type: "team", id: team.id), .init(type: "user", id: OpsgenieFake.users[0].id)])

            // The alert endpoint does not know an incident's request.
            let elsewhere = try await client.get("/v2/alerts/requests/\(requestID)", headers: Self.headers)
            #expect(elsewhere.status == 404)
            let unknown = try await client.get("/v1/incidents/requests/\(UUID().uuidString.lowercased())", headers: Self.headers)
            #expect(unknown.status == 404)
            #expect(unknown.header("X-Opsgenie-Errortype") == "RequestNotProcessed")
        }
    }

    @Test func invalidBodiesAreRefusedWithOpsgeniesErrorShapes() async throws {
        try await withFake { fake, client in
            let syntax = try await Self.post(client, "/v1/incidents/create", #"{"message": "#)
            #expect(syntax.status == 400)

            let empty = try await Self.post(client, "/v1/incidents/create", #"{"message":"  "}"#)
            #expect(empty.status == 422)
            #expect(try empty.json()["message"] as? String == "Request body is not processable. Please check the errors.")
            #expect((try empty.json()["errors"] as? [String: String])?["message"] == "Message can not be empty.")

            let nameless = try await Self.post(client, "/v1/incidents/create", #"{"message":"m","responders":[{"type":"user","name":"Trinity"}]}"#)
            #expect(nameless.status == 422, "a user is named by id or username")
            let escalation = try await Self.post(client, "/v1/incidents/create", #"{"message":"m","responders":[{"type":"escalation","id":"x"}]}"#)
            #expect(escalation.status == 422, "incidents route to teams and users only")
            let priority = try await Self.post(client, "/v2/alerts", #"{"message":"m","priority":"P0"}"#)
            #expect(priority.status == 422)

            var form = Self.headers
            form["Content-Type"] = "application/x-www-form-urlencoded"
            let notJSON = try await Self.post(client, "/v2/alerts", "message=m", headers: form)
            #expect(notJSON.status == 415)

            let readOnly = ["Authorization": "GenieKey \(OpsgenieFake.readOnlyKey)", "Content-Type": "application/json"]
            let denied = try await Self.post(client, "/v1/incidents/create", #"{"message":"m"}"#, headers: readOnly)
            #expect(denied.status == 403)
            #expect(try await client.get("/v1/incidents?query=status%3Aopen", headers: readOnly).status == 200)

            // A team the account lacks: accepted, then the request fails.
            let accepted = try await Self.post(client, "/v1/incidents/create", #"{"message":"m","responders":[{"type":"team","name":"Nobody"}]}"#)
            #expect(accepted.status == 202)
            let status = try await client.get("/v1/incidents/requests/\(try accepted.json()["requestId"] as? String ?? "")", headers: Self.headers)
            let data = try status.json()["data"] as? [String: Any]
            #expect(data?["isSuccess"] as? Bool == false && (data?["status"] as? String)?.contains("Nobody") == true)
            #expect(fake.incidents.count == 3, "nothing was created")
        }
    }

    @Test func incidentsAreSearchedAndPagedWithinTheDocumentedLimits() async throws {
        try await withFake { fake, client in
            let noQuery = try await client.get("/v1/incidents", headers: Self.headers)
            #expect(noQuery.status == 422, "query is mandatory")
            let tooMany = try await client.get("/v1/incidents?query=status%3Aopen&limit=101", headers: Self.headers)
            #expect(tooMany.status == 422, "limit is at most 100")
            let badSort = try await client.get("/v1/incidents?query=status%3Aopen&sort=priority", headers: Self.headers)
            #expect(badSort.status == 422)

            fake.addIncidents(30)
            let first = try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers)
            let page = try first.json()
            let data = try #require(page["data"] as? [[String: Any]])
            #expect(data.count == 20, "20 by default")
            #expect(page["totalCount"] as? Int == 32)
            #expect(data.first?["message"] as? String == "Synthetic check 29 failed", "newest first by default")
            let paging = try #require(page["paging"] as? [String: String])
            #expect(paging["next"]?.contains("offset=20") == true && paging["first"]?.contains("offset=0") == true)

            let last = try await client.get("/v1/incidents?query=status%3Aopen&offset=20&limit=20&order=asc", headers: Self.headers)
            let rest = try #require(try last.json()["data"] as? [[String: Any]])
            #expect(rest.count == 12)
            #expect((try last.json()["paging"] as? [String: String])?["next"] == nil)

            let resolved = try await client.get("/v1/incidents?query=status%3Aresolved%20AND%20priority%3AP1", headers: Self.headers)
            #expect((try resolved.json()["data"] as? [[String: Any]])?.compactMap { $0["tinyId"] as? String } == ["1"])
        }
    }

    @Test func alertsAreDeduplicatedByAliasAndFaultsAreScripted() async throws {
        try await withFake { fake, client in
            let body =
                #"{"message":"CPU above 90%","alias":"cpu-web-1","responders":[{"type":"schedule","name":"Web Ops_schedule"}],"entity":"web-1"}"#
            let first = try await Self.post(client, "/v2/alerts", body)
            let second = try await Self.post(client, "/v2/alerts", body)
            #expect(first.status == 202 && second.status == 202)
            #expect(fake.alerts.count == 1 && fake.alerts.first?.count == 2)
            let status = try await client.get("/v2/alerts/requests/\(try second.json()["requestId"] as? String ?? "")", headers: Self.headers)
            let data = try status.json()["data"] as? [String: Any]
            #expect(data?["alertId"] as? String == fake.alerts.first?.id && data?["alias"] as? String == "cpu-web-1")

            fake.faults.add(.throttled(reason: "INTEGRATION", period: 60))
            let throttled = try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers)
            #expect(throttled.status == 429)
            #expect(throttled.header("X-RateLimit-State") == "THROTTLED" && throttled.header("X-RateLimit-Reason") == "INTEGRATION")
            #expect(throttled.header("X-RateLimit-Period-In-Sec") == "60")
            #expect(try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers).status == 200, "one call only")

            // Not processed yet: only a request-status read takes it, then the outcome is there.
            fake.faults.add(.notProcessedYet)
            #expect(try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers).status == 200)
            let path = "/v2/alerts/requests/\(try first.json()["requestId"] as? String ?? "")"
            let pending = try await client.get(path, headers: Self.headers)
            #expect(pending.status == 404 && pending.header("X-Opsgenie-Errortype") == "RequestNotProcessed")
            #expect(try await client.get(path, headers: Self.headers).status == 200)

            fake.revoke(key: OpsgenieFake.apiKey)
            #expect(try await client.get("/v1/incidents?query=status%3Aopen", headers: Self.headers).status == 401)
        }
    }
}
