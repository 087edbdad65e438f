import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Google Ads definition (and its flows) run by the real runtime against the Google Ads
/// fake, which follows Google's REST reference: every request checked field by field, search
/// paging by a token in the body, searchStream batches joined, partial failures reported per
/// operation, errors classified by their GoogleAdsFailure errorCode family.
@Suite struct GoogleAdsRuntimeTests {
    typealias Support = GoogleAdsTestSupport

    @Test func accessibleCustomersAreTheAccountsWithTheDocumentedHeaders() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog["google-ads"]?.definition.accounts?.action == "customers.list")
            #expect(catalog["google-ads"]?.definition.baseUrl == "https://googleads.googleapis.com/v26")
            let listed = try await runtime.execute(Support.call("customers.list", customer: nil)) { _ in .token(tokens.accessToken) }
            #expect(
                listed.output["items"]
                    == .array([
                        .object(["id": .string("1234567890"), "resourceName": .string("customers/1234567890")]),
                        .object(["id": .string("5550001111"), "resourceName": .string("customers/5550001111")]),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/v26/customers:listAccessibleCustomers" && sent.query == nil && sent.body.isEmpty)
            #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(sent.header("developer-token") == Support.developerToken)
            #expect(sent.header("login-customer-id") == nil, "no manager variable: the header is left out")

            // A client account is reached through its manager named in login-customer-id.
            let direct = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("customer.get", customer: "9876543210")) { _ in .token(tokens.accessToken) }
            }
            #expect(direct?.providerCode == "authorizationError.USER_PERMISSION_DENIED")
            #expect(direct?.message.contains("loginCustomerId") == true, "the explanation says what to set")
            let managed = try await runtime.execute(
                Support.call("customer.get", customer: "9876543210", variables: ["loginCustomerId": "5550001111"])
            ) { _ in .token(tokens.accessToken) }
            #expect(
                managed.output
                    == .object([
                        "id": .string("9876543210"), "name": .string("Example Coffee"), "currency": .string("USD"),
                        "timeZone": .string("America/Los_Angeles"), "manager": .bool(false), "testAccount": .bool(true),
                    ]))
            let last = try #require(fake.requests.last)
            #expect(last.header("login-customer-id") == "5550001111")
            #expect(last.path == "/v26/customers/9876543210/googleAds:search" && last.header("Content-Type") == "application/json")
            #expect(
                try Support.body(last)
                    == .object([
                        "query": .string(
                            "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, customer.manager, customer.test_account FROM customer"
                        )
                    ]))
        }
    }

    @Test func searchPagesWithTheTokenInTheBody() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            fake.searchPageSize = 1
            let result = try await runtime.execute(Support.call("campaigns.list")) { _ in .token(tokens.accessToken) }
            #expect(result.pages == 2)
            let items = GoogleConnectorTestSupport.items(result.output)
            #expect(items.compactMap { JSONPath.text($0["id"]) } == ["20000000001", "20000000002"], "removed campaigns left out")
            #expect(
                items[0]
                    == .object([
                        "id": .string("20000000001"), "name": .string("Spring Search"), "status": .string("ENABLED"), "channel": .string("SEARCH"),
                        "budget": .string("customers/1234567890/campaignBudgets/30000000001"), "budgetMicros": .string("50000000"),
                        "resourceName": .string("customers/1234567890/campaigns/20000000001"),
                    ]))
            let sent = fake.requests
            #expect(
                sent.count == 2
                    && sent.allSatisfy { $0.method == "POST" && $0.path == "/v26/customers/1234567890/googleAds:search" && $0.query == nil })
            let first = try Support.body(sent[0]), second = try Support.body(sent[1])
            #expect(first["pageToken"] == nil && first["pageSize"] == nil)
            #expect(second["query"] == first["query"])
            #expect(JSONPath.text(second["pageToken"])?.hasPrefix("GA.1.") == true, "the nextPageToken went back in the body")

            // The generic search keeps totalResultsCount and bounds the read by limit.
            let generic = try await runtime.execute(
                Support.call(
                    "googleAds.search",
                    .object(["query": .string("SELECT campaign.id FROM campaign"), "returnTotalResultsCount": .bool(true), "limit": .number(2)]))
            ) { _ in .token(tokens.accessToken) }
            #expect(GoogleConnectorTestSupport.items(generic.output).count == 2)
            #expect(generic.output["truncated"] == .bool(true), "three campaigns, two read")
            #expect(generic.output["totalResultsCount"] == .string("3"))
            #expect(try Support.body(fake.requests[2])["returnTotalResultsCount"] == .bool(true))
        }
    }

    @Test func reportsRenderValidatedDatesAndJoinEveryBatch() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            fake.streamBatchSize = 2
            let range: JSONValue = .object(["startDate": .string("2026-11-01"), "endDate": .string("2026-11-03")])
            let campaigns = try await runtime.execute(Support.call("campaigns.metrics", range)) { _ in .token(tokens.accessToken) }
            guard case .array(let rows) = campaigns.output else {
                Issue.record("not a list: \(campaigns.output)")
                return
            }
            #expect(rows.count == 9, "3 campaigns × 3 days, from 5 batches of 2")
            #expect(Set(rows.compactMap { JSONPath.text($0["date"]) }) == ["2026-11-01", "2026-11-02", "2026-11-03"])
            #expect(rows.allSatisfy { JSONPath.text($0["costMicros"]).flatMap(Int.init) != nil && $0["clicks"] != nil && $0["ctr"] != nil })
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == "/v26/customers/1234567890/googleAds:searchStream")
            #expect(
                try Support.body(sent)
                    == .object([
                        "query": .string(
                            "SELECT campaign.id, campaign.name, campaign.status, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.ctr, metrics.average_cpc FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-03' ORDER BY segments.date"
                        )
                    ]))

            let groups = try await runtime.execute(Support.call("adGroups.metrics", range)) { _ in .token(tokens.accessToken) }
            guard case .array(let groupRows) = groups.output else { return }
            #expect(groupRows.count == 18, "two ad groups per campaign")
            #expect(groupRows.first?["adGroupName"] == .string("Spring Search group 1"))
            let keywords = try await runtime.execute(Support.call("keywords.metrics", range)) { _ in .token(tokens.accessToken) }
            guard case .array(let keywordRows) = keywords.output else { return }
            #expect(keywordRows.count == 36)
            #expect(Set(keywordRows.compactMap { JSONPath.text($0["matchType"]) }) == ["PHRASE", "BROAD"])
            #expect(keywordRows.first?["keyword"] == .string("espresso beans"))

            // Input that is not a date never reaches the query.
            let before = fake.requests.count
            for bad in ["2026-11-01' OR campaign.id > '0", "2026-13-01", "yesterday"] {
                let refused = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(
                        Support.call("campaigns.metrics", .object(["startDate": .string(bad), "endDate": .string("2026-11-03")]))
                    ) { _ in .token(tokens.accessToken) }
                }
                #expect(refused?.code == .invalidInput)
            }
            #expect(fake.requests.count == before)
        }
    }

    @Test func statusChangesReportEveryOperationOfAPartialFailure() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            let changes: JSONValue = .array([
                .object(["campaignId": .string("20000000001"), "status": .string("PAUSED")]),
                .object(["campaignId": .string("29999999999"), "status": .string("PAUSED")]),
                .object(["campaignId": .string("20000000002"), "status": .string("ENABLED")]),
            ])
            let result = try await runtime.execute(Support.call("campaigns.setStatus", .object(["changes": changes]))) { _ in
                .token(tokens.accessToken)
            }
            let sent = try #require(fake.mutateRequests.first)
            #expect(fake.mutateRequests.count == 1)
            #expect(sent.path == "/v26/customers/1234567890/campaigns:mutate" && sent.header("developer-token") == Support.developerToken)
            #expect(
                try Support.body(sent)
                    == .object([
                        "operations": .array(
                            [("20000000001", "PAUSED"), ("29999999999", "PAUSED"), ("20000000002", "ENABLED")].map {
                                (id: String, status: String) -> JSONValue in
                                .object([
                                    "updateMask": .string("status"),
                                    "update": .object(["resourceName": .string("customers/1234567890/campaigns/\(id)"), "status": .string(status)]),
                                ])
                            }),
                        "partialFailure": .bool(true), "validateOnly": .bool(false), "responseContentType": .string("RESOURCE_NAME_ONLY"),
                    ]))
            #expect(result.output["succeeded"] == .number(2) && result.output["failed"] == .number(1))
            #expect(result.output["id"] == .string("customers/1234567890/campaigns/20000000001"))
            guard case .array(let outcomes)? = result.output["results"] else {
                Issue.record("no results")
                return
            }
            #expect(outcomes[0]["resourceName"] == .string("customers/1234567890/campaigns/20000000001"))
            #expect(outcomes[1]["errorCode"] == .string("mutateError.RESOURCE_NOT_FOUND"))
            #expect(outcomes[1]["campaignId"] == .string("29999999999") && outcomes[1]["resourceName"] == nil)
            #expect(outcomes[2]["resourceName"] == .string("customers/1234567890/campaigns/20000000002"))
            #expect(fake.campaign("20000000001")?.status == "PAUSED" && fake.campaign("20000000002")?.status == "ENABLED")

            // The first operation failing (proto3 JSON leaves its index 0 out) and nothing else: the call fails.
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Support.call(
                        "campaigns.setStatus",
                        .object(["changes": .array([.object(["campaignId": .string("20000000003"), "status": .string("ENABLED")])])]))
                ) { _ in .token(tokens.accessToken) }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "campaignError.CANNOT_MODIFY_REMOVED_CAMPAIGN")

            // validateOnly: checked by Google, nothing changed.
            let validated = try await runtime.execute(
                Support.call(
                    "campaigns.setStatus",
                    .object([
                        "changes": .array([.object(["campaignId": .string("20000000001"), "status": .string("ENABLED")])]),
                        "validateOnly": .bool(true),
                    ])
                )
            ) { _ in .token(tokens.accessToken) }
            #expect(validated.output["validateOnly"] == .bool(true) && validated.output["failed"] == .number(0))
            #expect(fake.campaign("20000000001")?.status == "PAUSED")
        }
    }

    @Test func budgetChangesSendAmountMicrosAsInt64Strings() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            let result = try await runtime.execute(
                Support.call(
                    "campaignBudgets.setAmount",
                    .object([
                        "changes": .array([
                            .object(["budgetId": .string("30000000001"), "amountMicros": .number(75_000_000)]),
                            .object(["budgetId": .string("30000000002"), "amountMicros": .number(12_345_678)]),
                        ])
                    ]))
            ) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.mutateRequests.last)
            #expect(sent.path == "/v26/customers/1234567890/campaignBudgets:mutate")
            guard case .array(let operations)? = try Support.body(sent)["operations"] else {
                Issue.record("no operations")
                return
            }
            #expect(
                operations[0]
                    == .object([
                        "updateMask": .string("amountMicros"),
                        "update": .object([
                            "resourceName": .string("customers/1234567890/campaignBudgets/30000000001"), "amountMicros": .string("75000000"),
                        ]),
                    ]))
            #expect(fake.budget("30000000001") == 75_000_000)
            #expect(fake.budget("30000000002") == 40_000_000, "not a multiple of the currency unit: unchanged")
            guard case .array(let outcomes)? = result.output["results"], outcomes.count == 2 else {
                Issue.record("no results: \(result.output)")
                return
            }
            #expect(outcomes[1]["errorCode"] == .string("campaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT"))
            #expect(fake.operationsUsed == 2, "a mutate counts its operations")
        }
    }

    @Test func errorsAreClassifiedByTheirErrorCodeFamily() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            // An expired token is refreshed once through Google's token endpoint, then the call succeeds.
            fake.oauth.expire(accessToken: tokens.accessToken)
            let credentials = try GoogleConnectorTestSupport.credentials("google-ads", oauth: fake.oauth, tokens: tokens)
            let refreshed = try await runtime.execute(Support.call("customers.listAccessible", customer: nil), credentials: credentials)
            #expect(refreshed.output["resourceNames"] == .array([.string("customers/1234567890"), .string("customers/5550001111")]))
            #expect(fake.requests.filter { $0.path.hasSuffix(":listAccessibleCustomers") }.count == 2)
            let renewed = try #require(fake.requests.last?.header("Authorization"))
            #expect(renewed != "Bearer \(tokens.accessToken)")
            let fresh = fake.oauth.issueTokens(scopes: [GoogleAdsFake.scope]).accessToken

            // A refused token that cannot be refreshed is an auth error with Google's code.
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("customers.listAccessible", customer: nil)) { _ in .token(tokens.accessToken) }
            }
            #expect(expired?.code == .providerAuth && expired?.providerCode == "authenticationError.OAUTH_TOKEN_EXPIRED")

            // A short-term quota: rate limited, with the reset time from quotaErrorDetails.retryDelay.
            fake.failNext(.quota(retryDelay: "12s"))
            let sentAt = Date()
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("campaigns.list")) { _ in .token(fresh) }
            }
            let answeredBy = Date()
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED")
            #expect(limited?.retryAfterSeconds.map { (11...12).contains($0) } == true)
            // 12 s after a moment between the call and its answer.
            let resetAt = limited?.resetAt ?? .distantPast
            #expect(resetAt > sentAt.addingTimeInterval(11.5) && resetAt <= answeredBy.addingTimeInterval(12.5))
            fake.failNext(.quota("RESOURCE_EXHAUSTED", retryDelay: nil), calls: 4)  // no retryDelay: a read is retried 3 times
            let daily = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("customer.get")) { _ in .token(fresh) }
            }
            #expect(daily?.code == .providerRateLimited && daily?.providerCode == "quotaError.RESOURCE_EXHAUSTED")

            // A query error is permanent, with Google's code and message.
            let query = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("googleAds.search", .object(["query": .string("SELECT campaign.nme FROM campaign")]))) { _ in
                    .token(fresh)
                }
            }
            #expect(query?.code == .providerRejected && query?.providerCode == "queryError.UNRECOGNIZED_FIELD")
            #expect(query?.message.contains("campaign.nme") == true)

            // An internal error is retried (a read), then answered.
            fake.failNext(.internalError)
            let retried = try await runtime.execute(Support.call("customer.get")) { _ in .token(fresh) }
            #expect(retried.attempts == 2 && retried.output["id"] == .string("1234567890"))
        }
    }

    @Test func theDeveloperTokenIsRequiredAndNeverShown() async throws {
        try await Support.withGoogleAds { fake, _, tokens in
            let bare = try Support.runtime(fake, developerToken: nil)
            let missing = await #expect(throws: ConnectorError.self) {
                try await bare.execute(Support.call("customers.listAccessible", customer: nil)) { _ in .token(tokens.accessToken) }
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "requestError.DEVELOPER_TOKEN_PARAMETER_MISSING")
            #expect(fake.requests.last?.header("developer-token") == nil)

            // An error that echoes the developer token does not show it.
            let runtime = try Support.runtime(fake)
            fake.failNext(
                .invalidArgument([
                    GoogleAdsError(family: "requestError", code: "INVALID_INPUT", message: "bad token \(Support.developerToken) in request")
                ]))
            let echoed = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Support.call("customer.get")) { _ in .token(tokens.accessToken) }
            }
            #expect(echoed?.message.contains(Support.developerToken) == false)
            #expect(echoed?.message.contains("bad token") == true)
        }
    }

    @Test func anAgentRunReadsCampaignPerformanceThroughTheConnectorActionTool() async throws {
        try await Support.withGoogleAds { fake, runtime, tokens in
            let actions = RuntimeConnectorActions(runtime: runtime, token: tokens.accessToken, connector: "google-ads")
            let toolbox = RecordingToolbox(
                tenantID: "tenant-ads",
                answers: [
                    #"{"tool":"connector.action","input":{"connector":"google-ads","action":"campaigns.metrics","accountId":"1234567890","input":{"startDate":"2026-11-01","endDate":"2026-11-02"}}}"#,
                    #"{"final":"Spring Search leads on clicks."}"#,
                ])
            let assistant = try #require(AgentCatalog.agents(connectorActions: actions).first { $0 is AssistantAgent })
            let answer = try await assistant.run(
                .object(["question": .string("How did our campaigns do in early November?")]), intent: "ask", toolbox: toolbox)
            #expect(answer["answer"] == .string("Spring Search leads on clicks."))
            let calls = toolbox.calls.filter { $0.tool == "connector.action" }
            #expect(calls.count == 1)
            #expect(calls.first?.error == nil)
            guard case .array(let rows)? = calls.first?.output else {
                Issue.record("the run recorded no rows: \(String(describing: calls.first?.output))")
                return
            }
            #expect(rows.count == 6, "3 campaigns × 2 days recorded in the run")
            #expect(fake.requests.map(\.path) == ["/v26/customers/1234567890/googleAds:searchStream"])
        }
    }
}
