import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Tableau definition run by the real runtime against `TableauFake`, which follows
/// Tableau's REST API reference (3.24, JSON): the session a PAT signed in to as the site and
/// user, views paged by `pageNumber`/`pageSize` with the sort and fields Tableau takes and no
/// page asked for past `totalAvailable` (Tableau refuses it with 400006), filters passed through
/// as Tableau writes them, workbooks and data sources mapped, and a view's data as CSV text.
@Suite struct TableauRuntimeTests {
    static let connector = "tableau"
    static let path = TableauFake.apiPath
    static let site = TableauFake.marketing.id
    static let sitePath = TableauFake.apiPath + "/sites/" + TableauFake.marketing.id

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    static func runtime(_ fake: TableauFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: fake.apiBaseURL])
    }

    /// A session token, signed in as Tableau's reference shows it: `POST /auth/signin` with the
    /// PAT and the site's contentUrl, the token in `credentials.token`.
    static func signIn(_ fake: TableauFake, _ pat: TableauFake.PersonalAccessToken = TableauFake.pat) async throws -> String {
        let body: [String: Any] = [
            "credentials": [
                "personalAccessTokenName": pat.name, "personalAccessTokenSecret": pat.secret, "site": ["contentUrl": pat.siteContentUrl],
            ]
        ]
        let reply = try await HTTPTestClient(baseURL: fake.baseURL).request(
            "POST", path + "/auth/signin", headers: ["Content-Type": "application/json", "Accept": "application/json"],
            body: try JSONSerialization.data(withJSONObject: body))
        try #require(reply.status == 200, "\(reply.text)")
        return try #require((try reply.json()["credentials"] as? [String: Any])?["token"] as? String)
    }

    /// Runs `body` with a started fake, a runtime pointed at it and a session token of `TableauFake.pat`.
    static func withTableau(_ body: (TableauFake, ConnectorRuntime, String) async throws -> Void) async throws {
        let fake = TableauFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try runtime(fake), try await signIn(fake)) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:], site: String? = TableauFake.marketing.id) -> ConnectorCall {
        ConnectorCall(
            connector: connector, action: action, input: .object(input), accountID: site,
            variables: ["serverHost": "prod-useast-b.online.tableau.com"])
    }

    static func run(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(call(action, input)) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? [] }
    static func names(_ output: JSONValue) -> [String] { items(output).compactMap { JSONPath.text($0["name"]) } }

    @Test func theSessionIsTheSiteAndTheUserThePATSignedInAs() async throws {
        try await Self.withTableau { fake, runtime, token in
            let session = try await runtime.execute(Self.call("session.current", site: nil)) { _ in .token(token) }
            #expect(
                session.output
                    == .object([
                        "id": .string(TableauFake.marketing.id), "name": .string("Marketing Analytics"), "contentUrl": .string("marketing"),
                        "userId": .string(TableauFake.pat.userID), "userName": .string("ada@contoso.com"), "siteRole": .string("Creator"),
                    ]))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/sessions/current")
            #expect(sent.header("X-Tableau-Auth") == token && sent.header("Accept") == "application/json")
            #expect(sent.header("Authorization") == nil, "the token goes in X-Tableau-Auth only")

            // The Default site's contentUrl is "": kept as it is, not dropped.
            let other = try await Self.signIn(fake, TableauFake.defaultSitePAT)
            let onDefault = try await runtime.execute(Self.call("session.current", site: nil)) { _ in .token(other) }
            #expect(onDefault.output["id"] == .string(TableauFake.defaultSite.id) && onDefault.output["contentUrl"] == .string(""))
            #expect(onDefault.output["siteRole"] == .string("Explorer"))
        }
    }

    @Test func everyViewIsReadInThreePagesNewestFirstWithTheFieldsAndSortTableauTakes() async throws {
        try await Self.withTableau { fake, runtime, token in
            let all = try await Self.run(runtime, "views.list", ["limit": .number(1000)], token: token)
            let views = Self.items(all.output)
            #expect(views.count == TableauFake.marketingViewCount && Set(views.compactMap { JSONPath.text($0["id"]) }).count == 250)
            #expect(all.pages == 3 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", Self.sitePath + "/views")
            #expect(reads.count == 3, "250 views: 100, 100, 50; no fourth page, which Tableau would refuse with 400006")
            #expect(reads.map { $0.queryItems["pageNumber"] } == [nil, ["2"], ["3"]])
            for read in reads {
                #expect(read.queryItems["pageSize"] == ["100"] && read.queryItems["fields"] == ["_default_"])
                #expect(read.queryItems["sort"] == ["updatedAt:desc"] && read.queryItems["filter"] == nil)
                #expect(read.header("X-Tableau-Auth") == token && read.header("Accept") == "application/json")
            }
            let updated = views.compactMap { JSONPath.text($0["updatedAt"]) }
            #expect(updated.count == 250 && updated == updated.sorted(by: >), "sort=updatedAt:desc")
            #expect(!views.contains { $0["id"] == .string(TableauFake.financeViewID) }, "only the site the call names")
            // The oldest change is the Campaign Overview dashboard: the definition's fields, nothing else.
            #expect(
                views.last
                    == .object([
                        "id": .string(TableauFake.campaignOverviewViewID), "name": .string("Campaign Overview"),
                        "contentUrl": .string("CampaignPerformance/sheets/CampaignOverview"),
                        "workbookId": .string(TableauFake.campaignWorkbookID), "updatedAt": .string("2024-03-01T00:00:00Z"),
                    ]))
        }
    }

    @Test func theLimitBoundsTheReadAndAFullLastPageEndsIt() async throws {
        try await Self.withTableau { fake, runtime, token in
            let reads = { fake.server.requests("GET", Self.sitePath + "/views").count }
            // No limit: the schema's default, 200 of 250.
            let byDefault = try await Self.run(runtime, "views.list", token: token)
            #expect(Self.items(byDefault.output).count == 200 && byDefault.pages == 2 && byDefault.output["truncated"] == .bool(true))
            #expect(reads() == 2)

            let some = try await Self.run(runtime, "views.list", ["limit": .number(150)], token: token)
            #expect(Self.items(some.output).count == 150 && some.pages == 2 && some.output["truncated"] == .bool(true))
            #expect(reads() == 4)

            let few = try await Self.run(runtime, "views.list", ["limit": .number(5)], token: token)
            #expect(Self.items(few.output).count == 5 && few.pages == 1 && few.output["truncated"] == .bool(true))
            #expect(reads() == 5)

            // Exactly 200 match (each view changed in its own minute from 00:00): the second page
            // is full and ends the read, as totalAvailable says.
            let cutoff = "updatedAt:lt:2024-03-01T03:20:00Z"
            let exact = try await Self.run(runtime, "views.list", ["filter": .string(cutoff), "limit": .number(1000)], token: token)
            #expect(Self.items(exact.output).count == 200 && exact.pages == 2 && exact.output["truncated"] == .bool(false))
            #expect(reads() == 7, "no third page: Tableau refuses a page past the end (400006)")
            #expect(fake.server.requests("GET", Self.sitePath + "/views").last?.queryItems["filter"] == [cutoff])
        }
    }

    @Test func filtersGoToTableauAsTheyAreWritten() async throws {
        try await Self.withTableau { fake, runtime, token in
            let campaign = try await Self.run(runtime, "views.list", ["filter": .string("name:eq:*Campaign*")], token: token)
            #expect(Self.names(campaign.output) == ["Campaign Funnel", "Campaign Spend by Region", "Campaign ROI", "Campaign Overview"])
            #expect(fake.apiRequests.last?.queryItems["filter"] == ["name:eq:*Campaign*"])
            #expect(fake.apiRequests.last?.queryItems["sort"] == ["updatedAt:desc"], "the definition's sort stays")

            let marketing = try await Self.run(runtime, "workbooks.list", ["filter": .string("projectName:eq:Marketing")], token: token)
            let workbooks = Self.items(marketing.output)
            #expect(workbooks.count == 9 && workbooks.allSatisfy { $0["project"] == .string("Marketing") })
            #expect(Self.names(marketing.output).prefix(3) == ["Campaign Performance", "Workbook 04", "Workbook 07"])
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == Self.sitePath + "/workbooks" && sent.queryItems["filter"] == ["projectName:eq:Marketing"])

            let both = try await Self.run(
                runtime, "workbooks.list", ["filter": .string("projectName:in:[Sales,Finance],tags:eq:featured")], token: token)
            #expect(Self.names(both.output) == ["Workbook 06", "Workbook 11", "Workbook 21"])
            #expect(fake.apiRequests.last?.queryItems["filter"] == ["projectName:in:[Sales,Finance],tags:eq:featured"])

            let extracts = try await Self.run(runtime, "datasources.list", ["filter": .string("type:eq:hyper")], token: token)
            #expect(Self.names(extracts.output) == ["Email Events", "Social Metrics"])
            #expect(fake.apiRequests.last?.queryItems["filter"] == ["type:eq:hyper"])
        }
    }

    @Test func workbooksAndDataSourcesAreMappedToTheDefinitionsFields() async throws {
        try await Self.withTableau { fake, runtime, token in
            let workbooks = try await Self.run(runtime, "workbooks.list", token: token)
            #expect(Self.items(workbooks.output).count == TableauFake.marketingWorkbookCount && workbooks.pages == 1)
            #expect(workbooks.output["truncated"] == .bool(false))
            #expect(
                Self.items(workbooks.output).first
                    == .object([
                        "id": .string(TableauFake.campaignWorkbookID), "name": .string("Campaign Performance"), "project": .string("Marketing"),
                        "webpageUrl": .string(fake.baseURL + "/#/site/marketing/workbooks/1204500"),
                        "updatedAt": .string("2024-02-10T00:00:00Z"),
                    ]))
            let listed = try #require(fake.apiRequests.last)
            #expect(listed.path == Self.sitePath + "/workbooks" && listed.queryItems["pageSize"] == ["100"])
            #expect(listed.queryItems["pageNumber"] == nil && listed.queryItems["filter"] == nil && listed.queryItems["sort"] == nil)
            #expect(listed.header("X-Tableau-Auth") == token)

            let sources = try await Self.run(runtime, "datasources.list", token: token)
            #expect(Self.items(sources.output).count == TableauFake.marketingDatasourceCount && sources.pages == 1)
            #expect(
                Self.items(sources.output).first
                    == .object([
                        "id": .string("5e100004-0000-4000-8004-100000000000"), "name": .string("Campaign Spend"), "type": .string("sqlserver"),
                        "project": .string("Marketing"), "updatedAt": .string("2024-02-20T00:00:00Z"),
                    ]))
            #expect(Self.items(sources.output).compactMap { JSONPath.text($0["project"]) }.prefix(3) == ["Marketing", "Sales", "Finance"])
            #expect(fake.apiRequests.last?.path == Self.sitePath + "/datasources")
        }
    }

    @Test func aViewsDataIsItsCSVTextAskedForAsCSV() async throws {
        try await Self.withTableau { fake, runtime, token in
            let view = TableauFake.campaignOverviewViewID
            let data = try await Self.run(runtime, "views.data", ["viewId": .string(view), "maxAge": .number(5)], token: token)
            let csv =
                [
                    "Region,Campaign,Spend,Clicks", #"East,Spring Launch,"$1,250.50",3400"#, "West,Summer Sale,$880.00,2100",
                    #"East,Brand Awareness,"$2,300.75",5120"#, "Central,Back to School,$640.00,1750",
                ].joined(separator: "\n") + "\n"
            #expect(data.output == .string(csv), "a body that is not JSON is returned as its text")
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "GET" && sent.path == Self.sitePath + "/views/\(view)/data")
            #expect(sent.header("Accept") == "text/csv", "the action's Accept replaces the connector's")
            #expect(sent.queryItems["maxAge"] == ["5"] && sent.header("X-Tableau-Auth") == token)

            let fresh = try await Self.run(runtime, "views.data", ["viewId": .string(view)], token: token)
            #expect(fresh.output == .string(csv))
            #expect(fake.apiRequests.last?.queryItems["maxAge"] == nil, "no maxAge unless asked")
        }
    }
}
