import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Meta definition run by the real runtime against the Meta Graph fake (which follows
/// Graph's documentation): what the catalog says must be what Graph accepts.
@Suite struct MetaRuntimeTests {
    static func runtime(_ fake: MetaGraphFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "meta"),
            baseURLOverrides: ["meta": fake.apiBaseURL])
    }

    @Test func pagesArePagedAndAPagePostIsCreatedWithThePageToken() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(fake)
        let user = fake.issueUserToken()
        let pages = try await runtime.execute(ConnectorCall(connector: "meta", action: "pages.list", input: .object(["limit": .number(1)]))) { _ in
            .token(user)
        }
        guard case .array(let first)? = pages.output["items"] else { Issue.record("no items"); return }
        #expect(first.count == 1)  // the caller's limit bounds the read
        #expect(pages.output["truncated"] == .bool(true))
        let all = try await runtime.execute(ConnectorCall(connector: "meta", action: "pages.list")) { _ in .token(user) }
        guard case .array(let items)? = all.output["items"] else { Issue.record("no items"); return }
        #expect(items.compactMap { JSONPath.text($0["id"]) } == MetaGraphFake.Page.defaults.map(\.id))

        let page = MetaGraphFake.Page.defaults[0].id
        let pageToken = try #require(fake.pageToken(for: page, userToken: user))
        let post = try await runtime.execute(
            ConnectorCall(
                connector: "meta", action: "page.createPost", input: .object(["message": .string("Launch day")]),
                accountID: page)
        ) { _ in .token(pageToken) }
        let id = try #require(JSONPath.text(post.output["id"]))
        #expect(fake.postIDs.contains(id))
        let sent = try #require(fake.requests.last)
        #expect(sent.method == "POST" && sent.path == "/v25.0/\(page)/feed")
        #expect(sent.formItems["message"] == ["Launch day"])
        #expect(sent.formItems["link"] == nil)  // optional fields are left out, not sent empty
    }

    @Test func anExpiredTokenIsAnAuthErrorNamingCode190AndRateLimitsAreClassified() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(fake)
        let user = fake.issueUserToken()
        fake.expire(token: user)
        let expired = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(ConnectorCall(connector: "meta", action: "me.get")) { _ in .token(user) }
        }
        #expect(expired?.code == .providerAuth)
        #expect(expired?.providerCode == "190")
        #expect(expired?.message.contains(user) == false)

        let fresh = fake.issueUserToken()
        fake.injectRateLimit(code: 4, calls: 10)
        let limited = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(ConnectorCall(connector: "meta", action: "me.get")) { _ in .token(fresh) }
        }
        #expect(limited?.code == .providerRateLimited)
        #expect(limited?.providerCode == "4")
    }
}
