import Foundation
import TestSupport
import Testing

/// The GA4 fake driven with plain HTTP as Google's reference shows each call:
/// https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/accountSummaries/list,
/// https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport,
/// https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runRealtimeReport,
/// https://developers.google.com/analytics/devguides/reporting/data/v1/quotas.
@Suite struct GA4FakeTests {
    static let readonly = "https://www.googleapis.com/auth/analytics.readonly"

    private func withFake(_ body: (GA4Fake, HTTPTestClient, HTTPTestClient, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GA4Fake(oauth: oauth)
        try fake.start()
        do {
            let token = oauth.issueTokens(scopes: [Self.readonly]).accessToken
            try await body(fake, HTTPTestClient(baseURL: fake.admin.baseURL), HTTPTestClient(baseURL: fake.data.baseURL), token)
            await fake.stop()
        } catch {
            await fake.stop()
            throw error
        }
    }

    static func json(_ object: [String: Any], _ token: String) throws -> (headers: [String: String], body: Data) {
        (["Authorization": "Bearer \(token)", "Content-Type": "application/json"], try JSONSerialization.data(withJSONObject: object))
    }

    static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] { try reply.json()["error"] as? [String: Any] ?? [:] }

    @Test func accountSummariesPageWithTokensBoundToThePageSize() async throws {
        try await withFake { fake, admin, data, token in
            let auth = ["Authorization": "Bearer \(token)"]
            let first = try await admin.get("/v1beta/accountSummaries?pageSize=2", headers: auth)
            #expect(first.status == 200)
            let page = try first.json()
            let summaries = try #require(page["accountSummaries"] as? [[String: Any]])
            #expect(summaries.map { $0["account"] as? String } == ["accounts/200000001", "accounts/200000002"])
            #expect(summaries[0]["name"] as? String == "accountSummaries/200000001")
            let properties = try #require(summaries[1]["propertySummaries"] as? [[String: Any]])
            #expect(properties.map { $0["property"] as? String } == ["properties/300000002", "properties/300000003"])
            #expect(properties[1]["propertyType"] as? String == "PROPERTY_TYPE_SUBPROPERTY")
            #expect(properties[0]["parent"] as? String == "accounts/200000002")
            let next = try #require(page["nextPageToken"] as? String)

            let second = try await admin.get("/v1beta/accountSummaries?pageSize=2&pageToken=\(next)", headers: auth)
            let last = try second.json()
            #expect((last["accountSummaries"] as? [[String: Any]])?.count == 1)
            #expect(last["nextPageToken"] == nil, "no token on the last page")
            #expect(
                ((last["accountSummaries"] as? [[String: Any]])?.first?["propertySummaries"]) == nil, "an account without properties has none listed")

            // The other parameters must match the call that gave the token; pageSize over 200 is coerced.
            let mismatched = try await admin.get("/v1beta/accountSummaries?pageSize=3&pageToken=\(next)", headers: auth)
            #expect(mismatched.status == 400)
            #expect(try Self.error(mismatched)["status"] as? String == "INVALID_ARGUMENT")
            #expect(try await admin.get("/v1beta/accountSummaries?pageSize=500", headers: auth).status == 200)
            // The Admin path is not served by the Data host.
            #expect(try await data.get("/v1beta/accountSummaries", headers: auth).status == 404)
        }
    }

    @Test func credentialsAreCheckedAsGoogleDoes() async throws {
        try await withFake { fake, admin, data, token in
            let missing = try await admin.get("/v1beta/accountSummaries")
            #expect(missing.status == 401)
            #expect(try Self.error(missing)["status"] as? String == "UNAUTHENTICATED")
            let expired = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            fake.oauth.expire(accessToken: expired)
            let refused = try await admin.get("/v1beta/accountSummaries", headers: ["Authorization": "Bearer \(expired)"])
            #expect(refused.status == 401)
            let details = try Self.error(refused)["details"] as? [[String: Any]]
            #expect(details?.first?["reason"] as? String == "ACCESS_TOKEN_EXPIRED")
            #expect(refused.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true)
            let wrongScope = fake.oauth.issueTokens(scopes: ["openid"]).accessToken
            let insufficient = try await admin.get("/v1beta/accountSummaries", headers: ["Authorization": "Bearer \(wrongScope)"])
            #expect(insufficient.status == 403)
            #expect(try Self.error(insufficient)["message"] as? String == "Request had insufficient authentication scopes.")
        }
    }

    @Test func runReportValidatesPagesByOffsetAndReportsTheQuota() async throws {
        try await withFake { fake, _, data, token in
            let request: [String: Any] = [
                "dateRanges": [["startDate": "7daysAgo", "endDate": "yesterday"]], "dimensions": [["name": "date"]],
                "metrics": [["name": "sessions"]], "limit": "2", "offset": 2, "returnPropertyQuota": true,
            ]
            let (headers, body) = try Self.json(request, token)
            let reply = try await data.request("POST", "/v1beta/properties/300000001:runReport", headers: headers, body: body)
            #expect(reply.status == 200)
            let report = try reply.json()
            #expect(report["rowCount"] as? Int == 5)
            let rows = try #require(report["rows"] as? [[String: Any]])
            #expect(rows.count == 2)
            #expect(((rows[0]["dimensionValues"] as? [[String: Any]])?.first?["value"]) as? String == "20261128", "the third row: offset 2")
            #expect((report["metricHeaders"] as? [[String: Any]])?.first?["type"] as? String == "TYPE_INTEGER")
            let quota = try #require(report["propertyQuota"] as? [String: Any])
            #expect((quota["tokensPerHour"] as? [String: Any])?["remaining"] as? Int == 40_000 - GA4Fake.tokensPerReport)
            #expect(fake.tokensConsumed(property: "300000001") == GA4Fake.tokensPerReport)

            var quiet = request
            quiet["returnPropertyQuota"] = nil
            let (h2, b2) = try Self.json(quiet, token)
            #expect(try await data.request("POST", "/v1beta/properties/300000001:runReport", headers: h2, body: b2).json()["propertyQuota"] == nil)

            for (bad, expected) in [
                (["metrics": [["name": "session"]], "dateRanges": [["startDate": "today", "endDate": "today"]]], "not a valid metric"),
                (["metrics": [["name": "sessions"]]], "dateRanges"),
                (
                    ["metrics": [["name": "sessions"]], "dateRanges": [["startDate": "today", "endDate": "today"]], "pageSize": 3],
                    "Unknown name \"pageSize\""
                ),
            ] as [([String: Any], String)] {
                let (h, b) = try Self.json(bad, token)
                let refused = try await data.request("POST", "/v1beta/properties/300000001:runReport", headers: h, body: b)
                #expect(refused.status == 400)
                #expect(try Self.error(refused)["status"] as? String == "INVALID_ARGUMENT")
                #expect((try Self.error(refused)["message"] as? String)?.contains(expected) == true, "\(expected)")
            }
            let (h3, b3) = try Self.json(request, token)
            let stranger = try await data.request("POST", "/v1beta/properties/999:runReport", headers: h3, body: b3)
            #expect(stranger.status == 403)
            fake.exhaust(property: "300000001")
            let exhausted = try await data.request("POST", "/v1beta/properties/300000001:runReport", headers: h3, body: b3)
            #expect(exhausted.status == 429)
            #expect(try Self.error(exhausted)["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(exhausted.header("Retry-After") == nil, "Google sends no Retry-After")
        }
    }

    @Test func realtimeReportsTakeMinuteRangesAndNoDateRangesOrOffset() async throws {
        try await withFake { _, _, data, token in
            let good: [String: Any] = [
                "dimensions": [["name": "country"]], "metrics": [["name": "activeUsers"]],
                "minuteRanges": [["startMinutesAgo": 29, "endMinutesAgo": 0]], "returnPropertyQuota": true,
            ]
            let (h, b) = try Self.json(good, token)
            let reply = try await data.request("POST", "/v1beta/properties/300000002:runRealtimeReport", headers: h, body: b)
            #expect(reply.status == 200)
            #expect(try reply.json()["kind"] as? String == "analyticsData#runRealtimeReport")
            #expect(try reply.json()["propertyQuota"] != nil)
            for bad in [
                ["metrics": [["name": "activeUsers"]], "offset": 10],
                ["metrics": [["name": "activeUsers"]], "dateRanges": [["startDate": "today", "endDate": "today"]]],
                ["metrics": [["name": "activeUsers"]], "minuteRanges": [["startMinutesAgo": 45]]],
            ] as [[String: Any]] {
                let (h2, b2) = try Self.json(bad, token)
                #expect(try await data.request("POST", "/v1beta/properties/300000002:runRealtimeReport", headers: h2, body: b2).status == 400)
            }
            let metadata = try await data.get("/v1beta/properties/300000002/metadata", headers: ["Authorization": "Bearer \(token)"])
            #expect(try metadata.json()["name"] as? String == "properties/300000002/metadata")
        }
    }
}
