import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Lever definition run by the real runtime against the Lever fake (which follows Lever's
/// API documentation, https://hire.lever.co/developer/documentation): the Bearer token, every
/// action's query and mapping, `offset`/`next` paging within the caller's limit, millisecond
/// filters, and the error classes of Lever's `{code, message}` answers and its 429s.
@Suite struct LeverRuntimeTests {
    static let connector = "lever"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own path on the fake's host.
    static func runtime(_ fake: LeverFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://api.lever.co", with: fake.baseURL)
        return ConnectorRuntime(catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withLever(_ body: (LeverFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = LeverFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(ConnectorCall(connector: connector, action: action, input: .object(input))) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? output.arrayItems }

    static let ada = "250d8f03-738a-4bba-a671-8a3d73477145"

    @Test func opportunitiesArePagedByTheNextOffsetTokenWithTheBearerToken() async throws {
        #expect(try Self.definition().baseUrl == "https://api.lever.co/v1")
        try await withLever { fake, runtime in
            fake.addOpportunities(230)
            let token = fake.issueToken()
            let listed = try await Self.execute(runtime, "opportunities.list", ["limit": .number(200)], token: token)
            let items = Self.items(listed.output)
            #expect(items.count == 200)
            #expect(listed.pages == 2)
            #expect(listed.output["truncated"] == .bool(true))
            #expect(items.compactMap { JSONPath.text($0["id"]) } == fake.opportunities.prefix(200).map(\.id))
            let reads = fake.server.requests("GET", "/v1/opportunities")
            #expect(reads.count == 2)
            #expect(reads.allSatisfy { $0.header("Authorization") == "Bearer \(token)" && $0.header("Accept") == "application/json" })
            #expect(reads.allSatisfy { $0.queryItems["limit"] == ["100"] })
            #expect(reads[0].queryItems["offset"] == nil)
            let newest = try #require(fake.opportunities.dropFirst(99).first)
            let token100 = "[\(newest.createdAt),\"\(newest.id)\"]".addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-")))
            #expect(reads[1].queryItems["offset"] == [token100 ?? ""], "the next token sent back as it was handed out")

            let first = try #require(items.first)
            let stored = try #require(fake.opportunities.first)
            #expect(first["name"] == .string(stored.name) && first["email"] == .string(stored.emails[0]))
            #expect(first["stage"] == .string("applicant-new") && first["origin"] == .string("applied"))
            #expect(first["createdAt"]?.numberValue == Double(stored.createdAt))
            #expect(first["url"] == .string("https://hire.lever.co/candidates/\(stored.id)"))
            #expect(first["headline"] == .string("Engineer"))

            // Without a limit, the schema's documented default of 200 bounds the read; with one, every page up to it.
            let documented = try await Self.execute(runtime, "opportunities.list", token: token)
            #expect(Self.items(documented.output).count == 200 && documented.output["truncated"] == .bool(true))
            let all = try await Self.execute(runtime, "opportunities.list", ["limit": .number(500)], token: token)
            #expect(Self.items(all.output).count == 235 && all.pages == 3 && all.output["truncated"] == .bool(false))
        }
    }

    @Test func opportunitiesAreFilteredByPostingStageEmailAndUpdatedMilliseconds() async throws {
        try await withLever { fake, runtime in
            let token = fake.issueToken()
            let backend = "8c4b2a90-1f3e-4d5a-8b6c-7d9e0f1a2b33"
            let byPosting = try await Self.execute(runtime, "opportunities.list", ["postingId": .string(backend)], token: token)
            #expect(Self.items(byPosting.output).compactMap { JSONPath.text($0["name"]) } == ["Ada Lovelace", "Grace Hopper", "Edsger Dijkstra"])
            #expect(fake.requests.last?.queryItems["posting_id"] == [backend])

            let byStage = try await Self.execute(runtime, "opportunities.list", ["stageId": .string("offer")], token: token)
            #expect(Self.items(byStage.output).compactMap { JSONPath.text($0["name"]) } == ["Grace Hopper"])
            #expect(fake.requests.last?.queryItems["stage_id"] == ["offer"])

            let byEmail = try await Self.execute(runtime, "opportunities.list", ["email": .string("alan@example.com")], token: token)
            #expect(Self.items(byEmail.output).compactMap { JSONPath.text($0["name"]) } == ["Alan Turing"])
            #expect(fake.requests.last?.queryItems["email"] == ["alan@example.com"])

            // The polling trigger's watermark: milliseconds since the epoch, sent as an integer.
            let trigger = try #require(try Self.definition().triggers.first { $0.id == "opportunities.updated" })
            #expect(trigger.action == "opportunities.list")
            let since = LeverFake.millis(Date(timeIntervalSinceNow: -3 * 86_400))
            let recent = try await Self.execute(runtime, "opportunities.list", ["updatedAtStart": .number(Double(since))], token: token)
            #expect(Self.items(recent.output).compactMap { JSONPath.text($0["name"]) } == ["Katherine Johnson", "Ada Lovelace"])
            #expect(fake.requests.last?.queryItems["updated_at_start"] == [String(since)])
        }
    }

    @Test func anOpportunityIsReadWithItsStageExpanded() async throws {
        try await withLever { fake, runtime in
            let token = fake.issueToken()
            let ada = try await Self.execute(runtime, "opportunities.get", ["id": .string(Self.ada)], token: token)
            #expect(ada.output["id"] == .string(Self.ada) && ada.output["name"] == .string("Ada Lovelace"))
            #expect(ada.output["email"] == .string("ada@example.com"))
            #expect(ada.output["stage"] == .string("Phone screen"), "stage.text, with expand=stage")
            #expect(ada.output["sources"] == .array([.string("Careers page")]) && ada.output["tags"] == .array([]))
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/v1/opportunities/\(Self.ada)" && sent.queryItems["expand"] == ["stage"])

            // Not an id: sent as one path segment, so it names no other resource.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "opportunities.get", ["id": .string("../postings")], token: token)
            }
            #expect(invalid?.code == .providerRejected || invalid?.code == .invalidInput)
            #expect(fake.server.requests("GET", "/v1/postings").isEmpty)

            let unknown = "00000000-0000-4000-8000-000000000000"
            let missing = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "opportunities.get", ["id": .string(unknown)], token: token)
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "ResourceNotFound")
            #expect(missing?.message.contains("HTTP 404") == true)
            #expect(fake.server.requests("GET", "/v1/opportunities/\(unknown)").count == 1, "a 404 is not retried")
        }
    }

    @Test func postingsArePublishedOnesUnlessAskedAndMapTheirCategories() async throws {
        try await withLever { fake, runtime in
            let token = fake.issueToken()
            let published = try await Self.execute(runtime, "postings.list", token: token)
            let postings = Self.items(published.output)
            #expect(postings.compactMap { JSONPath.text($0["title"]) } == ["Backend Engineer", "Growth Marketer"])
            let backend = try #require(postings.first)
            #expect(backend["state"] == .string("published") && backend["team"] == .string("Engineering"))
            #expect(backend["location"] == .string("London"))
            #expect(backend["applyUrl"] == .string("https://jobs.lever.co/acme/8c4b2a90-1f3e-4d5a-8b6c-7d9e0f1a2b33/apply"))
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/v1/postings" && sent.queryItems["state"] == ["published"] && sent.queryItems["limit"] == ["100"])

            let engineering = try await Self.execute(
                runtime, "postings.list", ["state": .string("internal"), "team": .string("Engineering")], token: token)
            #expect(Self.items(engineering.output).compactMap { JSONPath.text($0["title"]) } == ["Internal Tools Lead"])
            #expect(fake.requests.last?.queryItems["team"] == ["Engineering"])

            // The smoke read: one posting.
            let smoke = try #require(try Self.definition().smoke)
            guard case .object(let input)? = smoke.input else { Issue.record("the smoke read has no input"); return }
            let one = try await Self.execute(runtime, smoke.action, input, token: token)
            #expect(Self.items(one.output).count == 1)
        }
    }

    @Test func anExpiredTokenIsAnAuthErrorAndAMissingScopeIsPermanent() async throws {
        try await withLever { fake, runtime in
            let token = fake.issueToken()
            fake.expire(token: token)
            let expired = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "postings.list", token: token)
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.message.contains("HTTP 401") == true && expired?.message.contains(token) == false)
            #expect(fake.requests.count == 1, "a refused token is not retried by the client")

            let postingsOnly = fake.issueToken(scopes: ["offline_access", "postings:read:admin"])
            let denied = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "opportunities.list", token: postingsOnly)
            }
            #expect(denied?.code == .providerRejected, "\(denied?.code.rawValue ?? "")")
            #expect(denied?.message.contains("opportunities:read:admin") == true)
        }
    }

    @Test func a429IsRetriedAndOneBeyondTheCapIsARateLimit() async throws {
        try await withLever { fake, runtime in
            let token = fake.issueToken()
            fake.injectRateLimit(calls: 1)
            let retried = try await Self.execute(runtime, "postings.list", token: token)
            #expect(retried.attempts == 2)
            #expect(fake.server.requests("GET", "/v1/postings").count == 2)

            fake.injectRateLimit(calls: 1, retryAfter: 1)
            let waited = try await Self.execute(runtime, "postings.list", token: token)
            #expect(waited.attempts == 2)
            let reads = fake.server.requests("GET", "/v1/postings").suffix(2)
            #expect(reads.last!.receivedAt.timeIntervalSince(reads.first!.receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectRateLimit(calls: 5, retryAfter: 600)
            let limited = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "postings.list", token: token)
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }
}
