import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The GA4 definition run by the real runtime against the GA4 fake (Admin and Data APIs on two
/// loopback hosts, following Google's reference) and the Google OAuth fake: what the catalog
/// sends must be what Google accepts, field by field.
@Suite struct GA4RuntimeTests {
    static let scope = "https://www.googleapis.com/auth/analytics.readonly"
    static let adminHost = "https://analyticsadmin.googleapis.com"

    /// Runs `body` with started fakes, a runtime pointed at both GA4 hosts and a token.
    func withGA4(_ body: (GA4Fake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GA4Fake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("ga4", base: fake.data.baseURL, hosts: [Self.adminHost: fake.admin.baseURL])
            try await body(fake, runtime, oauth.issueTokens(scopes: [Self.scope]))
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    static let report: JSONValue = .object([
        "dateRanges": .array([.object(["startDate": .string("28daysAgo"), "endDate": .string("yesterday")])]),
        "dimensions": .array([.object(["name": .string("date")])]),
        "metrics": .array([.object(["name": .string("sessions")]), .object(["name": .string("activeUsers")])]),
    ])

    @Test func propertiesOfEveryAccountSummaryAreTheAccounts() async throws {
        try await withGA4 { fake, runtime, tokens in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog["ga4"]?.definition.accounts?.action == "properties.list")
            let listed = try await runtime.execute(ConnectorCall(connector: "ga4", action: "properties.list")) { _ in .token(tokens.accessToken) }
            let items = GoogleConnectorTestSupport.items(listed.output)
            #expect(
                items.compactMap { JSONPath.text($0["id"]) } == ["300000001", "300000002", "300000003"], "numeric ids: the Data API paths take them")
            #expect(
                items[1]
                    == .object([
                        "id": .string("300000002"), "property": .string("properties/300000002"), "name": .string("example.com - GA4"),
                        "propertyType": .string("PROPERTY_TYPE_ORDINARY"), "account": .string("accounts/200000002"),
                        "accountName": .string("Example Coffee"),
                    ]))
            // On the Admin host only, with the token and the schema's page size.
            #expect(fake.data.requests.isEmpty)
            let sent = try #require(fake.admin.requests.last)
            #expect(sent.method == "GET" && sent.path == "/v1beta/accountSummaries")
            #expect(sent.queryItems == ["pageSize": ["200"]])
            #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")

            // Paged by pageToken: every page read, the other parameters repeated as Google requires.
            let paged = try await runtime.execute(
                ConnectorCall(connector: "ga4", action: "accountSummaries.list", input: .object(["pageSize": .number(1)]))
            ) { _ in
                .token(tokens.accessToken)
            }
            #expect(
                GoogleConnectorTestSupport.items(paged.output).compactMap { JSONPath.text($0["account"]) }
                    == ["accounts/200000001", "accounts/200000002", "accounts/200000003"])
            #expect(paged.pages == 3)
            #expect(
                fake.admin.requests.suffix(3).map { $0.queryItems } == [
                    ["pageSize": ["1"]], ["pageSize": ["1"], "pageToken": ["AS.1.1"]],
                    ["pageSize": ["1"], "pageToken": ["AS.2.1"]],
                ])
        }
    }

    @Test func runReportSendsTheDocumentedBodyAndPagesByOffsetUntilRowCount() async throws {
        try await withGA4 { fake, runtime, tokens in
            guard case .object(var input) = Self.report else { return }
            input["orderBys"] = .array([.object(["metric": .object(["metricName": .string("sessions")]), "desc": .bool(true)])])
            input["pageSize"] = .number(2)
            let result = try await runtime.execute(
                ConnectorCall(connector: "ga4", action: "runReport", input: .object(input), accountID: "300000002")
            ) { _ in
                .token(tokens.accessToken)
            }
            let sent = fake.data.requests
            #expect(sent.count == 3, "5 rows by 2: offsets 0, 2, 4, then rowCount is reached")
            #expect(sent.allSatisfy { $0.method == "POST" && $0.path == "/v1beta/properties/300000002:runReport" })
            #expect(
                sent.allSatisfy { $0.header("Content-Type") == "application/json" && $0.header("Authorization") == "Bearer \(tokens.accessToken)" })
            #expect(
                try JSONValue.parse(sent[0].body)
                    == .object([
                        "dateRanges": input["dateRanges"]!, "dimensions": input["dimensions"]!, "metrics": input["metrics"]!,
                        "orderBys": input["orderBys"]!,
                        "limit": .number(2), "returnPropertyQuota": .bool(true),
                    ]), "no offset on the first request, no empty optional members")
            #expect(try sent.map { try JSONValue.parse($0.body)["offset"] } == [nil, .number(2), .number(4)])

            let rows = GoogleConnectorTestSupport.items(result.output)
            #expect(rows.count == 5)
            let sessions = rows.compactMap { row -> Int? in
                guard case .array(let values)? = row["metricValues"] else { return nil }
                return JSONPath.text(values.first?["value"]).flatMap(Int.init)
            }
            #expect(sessions == sessions.sorted(by: >), "ordered as orderBys asked, across pages")
            #expect(result.output["rowCount"] == .number(5))
            #expect(result.output["truncated"] == .bool(false))
            #expect(
                result.output["metricHeaders"]
                    == .array([
                        .object(["name": .string("sessions"), "type": .string("TYPE_INTEGER")]),
                        .object(["name": .string("activeUsers"), "type": .string("TYPE_INTEGER")]),
                    ]))
            // The quota Google reports with returnPropertyQuota, as of the last page.
            let quota = try #require(result.output["propertyQuota"])
            #expect(quota["tokensPerHour"]?["remaining"] == .number(Double(40_000 - 3 * GA4Fake.tokensPerReport)))
            #expect(quota["tokensPerDay"]?["consumed"] == .number(Double(GA4Fake.tokensPerReport)))
            #expect(fake.tokensConsumed(property: "300000002") == 3 * GA4Fake.tokensPerReport)

            // A caller's limit stops the read and says rows remain.
            let first = try await runtime.execute(
                ConnectorCall(
                    connector: "ga4", action: "runReport",
                    input: .object(input.merging(["limit": .number(3)]) { $1 }), accountID: "300000002")
            ) { _ in
                .token(tokens.accessToken)
            }
            #expect(GoogleConnectorTestSupport.items(first.output).count == 3)
            #expect(first.output["truncated"] == .bool(true))
        }
    }

    @Test func realtimeReportsAndMetadataAreReadWithTheQuota() async throws {
        try await withGA4 { fake, runtime, tokens in
            let input: JSONValue = .object([
                "dimensions": .array([.object(["name": .string("country")])]),
                "metrics": .array([.object(["name": .string("activeUsers")])]),
                "minuteRanges": .array([.object(["startMinutesAgo": .number(29), "endMinutesAgo": .number(0)])]),
                "limit": .number(3),
            ])
            let result = try await runtime.execute(ConnectorCall(connector: "ga4", action: "runRealtimeReport", input: input, accountID: "300000001"))
            { _ in
                .token(tokens.accessToken)
            }
            let sent = try #require(fake.data.requests.last)
            #expect(sent.path == "/v1beta/properties/300000001:runRealtimeReport")
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "dimensions": input["dimensions"]!, "metrics": input["metrics"]!, "minuteRanges": input["minuteRanges"]!,
                        "limit": .number(3), "returnPropertyQuota": .bool(true),
                    ]))
            guard case .array(let rows)? = result.output["rows"] else { Issue.record("no rows"); return }
            #expect(rows.count == 3)
            #expect(result.output["rowCount"] == .number(5))
            #expect(result.output["propertyQuota"]?["concurrentRequests"]?["remaining"] == .number(10))

            let metadata = try await runtime.execute(ConnectorCall(connector: "ga4", action: "metadata.get", accountID: "300000001")) { _ in
                .token(tokens.accessToken)
            }
            #expect(metadata.output["name"] == .string("properties/300000001/metadata"))
            guard case .array(let metrics)? = metadata.output["metrics"] else { Issue.record("no metrics"); return }
            #expect(metrics.compactMap { JSONPath.text($0["apiName"]) }.contains("sessions"))
            #expect(fake.data.requests.last?.method == "GET")
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAtGoogleAndTheReportRetried() async throws {
        try await withGA4 { fake, runtime, tokens in
            fake.oauth.expire(accessToken: tokens.accessToken)
            let source = try GoogleConnectorTestSupport.credentials("ga4", oauth: fake.oauth, tokens: tokens)
            let result = try await runtime.execute(
                ConnectorCall(connector: "ga4", action: "runReport", input: Self.report, accountID: "300000001"), credentials: source)
            #expect(GoogleConnectorTestSupport.items(result.output).count == 5)
            #expect(fake.oauth.refreshCount == 1)
            let sent = fake.data.requests
            #expect(sent.count == 2)
            #expect(sent[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            let renewed = try #require(sent[1].header("Authorization"))
            #expect(renewed != sent[0].header("Authorization") && fake.oauth.isValid(accessToken: String(renewed.dropFirst(7))))

            // Without a refresh token the 401 is final: an auth error with Google's status, no token in it.
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "ga4", action: "runReport", input: Self.report, accountID: "300000001")) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "UNAUTHENTICATED")
            #expect(refused?.message.contains(tokens.accessToken) == false)
        }
    }

    @Test func googlesErrorsAreClassifiedAndTheQuotaSignalKept() async throws {
        try await withGA4 { fake, runtime, tokens in
            func run(_ input: JSONValue = GA4RuntimeTests.report, property: String = "300000001", token: String? = nil) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(ConnectorCall(connector: "ga4", action: "runReport", input: input, accountID: property)) { _ in
                        .token(token ?? tokens.accessToken)
                    }
                }
            }
            // 400 INVALID_ARGUMENT: a metric GA4 does not know.
            guard case .object(var input) = Self.report else { return }
            input["metrics"] = .array([.object(["name": .string("session")])])
            let invalid = await run(.object(input))
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "INVALID_ARGUMENT")
            #expect(invalid?.message.contains("session is not a valid metric") == true)
            // Our schema refuses what GA4 would (five date ranges): nothing is sent.
            let before = fake.data.requests.count
            let range: JSONValue = .object(["startDate": .string("today"), "endDate": .string("today")])
            let tooMany = await run(.object(["metrics": Self.report["metrics"]!, "dateRanges": .array(Array(repeating: range, count: 5))]))
            #expect(tooMany?.code == .invalidInput)
            #expect(fake.data.requests.count == before)
            // 403: a property the user cannot read, and a token without an Analytics scope.
            #expect(await run(property: "999999")?.providerCode == "PERMISSION_DENIED")
            let openid = fake.oauth.issueTokens(scopes: ["openid"]).accessToken
            let scopeless = await run(token: openid)
            #expect(scopeless?.code == .providerRejected)
            #expect(scopeless?.message.contains("insufficient authentication scopes") == true)
            // 429 RESOURCE_EXHAUSTED: rate-limited; Google sends no Retry-After, so no reset time is invented.
            fake.exhaust("tokensPerHour", property: "300000002")
            let limited = await run(property: "300000002")
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "RESOURCE_EXHAUSTED")
            #expect(limited?.retryAfterSeconds == nil)
            #expect(limited?.message.contains("tokens per hour") == true)
            // 503 UNAVAILABLE on a read: retried until it answers.
            fake.failNext(.unavailable)
            let recovered = try await runtime.execute(ConnectorCall(connector: "ga4", action: "metadata.get", accountID: "300000001")) { _ in
                .token(tokens.accessToken)
            }
            #expect(recovered.attempts >= 2)
        }
    }

    @Test func anAgentRunReadsAReportThroughTheConnectorActionTool() async throws {
        try await withGA4 { fake, runtime, tokens in
            let actions = RuntimeConnectorActions(runtime: runtime, token: tokens.accessToken, connector: "ga4")
            let toolbox = RecordingToolbox(
                tenantID: "tenant-ga4",
                answers: [
                    #"{"tool":"connector.action","input":{"connector":"ga4","action":"runReport","accountId":"300000001","input":{"dateRanges":[{"startDate":"7daysAgo","endDate":"yesterday"}],"metrics":[{"name":"sessions"}],"pageSize":5}}}"#,
                    #"{"final":"Sessions are steady this week."}"#,
                ])
            let assistant = try #require(AgentCatalog.agents(connectorActions: actions).first { $0 is AssistantAgent })
            let answer = try await assistant.run(
                .object(["question": .string("How many sessions did we have last week?")]), intent: "ask", toolbox: toolbox)
            #expect(answer["answer"] == .string("Sessions are steady this week."))
            let call = try #require(toolbox.calls.first { $0.tool == "connector.action" })
            let actionCalls = toolbox.calls.filter { $0.tool == "connector.action" }
            #expect(actionCalls.count == 1, "one recorded connector.action call")
            #expect(call.error == nil)
            #expect(call.output?["rowCount"] == .number(5), "the run recorded the report the connector read")
            #expect(call.output?["propertyQuota"] != nil)
            #expect(fake.data.requests.map(\.path) == ["/v1beta/properties/300000001:runReport"])
        }
    }
}
