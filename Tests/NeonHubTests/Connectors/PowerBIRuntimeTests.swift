import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Power BI definition run by the real runtime against `PowerBIFake`, which follows the Power
/// BI REST API reference and the Microsoft identity platform: the service principal's bearer
/// token, workspaces paged by `$top`/`$skip` and filtered by `$filter`, reports and semantic models
/// of the workspace the call names, a refresh accepted with 202, a DAX query's rows, and Power
/// BI's refusals — an expired token, a workspace the app is not a member of, an unknown model,
/// the shared-capacity refresh limit, throttling — as the documented outcomes.
@Suite struct PowerBIRuntimeTests {
    static let connector = "power-bi"
    static let path = PowerBIFake.apiPath

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    static func runtime(_ fake: PowerBIFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: fake.apiBaseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withPowerBI(_ body: (PowerBIFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = PowerBIFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:], workspace: String? = nil) -> ConnectorCall {
        ConnectorCall(
            connector: connector, action: action, input: .object(input), accountID: workspace, variables: ["tenantId": PowerBIFake.tenantID])
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? output.arrayItems }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    @Test func theAppsTokenAndItsDefaultScopeAreWhatTheDefinitionAsksEntraFor() throws {
        let auth = try Self.definition().auth
        #expect(auth.type == "oauth2_client_credentials")
        #expect(auth.tokenUrl == "https://login.microsoftonline.com/{{vars.tenantId}}/oauth2/v2.0/token")
        #expect(auth.scopes == [PowerBIFake.scope], "https://learn.microsoft.com/en-us/power-bi/developer/embedded/embed-service-principal")
        #expect(try Self.definition().baseUrl == "https://api.powerbi.com/v1.0/myorg")
    }

    @Test func workspacesAreListedWithTheBearerTokenAndTheFilterPowerBITakes() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let all = try await runtime.execute(Self.call("groups.list")) { _ in .token(token) }
            let workspaces = Self.items(all.output)
            #expect(workspaces.compactMap { JSONPath.text($0["name"]) } == ["Marketing", "Sales Analytics", "Contoso Finance"])
            #expect(workspaces.first?["id"] == .string(PowerBIFake.marketing) && workspaces.first?["readOnly"] == .bool(false))
            #expect(workspaces.last?["readOnly"] == .bool(true))
            #expect(all.pages == 1 && all.output["truncated"] == .bool(false))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/groups")
            #expect(sent.header("Authorization") == "Bearer \(token)" && sent.header("Accept") == "application/json")
            #expect(sent.queryItems["$top"] == ["100"] && sent.queryItems["$skip"] == nil && sent.queryItems["$filter"] == nil)

            let some = try await runtime.execute(Self.call("groups.list", ["filter": .string("contains(name,'a') and isReadOnly eq false")])) {
                _ in .token(token)
            }
            #expect(Self.items(some.output).compactMap { JSONPath.text($0["name"]) } == ["Marketing", "Sales Analytics"])
            #expect(fake.apiRequests.last?.queryItems["$filter"] == ["contains(name,'a') and isReadOnly eq false"])
        }
    }

    @Test func workspacesArePagedBySkippingWhatWasReadUntilAShortPageOrTheLimit() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            fake.addWorkspaces(227)  // 230 in all
            let all = try await runtime.execute(Self.call("groups.list", ["limit": .number(1000)])) { _ in .token(token) }
            #expect(Self.items(all.output).count == 230 && all.pages == 3 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", Self.path + "/groups")
            #expect(reads.map { $0.queryItems["$skip"] } == [nil, ["100"], ["200"]])
            #expect(reads.allSatisfy { $0.queryItems["$top"] == ["100"] && $0.header("Authorization") == "Bearer \(token)" })
            #expect(Self.items(all.output).last?["name"] == .string("Workspace 226"))

            let bounded = try await runtime.execute(Self.call("groups.list", ["limit": .number(150)])) { _ in .token(token) }
            #expect(Self.items(bounded.output).count == 150 && bounded.pages == 2 && bounded.output["truncated"] == .bool(true))
        }
    }

    @Test func reportsAndModelsAreThoseOfTheWorkspaceTheCallNames() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let reports = try await runtime.execute(Self.call("reports.list", workspace: PowerBIFake.marketing)) { _ in .token(token) }
            let listed = reports.output.arrayItems
            #expect(listed.compactMap { JSONPath.text($0["name"]) } == ["Campaign Performance", "Monthly Invoices"])
            let campaign = try #require(listed.first)
            #expect(campaign["id"] == .string("5b218778-e7a5-4d73-8187-f10824047715") && campaign["datasetId"] == .string(PowerBIFake.campaigns))
            #expect(campaign["reportType"] == .string("PowerBIReport"))
            #expect(JSONPath.text(campaign["webUrl"])?.hasPrefix("https://app.powerbi.com/groups/\(PowerBIFake.marketing)/reports/") == true)
            #expect(JSONPath.text(campaign["embedUrl"])?.hasPrefix("https://app.powerbi.com/reportEmbed?reportId=") == true)
            #expect(listed.last?["datasetId"] == nil && listed.last?["reportType"] == .string("PaginatedReport"), "a paginated report has no model")
            #expect(fake.apiRequests.last?.path == Self.path + "/groups/\(PowerBIFake.marketing)/reports", "never My workspace's /reports")

            let models = try await runtime.execute(Self.call("datasets.list", workspace: PowerBIFake.marketing)) { _ in .token(token) }
            #expect(
                models.output.arrayItems.first
                    == .object([
                        "id": .string(PowerBIFake.campaigns), "name": .string("Campaigns"), "isRefreshable": .bool(true),
                        "configuredBy": .string("ada@contoso.com"),
                        "webUrl": .string("https://app.powerbi.com/groups/\(PowerBIFake.marketing)/datasets/\(PowerBIFake.campaigns)"),
                    ]))
            #expect(models.output.arrayItems.last?["isRefreshable"] == .bool(false))
            #expect(fake.apiRequests.last?.path == Self.path + "/groups/\(PowerBIFake.marketing)/datasets")
        }
    }

    @Test func aRefreshIsQueuedWithoutMailAndAcceptedWith202() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let queued = try await runtime.execute(
                Self.call("datasets.refresh", ["datasetId": .string(PowerBIFake.campaigns)], workspace: PowerBIFake.marketing)
            ) {
                _ in .token(token)
            }
            #expect(queued.output == .null, "a 202 with no body")
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "POST" && sent.path == Self.path + "/groups/\(PowerBIFake.marketing)/datasets/\(PowerBIFake.campaigns)/refreshes")
            #expect(Self.body(sent) == .object(["notifyOption": .string("NoNotification")]))
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(fake.refreshes.count == 1 && fake.refreshes.first?.enhanced == false)

            // A model Power BI cannot refresh (DirectQuery), and one that is not there: refused, not retried.
            let before = fake.apiRequests.count
            let directQuery = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("datasets.refresh", ["datasetId": .string(PowerBIFake.webAnalytics)], workspace: PowerBIFake.marketing)
                ) {
                    _ in .token(token)
                }
            }
            #expect(directQuery?.code == .providerRejected && directQuery?.providerCode == "InvalidRequest")
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("datasets.refresh", ["datasetId": .string("00000000-0000-4000-8000-000000000000")], workspace: PowerBIFake.marketing)
                ) { _ in .token(token) }
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "ItemNotFound")
            #expect(missing?.message.contains("is not found") == true, "\(missing?.message ?? "")")
            #expect(fake.apiRequests.count == before + 2)
        }
    }

    @Test func theNinthRefreshOfADayOnSharedCapacityIsRefusedForGood() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            fake.recordScheduledRefreshes(dataset: PowerBIFake.pipeline, count: 7)
            let call = Self.call("datasets.refresh", ["datasetId": .string(PowerBIFake.pipeline)], workspace: PowerBIFake.sales)
            _ = try await runtime.execute(call) { _ in .token(token) }
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(call) { _ in .token(token) }
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "InvalidRequest")
            #expect(fake.refreshes.filter { $0.dataset == PowerBIFake.pipeline }.count == 8)
        }
    }

    @Test func aDAXQueryAnswersItsRowsWithBlanksIncludedByDefault() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let input: [String: JSONValue] = ["datasetId": .string(PowerBIFake.campaigns), "query": .string("EVALUATE 'Campaigns'")]
            let all = try await runtime.execute(Self.call("datasets.executeQueries", input, workspace: PowerBIFake.marketing)) { _ in .token(token) }
            let rows = all.output.arrayItems
            #expect(rows.count == 4)
            #expect(
                rows.first
                    == .object([
                        "Campaigns[Campaign]": .string("Spring Launch"), "Campaigns[Channel]": .string("Social"), "Campaigns[Spend]": .number(1250.5),
                        "Campaigns[Clicks]": .number(3400),
                    ]))
            #expect(rows[2]["Campaigns[Clicks]"] == .null, "includeNulls: true by default in the definition")
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == Self.path + "/groups/\(PowerBIFake.marketing)/datasets/\(PowerBIFake.campaigns)/executeQueries")
            #expect(
                Self.body(sent)
                    == .object([
                        "queries": .array([.object(["query": .string("EVALUATE 'Campaigns'")])]),
                        "serializerSettings": .object(["includeNulls": .bool(true)]),
                    ]))

            var top = input
            top["query"] = .string("EVALUATE TOPN(1, 'Campaigns', 'Campaigns'[Spend], DESC)")
            top["includeNulls"] = .bool(false)
            let best = try await runtime.execute(Self.call("datasets.executeQueries", top, workspace: PowerBIFake.marketing)) { _ in .token(token) }
            #expect(best.output.arrayItems.count == 1 && best.output.arrayItems.first?["Campaigns[Campaign]"] == .string("Brand Awareness"))
            #expect(best.output.arrayItems.first?["Campaigns[Clicks]"] == nil, "a blank left out")

            let before = fake.apiRequests.count
            var wrong = input
            wrong["query"] = .string("EVALUATE 'Nope'")
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("datasets.executeQueries", wrong, workspace: PowerBIFake.marketing)) { _ in .token(token) }
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "DatasetExecuteQueriesError")
            #expect(fake.apiRequests.count == before + 1, "a DAX error is not retried")
        }
    }

    @Test func anExpiredTokenIsAnAuthenticationErrorThatNamesNoToken() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            fake.expire(token: token)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("groups.list")) { _ in .token(token) }
            }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "TokenExpired")
            #expect(refused?.message.contains(token) == false)
            #expect(fake.apiRequests.count == 1, "not retried with the same token")

            // A token for another resource: 401 with no body, an authentication error too.
            let graph = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("groups.list")) { _ in .token("eyJ.not-for-power-bi") }
            }
            #expect(graph?.code == .providerAuth)
        }
    }

    @Test func aWorkspaceTheAppIsNotAMemberOfIsRefusedAsNotAuthorized() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("datasets.list", workspace: PowerBIFake.hr)) { _ in .token(token) }
            }
            #expect(refused?.providerCode == "PowerBINotAuthorizedException")
            #expect(refused?.code == .providerAuth, "the definition lists it among authCodes")
            #expect(fake.apiRequests.count == 1)
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrSurfacedAsARateLimit() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            fake.injectThrottle(calls: 1, retryAfter: 1)
            let retried = try await runtime.execute(Self.call("reports.list", workspace: PowerBIFake.sales)) { _ in .token(token) }
            #expect(retried.attempts == 2 && retried.output.arrayItems.count == 1)
            let reads = fake.server.requests("GET", Self.path + "/groups/\(PowerBIFake.sales)/reports")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectThrottle(calls: 1, retryAfter: 600)  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("reports.list", workspace: PowerBIFake.sales)) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }
}
