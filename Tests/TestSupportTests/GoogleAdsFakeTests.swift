import Foundation
import TestSupport
import Testing

/// The Google Ads fake driven with plain HTTP as Google's REST reference shows each call:
/// https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers,
/// https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/search,
/// https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream,
/// https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaigns/mutate,
/// https://developers.google.com/google-ads/api/docs/best-practices/partial-failures.
@Suite struct GoogleAdsFakeTests {
    private func withFake(_ body: (GoogleAdsFake, HTTPTestClient, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleAdsFake(oauth: oauth)
        try fake.start()
        do {
            let token = oauth.issueTokens(scopes: [GoogleAdsFake.scope]).accessToken
            try await body(fake, HTTPTestClient(baseURL: fake.server.baseURL), token)
            await fake.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            throw error
        }
    }

    static func headers(_ token: String, login: String? = nil, developer: String? = "placeholder-developer-token") -> [String: String] {
        var headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        if let developer { headers["developer-token"] = developer }
        if let login { headers["login-customer-id"] = login }
        return headers
    }

    static func post(
        _ client: HTTPTestClient, _ path: String, _ object: Any, _ headers: [String: String]
    ) async throws -> HTTPTestClient.Reply {
        try await client.request("POST", "/v26" + path, headers: headers, body: try JSONSerialization.data(withJSONObject: object))
    }

    /// The first GoogleAdsFailure error's `errorCode` of an error reply.
    static func errorCode(_ reply: HTTPTestClient.Reply) throws -> [String: String] {
        let error = try reply.json()["error"] as? [String: Any]
        let details = error?["details"] as? [[String: Any]]
        #expect(details?.first?["@type"] as? String == GoogleAdsFailure.failureType)
        return ((details?.first?["errors"] as? [[String: Any]])?.first?["errorCode"] as? [String: String]) ?? [:]
    }

    @Test func credentialsAndHeadersAreCheckedAsDocumented() async throws {
        try await withFake { fake, client, token in
            let listed = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token))
            #expect(listed.status == 200)
            #expect(try listed.json()["resourceNames"] as? [String] == ["customers/1234567890", "customers/5550001111"])

            let missingDeveloper = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token, developer: nil))
            #expect(missingDeveloper.status == 400)
            #expect(try Self.errorCode(missingDeveloper) == ["requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"])
            let wrongDeveloper = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token, developer: "other"))
            #expect(wrongDeveloper.status == 403)

            fake.oauth.expire(accessToken: token)
            let expired = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token))
            #expect(expired.status == 401)
            #expect(try expired.json()["error"].flatMap { ($0 as? [String: Any])?["status"] as? String } == "UNAUTHENTICATED")
            #expect(try Self.errorCode(expired) == ["authenticationError": "OAUTH_TOKEN_EXPIRED"])
            let unknown = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers("ya29.unknown"))
            #expect(try Self.errorCode(unknown) == ["authenticationError": "OAUTH_TOKEN_INVALID"])
            let wrongScope = fake.oauth.issueTokens(scopes: ["openid"]).accessToken
            #expect(try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(wrongScope)).status == 403)
        }
    }

    @Test func aClientAccountNeedsItsManagerAsLoginCustomerID() async throws {
        try await withFake { _, client, token in
            let query = ["query": "SELECT customer.id FROM customer"]
            let direct = try await Self.post(client, "/customers/9876543210/googleAds:search", query, Self.headers(token))
            #expect(direct.status == 403)
            #expect(try Self.errorCode(direct) == ["authorizationError": "USER_PERMISSION_DENIED"])
            let managed = try await Self.post(client, "/customers/9876543210/googleAds:search", query, Self.headers(token, login: "5550001111"))
            #expect(managed.status == 200)
            let dashed = try await Self.post(client, "/customers/9876543210/googleAds:search", query, Self.headers(token, login: "555-000-1111"))
            #expect(try Self.errorCode(dashed) == ["headerError": "INVALID_LOGIN_CUSTOMER_ID"])
        }
    }

    @Test func searchPagesByATokenInTheBodyAndRefusesPageSize() async throws {
        try await withFake { fake, client, token in
            fake.searchPageSize = 1
            let query = "SELECT campaign.id, campaign.name FROM campaign WHERE campaign.status != 'REMOVED' ORDER BY campaign.id"
            let first = try await Self.post(
                client, "/customers/1234567890/googleAds:search", ["query": query, "returnTotalResultsCount": true], Self.headers(token))
            let page = try first.json()
            #expect((page["results"] as? [[String: Any]])?.count == 1)
            #expect(page["totalResultsCount"] as? String == "2", "int64 as a string, removed campaigns excluded")
            #expect(page["fieldMask"] as? String == "campaign.id,campaign.name")
            let row = try #require((page["results"] as? [[String: Any]])?.first?["campaign"] as? [String: Any])
            #expect(row["resourceName"] as? String == "customers/1234567890/campaigns/20000000001")
            let next = try #require(page["nextPageToken"] as? String)
            let second = try await Self.post(
                client, "/customers/1234567890/googleAds:search", ["query": query, "pageToken": next], Self.headers(token))
            #expect(try second.json()["nextPageToken"] == nil)
            let other = try await Self.post(
                client, "/customers/1234567890/googleAds:search", ["query": "SELECT campaign.name FROM campaign", "pageToken": next],
                Self.headers(token))
            #expect(try Self.errorCode(other) == ["requestError": "INVALID_PAGE_TOKEN"])
            let sized = try await Self.post(client, "/customers/1234567890/googleAds:search", ["query": query, "pageSize": 5], Self.headers(token))
            #expect(try Self.errorCode(sized) == ["requestError": "PAGE_SIZE_NOT_SUPPORTED"])
            let bad = try await Self.post(
                client, "/customers/1234567890/googleAds:search", ["query": "SELECT campaign.nme FROM campaign"], Self.headers(token))
            #expect(try Self.errorCode(bad) == ["queryError": "UNRECOGNIZED_FIELD"])
            let open = try await Self.post(
                client, "/customers/1234567890/googleAds:search", ["query": "SELECT segments.date, metrics.clicks FROM campaign"], Self.headers(token)
            )
            #expect(try Self.errorCode(open) == ["queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"])
        }
    }

    @Test func searchStreamAnswersAnArrayOfBatches() async throws {
        try await withFake { fake, client, token in
            fake.streamBatchSize = 3
            let query =
                "SELECT campaign.id, segments.date, metrics.clicks, metrics.cost_micros FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02' AND campaign.status != 'REMOVED'"
            let reply = try await Self.post(client, "/customers/1234567890/googleAds:searchStream", ["query": query], Self.headers(token))
            #expect(reply.status == 200)
            let batches = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]])
            #expect(batches.count == 2, "4 rows (2 campaigns × 2 days) in batches of 3")
            #expect(batches.allSatisfy { $0["fieldMask"] as? String == "campaign.id,segments.date,metrics.clicks,metrics.costMicros" })
            #expect(batches.allSatisfy { $0["requestId"] != nil })
            let rows = batches.flatMap { $0["results"] as? [[String: Any]] ?? [] }
            #expect(
                rows.compactMap { ($0["segments"] as? [String: Any])?["date"] as? String } == [
                    "2026-11-01", "2026-11-02", "2026-11-01", "2026-11-02",
                ])
            #expect(rows.allSatisfy { (($0["metrics"] as? [String: Any])?["costMicros"] as? String).flatMap(Int.init) != nil })
        }
    }

    @Test func mutatesAreAtomicUnlessPartialFailureWhichReportsEachOperation() async throws {
        try await withFake { fake, client, token in
            func operation(_ id: String, _ status: String) -> [String: Any] {
                ["updateMask": "status", "update": ["resourceName": "customers/1234567890/campaigns/\(id)", "status": status]]
            }
            let operations = [operation("20000000001", "PAUSED"), operation("29999999999", "PAUSED")]
            let atomic = try await Self.post(client, "/customers/1234567890/campaigns:mutate", ["operations": operations], Self.headers(token))
            #expect(atomic.status == 400)
            #expect(fake.campaign("20000000001")?.status == "ENABLED", "nothing applied")

            let partial = try await Self.post(
                client, "/customers/1234567890/campaigns:mutate", ["operations": operations, "partialFailure": true], Self.headers(token))
            #expect(partial.status == 200)
            let body = try partial.json()
            #expect(
                (body["results"] as? [[String: Any]])?.map { $0["resourceName"] as? String } == ["customers/1234567890/campaigns/20000000001", nil])
            let status = try #require(body["partialFailureError"] as? [String: Any])
            #expect(status["code"] as? Int == 3)
            let failure = try #require((status["details"] as? [[String: Any]])?.first)
            let error = try #require((failure["errors"] as? [[String: Any]])?.first)
            #expect(error["errorCode"] as? [String: String] == ["mutateError": "RESOURCE_NOT_FOUND"])
            let path = try #require((error["location"] as? [String: Any])?["fieldPathElements"] as? [[String: Any]])
            #expect(path.first?["fieldName"] as? String == "operations" && path.first?["index"] as? Int == 1)
            #expect(fake.campaign("20000000001")?.status == "PAUSED")

            let validated = try await Self.post(
                client, "/customers/1234567890/campaigns:mutate", ["operations": [operation("20000000001", "ENABLED")], "validateOnly": true],
                Self.headers(token))
            #expect(validated.status == 200)
            #expect(fake.campaign("20000000001")?.status == "PAUSED", "validateOnly applies nothing")

            let budget = try await Self.post(
                client, "/customers/1234567890/campaignBudgets:mutate",
                [
                    "operations": [
                        [
                            "updateMask": "amountMicros",
                            "update": ["resourceName": "customers/1234567890/campaignBudgets/30000000001", "amountMicros": "12345"],
                        ]
                    ]
                ],
                Self.headers(token))
            #expect(try Self.errorCode(budget) == ["campaignBudgetError": "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT"])
        }
    }

    @Test func quotaErrorsCarryTheRetryDelay() async throws {
        try await withFake { fake, client, token in
            fake.failNext(.quota(retryDelay: "12s"))
            let limited = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token))
            #expect(limited.status == 429)
            let error = try #require(try limited.json()["error"] as? [String: Any])
            #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
            let entry = try #require(((error["details"] as? [[String: Any]])?.first?["errors"] as? [[String: Any]])?.first)
            #expect(entry["errorCode"] as? [String: String] == ["quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"])
            #expect(((entry["details"] as? [String: Any])?["quotaErrorDetails"] as? [String: Any])?["retryDelay"] as? String == "12s")

            fake.dailyOperations = 1
            #expect(try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token)).status == 200)
            let spent = try await client.get("/v26/customers:listAccessibleCustomers", headers: Self.headers(token))
            #expect(try Self.errorCode(spent) == ["quotaError": "RESOURCE_EXHAUSTED"])
        }
    }
}
