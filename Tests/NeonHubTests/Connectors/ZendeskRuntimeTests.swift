import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Zendesk definition run by the real runtime against `ZendeskFake`, which follows Zendesk's
/// documentation: the account's own host (`{{vars.subdomain}}.zendesk.com`, pointed at the fake
/// through the base URL override as a deployment's `CONNECTOR_ENDPOINTS_FILE` does), each of the
/// five actions as Zendesk takes them, cursor pages ended by `meta.has_more`, search pages
/// followed through `next_page`, and Zendesk's errors — expired tokens, 429 with `Retry-After`,
/// `RecordInvalid`, `RecordNotFound` — as the documented outcomes.
@Suite struct ZendeskRuntimeTests {
    static func runtime(_ fake: ZendeskFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "zendesk"), baseURLOverrides: ["zendesk": fake.apiBaseURL])
    }

    func withZendesk(_ fake: ZendeskFake = ZendeskFake(), _ body: (ZendeskFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "zendesk", action: action, input: .object(input), variables: ["subdomain": ZendeskFake.subdomain])
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(Self.call(action, input)) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? [] }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    @Test func theAccountsSubdomainIsTheHostAndUsersMeIsRead() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["zendesk"]?.definition)
        let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
            try #require(definition.action("users.me")?.request),
            renderer: TemplateRenderer(scope: ["vars": .object(["subdomain": .string(ZendeskFake.subdomain)])]),
            credentials: ConnectorCredentialsValue.token("zda-placeholder").credentials.forRequest())
        #expect(built.url.absoluteString == "https://neonhub-demo.zendesk.com/api/v2/users/me")

        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            let me = try await Self.execute(runtime, "users.me", token: token)
            #expect(me.output["id"]?.numberValue == Double(ZendeskFake.meID))
            #expect(me.output["email"] == .string("ada.admin@example.com") && me.output["role"] == .string("admin"))
            let sent = try #require(fake.requests("GET", "/api/v2/users/me").last)
            #expect(sent.header("Authorization") == "Bearer \(token)" && sent.header("Accept") == "application/json")
            #expect(me.rateLimit?.remaining == 399, "Zendesk's X-Rate-Limit-Remaining is read")
        }
    }

    @Test func aTicketIsCreatedWithTheDocumentedBody() async throws {
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            let created = try await Self.execute(
                runtime, "tickets.create",
                [
                    "subject": .string("Where is order #1002?"), "body": .string("It has not shipped yet."), "priority": .string("high"),
                    "type": .string("question"), "requesterName": .string("Grace Buyer"), "requesterEmail": .string("grace@example.com"),
                    "tags": .array([.string("order"), .string("email")]),
                ], token: token)
            let stored = try #require(fake.tickets.last)
            #expect(created.output["id"]?.numberValue == Double(stored.id) && created.output["status"] == .string("new"))
            #expect(JSONPath.text(created.output["url"])?.hasSuffix("/api/v2/tickets/\(stored.id).json") == true)
            #expect(stored.subject == "Where is order #1002?" && stored.priority == "high" && stored.type == "question")
            #expect(stored.tags == ["order", "email"] && stored.isPublic, "public defaults to true")
            #expect(fake.users.contains { $0.id == stored.requesterID && $0.email == "grace@example.com" })
            let sent = try #require(fake.requests("POST", "/api/v2/tickets").last)
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            let expected: JSONValue = .object([
                "ticket": .object([
                    "subject": .string("Where is order #1002?"),
                    "comment": .object(["body": .string("It has not shipped yet."), "public": .bool(true)]),
                    "priority": .string("high"), "type": .string("question"),
                    "requester": .object(["name": .string("Grace Buyer"), "email": .string("grace@example.com")]),
                    "tags": .array([.string("order"), .string("email")]),
                ])
            ])
            #expect(Self.body(sent) == expected)

            // Only the required fields: nothing optional is sent, not even an empty requester.
            _ = try await Self.execute(runtime, "tickets.create", ["subject": .string("Short"), "body": .string("Hi")], token: token)
            let minimal = Self.body(fake.requests("POST", "/api/v2/tickets").last)
            #expect(minimal["ticket"]?["requester"] == nil && minimal["ticket"]?["priority"] == nil)
            #expect(fake.tickets.last?.requesterID == ZendeskFake.meID)
        }
    }

    @Test func aTicketIsReadAndAnUnknownOneIsRecordNotFound() async throws {
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            let ticket = try #require(fake.tickets.first { $0.id == 7 })
            let read = try await Self.execute(runtime, "tickets.get", ["id": .number(7)], token: token)
            #expect(read.output["subject"] == .string(ticket.subject) && read.output["status"] == .string(ticket.status))
            #expect(read.output["requesterId"]?.numberValue == Double(ticket.requesterID))
            #expect(read.output["updatedAt"] == .string(ticket.updatedAt))
            #expect(read.output["tags"] == .array(ticket.tags.map { .string($0) }))
            #expect(fake.requests("GET", "/api/v2/tickets/7").count == 1)

            let missing = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "tickets.get", ["id": .number(99_999)], token: token)
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "RecordNotFound")
            #expect(missing?.message.contains("Not found") == true)
        }
    }

    @Test func listingPagesByCursorUntilTheLimitAndStopsOnHasMore() async throws {
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            let listed = try await Self.execute(runtime, "tickets.list", ["limit": .number(230)], token: token)
            let items = Self.items(listed.output)
            #expect(items.count == 230 && listed.pages == 3 && listed.output["truncated"] == .bool(true))
            let expected = fake.tickets.sorted { $0.updatedAt > $1.updatedAt }.prefix(230).map(\.id)
            #expect(items.compactMap { $0["id"]?.numberValue }.map { Int($0) } == Array(expected))
            let pages = fake.requests("GET", "/api/v2/tickets")
            #expect(pages.count == 3)
            #expect(pages.allSatisfy { $0.queryItems["page[size]"] == ["100"] && $0.queryItems["sort"] == ["-updated_at"] })
            #expect(pages[0].queryItems["page[after]"] == nil)
            #expect(pages[1].queryItems["page[after]"] != nil && pages[1].queryItems["page[after]"] != pages[2].queryItems["page[after]"])

            // All 250: the last page keeps links.next and after_cursor; has_more false ends the read.
            let all = try await Self.execute(runtime, "tickets.list", ["limit": .number(1000), "sort": .string("id")], token: token)
            #expect(Self.items(all.output).count == 250 && all.pages == 3 && all.output["truncated"] == .bool(false))
            #expect(fake.requests("GET", "/api/v2/tickets").count == 6)
        }
    }

    @Test func everySortTheDefinitionOffersIsOneZendeskTakes() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let schema = catalog["zendesk"]?.definition.actions.first { $0.id == "tickets.list" }?.inputSchema
        let sorts = (schema?["properties"]?["sort"]?["enum"]?.arrayItems ?? []).compactMap(JSONPath.text)
        #expect(sorts.count == 6)
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            for sort in sorts {
                let listed = try await Self.execute(runtime, "tickets.list", ["limit": .number(5), "sort": .string(sort)], token: token)
                #expect(Self.items(listed.output).count == 5, "sort \(sort)")
            }
        }
    }

    @Test func aSearchIsTypedAndFollowsNextPage() async throws {
        try await withZendesk(ZendeskFake(tickets: ZendeskFake.tickets(count: 600))) { fake, runtime in
            let token = fake.issueToken()
            let found = try await Self.execute(runtime, "tickets.search", ["query": .string("tags:campaign"), "limit": .number(150)], token: token)
            let items = Self.items(found.output)
            #expect(items.count == 150 && found.pages == 2 && found.output["truncated"] == .bool(true))
            let tagged = Set(fake.tickets.filter { $0.tags.contains("campaign") }.map(\.id))
            #expect(items.allSatisfy { tagged.contains(Int($0["id"]?.numberValue ?? 0)) })
            let updated = items.compactMap { JSONPath.text($0["updatedAt"]) }
            #expect(updated.count == 150 && updated == updated.sorted(by: >))
            let sent = fake.requests("GET", "/api/v2/search")
            #expect(sent.count == 2)
            #expect(sent[0].queryItems["query"] == ["type:ticket tags:campaign"] && sent[0].queryItems["per_page"] == ["100"])
            #expect(sent[0].queryItems["sort_by"] == ["updated_at"] && sent[0].queryItems["sort_order"] == ["desc"])
            #expect(sent[1].path == "/api/v2/search.json" && sent[1].queryItems["page"] == ["2"], "the next_page URL as Zendesk gave it")
            #expect(sent[1].queryItems["query"] == ["type:ticket tags:campaign"])
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceThenTheRefusalIsAnAuthError() async throws {
        try await withZendesk { fake, runtime in
            let stale = fake.issueToken()
            fake.expire(token: stale)
            let fresh = fake.issueToken()
            let asked = Counter()
            let me = try await runtime.execute(Self.call("users.me")) { refresh in
                asked.add(refresh)
                return .token(refresh ? fresh : stale, canRefresh: true)
            }
            #expect(me.output["id"]?.numberValue == Double(ZendeskFake.meID))
            #expect(asked.values == [false, true])
            #expect(fake.requests("GET", "/api/v2/users/me").map { $0.header("Authorization") } == ["Bearer \(stale)", "Bearer \(fresh)"])

            let revoked = fake.issueToken()
            fake.revoke(token: revoked)
            let twice = Counter()
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("tickets.get", ["id": .number(1)])) { refresh in
                    twice.add(refresh)
                    return .token(refresh ? revoked : stale, canRefresh: true)
                }
            }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "invalid_token")
            #expect(twice.values == [false, true], "refreshed once, not again")
            #expect(fake.requests("GET", "/api/v2/tickets/1").count == 2)
        }
    }

    @Test func theRefusalSaysWhatZendeskSaid() async throws {
        try await withZendesk { fake, runtime in
            let revoked = fake.issueToken()
            fake.revoke(token: revoked)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "users.me", token: revoked) }
            #expect(refused?.message.contains("expired, revoked, malformed or invalid") == true)
        }
    }

    @Test func a429WithRetryAfterIsRateLimitedWithItsResetTime() async throws {
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            fake.injectRateLimit(retryAfter: 93, count: 5)
            let before = Date()
            let limited = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "users.me", token: token) }
            let after = Date()
            #expect(limited?.code == .providerRateLimited)
            let reset = try #require(limited?.resetAt)
            // 93 s from the answer, which came between `before` and `after` (however loaded the machine).
            #expect(reset.timeIntervalSince(before) >= 92 && reset.timeIntervalSince(after) <= 94, "Retry-After: 93")
            #expect((85...94).contains(limited?.retryAfterSeconds ?? 0))
            #expect(fake.requests("GET", "/api/v2/users/me").count == 1, "93 s is past the retry cap: handed back, not waited for")

            // A short Retry-After is waited for and the call goes through.
            let fresh = ZendeskFake()
            try await withZendesk(fresh) { fake, runtime in
                fake.injectRateLimit(retryAfter: 1, count: 1)
                let me = try await Self.execute(runtime, "users.me", token: fake.issueToken())
                #expect(me.attempts == 2 && me.output["id"]?.numberValue == Double(ZendeskFake.meID))
            }
        }
    }

    @Test func a422IsPermanentWithZendesksMessageAndCode() async throws {
        try await withZendesk { fake, runtime in
            let token = fake.issueToken()
            let invalid = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "tickets.create", ["subject": .string("Empty"), "body": .string("   ")], token: token)
            }
            #expect(invalid?.code == .providerRejected && invalid?.providerCode == "RecordInvalid")
            #expect(invalid?.message.contains("Record validation errors") == true)
            #expect(fake.requests("POST", "/api/v2/tickets").count == 1, "a 422 is not retried")
            #expect(fake.tickets.count == 250)
        }
    }
}

/// The `refresh` flags a credential source was asked with, in order.
private final class Counter: Sendable {
    private let seen = Mutex<[Bool]>([])
    func add(_ refresh: Bool) { seen.withLock { $0.append(refresh) } }
    var values: [Bool] { seen.withLock { $0 } }
}
