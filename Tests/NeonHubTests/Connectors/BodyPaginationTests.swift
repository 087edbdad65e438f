import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// Offset pagination carried in a JSON body (`{{page.offset}}`: GA4 `offset`/`limit`, Search
/// Console `startRow`/`rowLimit`): the page size read from the body, the total from `totalPath`
/// (GA4 `rowCount`), and `response.keep` members of the last page kept beside the items.
@Suite struct BodyPaginationTests {
    static func definition(pagination: String, keep: String = "{}") -> String {
        """
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"personal_token"},"baseUrl":"https://api.acme.example",
         "rateLimit":{"description":"100/min"},"triggers":[],"actions":[
           {"id":"rows.query","name":"Query","kind":"read",
            "inputSchema":{"type":"object","properties":{"size":{"type":"integer","default":2},"limit":{"type":"integer"}}},
            "request":{"method":"POST","path":"/query","body":{"encoding":"json","template":{"size":"{{input.size}}","from":"{{page.offset}}"}}},
            "pagination":\(pagination),"response":{"fields":{"n":"n"},"keep":\(keep)}}]}
        """
    }

    /// A provider holding `total` rows, answering `{rows: [{n}], total, quota}` for `{from, size}`.
    static func provider(total: Int, reportTotal: Bool) -> FakeProviderServer {
        let fake = FakeProviderServer()
        fake.on("POST", "/query") { request in
            let body = request.json as? [String: Any] ?? [:]
            let from = body["from"] as? Int ?? 0, size = body["size"] as? Int ?? 1
            let rows = (from..<min(total, from + size)).map { ["n": $0] }
            var answer: [String: Any] = ["rows": rows, "quota": ["remaining": 100 - from]]
            if reportTotal { answer["total"] = total }
            return .json(200, object: answer)
        }
        return fake
    }

    static func run(_ definition: String, _ fake: FakeProviderServer, input: JSONValue = .object([:])) async throws -> ConnectorResult {
        let catalog = try ActionBaseURLTests.catalog(definition)
        let runtime = ConnectorRuntime(
            catalog: catalog, client: OutboundClient(logger: Logger(label: "test")), baseURLOverrides: ["acme": fake.baseURL])
        return try await runtime.execute(ConnectorCall(connector: "acme", action: "rows.query", input: input)) { _ in .token("t") }
    }

    static func numbers(_ output: JSONValue) -> [String] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items.compactMap { JSONPath.text($0["n"]) }
    }

    @Test func theTotalEndsThePagingAndTheLastPagesMembersAreKept() async throws {
        let fake = Self.provider(total: 5, reportTotal: true)
        try fake.start()
        defer { fake.stop() }
        let result = try await Self.run(
            Self.definition(
                pagination: #"{"style":"offset","itemsPath":"rows","totalPath":"total","limitParam":"size"}"#,
                keep: #"{"total":"total","quota":"quota"}"#), fake)
        #expect(Self.numbers(result.output) == ["0", "1", "2", "3", "4"])
        #expect(result.pages == 3, "5 rows by 2: the third page reaches the total, no fourth request")
        #expect(fake.requests.map { ($0.json as? [String: Any])?["from"] as? Int } == [nil, 2, 4], "the first request leaves the offset out")
        #expect(result.output["total"] == .number(5))
        #expect(result.output["quota"] == .object(["remaining": .number(96)]), "kept from the last page")
        #expect(result.output["truncated"] == .bool(false))
    }

    @Test func aCallersLimitStopsEarlyAndSaysRowsRemain() async throws {
        let fake = Self.provider(total: 5, reportTotal: true)
        try fake.start()
        defer { fake.stop() }
        let result = try await Self.run(
            Self.definition(pagination: #"{"style":"offset","itemsPath":"rows","totalPath":"total"}"#), fake,
            input: .object(["limit": .number(3)]))
        #expect(Self.numbers(result.output) == ["0", "1", "2"])
        #expect(result.output["truncated"] == .bool(true), "the total says two more rows exist")
    }

    @Test func withoutATotalAPageShorterThanTheBodysSizeEndsIt() async throws {
        let fake = Self.provider(total: 5, reportTotal: false)
        try fake.start()
        defer { fake.stop() }
        let result = try await Self.run(
            Self.definition(pagination: #"{"style":"offset","itemsPath":"rows","limitParam":"size"}"#), fake,
            input: .object(["size": .number(3)]))
        #expect(Self.numbers(result.output) == ["0", "1", "2", "3", "4"])
        #expect(result.pages == 2, "3 rows then 2 (< 3): no third request")
        #expect(fake.requests.count == 2)
    }

    @Test func mockFixturesAnswerTheSecondPageByTheBodysOffset() async throws {
        let (runtime, _) = try MockModeTests.mockRuntime()
        let report: JSONValue = .object([
            "dateRanges": .array([.object(["startDate": .string("7daysAgo"), "endDate": .string("yesterday")])]),
            "metrics": .array([.object(["name": .string("sessions")])]),
        ])
        let ga4 = try await runtime.execute(ConnectorCall(connector: "ga4", action: "runReport", input: report, accountID: "300000001")) { _ in .none
        }
        #expect(ga4.pages == 2, "rowCount 3, two rows on the first page")
        #expect(GoogleConnectorTestSupport.items(ga4.output).count == 3)
        #expect(ga4.output["propertyQuota"]?["tokensPerHour"]?["remaining"] == .number(39_976), "the last page's quota")
        let query: JSONValue = .object(["startDate": .string("2026-11-01"), "endDate": .string("2026-11-28"), "rowLimit": .number(2)])
        let sc = try await runtime.execute(
            ConnectorCall(
                connector: "search-console", action: "searchAnalytics.query", input: query,
                accountID: "sc-domain:example.com")
        ) { _ in .none }
        #expect(sc.pages == 2)
        #expect(
            GoogleConnectorTestSupport.items(sc.output).compactMap { JSONPath.text(JSONPath.value(at: "keys.0", in: $0)) }.last
                == "coffee subscription")
    }

    @Test func mockRoutesMatchEncodedSegmentsAndCustomMethods() throws {
        let encoded = try #require(
            URL(string: "https://x.example/webmasters/v3/sites/https%3A%2F%2Fexample.com%2F/sitemaps/https%3A%2F%2Fexample.com%2Fs.xml"))
        let segments = MockTransport.pathSegments(encoded)
        #expect(segments.count == 7, "an encoded site URL stays one segment")
        #expect(segments[4] == "https://example.com/")
        #expect(MockTransport.segment("*:runReport", matches: "123:runReport"))
        #expect(!MockTransport.segment("*:runReport", matches: "123:runRealtimeReport"))
        #expect(!MockTransport.segment("*:runReport", matches: ":runReport"))
        #expect(MockTransport.segment("*", matches: "anything"))
    }
}
