import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// LinkedIn's ad actions (ad accounts, campaigns, ads reporting) of the `linkedin` definition
/// run by the real runtime against `LinkedInAdsFake`, which follows LinkedIn's Marketing API
/// pages: versioned headers, Rest.li 2.0 query values, pageToken paging, draft creation with
/// the id in `x-restli-id`, PARTIAL_UPDATE status changes, analytics by date range.
@Suite struct LinkedInCampaignsRuntimeTests {
    func withAds(_ body: (LinkedInAdsFake, ConnectorRuntime, String) async throws -> Void) async throws {
        let fake = LinkedInAdsFake()
        try fake.start()
        do {
            try await body(fake, try GoogleConnectorTestSupport.runtime("linkedin", base: fake.baseURL), fake.issue())
            await fake.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            throw error
        }
    }

    static func call(_ action: String, _ input: JSONValue) -> ConnectorCall {
        ConnectorCall(connector: "linkedin", action: action, input: input, accountID: "urn:li:organization:2414183")
    }

    @Test func adAccountsAndCampaignsAreSearchedWithRestliValuesAndPageTokens() async throws {
        try await withAds { fake, runtime, token in
            fake.pageSize = 1
            let accounts = try await runtime.execute(Self.call("adAccounts.search", .object([:]))) { _ in .token(token) }
            #expect(GoogleConnectorTestSupport.items(accounts.output).compactMap { $0["id"] } == [.number(507_404_993), .number(507_404_994)])
            #expect(accounts.pages == 2)
            let sent = fake.requests
            #expect(sent[0].method == "GET" && sent[0].path == "/rest/adAccounts")
            #expect(sent[0].query == "pageSize=100&q=search&search=(status:(values:List(ACTIVE)))")
            #expect(sent[1].query == "pageSize=100&pageToken=acct-1&q=search&search=(status:(values:List(ACTIVE)))")
            #expect(
                sent.allSatisfy {
                    $0.header("LinkedIn-Version") == "202603" && $0.header("X-Restli-Protocol-Version") == "2.0.0"
                        && $0.header("Authorization") == "Bearer \(token)"
                })

            let paused = try await runtime.execute(
                Self.call("campaigns.search", .object(["adAccountId": .string("507404993"), "status": .string("PAUSED")]))
            ) { _ in .token(token) }
            let items = GoogleConnectorTestSupport.items(paused.output)
            #expect(items.compactMap { JSONPath.text($0["name"]) } == ["Winter blend"])
            #expect(items.first?["dailyBudget"] == .object(["amount": .string("50.00"), "currencyCode": .string("USD")]))
            #expect(fake.requests.last?.path == "/rest/adAccounts/507404993/adCampaigns")
            #expect(fake.requests.last?.query == "pageSize=100&q=search&search=(status:(values:List(PAUSED)))")
        }
    }

    @Test func aCampaignIsCreatedAsADraftThenPausedAndResumed() async throws {
        try await withAds { fake, runtime, token in
            let input: JSONValue = .object([
                "adAccountId": .string("507404993"), "campaignGroupId": .string("615383013"), "name": .string("Spring roast awareness"),
                "dailyBudget": .string("50.00"), "unitCost": .string("8.00"), "currencyCode": .string("USD"), "startAt": .number(1_798_761_600_000),
                "locationUrn": .string("urn:li:geo:103644278"),
            ])
            let created = try await runtime.execute(Self.call("campaigns.create", input)) { _ in .token(token) }
            let id = try #require(JSONPath.text(created.output["id"]).flatMap(Int.init))
            #expect(fake.campaign(id)?.status == "DRAFT")
            let sent = try #require(fake.requests.last)
            #expect(
                sent.method == "POST" && sent.path == "/rest/adAccounts/507404993/adCampaigns" && sent.header("Content-Type") == "application/json")
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "account": .string("urn:li:sponsoredAccount:507404993"), "campaignGroup": .string("urn:li:sponsoredCampaignGroup:615383013"),
                        "name": .string("Spring roast awareness"), "type": .string("SPONSORED_UPDATES"), "costType": .string("CPM"),
                        "objectiveType": .string("BRAND_AWARENESS"),
                        "dailyBudget": .object(["amount": .string("50.00"), "currencyCode": .string("USD")]),
                        "unitCost": .object(["amount": .string("8.00"), "currencyCode": .string("USD")]),
                        "locale": .object(["country": .string("US"), "language": .string("en")]),
                        "runSchedule": .object(["start": .number(1_798_761_600_000)]),
                        "targetingCriteria": .object([
                            "include": .object([
                                "and": .array([
                                    .object(["or": .object(["urn:li:adTargetingFacet:locations": .array([.string("urn:li:geo:103644278")])])])
                                ])
                            ])
                        ]),
                        "offsiteDeliveryEnabled": .bool(false), "politicalIntent": .string("NOT_POLITICAL"), "status": .string("DRAFT"),
                    ]))

            for status in ["PAUSED", "ACTIVE"] {
                let result = try await runtime.execute(
                    Self.call(
                        "campaigns.setStatus",
                        .object(["adAccountId": .string("507404993"), "campaignId": .string("403257443"), "status": .string(status)]))
                ) { _ in .token(token) }
                #expect(result.attempts == 1)
                let update = try #require(fake.requests.last)
                #expect(update.method == "POST" && update.path == "/rest/adAccounts/507404993/adCampaigns/403257443")
                #expect(update.header("X-RestLi-Method") == "PARTIAL_UPDATE")
                #expect(try JSONValue.parse(update.body) == .object(["patch": .object(["$set": .object(["status": .string(status)])])]))
                #expect(fake.campaign(403_257_443)?.status == status)
            }

            // A campaign of another account is LinkedIn's 404, permanent.
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "campaigns.setStatus",
                        .object(["adAccountId": .string("507404994"), "campaignId": .string("403257443"), "status": .string("PAUSED")]))
                ) { _ in .token(token) }
            }
            #expect(missing?.code == .providerRejected)
        }
    }

    @Test func analyticsSendTheRestliDateRangeAndEncodedCampaignURN() async throws {
        try await withAds { fake, runtime, token in
            let result = try await runtime.execute(
                Self.call(
                    "campaigns.analytics",
                    .object([
                        "campaignUrn": .string("urn:li:sponsoredCampaign:403257443"),
                        "start": .object(["year": .number(2026), "month": .number(11), "day": .number(1)]),
                        "end": .object(["year": .number(2026), "month": .number(11), "day": .number(3)]),
                    ]))
            ) { _ in .token(token) }
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/rest/adAnalytics")
            #expect(
                sent.query
                    == "campaigns=List(urn%3Ali%3AsponsoredCampaign%3A403257443)&dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:3))&fields=impressions,clicks,costInLocalCurrency,externalWebsiteConversions,dateRange,pivotValues&pivot=CAMPAIGN&q=analytics&timeGranularity=DAILY"
            )
            guard case .array(let days) = result.output else {
                Issue.record("not a list: \(result.output)")
                return
            }
            #expect(days.count == 3)
            #expect(days[0]["campaign"] == .string("urn:li:sponsoredCampaign:403257443"))
            #expect(days[0]["cost"] == .string("50.00") && days[0]["impressions"] == .number(1500))
            #expect(days[2]["dateRange"]?["start"] == .object(["year": .number(2026), "month": .number(11), "day": .number(3)]))
        }
    }

    @Test func refusedTokensMissingScopesAndThrottlingAreClassified() async throws {
        try await withAds { fake, runtime, token in
            let unknown = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("adAccounts.search", .object([:]))) { _ in .token("AQV-not-issued") }
            }
            #expect(unknown?.code == .providerAuth && unknown?.providerCode == "INVALID_ACCESS_TOKEN")
            let reader = fake.issue(scopes: ["r_ads"])
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "campaigns.analytics",
                        .object([
                            "campaignUrn": .string("urn:li:sponsoredCampaign:403257443"),
                            "start": .object(["year": .number(2026), "month": .number(11), "day": .number(1)]),
                            "end": .object(["year": .number(2026), "month": .number(11), "day": .number(1)]),
                        ]))
                ) { _ in .token(reader) }
            }
            #expect(denied?.code == .providerRejected && denied?.providerCode == "ACCESS_DENIED", "r_ads_reporting is needed")
            fake.failNext(
                LinkedInFake.LinkedInError(
                    status: 429, serviceErrorCode: 101, code: "TOO_MANY_REQUESTS",
                    message: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."))
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "campaigns.setStatus",
                        .object(["adAccountId": .string("507404993"), "campaignId": .string("403257443"), "status": .string("PAUSED")]))
                ) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "TOO_MANY_REQUESTS")
            #expect(fake.campaign(403_257_443)?.status == "ACTIVE", "a throttled write changed nothing and was not repeated")
        }
    }

    @Test func anAgentRunReadsCampaignAnalyticsThroughTheConnectorActionTool() async throws {
        try await withAds { fake, runtime, token in
            let actions = RuntimeConnectorActions(runtime: runtime, token: token, connector: "linkedin")
            let toolbox = RecordingToolbox(
                tenantID: "tenant-li-ads",
                answers: [
                    #"{"tool":"connector.action","input":{"connector":"linkedin","action":"campaigns.analytics","input":{"campaignUrn":"urn:li:sponsoredCampaign:403257443","start":{"year":2026,"month":11,"day":1},"end":{"year":2026,"month":11,"day":2}}}}"#,
                    #"{"final":"Impressions grew day over day."}"#,
                ])
            let assistant = try #require(AgentCatalog.agents(connectorActions: actions).first { $0 is AssistantAgent })
            let answer = try await assistant.run(.object(["question": .string("How is the spring campaign doing?")]), intent: "ask", toolbox: toolbox)
            #expect(answer["answer"] == .string("Impressions grew day over day."))
            let calls = toolbox.calls.filter { $0.tool == "connector.action" }
            #expect(calls.count == 1 && calls.first?.error == nil)
            guard case .array(let days)? = calls.first?.output else {
                Issue.record("no rows recorded")
                return
            }
            #expect(days.count == 2)
            #expect(fake.requests.map(\.path) == ["/rest/adAnalytics"])
        }
    }
}
