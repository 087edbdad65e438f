import Foundation
import TestSupport
import Testing

/// The Tableau fake, driven with plain HTTP as Tableau's REST API reference shows each call
/// (https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_auth.htm,
/// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_paging.htm,
/// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_filtering_and_sorting.htm,
/// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_workbooks_and_views.htm):
/// PAT sign-in with one session per PAT, sign-out, tokens in `X-Tableau-Auth`, paged and
/// filtered lists with string pagination values, view data as CSV, and 429 with `Retry-After`.
@Suite struct TableauFakeTests {
    static let api = TableauFake.apiPath
    static let site = TableauFake.marketing.id

    private func withFake<T>(_ body: (TableauFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = TableauFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func signIn(
        _ client: HTTPTestClient, pat: TableauFake.PersonalAccessToken = TableauFake.pat, secret: String? = nil, site: String? = nil,
        contentType: String = "application/json"
    ) async throws -> HTTPTestClient.Reply {
        let body: [String: Any] = [
            "credentials": [
                "personalAccessTokenName": pat.name, "personalAccessTokenSecret": secret ?? pat.secret,
                "site": ["contentUrl": site ?? pat.siteContentUrl],
            ]
        ]
        return try await client.request(
            "POST", api + "/auth/signin", headers: ["Content-Type": contentType, "Accept": "application/json"],
            body: try JSONSerialization.data(withJSONObject: body))
    }

    static func token(_ client: HTTPTestClient, pat: TableauFake.PersonalAccessToken = TableauFake.pat) async throws -> String {
        let reply = try await signIn(client, pat: pat)
        let credentials = try #require(try reply.json()["credentials"] as? [String: Any])
        return try #require(credentials["token"] as? String)
    }

    static func auth(_ token: String) -> [String: String] { ["X-Tableau-Auth": token, "Accept": "application/json"] }

    static func errorCode(_ reply: HTTPTestClient.Reply) throws -> String? {
        (try reply.json()["error"] as? [String: Any])?["code"] as? String
    }

    @Test func aPATSignsInToItsSiteAndTheTokenOpensTheCurrentSession() async throws {
        try await withFake { fake, client in
            let reply = try await Self.signIn(client)
            #expect(reply.status == 200)
            let credentials = try #require(try reply.json()["credentials"] as? [String: Any])
            #expect((credentials["site"] as? [String: Any])?["id"] as? String == TableauFake.marketing.id)
            #expect((credentials["site"] as? [String: Any])?["contentUrl"] as? String == "marketing")
            #expect((credentials["user"] as? [String: Any])?["id"] as? String == TableauFake.pat.userID)
            let token = try #require(credentials["token"] as? String)
            #expect(fake.signInCount == 1 && fake.liveTokens == [token])

            let session = try await client.get(Self.api + "/sessions/current", headers: Self.auth(token))
            #expect(session.status == 200)
            let current = try #require(try session.json()["session"] as? [String: Any])
            #expect((current["site"] as? [String: Any])?["name"] as? String == "Marketing Analytics")
            #expect((current["user"] as? [String: Any])?["siteRole"] as? String == "Creator")
            #expect(fake.apiRequests.last?.header("X-Tableau-Auth") == token, "the fake records the header")

            // The Default site is contentUrl "".
            let defaultSite = try await Self.signIn(client, pat: TableauFake.defaultSitePAT)
            let site = (try defaultSite.json()["credentials"] as? [String: Any])?["site"] as? [String: Any]
            #expect(defaultSite.status == 200 && site?["id"] as? String == TableauFake.defaultSite.id)
        }
    }

    @Test func aWrongSecretAnUnknownSiteAndARevokedPATAre401001() async throws {
        try await withFake { fake, client in
            let wrong = try await Self.signIn(client, secret: "not-the-secret")
            #expect(wrong.status == 401)
            let body = try #require(try wrong.json()["error"] as? [String: String])
            #expect(body == ["summary": "Signin Error", "detail": "Error signing in to Tableau Server", "code": "401001"])
            #expect(try await Self.errorCode(Self.signIn(client, site: "nosuchsite")) == "401001")
            #expect(try await Self.errorCode(Self.signIn(client, site: "finance")) == "401001", "a PAT signs in to its own site")
            let notJSON = try await Self.signIn(client, contentType: "application/xml")
            #expect(try notJSON.status == 400 && Self.errorCode(notJSON) == "400000")

            fake.failNextSignIns(1)
            #expect(try await Self.signIn(client).status == 401)
            #expect(try await Self.signIn(client).status == 200)
            #expect(fake.signInCount == 1, "only successful sign-ins count")
        }
    }

    @Test func signingInAgainWithTheSamePATEndsItsEarlierSession() async throws {
        try await withFake { fake, client in
            let first = try await Self.token(client)
            let other = try await Self.token(client, pat: TableauFake.financePAT)
            let second = try await Self.token(client)
            #expect(first != second && fake.signInCount == 3)
            let stale = try await client.get(Self.api + "/sessions/current", headers: Self.auth(first))
            #expect(try stale.status == 401 && Self.errorCode(stale) == "401002")
            #expect(try await client.get(Self.api + "/sessions/current", headers: Self.auth(second)).status == 200)
            #expect(try await client.get(Self.api + "/sessions/current", headers: Self.auth(other)).status == 200, "another PAT keeps its session")
            #expect(fake.liveTokens == [second, other])
        }
    }

    @Test func signOutEndsTheSessionAndIsCounted() async throws {
        try await withFake { fake, client in
            let token = try await Self.token(client)
            let out = try await client.request("POST", Self.api + "/auth/signout", headers: ["X-Tableau-Auth": token])
            #expect(out.status == 204 && out.body.isEmpty)
            #expect(fake.signOutCount == 1 && fake.liveTokens.isEmpty)
            let after = try await client.get(Self.api + "/sites/\(Self.site)/views", headers: Self.auth(token))
            #expect(try after.status == 401 && Self.errorCode(after) == "401002")
            #expect(try await client.request("POST", Self.api + "/auth/signout", headers: ["X-Tableau-Auth": token]).status == 401)
            #expect(fake.signOutCount == 1)
        }
    }

    @Test func withoutALiveTokenEveryCallIs401() async throws {
        try await withFake { fake, client in
            let none = try await client.get(Self.api + "/sites/\(Self.site)/views", headers: ["Accept": "application/json"])
            #expect(try none.status == 401 && Self.errorCode(none) == "401000")
            let bogus = try await client.get(Self.api + "/sessions/current", headers: Self.auth("bogus"))
            #expect(try bogus.status == 401 && Self.errorCode(bogus) == "401002")
            let token = try await Self.token(client)
            fake.expireSessions()
            let expired = try await client.get(Self.api + "/sessions/current", headers: Self.auth(token))
            #expect(try expired.status == 401 && Self.errorCode(expired) == "401002")
        }
    }

    @Test func viewsComeInThreePagesOfAtMostOneHundredWithStringPagination() async throws {
        try await withFake { _, client in
            let token = try await Self.token(client)
            var ids: [String] = []
            for page in 1...3 {
                let reply = try await client.get(Self.api + "/sites/\(Self.site)/views?pageSize=100&pageNumber=\(page)", headers: Self.auth(token))
                #expect(reply.status == 200)
                let pagination = try #require(try reply.json()["pagination"] as? [String: String])
                #expect(pagination == ["pageNumber": String(page), "pageSize": "100", "totalAvailable": "250"])
                let views = try #require((try reply.json()["views"] as? [String: Any])?["view"] as? [[String: Any]])
                #expect(views.count == (page < 3 ? 100 : 50))
                ids += views.compactMap { $0["id"] as? String }
                #expect(views.allSatisfy { ($0["workbook"] as? [String: Any])?["id"] is String })
            }
            #expect(Set(ids).count == TableauFake.marketingViewCount && !ids.contains(TableauFake.financeViewID))
            let defaults = try await client.get(Self.api + "/sites/\(Self.site)/views", headers: Self.auth(token))
            #expect((try defaults.json()["pagination"] as? [String: String])?["pageSize"] == "100")

            func code(_ query: String) async throws -> String {
                let reply = try await client.get(Self.api + "/sites/\(Self.site)/views?\(query)", headers: Self.auth(token))
                let code = try Self.errorCode(reply) ?? "-"
                return "\(reply.status) \(code)"
            }
            #expect(try await code("pageSize=100&pageNumber=4") == "400 400006", "past the last page")
            #expect(try await code("pageNumber=0") == "400 400006")
            #expect(try await code("pageSize=0") == "400 400007")
            #expect(try await code("pageSize=1001") == "403 403014")
            #expect(try await code("includeUsageStatistics=yes") == "400 400008")
        }
    }

    @Test func filtersAndSortsFollowTheDocumentedFieldsAndOperators() async throws {
        try await withFake { _, client in
            let token = try await Self.token(client)
            func names(_ resource: String, _ query: String) async throws -> [String]? {
                let reply = try await client.get(Self.api + "/sites/\(Self.site)/\(resource)?\(query)", headers: Self.auth(token))
                guard reply.status == 200 else { return nil }
                let singular = String(resource.dropLast())
                return ((try reply.json()[resource] as? [String: Any])?[singular] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(try await names("views", "filter=name:eq:Channel%20Mix") == ["Channel Mix"])
            #expect(try await names("views", "filter=name:eq:channel%20mix") == [], "values are case-sensitive")
            #expect(
                try await names("views", "filter=name:eq:*Campaign*") == [
                    "Campaign Overview", "Campaign Spend by Region", "Campaign Funnel", "Campaign ROI",
                ])
            #expect(try await names("views", "filter=name:in:%5BAudience,Attribution%5D") == ["Audience", "Attribution"])
            let marketing = try #require(try await names("workbooks", "filter=projectName:eq:Marketing&pageSize=1000"))
            #expect(marketing.count == 9 && marketing.first == "Campaign Performance")
            #expect(try await names("datasources", "filter=type:eq:snowflake") == ["Web Sessions", "Attribution Model"])
            #expect(try await names("datasources", "filter=type:eq:snowflake,projectName:eq:Sales") == ["Web Sessions"], "expressions are ANDed")

            let has = try await client.get(Self.api + "/sites/\(Self.site)/views?filter=name:has:Campaign", headers: Self.auth(token))
            #expect(try has.status == 400 && Self.errorCode(has) == "400065", "has is not an operator for name")
            let unknown = try await client.get(Self.api + "/sites/\(Self.site)/views?filter=colour:eq:red", headers: Self.auth(token))
            #expect(try unknown.status == 400 && Self.errorCode(unknown) == "400065")

            func views(_ query: String) async throws -> [[String: Any]] {
                let reply = try await client.get(Self.api + "/sites/\(Self.site)/views?\(query)", headers: Self.auth(token))
                return (try reply.json()["views"] as? [String: Any])?["view"] as? [[String: Any]] ?? []
            }
            let sorted = try await views("sort=updatedAt:desc&fields=_default_&pageSize=1000")
            let stamps = sorted.compactMap { $0["updatedAt"] as? String }
            #expect(stamps.count == 250 && stamps == stamps.sorted(by: >))
            let unsorted = try await views("pageSize=1000")
            #expect(sorted.compactMap { $0["id"] as? String } != unsorted.compactMap { $0["id"] as? String }, "the sort changed the order")
            #expect(try await views("sort=colour:desc").isEmpty)
        }
    }

    @Test func viewDataIsCSVFilteredByViewFiltersOnTheSessionsSiteOnly() async throws {
        try await withFake { _, client in
            let token = try await Self.token(client)
            let path = Self.api + "/sites/\(Self.site)/views/\(TableauFake.campaignOverviewViewID)/data"
            let csv = try await client.get(path + "?maxAge=5", headers: ["X-Tableau-Auth": token, "Accept": "text/csv"])
            #expect(csv.status == 200 && csv.header("Content-Type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\n").map(String.init)
            #expect(lines.first == "Region,Campaign,Spend,Clicks" && lines.count == 5)
            #expect(lines.contains("East,Spring Launch,\"$1,250.50\",3400"), "a formatted cell with a comma is quoted")
            let east = try await client.get(path + "?vf_Region=East", headers: ["X-Tableau-Auth": token])
            #expect(east.text.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("East,") } && east.text.split(separator: "\n").count == 3)

            #expect(try await client.get(path + "?maxAge=0", headers: ["X-Tableau-Auth": token]).status == 400)
            let missing = try await client.get(
                Self.api + "/sites/\(Self.site)/views/00000000-0000-4000-8000-000000000000/data", headers: ["X-Tableau-Auth": token])
            #expect(try missing.status == 400 && Self.errorCode(missing) == "400080")
            let elsewhere = try await client.get(
                Self.api + "/sites/\(TableauFake.finance.id)/views/\(TableauFake.financeViewID)/data", headers: ["X-Tableau-Auth": token])
            #expect(elsewhere.status == 403, "a token opens only its own site")
            let noSite = try await client.get(Self.api + "/sites/00000000-0000-4000-8000-000000000000/views", headers: Self.auth(token))
            #expect(try noSite.status == 404 && Self.errorCode(noSite) == "404000")
        }
    }

    @Test func throttledRequestsAnswer429WithRetryAfterThenRecover() async throws {
        try await withFake { fake, client in
            let token = try await Self.token(client)
            fake.throttleNext(2, retryAfter: 7)
            for _ in 0..<2 {
                let reply = try await client.get(Self.api + "/sessions/current", headers: Self.auth(token))
                #expect(reply.status == 429 && reply.header("Retry-After") == "7")
                #expect(try Self.errorCode(reply) == "429000")
            }
            #expect(try await client.get(Self.api + "/sessions/current", headers: Self.auth(token)).status == 200)
            #expect(fake.requests.filter { $0.path == Self.api + "/sessions/current" }.count == 3)
        }
    }

    @Test func aJSONRouteWithoutAcceptJSONIsRefusedLoudly() async throws {
        try await withFake { _, client in
            let token = try await Self.token(client)
            #expect(try await client.get(Self.api + "/sessions/current", headers: ["X-Tableau-Auth": token]).status == 406)
        }
    }
}
