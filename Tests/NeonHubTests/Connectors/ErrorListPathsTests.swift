import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `errors.errorListPaths`: answers with HTTP 200 that are errors all the same because a list in
/// the body is not empty — GraphQL's top-level `errors` and Shopify's mutation `userErrors`
/// (https://shopify.dev/docs/api/admin-graphql#status_and_error_codes,
/// https://shopify.dev/docs/api/usage/rate-limits) — run through the runtime with the Shopify
/// definition against a loopback server.
@Suite struct ErrorListPathsTests {
    static let graphql = "/admin/api/2026-01/graphql.json"

    static func runtime(_ server: FakeProviderServer) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "shopify"),
            baseURLOverrides: ["shopify": server.baseURL + "/admin/api/2026-01"])
    }

    static func call(_ action: String, _ input: [String: JSONValue]) -> ConnectorCall {
        ConnectorCall(connector: "shopify", action: action, input: .object(input), variables: ["shop": "neonhub-demo"])
    }

    @Test func userErrorsInAMutationAreAPermanentErrorWithTheirMessages() async throws {
        let body =
            #"{"data":{"productCreate":{"product":null,"userErrors":[{"field":["title"],"message":"Title can't be blank"},{"field":["handle"],"message":"Handle has already been taken","code":"TAKEN"}]}}}"#
        try await withFakeProvider({ $0.on("POST", Self.graphql, reply: .json(200, body)) }) { server in
            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.runtime(server).execute(Self.call("products.create", ["title": .string("x")])) { _ in .token("shpat_placeholder") }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.message.contains("Title can't be blank; Handle has already been taken") == true)
            #expect(server.requests.count == 1)  // a permanent refusal is not repeated
        }
    }

    @Test func aThrottledQueryIsRateLimitedAndAnEmptyListIsSuccess() async throws {
        let throttled =
            #"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":202,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":100,"restoreRate":5}}}}"#
        let created = #"{"data":{"productCreate":{"product":{"id":"gid://shopify/Product/1","handle":"x","status":"DRAFT"},"userErrors":[]}}}"#
        try await withFakeProvider({ $0.on("POST", Self.graphql, replies: [.json(200, throttled), .json(200, created)]) }) { server in
            let runtime = try Self.runtime(server)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("products.create", ["title": .string("x")])) { _ in .token("shpat_placeholder") }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "THROTTLED")
            #expect(limited?.retryAfterSeconds == 21)  // (202 - 100) / 5 points a second: beyond the 10 s the runtime waits
            #expect(server.requests.count == 1)
            let ok = try await runtime.execute(Self.call("products.create", ["title": .string("x")])) { _ in .token("shpat_placeholder") }
            #expect(ok.output["id"] == .string("gid://shopify/Product/1"))
        }
    }

    @Test func wildcardsReachEveryMemberAndOtherDefinitionsAreUntouched() throws {
        let rules = ProviderErrorRules(
            rules: try? JSONDecoder().decode(ConnectorDefinition.ErrorRules.self, from: Data(#"{"errorListPaths":["data.*.userErrors"]}"#.utf8)),
            connector: "t")
        let body = try? JSONValue.parse(Array(#"{"data":{"a":{"userErrors":[]},"b":{"userErrors":[{"code":"BLANK","message":"m"}]}}}"#.utf8))
        #expect(rules.listedError(try #require(body))?.code == "BLANK")
        let none = ProviderErrorRules(rules: nil, connector: "t")
        #expect(none.listedError(try #require(body)) == nil)
    }
}
