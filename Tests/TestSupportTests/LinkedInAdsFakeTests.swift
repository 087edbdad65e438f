import Foundation
import TestSupport
import Testing

/// The LinkedIn ads fake driven with plain HTTP as LinkedIn's pages show each call:
/// https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads/account-structure/create-and-manage-campaigns,
/// https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting.
@Suite struct LinkedInAdsFakeTests {
    static func headers(_ token: String) -> [String: String] {
        ["Authorization": "Bearer \(token)", "LinkedIn-Version": "202603", "X-Restli-Protocol-Version": "2.0.0", "Content-Type": "application/json"]
    }

    @Test func searchesPageByTokenAndCheckTheRestliShape() async throws {
        let fake = LinkedInAdsFake()
        try fake.start()
        let client = HTTPTestClient(baseURL: fake.baseURL)
        let token = fake.issue()
        fake.pageSize = 1
        let first = try await client.get("/rest/adAccounts?q=search&search=(status:(values:List(ACTIVE)))&pageSize=100", headers: Self.headers(token))
        #expect(first.status == 200)
        let page = try first.json()
        #expect((page["elements"] as? [[String: Any]])?.first?["id"] as? Int == 507_404_993)
        let next = try #require((page["metadata"] as? [String: Any])?["nextPageToken"] as? String)
        let second = try await client.get(
            "/rest/adAccounts?q=search&search=(status:(values:List(ACTIVE)))&pageSize=100&pageToken=\(next)", headers: Self.headers(token))
        #expect(((try second.json()["metadata"]) as? [String: Any])?["nextPageToken"] == nil)
        let encoded = try await client.get(
            "/rest/adAccounts?q=search&search=%28status%3A%28values%3AList%28ACTIVE%29%29%29", headers: Self.headers(token))
        #expect(encoded.status == 400, "Rest.li structure must stay unencoded")
        var noVersion = Self.headers(token)
        noVersion["LinkedIn-Version"] = nil
        let missing = try await client.get("/rest/adAccounts?q=search&search=(status:(values:List(ACTIVE)))", headers: noVersion)
        #expect(try missing.json()["code"] as? String == "VERSION_MISSING")
        let readOnly = fake.issue(scopes: ["r_ads"])
        let refused = try await client.request(
            "POST", "/rest/adAccounts/507404993/adCampaigns/403257443",
            headers: Self.headers(readOnly).merging(["X-RestLi-Method": "PARTIAL_UPDATE"]) { $1 },
            body: Data(#"{"patch":{"$set":{"status":"PAUSED"}}}"#.utf8))
        #expect(refused.status == 403)
        #expect(fake.campaign(403_257_443)?.status == "ACTIVE")
        await fake.stopWithoutBlocking()
    }

    @Test func createNeedsTheDocumentedFieldsAndUpdatesArePartial() async throws {
        let fake = LinkedInAdsFake()
        try fake.start()
        let client = HTTPTestClient(baseURL: fake.baseURL)
        let token = fake.issue()
        let incomplete = try await client.request(
            "POST", "/rest/adAccounts/507404993/adCampaigns", headers: Self.headers(token),
            body: try JSONSerialization.data(withJSONObject: ["account": "urn:li:sponsoredAccount:507404993", "name": "x"]))
        #expect(incomplete.status == 422)
        #expect(try incomplete.json()["code"] as? String == "UNPROCESSABLE_ENTITY")
        let update = try await client.request(
            "POST", "/rest/adAccounts/507404993/adCampaigns/403257443", headers: Self.headers(token),
            body: Data(#"{"patch":{"$set":{"status":"PAUSED"}}}"#.utf8))
        #expect(update.status == 400, "an entity POST without X-RestLi-Method: PARTIAL_UPDATE")
        let analytics = try await client.get(
            "/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:3))&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A403257443)&fields=impressions,dateRange",
            headers: Self.headers(token))
        let elements = try #require(try analytics.json()["elements"] as? [[String: Any]])
        #expect(elements.count == 3)
        #expect(elements.allSatisfy { Set($0.keys) == ["impressions", "dateRange"] }, "only the fields asked for")
        await fake.stopWithoutBlocking()
    }
}
