import Foundation
import TestSupport
import Testing

/// The Business Profile fake driven with plain HTTP as Google's references show each call:
/// https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list,
/// https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list,
/// https://developers.google.com/my-business/content/posts-data,
/// https://developers.google.com/my-business/reference/performance/rest/v1/locations/fetchMultiDailyMetricsTimeSeries.
@Suite struct GoogleBusinessProfileFakeTests {
    static let account = "108000000000000000002"
    static let location = "2000000000000000001"

    private func withFake(_ body: (GoogleBusinessProfileFake, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleBusinessProfileFake(oauth: oauth)
        try fake.start()
        do {
            try await body(fake, oauth.issueTokens(scopes: [GoogleBusinessProfileFake.scope]).accessToken)
            await fake.stop()
        } catch {
            await fake.stop()
            throw error
        }
    }

    static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] { try reply.json()["error"] as? [String: Any] ?? [:] }

    static func post(_ client: HTTPTestClient, _ path: String, _ object: [String: Any], token: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", path, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func accountsAndLocationsPageAndLocationsNeedAReadMask() async throws {
        try await withFake { fake, token in
            let auth = ["Authorization": "Bearer \(token)"]
            let accounts = HTTPTestClient(baseURL: fake.accountManagement.baseURL)
            let first = try await accounts.get("/v1/accounts?pageSize=1", headers: auth).json()
            #expect((first["accounts"] as? [[String: Any]])?.first?["type"] as? String == "PERSONAL", "the personal account first")
            let next = try #require(first["nextPageToken"] as? String)
            let second = try await accounts.get("/v1/accounts?pageSize=1&pageToken=\(next)", headers: auth).json()
            #expect((second["accounts"] as? [[String: Any]])?.first?["name"] as? String == "accounts/\(Self.account)")
            #expect(second["nextPageToken"] == nil)
            #expect(try await accounts.get("/v1/accounts?pageSize=50", headers: auth).status == 200, "coerced to 20")
            #expect(try await accounts.get("/v1/accounts?page_size_typo=1", headers: auth).status == 400)

            let info = HTTPTestClient(baseURL: fake.businessInformation.baseURL)
            let unmasked = try await info.get("/v1/accounts/\(Self.account)/locations", headers: auth)
            #expect(unmasked.status == 400)
            #expect(try Self.error(unmasked)["status"] as? String == "INVALID_ARGUMENT")
            let masked = try await info.get("/v1/accounts/\(Self.account)/locations?readMask=name,title&pageSize=2", headers: auth).json()
            let locations = try #require(masked["locations"] as? [[String: Any]])
            #expect(locations.map { $0["name"] as? String } == ["locations/2000000000000000001", "locations/2000000000000000002"])
            #expect(Set(locations[0].keys) == ["name", "title"], "only the fields of the read mask")
            #expect(masked["nextPageToken"] != nil)
            #expect(try await info.get("/v1/accounts/999/locations?readMask=name", headers: auth).status == 403)
            #expect(try await info.get("/v1/accounts/\(Self.account)/locations?readMask=nonsense", headers: auth).status == 400)
        }
    }

    @Test func localPostsFollowTheTopicRulesAndAreListedNewestFirst() async throws {
        try await withFake { fake, token in
            let v4 = HTTPTestClient(baseURL: fake.v4.baseURL)
            let path = "/v4/accounts/\(Self.account)/locations/\(Self.location)/localPosts"
            let created = try await Self.post(
                v4, path, ["languageCode": "en-US", "summary": "Hello", "topicType": "STANDARD", "callToAction": ["actionType": "CALL"]],
                token: token)
            #expect(created.status == 200)
            let post = try created.json()
            #expect((post["name"] as? String)?.hasPrefix("accounts/\(Self.account)/locations/\(Self.location)/localPosts/") == true)
            #expect(post["state"] as? String == "LIVE")
            #expect((post["searchUrl"] as? String)?.hasPrefix("https://local.google.com/") == true)

            // EVENT without a schedule, CALL with a url, ALERT without alertType, an unknown member: 400.
            for invalid: [String: Any] in [
                ["summary": "Party", "topicType": "EVENT", "event": ["title": "Party"]] as [String: Any],
                ["summary": "Call", "callToAction": ["actionType": "CALL", "url": "https://example.com"]],
                ["summary": "Alert", "topicType": "ALERT"],
                ["summary": "Typo", "topicTyp": "STANDARD"],
                ["summary": String(repeating: "x", count: 1501)],
            ] {
                let refused = try await Self.post(v4, path, invalid, token: token)
                #expect(refused.status == 400, "\(invalid)")
                #expect(try Self.error(refused)["status"] as? String == "INVALID_ARGUMENT")
            }
            let offer = try await Self.post(
                v4, path,
                [
                    "summary": "BOGO", "topicType": "OFFER", "offer": ["couponCode": "BOGO"],
                    "event": [
                        "title": "BOGO",
                        "schedule": ["startDate": ["year": 2026, "month": 3, "day": 1], "endDate": ["year": 2026, "month": 3, "day": 7]],
                    ],
                ], token: token)
            #expect(offer.status == 200)
            #expect(fake.posts(location: Self.location).count == 2)

            let listed = try await v4.get("\(path)?pageSize=1", headers: ["Authorization": "Bearer \(token)"]).json()
            #expect((listed["localPosts"] as? [[String: Any]])?.first?["summary"] as? String == "BOGO", "newest first")
            #expect(listed["nextPageToken"] != nil)

            let id = try #require((post["name"] as? String)?.split(separator: "/").last)
            let deleted = try await v4.request("DELETE", "\(path)/\(id)", headers: ["Authorization": "Bearer \(token)"])
            #expect(deleted.status == 200)
            #expect(try deleted.json().isEmpty)
            #expect(fake.posts(location: Self.location).count == 1)
            #expect(try await v4.request("DELETE", "\(path)/\(id)", headers: ["Authorization": "Bearer \(token)"]).status == 404)
        }
    }

    @Test func editsPerLocationAreLimitedAndCredentialsChecked() async throws {
        try await withFake { fake, token in
            fake.editsPerMinute = 2
            fake.editWindowSeconds = 3600  // the limit must not depend on how fast a loaded machine runs the calls
            let v4 = HTTPTestClient(baseURL: fake.v4.baseURL)
            let path = "/v4/accounts/\(Self.account)/locations/\(Self.location)/localPosts"
            #expect(try await Self.post(v4, path, ["summary": "1"], token: token).status == 200)
            #expect(try await Self.post(v4, path, ["summary": "2"], token: token).status == 200)
            let limited = try await Self.post(v4, path, ["summary": "3"], token: token)
            #expect(limited.status == 429)
            #expect(try Self.error(limited)["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(limited.header("Retry-After") == nil)

            fake.oauth.expire(accessToken: token)
            let expired = try await Self.post(v4, path, ["summary": "4"], token: token)
            #expect(expired.status == 401)
            #expect(try Self.error(expired)["status"] as? String == "UNAUTHENTICATED")
            let other = fake.oauth.issueTokens(scopes: ["openid"]).accessToken
            #expect(try await Self.post(v4, path, ["summary": "5"], token: other).status == 403)
        }
    }

    @Test func dailyMetricsAreOneSeriesPerMetricWithUnsettledDaysEmpty() async throws {
        try await withFake { fake, token in
            let performance = HTTPTestClient(baseURL: fake.performance.baseURL)
            let range =
                "dailyRange.start_date.year=2026&dailyRange.start_date.month=2&dailyRange.start_date.day=27"
                + "&dailyRange.end_date.year=2026&dailyRange.end_date.month=3&dailyRange.end_date.day=3"
            let reply = try await performance.get(
                "/v1/locations/\(Self.location):fetchMultiDailyMetricsTimeSeries?dailyMetrics=WEBSITE_CLICKS&dailyMetrics=CALL_CLICKS&\(range)",
                headers: ["Authorization": "Bearer \(token)"])
            #expect(reply.status == 200)
            let outer = try #require((try reply.json()["multiDailyMetricTimeSeries"] as? [[String: Any]])?.first)
            let series = try #require(outer["dailyMetricTimeSeries"] as? [[String: Any]])
            #expect(series.map { $0["dailyMetric"] as? String } == ["WEBSITE_CLICKS", "CALL_CLICKS"])
            let values = try #require((series[0]["timeSeries"] as? [String: Any])?["datedValues"] as? [[String: Any]])
            #expect(values.count == 5, "27, 28 February, 1, 2, 3 March: both ends inclusive")
            #expect(
                values[0]["value"] as? String == String(GoogleBusinessProfileFake.value(metric: "WEBSITE_CLICKS", location: Self.location, day: 27)))
            #expect(values[3]["value"] == nil && values[4]["value"] == nil, "the last two days have not settled")
            let bad = try await performance.get(
                "/v1/locations/\(Self.location):fetchMultiDailyMetricsTimeSeries?dailyMetrics=CLICKS&\(range)",
                headers: ["Authorization": "Bearer \(token)"])
            #expect(bad.status == 400)
            let noRange = try await performance.get(
                "/v1/locations/\(Self.location):fetchMultiDailyMetricsTimeSeries?dailyMetrics=CALL_CLICKS",
                headers: ["Authorization": "Bearer \(token)"])
            #expect(noRange.status == 400)
        }
    }
}
