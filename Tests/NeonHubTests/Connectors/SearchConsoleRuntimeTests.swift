import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Search Console definition run by the real runtime against the Search Console fake
/// (following Google's reference) and the Google OAuth fake: what the catalog sends must be what
/// Google accepts, field by field — above all the site URL, percent-encoded as one path segment.
@Suite struct SearchConsoleRuntimeTests {
    static let shop = "https://shop.example.com/"
    static let domain = "sc-domain:example.com"

    func withSearchConsole(_ body: (SearchConsoleFake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = SearchConsoleFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("search-console", base: fake.baseURL)
            try await body(fake, runtime, oauth.issueTokens(scopes: [SearchConsoleFake.fullScope]))
            await fake.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    static func call(_ action: String, _ input: JSONValue = .object([:]), site: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "search-console", action: action, input: input, accountID: site)
    }

    static let query: JSONValue = .object([
        "startDate": .string("2026-11-01"), "endDate": .string("2026-11-28"), "dimensions": .array([.string("query")]),
    ])

    @Test func sitesAreTheAccounts() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog["search-console"]?.definition.accounts?.action == "sites.list")
            let sites = try await runtime.execute(Self.call("sites.list")) { _ in .token(tokens.accessToken) }
            #expect(
                sites.output
                    == .array(
                        SearchConsoleFake.Site.defaults.map {
                            .object(["id": .string($0.url), "name": .string($0.url), "permissionLevel": .string($0.permissionLevel)])
                        }))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/webmasters/v3/sites" && sent.query == nil)
            #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")
        }
    }

    @Test func searchAnalyticsIsQueriedOnTheEncodedSiteAndPagedByStartRow() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            guard case .object(var input) = Self.query else { return }
            input["rowLimit"] = .number(2)
            let result = try await runtime.execute(Self.call("searchAnalytics.query", .object(input), site: Self.shop)) { _ in
                .token(tokens.accessToken)
            }
            let sent = fake.requests
            #expect(sent.count == 3, "5 rows by 2: the third page is short")
            #expect(
                sent.allSatisfy { $0.method == "POST" && $0.path == "/webmasters/v3/sites/https%3A%2F%2Fshop.example.com%2F/searchAnalytics/query" })
            #expect(sent.allSatisfy { $0.header("Content-Type") == "application/json" })
            #expect(
                try JSONValue.parse(sent[0].body)
                    == .object([
                        "startDate": .string("2026-11-01"), "endDate": .string("2026-11-28"), "dimensions": .array([.string("query")]),
                        "type": .string("web"), "aggregationType": .string("auto"), "dataState": .string("final"), "rowLimit": .number(2),
                    ]), "the schema's documented defaults, no startRow on the first request")
            #expect(try sent.map { try JSONValue.parse($0.body)["startRow"] } == [nil, .number(2), .number(4)])
            let rows = GoogleConnectorTestSupport.items(result.output)
            #expect(rows.count == 5)
            #expect(
                rows.first
                    == .object([
                        "keys": .array([.string("query 1")]), "clicks": .number(60), "impressions": .number(1800),
                        "ctr": .number(60.0 / 1800.0), "position": .number(3.5),
                    ]))
            #expect(result.output["responseAggregationType"] == .string("byProperty"))
            #expect(result.output["truncated"] == .bool(false))

            // A Domain property is one segment too; a caller's limit ends the read early.
            let limited = try await runtime.execute(
                Self.call("searchAnalytics.query", .object(input.merging(["limit": .number(2)]) { $1 }), site: Self.domain)
            ) { _ in
                .token(tokens.accessToken)
            }
            #expect(GoogleConnectorTestSupport.items(limited.output).count == 2)
            #expect(fake.requests.last?.path == "/webmasters/v3/sites/sc-domain%3Aexample.com/searchAnalytics/query")
        }
    }

    @Test func sitemapsAreSubmittedListedAndDeleted() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            let feed = "https://www.example.com/news-sitemap.xml"
            let submitted = try await runtime.execute(Self.call("sitemaps.submit", .object(["feedpath": .string(feed)]), site: Self.domain)) { _ in
                .token(tokens.accessToken)
            }
            #expect(submitted.output == .null, "Google answers an empty body")
            let put = try #require(fake.requests.last)
            #expect(put.method == "PUT")
            #expect(put.path == "/webmasters/v3/sites/sc-domain%3Aexample.com/sitemaps/https%3A%2F%2Fwww.example.com%2Fnews-sitemap.xml")
            #expect(put.body.isEmpty && put.header("Content-Type") == nil, "no request body")
            #expect(fake.sitemaps(of: Self.domain).last == feed)

            let listed = try await runtime.execute(Self.call("sitemaps.list", site: Self.domain)) { _ in .token(tokens.accessToken) }
            guard case .array(let sitemaps) = listed.output else { Issue.record("not a list"); return }
            #expect(sitemaps.compactMap { JSONPath.text($0["path"]) } == ["https://example.com/sitemap.xml", feed])
            #expect(sitemaps.last?["isPending"] == .bool(false))
            #expect(sitemaps.last?["contents"] != nil)
            let onlyIndex = try await runtime.execute(Self.call("sitemaps.list", .object(["sitemapIndex": .string(feed)]), site: Self.domain)) { _ in
                .token(tokens.accessToken)
            }
            #expect(fake.requests.last?.queryItems == ["sitemapIndex": [feed]])
            guard case .array(let one) = onlyIndex.output else { Issue.record("not a list"); return }
            #expect(one.count == 1)

            _ = try await runtime.execute(Self.call("sitemaps.delete", .object(["feedpath": .string(feed)]), site: Self.domain)) { _ in
                .token(tokens.accessToken)
            }
            #expect(fake.requests.last?.method == "DELETE")
            #expect(!fake.sitemaps(of: Self.domain).contains(feed))
            let gone = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("sitemaps.delete", .object(["feedpath": .string(feed)]), site: Self.domain)) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(gone?.code == .providerRejected)
            #expect(gone?.providerCode == "NOT_FOUND")
        }
    }

    @Test func aUrlIsInspectedForTheConnectionsSite() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            let result = try await runtime.execute(
                Self.call("urlInspection.inspect", .object(["inspectionUrl": .string("https://www.example.com/spring")]), site: Self.domain)
            ) { _ in
                .token(tokens.accessToken)
            }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == "/v1/urlInspection/index:inspect")
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "inspectionUrl": .string("https://www.example.com/spring"), "siteUrl": .string(Self.domain),
                        "languageCode": .string("en-US"),
                    ]))
            #expect(result.output["verdict"] == .string("PASS"))
            #expect(result.output["coverageState"] == .string("Submitted and indexed"))
            #expect(result.output["googleCanonical"] == .string("https://www.example.com/spring"))
            #expect(result.output["richResults"] == .string("PASS"))
            #expect(JSONPath.text(result.output["link"])?.hasPrefix("https://search.google.com/search-console/inspect") == true)
        }
    }

    @Test func errorsAreClassifiedAndAnExpiredTokenIsRefreshed() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            // 401 → one refresh at Google's token endpoint, then the call succeeds with the new token.
            fake.oauth.expire(accessToken: tokens.accessToken)
            let source = try GoogleConnectorTestSupport.credentials("search-console", oauth: fake.oauth, tokens: tokens)
            _ = try await runtime.execute(Self.call("sites.list"), credentials: source)
            #expect(fake.oauth.refreshCount == 1)
            #expect(fake.requests.count == 2)
            #expect(fake.requests[1].header("Authorization") != "Bearer \(tokens.accessToken)")
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("sites.list")) { _ in .token(tokens.accessToken) }
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "UNAUTHENTICATED")

            let token = fake.oauth.issueTokens(scopes: [SearchConsoleFake.fullScope]).accessToken
            // 403: a site the user has no permission on; a write with the read-only scope.
            let stranger = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("sitemaps.list", site: "https://other.example/")) { _ in .token(token) }
            }
            #expect(stranger?.code == .providerRejected)
            #expect(stranger?.providerCode == "PERMISSION_DENIED")
            let readonly = fake.oauth.issueTokens(scopes: [SearchConsoleFake.readonlyScope]).accessToken
            let write = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("sitemaps.submit", .object(["feedpath": .string("https://www.example.com/a.xml")]), site: Self.domain)
                ) { _ in .token(readonly) }
            }
            #expect(write?.message.contains("insufficient authentication scopes") == true)
            // 400 from Google; and what the schema refuses (rowLimit over 25,000) never leaves.
            fake.failNext(.invalidArgument("Request contains an invalid argument."))
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("searchAnalytics.query", Self.query, site: Self.shop)) { _ in .token(token) }
            }
            #expect(invalid?.providerCode == "INVALID_ARGUMENT")
            let before = fake.requests.count
            guard case .object(var big) = Self.query else { return }
            big["rowLimit"] = .number(25_001)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("searchAnalytics.query", .object(big), site: Self.shop)) { _ in .token(token) }
            }
            #expect(refused?.code == .invalidInput)
            #expect(fake.requests.count == before)
            // 429: the URL Inspection quota (2,000 a day per site) — rate-limited, no reset time invented.
            fake.urlInspectionDailyQuota = 0
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("urlInspection.inspect", .object(["inspectionUrl": .string("https://www.example.com/")]), site: Self.domain)
                ) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "RESOURCE_EXHAUSTED")
            #expect(limited?.retryAfterSeconds == nil)
        }
    }

    @Test func anAgentRunReadsTopQueriesThroughTheConnectorActionTool() async throws {
        try await withSearchConsole { fake, runtime, tokens in
            let actions = RuntimeConnectorActions(runtime: runtime, token: tokens.accessToken, connector: "search-console")
            let toolbox = RecordingToolbox(
                tenantID: "tenant-seo",
                answers: [
                    #"{"tool":"connector.action","input":{"connector":"search-console","action":"searchAnalytics.query","accountId":"https://shop.example.com/","input":{"startDate":"2026-11-01","endDate":"2026-11-28","dimensions":["query"],"rowLimit":3,"limit":3}}}"#,
                    #"{"final":"Your top query is query 1."}"#,
                ])
            let assistant = try #require(AgentCatalog.agents(connectorActions: actions).first { $0 is AssistantAgent })
            let answer = try await assistant.run(
                .object(["question": .string("Which searches bring people to the shop?")]), intent: "ask", toolbox: toolbox)
            #expect(answer["answer"] == .string("Your top query is query 1."))
            let actionCalls = toolbox.calls.filter { $0.tool == "connector.action" }
            #expect(actionCalls.count == 1, "one recorded connector.action call")
            let recorded = try #require(toolbox.calls.first { $0.tool == "connector.action" }?.output)
            #expect(GoogleConnectorTestSupport.items(recorded).count == 3)
            #expect(GoogleConnectorTestSupport.items(recorded).first?["keys"] == .array([.string("query 1")]))
            #expect(fake.requests.map(\.path) == ["/webmasters/v3/sites/https%3A%2F%2Fshop.example.com%2F/searchAnalytics/query"])
        }
    }
}
