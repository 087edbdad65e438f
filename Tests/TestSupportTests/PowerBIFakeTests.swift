import Foundation
import TestSupport
import Testing

/// The Power BI fake, driven with plain HTTP as Microsoft's references show each call
/// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
/// https://learn.microsoft.com/en-us/rest/api/power-bi/groups/get-groups,
/// https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/refresh-dataset-in-group,
/// https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries-in-group): the
/// app's token for Power BI's `/.default` scope, workspaces only the service principal is a
/// member of, a refresh accepted with 202, and DAX rows keyed `Table[Column]`.
@Suite struct PowerBIFakeTests {
    static let api = PowerBIFake.apiPath

    private func withFake<T>(_ body: (PowerBIFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = PowerBIFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func form(_ items: [String: String]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = items.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        return Data(text.joined(separator: "&").utf8)
    }

    static func grant(
        _ client: HTTPTestClient, tenant: String = PowerBIFake.tenantID, scope: String = PowerBIFake.scope,
        secret: String = PowerBIFake.app.clientSecret
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/\(tenant)/oauth2/v2.0/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: form(["grant_type": "client_credentials", "client_id": PowerBIFake.app.clientID, "client_secret": secret, "scope": scope]))
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)", "Accept": "application/json"] }

    @Test func theAppsGrantForPowerBIsDefaultScopeIsTheOnlyTokenPowerBITakes() async throws {
        try await withFake { fake, client in
            let granted = try await Self.grant(client)
            #expect(granted.status == 200)
            let token = try #require(try granted.json()["access_token"] as? String)
            #expect(try granted.json()["token_type"] as? String == "Bearer" && fake.isValid(token: token))
            #expect(try await client.get(Self.api + "/groups", headers: Self.bearer(token)).status == 200)
            // The verified domain names the tenant too.
            #expect(try await Self.grant(client, tenant: PowerBIFake.tenantDomain).status == 200)

            let wrongSecret = try await Self.grant(client, secret: "nope")
            #expect(try wrongSecret.status == 401 && (wrongSecret.json()["error"] as? String) == "invalid_client")
            let notDefault = try await Self.grant(client, scope: "https://analysis.windows.net/powerbi/api/Dataset.Read.All")
            #expect(try notDefault.status == 400 && (notDefault.json()["error"] as? String) == "invalid_scope")
            #expect(try await Self.grant(client, tenant: "fabrikam.onmicrosoft.com").status == 400)

            // A token for another resource, none, or an expired one.
            let graph = try #require(try await Self.grant(client, scope: "https://graph.microsoft.com/.default").json()["access_token"] as? String)
            let other = try await client.get(Self.api + "/groups", headers: Self.bearer(graph))
            #expect(other.status == 401 && other.body.isEmpty && other.header("WWW-Authenticate")?.hasPrefix("Bearer ") == true)
            #expect(try await client.get(Self.api + "/groups").status == 401)
            fake.expire(token: token)
            let expired = try await client.get(Self.api + "/groups", headers: Self.bearer(token))
            #expect(expired.status == 403)
            #expect(((try expired.json()["error"] as? [String: Any])?["code"] as? String) == "TokenExpired")
        }
    }

    @Test func workspacesAreTheServicePrincipalsOnesFilteredAndPagedByTopAndSkip() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            func names(_ query: String) async throws -> [String]? {
                let reply = try await client.get(Self.api + "/groups" + query, headers: Self.bearer(token))
                return (try reply.json()["value"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            }
            #expect(try await names("") == ["Marketing", "Sales Analytics", "Contoso Finance"], "not HR Confidential: no member")
            let first = try await client.get(Self.api + "/groups", headers: Self.bearer(token))
            let marketing = try #require((try first.json()["value"] as? [[String: Any]])?.first)
            #expect(marketing["isOnDedicatedCapacity"] as? Bool == true && marketing["capacityId"] as? String == PowerBIFake.capacityID)
            #expect(marketing["type"] == nil, "Get Groups has no type")
            #expect(first.header("RequestId") != nil)

            #expect(try await names("?$filter=contains(name,'market')%20or%20name%20eq%20'Contoso%20Finance'") == ["Marketing", "Contoso Finance"])
            #expect(try await names("?%24filter=isReadOnly%20eq%20true") == ["Contoso Finance"], "the $ may come percent-encoded")
            #expect(try await names("?$top=2") == ["Marketing", "Sales Analytics"])
            #expect(try await names("?$top=2&$skip=2") == ["Contoso Finance"])
            #expect(try await client.get(Self.api + "/groups?$filter=startswith(name,'M')", headers: Self.bearer(token)).status == 400)
            #expect(try await client.get(Self.api + "/groups?$top=ten", headers: Self.bearer(token)).status == 400)
        }
    }

    @Test func reportsAndModelsAreReadPerWorkspaceAndOthersAreNotAuthorized() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let reports = try await client.get(Self.api + "/groups/\(PowerBIFake.marketing)/reports", headers: Self.bearer(token))
            let listed = try #require(try reports.json()["value"] as? [[String: Any]])
            #expect(listed.compactMap { $0["name"] as? String } == ["Campaign Performance", "Monthly Invoices"])
            #expect(listed[0]["datasetId"] as? String == PowerBIFake.campaigns && listed[1]["datasetId"] == nil, "a paginated report has no model")
            #expect(listed[1]["reportType"] as? String == "PaginatedReport")
            let models = try await client.get(Self.api + "/groups/\(PowerBIFake.marketing)/datasets", headers: Self.bearer(token))
            #expect((try models.json()["value"] as? [[String: Any]])?.compactMap { $0["isRefreshable"] as? Bool } == [true, false])

            let hr = try await client.get(Self.api + "/groups/\(PowerBIFake.hr)/reports", headers: Self.bearer(token))
            #expect(hr.status == 401)
            #expect(((try hr.json()["error"] as? [String: Any])?["code"] as? String) == "PowerBINotAuthorizedException")
            #expect(try await client.get(Self.api + "/reports", headers: Self.bearer(token)).status == 404, "no My workspace")
        }
    }

    @Test func aRefreshIsAcceptedWithNoBodyAndSharedCapacityAllowsEightADay() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var headers = Self.bearer(token)
            headers["Content-Type"] = "application/json"
            func refresh(_ workspace: String, _ dataset: String, _ body: String) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", Self.api + "/groups/\(workspace)/datasets/\(dataset)/refreshes", headers: headers, body: Data(body.utf8))
            }
            let plain = try await refresh(PowerBIFake.marketing, PowerBIFake.campaigns, #"{"notifyOption":"NoNotification"}"#)
            #expect(plain.status == 202 && plain.body.isEmpty)
            #expect(plain.header("Location") == nil && plain.header("x-ms-request-id") == nil, "only an enhanced refresh names its id")
            let enhanced = try await refresh(PowerBIFake.marketing, PowerBIFake.campaigns, #"{"type":"Full","retryCount":2}"#)
            #expect(enhanced.status == 202)
            let id = try #require(enhanced.header("x-ms-request-id"))
            #expect(enhanced.header("Location")?.hasSuffix("/datasets/\(PowerBIFake.campaigns)/refreshes/\(id)") == true)

            let mail = try await refresh(PowerBIFake.marketing, PowerBIFake.campaigns, #"{"notifyOption":"MailOnFailure"}"#)
            #expect(mail.status == 400, "a service principal gets no mail")
            #expect(try await refresh(PowerBIFake.marketing, PowerBIFake.webAnalytics, #"{"notifyOption":"NoNotification"}"#).status == 400)
            let missing = try await refresh(PowerBIFake.marketing, "00000000-0000-0000-0000-000000000000", #"{"notifyOption":"NoNotification"}"#)
            #expect(try missing.status == 404 && ((missing.json()["error"] as? [String: Any])?["code"] as? String) == "ItemNotFound")
            #expect(
                try await refresh(PowerBIFake.sales, PowerBIFake.pipeline, #"{"type":"Full"}"#).status == 400,
                "no enhanced refresh on shared capacity")

            fake.recordScheduledRefreshes(dataset: PowerBIFake.pipeline, count: 7)
            #expect(try await refresh(PowerBIFake.sales, PowerBIFake.pipeline, #"{"notifyOption":"NoNotification"}"#).status == 202)
            #expect(
                try await refresh(PowerBIFake.sales, PowerBIFake.pipeline, #"{"notifyOption":"NoNotification"}"#).status == 400, "the ninth today")
            #expect(fake.refreshes.filter { $0.dataset == PowerBIFake.pipeline }.count == 8)
        }
    }

    @Test func daxRowsAreKeyedByColumnBlanksOnlyWhenAskedAndErrorsAre400() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var headers = Self.bearer(token)
            headers["Content-Type"] = "application/json"
            func query(_ object: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", Self.api + "/groups/\(PowerBIFake.marketing)/datasets/\(PowerBIFake.campaigns)/executeQueries", headers: headers,
                    body: try JSONSerialization.data(withJSONObject: object))
            }
            func rows(_ reply: HTTPTestClient.Reply) throws -> [[String: Any]]? {
                let result = (try reply.json()["results"] as? [[String: Any]])?.first
                return ((result?["tables"] as? [[String: Any]])?.first?["rows"]) as? [[String: Any]]
            }
            let top = try await query(["queries": [["query": "EVALUATE TOPN(2, 'Campaigns', 'Campaigns'[Spend], DESC)"]]])
            #expect(top.status == 200)
            #expect(try rows(top)?.compactMap { $0["Campaigns[Campaign]"] as? String } == ["Brand Awareness", "Spring Launch"])
            #expect(try rows(top)?.first?.keys.contains("Campaigns[Clicks]") == false, "blanks left out by default")
            let withNulls = try await query(["queries": [["query": "EVALUATE 'Campaigns'"]], "serializerSettings": ["includeNulls": true]])
            #expect(try rows(withNulls)?[2]["Campaigns[Clicks]"] is NSNull)
            #expect(try rows(withNulls)?.count == 4)

            let bad = try await query(["queries": [["query": "EVALUATE Nope"]]])
            #expect(try bad.status == 400 && ((bad.json()["error"] as? [String: Any])?["code"] as? String) == "DatasetExecuteQueriesError")
            #expect(try await query(["queries": [["query": "EVALUATE 'Campaigns'"], ["query": "EVALUATE 'Campaigns'"]]]).status == 400)

            fake.rowLimit = 3
            let cut = try await query(["queries": [["query": "EVALUATE 'Campaigns'"]]])
            #expect(try cut.status == 200 && (rows(cut))?.count == 3, "limited rows, still a 200")
            let table = ((try cut.json()["results"] as? [[String: Any]])?.first?["tables"] as? [[String: Any]])?.first
            #expect((table?["error"] as? [String: Any])?["message"] as? String == "More than 3 rows in a query result")

            fake.injectThrottle(calls: 1, retryAfter: 7)
            let limited = try await query(["queries": [["query": "EVALUATE 'Campaigns'"]]])
            #expect(limited.status == 429 && limited.header("Retry-After") == "7")
        }
    }
}
