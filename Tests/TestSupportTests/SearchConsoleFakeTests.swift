import Foundation
import TestSupport
import Testing

/// The Search Console fake driven with plain HTTP as Google's reference shows each call:
/// https://developers.google.com/webmaster-tools/v1/sites/list,
/// https://developers.google.com/webmaster-tools/v1/searchanalytics/query,
/// https://developers.google.com/webmaster-tools/v1/sitemaps/submit,
/// https://developers.google.com/webmaster-tools/v1/urlInspection.index/inspect,
/// https://developers.google.com/webmaster-tools/limits.
@Suite struct SearchConsoleFakeTests {
    private func withFake(_ body: (SearchConsoleFake, HTTPTestClient, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = SearchConsoleFake(oauth: oauth)
        try fake.start()
        do {
            try await body(fake, HTTPTestClient(baseURL: fake.baseURL), oauth.issueTokens(scopes: [SearchConsoleFake.fullScope]).accessToken)
            await fake.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            throw error
        }
    }

    static func segment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }

    static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] { try reply.json()["error"] as? [String: Any] ?? [:] }

    @Test func sitesAndSearchAnalyticsPagedByStartRow() async throws {
        try await withFake { fake, client, token in
            let auth = ["Authorization": "Bearer \(token)"]
            let sites = try await client.get("/webmasters/v3/sites", headers: auth).json()["siteEntry"] as? [[String: Any]]
            #expect(sites?.map { $0["siteUrl"] as? String } == SearchConsoleFake.Site.defaults.map(\.url))
            #expect(sites?.first?["permissionLevel"] as? String == "siteOwner")

            let path = "/webmasters/v3/sites/\(Self.segment("https://shop.example.com/"))/searchAnalytics/query"
            let json = auth.merging(["Content-Type": "application/json"]) { $1 }
            func query(_ object: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request("POST", path, headers: json, body: try JSONSerialization.data(withJSONObject: object))
            }
            let first = try await query(["startDate": "2026-11-01", "endDate": "2026-11-28", "dimensions": ["query"], "rowLimit": 3])
            #expect(first.status == 200)
            let rows = try #require(first.json()["rows"] as? [[String: Any]])
            #expect(rows.count == 3)
            #expect(rows.map { $0["clicks"] as? Int ?? 0 } == rows.map { $0["clicks"] as? Int ?? 0 }.sorted(by: >), "sorted by clicks, descending")
            #expect(rows.first?["keys"] as? [String] == ["query 1"])
            let rest = try await query(["startDate": "2026-11-01", "endDate": "2026-11-28", "dimensions": ["query"], "rowLimit": 3, "startRow": 3])
            #expect((try rest.json()["rows"] as? [[String: Any]])?.count == 2)
            let past = try await query(["startDate": "2026-11-01", "endDate": "2026-11-28", "startRow": 10])
            #expect(try past.json()["rows"] == nil, "past the end: no rows member")

            for bad in [
                ["endDate": "2026-11-28"], ["startDate": "2026-11-01", "endDate": "2026-11-28", "rowLimit": 25_001],
                ["startDate": "2026-11-01", "endDate": "2026-11-28", "dimensions": ["browser"]],
            ] as [[String: Any]] {
                let refused = try await query(bad)
                #expect(refused.status == 400)
                #expect(try Self.error(refused)["status"] as? String == "INVALID_ARGUMENT")
            }
            // The site URL must be one encoded segment; unencoded it is another path.
            let unencoded = try await client.request(
                "POST", "/webmasters/v3/sites/https://shop.example.com//searchAnalytics/query", headers: json,
                body: Data(#"{"startDate":"2026-11-01","endDate":"2026-11-28"}"#.utf8))
            #expect(unencoded.status == 403 || unencoded.status == 404)
            #expect(try unencoded.json()["rows"] == nil)
            let stranger = try await client.get("/webmasters/v3/sites/\(Self.segment("https://other.example/"))/sitemaps", headers: auth)
            #expect(stranger.status == 403)
            #expect((try Self.error(stranger)["message"] as? String)?.contains("sufficient permission for site 'https://other.example/'") == true)
            _ = fake
        }
    }

    @Test func sitemapsAreSubmittedListedAndDeletedWithTheFullScope() async throws {
        try await withFake { fake, client, token in
            let site = "sc-domain:example.com", feed = "https://www.example.com/news-sitemap.xml"
            let path = "/webmasters/v3/sites/\(Self.segment(site))/sitemaps/\(Self.segment(feed))"
            let submitted = try await client.request("PUT", path, headers: ["Authorization": "Bearer \(token)"])
            #expect(submitted.status == 204)
            #expect(submitted.body.isEmpty)
            #expect(fake.sitemaps(of: site).last == feed)
            let listed = try await client.get("/webmasters/v3/sites/\(Self.segment(site))/sitemaps", headers: ["Authorization": "Bearer \(token)"])
            #expect((try listed.json()["sitemap"] as? [[String: Any]])?.compactMap { $0["path"] as? String }.contains(feed) == true)

            let readonly = fake.oauth.issueTokens(scopes: [SearchConsoleFake.readonlyScope]).accessToken
            let denied = try await client.request("DELETE", path, headers: ["Authorization": "Bearer \(readonly)"])
            #expect(denied.status == 403, "writes need the webmasters scope")
            #expect(
                try await client.request("PUT", path, headers: ["Authorization": "Bearer \(token)"], body: Data("{}".utf8)).status == 400,
                "no body allowed")
            let restricted =
                "/webmasters/v3/sites/\(Self.segment("https://blog.example.org/"))/sitemaps/\(Self.segment("https://blog.example.org/s.xml"))"
            #expect(
                try await client.request("PUT", restricted, headers: ["Authorization": "Bearer \(token)"]).status == 403,
                "a restricted user cannot submit")
            #expect(try await client.request("DELETE", path, headers: ["Authorization": "Bearer \(token)"]).status == 204)
            #expect(!fake.sitemaps(of: site).contains(feed))
            #expect(try await client.request("DELETE", path, headers: ["Authorization": "Bearer \(token)"]).status == 404)
        }
    }

    @Test func urlInspectionChecksThePropertyAndItsDailyQuota() async throws {
        try await withFake { fake, client, token in
            let json = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            func inspect(_ object: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", "/v1/urlInspection/index:inspect", headers: json, body: try JSONSerialization.data(withJSONObject: object))
            }
            let ok = try await inspect([
                "inspectionUrl": "https://www.example.com/spring", "siteUrl": "sc-domain:example.com", "languageCode": "en-US",
            ])
            #expect(ok.status == 200)
            let result = try #require(ok.json()["inspectionResult"] as? [String: Any])
            #expect((result["indexStatusResult"] as? [String: Any])?["verdict"] as? String == "PASS")
            #expect(try await inspect(["siteUrl": "sc-domain:example.com"]).status == 400)
            #expect(try await inspect(["inspectionUrl": "https://elsewhere.example/", "siteUrl": "sc-domain:example.com"]).status == 403)
            fake.urlInspectionDailyQuota = 1
            let exhausted = try await inspect(["inspectionUrl": "https://www.example.com/x", "siteUrl": "sc-domain:example.com"])
            #expect(exhausted.status == 429)
            #expect(try Self.error(exhausted)["status"] as? String == "RESOURCE_EXHAUSTED")
        }
    }
}
