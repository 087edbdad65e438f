import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The LinkedIn definition run by the real runtime against the LinkedIn fake (which follows the
/// Posts API, Organization Access Control, OpenID userinfo and the Rest.li 2.0 and versioning
/// rules): what the catalog sends must be what LinkedIn accepts, field by field. Image posts
/// (`posts.createImage`, the Images API flow) are in `LinkedInImagePostFlowTests`.
@Suite struct LinkedInRuntimeTests {
    static func runtime(_ fake: LinkedInFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "linkedin"),
            baseURLOverrides: ["linkedin": fake.baseURL])
    }

    static let organizations = [
        LinkedInFake.Organization(id: 1001, localizedName: "NeonHub Demo", vanityName: "neonhub-demo"),
        LinkedInFake.Organization(id: 1002, localizedName: "Example Coffee Roasters", vanityName: "example-coffee"),
        LinkedInFake.Organization(id: 1003, localizedName: "Watched Only", vanityName: "watched", role: "ANALYST"),
        LinkedInFake.Organization(id: 1004, localizedName: "Asked For", vanityName: "asked", state: "REQUESTED"),
    ]

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withLinkedIn(_ body: (LinkedInFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = LinkedInFake(organizations: Self.organizations)
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func theMemberAndTheAdministeredPagesAreTheAccounts() async throws {
        try await withLinkedIn { fake, runtime in
            let token = fake.issueAccessToken()
            let me = try await runtime.execute(ConnectorCall(connector: "linkedin", action: "me.get")) { _ in .token(token) }
            #expect(
                me.output
                    == .object([
                        "id": .string(fake.member.sub), "name": .string("Avery Example"), "email": .string(fake.member.email),
                        "picture": .string("https://media.licdn.com/dms/image/fake/profile.jpg"),
                    ]))
            let userinfo = try #require(fake.requests.last)
            #expect(userinfo.path == "/v2/userinfo")
            #expect(userinfo.header("Authorization") == "Bearer \(token)")

            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let accountsAction = try #require(catalog["linkedin"]?.definition.accounts?.action)
            let pages = try await runtime.execute(ConnectorCall(connector: "linkedin", action: accountsAction)) { _ in .token(token) }
            // Only Pages where the member is an approved administrator: not the analyst role, not a pending request.
            #expect(
                Self.items(pages.output) == [
                    .object([
                        "id": .string("urn:li:organization:1001"), "name": .string("NeonHub Demo"), "vanityName": .string("neonhub-demo"),
                        "role": .string("ADMINISTRATOR"), "state": .string("APPROVED"),
                    ]),
                    .object([
                        "id": .string("urn:li:organization:1002"), "name": .string("Example Coffee Roasters"),
                        "vanityName": .string("example-coffee"),
                        "role": .string("ADMINISTRATOR"), "state": .string("APPROVED"),
                    ]),
                ])
            let acls = try #require(fake.requests.last)
            #expect(acls.path == "/rest/organizationAcls")
            #expect(acls.queryItems["q"] == ["roleAssignee"])
            // Rest.li 2.0: the projection's structure goes unencoded (an encoded `(` or `,` is refused).
            #expect(acls.query?.contains("projection=(paging,elements*(*,organization~(id,localizedName,vanityName)))") == true)
            #expect(acls.queryItems["role"] == ["ADMINISTRATOR"], "the schema's default role is sent")
            #expect(acls.queryItems["state"] == ["APPROVED"])
            #expect(acls.header("LinkedIn-Version") == "202603")
            #expect(acls.header("X-Restli-Protocol-Version") == "2.0.0")

            // A smaller page than the definition's pageSize still reads every page.
            let paged = try await runtime.execute(ConnectorCall(connector: "linkedin", action: accountsAction, input: .object(["count": .number(1)])))
            { _ in .token(token) }
            #expect(Self.items(paged.output).compactMap { JSONPath.text($0["id"]) } == ["urn:li:organization:1001", "urn:li:organization:1002"])
            #expect(paged.pages == 3)  // the third page is empty: the offset style stops on it
            #expect(fake.server.requests("GET", "/rest/organizationAcls").suffix(3).map { $0.queryItems["start"] } == [nil, ["1"], ["2"]])
        }
    }

    @Test func textPostsAsTheMemberAndAsAPageCarryTheDocumentedDefaults() async throws {
        try await withLinkedIn { fake, runtime in
            let token = fake.issueAccessToken()
            let me = try await runtime.execute(ConnectorCall(connector: "linkedin", action: "me.get")) { _ in .token(token) }
            let person = "urn:li:person:\(try #require(JSONPath.text(me.output["id"])))"

            let asMember = try await runtime.execute(
                ConnectorCall(
                    connector: "linkedin", action: "posts.create",
                    input: .object(["commentary": .string("Hello from NeonHub")]), accountID: person)
            ) { _ in .token(token) }
            let memberPost = try #require(JSONPath.text(asMember.output["id"]))
            #expect(memberPost.hasPrefix("urn:li:share:"))
            #expect(fake.postURNs == [memberPost])
            let sent = try #require(fake.server.requests("POST", "/rest/posts").last)
            #expect(sent.header("LinkedIn-Version") == "202603")
            #expect(sent.header("X-Restli-Protocol-Version") == "2.0.0")
            #expect(sent.header("Content-Type") == "application/json")
            // The Posts API requires visibility, distribution and lifecycleState; the caller gave
            // only the commentary, so the schema's documented defaults are sent.
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "author": .string(person),
                        "commentary": .string("Hello from NeonHub"),
                        "visibility": .string("PUBLIC"),
                        "distribution": .object([
                            "feedDistribution": .string("MAIN_FEED"), "targetEntities": .array([]), "thirdPartyDistributionChannels": .array([]),
                        ]),
                        "lifecycleState": .string("PUBLISHED"),
                        "isReshareDisabledByAuthor": .bool(false),
                    ]))

            let page = Self.organizations[0].urn
            let asPage = try await runtime.execute(
                ConnectorCall(
                    connector: "linkedin", action: "posts.create",
                    input: .object(["commentary": .string("Spring roast is out"), "visibility": .string("LOGGED_IN")]),
                    accountID: page)
            ) { _ in .token(token) }
            let pagePost = try #require(JSONPath.text(asPage.output["id"]))
            let stored = try #require(fake.post(pagePost))
            #expect(stored["author"] as? String == page)
            #expect(stored["visibility"] as? String == "LOGGED_IN", "the caller's visibility wins over the default")
            #expect(stored["lifecycleState"] as? String == "PUBLISHED")

            let read = try await runtime.execute(
                ConnectorCall(connector: "linkedin", action: "posts.get", input: .object(["postUrn": .string(pagePost)]))
            ) { _ in .token(token) }
            #expect(read.output["author"] == .string(page))
            #expect(read.output["commentary"] == .string("Spring roast is out"))
            #expect(
                fake.requests.last?.path == "/rest/posts/\(pagePost.replacingOccurrences(of: ":", with: "%3A"))",
                "the URN key is encoded (Rest.li 2.0)")

            let listed = try await runtime.execute(ConnectorCall(connector: "linkedin", action: "posts.list", accountID: page)) { _ in .token(token) }
            #expect(Self.items(listed.output).compactMap { JSONPath.text($0["id"]) } == [pagePost])
            let finder = try #require(fake.requests.last)
            #expect(finder.header("X-RestLi-Method") == "FINDER")
            #expect(finder.queryItems["author"] == [page])
            #expect(finder.query?.contains("author=urn%3Ali%3Aorganization%3A1001") == true)
        }
    }

    @Test func anArticlePostIsCreatedAndAPostIsDeleted() async throws {
        try await withLinkedIn { fake, runtime in
            let token = fake.issueAccessToken()
            let page = Self.organizations[1].urn
            let input: JSONValue = .object([
                "commentary": .string("How we roast"), "articleUrl": .string("https://www.example.com/blog/how-we-roast"),
                "articleTitle": .string("How we roast"),
            ])
            let created = try await runtime.execute(
                ConnectorCall(connector: "linkedin", action: "posts.createArticle", input: input, accountID: page)
            ) { _ in .token(token) }
            let urn = try #require(JSONPath.text(created.output["id"]))
            let body = try JSONValue.parse(try #require(fake.server.requests("POST", "/rest/posts").last).body)
            // No description given: the optional field is left out, never sent empty.
            #expect(
                body["content"]
                    == .object([
                        "article": .object([
                            "source": .string("https://www.example.com/blog/how-we-roast"),
                            "title": .string("How we roast"),
                        ])
                    ]))
            #expect(body["visibility"] == .string("PUBLIC"))
            #expect(body["lifecycleState"] == .string("PUBLISHED"))
            let article = try #require((fake.post(urn)?["content"] as? [String: Any])?["article"] as? [String: Any])
            #expect(article["title"] as? String == "How we roast")

            let deleted = try await runtime.execute(
                ConnectorCall(connector: "linkedin", action: "posts.delete", input: .object(["postUrn": .string(urn)]), accountID: page)
            ) { _ in .token(token) }
            #expect(deleted.output == .null)
            #expect(fake.postURNs.isEmpty)
            let delete = try #require(fake.requests.last)
            #expect(delete.method == "DELETE")
            #expect(delete.header("X-RestLi-Method") == "DELETE")

            let gone = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "linkedin", action: "posts.get", input: .object(["postUrn": .string(urn)]))) { _ in
                    .token(token)
                }
            }
            #expect(gone?.code == .providerRejected)
        }
    }

    @Test func errorsAreClassifiedByLinkedInsCodesAndStatuses() async throws {
        try await withLinkedIn { fake, runtime in
            let token = fake.issueAccessToken()
            let page = Self.organizations[0].urn
            func post(_ commentary: String, as author: String = page, with credential: String? = nil) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(
                        ConnectorCall(
                            connector: "linkedin", action: "posts.create",
                            input: .object(["commentary": .string(commentary)]), accountID: author)
                    ) { _ in .token(credential ?? token) }
                }
            }

            // 401: an expired token.
            let expired = fake.issueAccessToken()
            fake.expire(token: expired)
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "linkedin", action: "me.get")) { _ in .token(expired) }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "EXPIRED_ACCESS_TOKEN")
            #expect(auth?.message.contains(expired) == false)

            // 403: a Page the member does not administer, and a token without the organization scope.
            let stranger = await post("Not ours", as: "urn:li:organization:999")
            #expect(stranger?.code == .providerRejected)
            #expect(stranger?.providerCode == "ACCESS_DENIED")
            let memberOnly = fake.issueAccessToken(scopes: ["openid", "profile", "w_member_social"])
            let noScope = await post("No org scope", with: memberOnly)
            #expect(noScope?.code == .providerRejected)
            #expect(Self.organizations[2].role == "ANALYST")
            let analyst = await post("Analysts cannot post", as: Self.organizations[2].urn)
            #expect(analyst?.code == .providerRejected)

            // 422: a duplicate (no documented code: classified by its status) and an injected validation error.
            _ = try await runtime.execute(
                ConnectorCall(connector: "linkedin", action: "posts.create", input: .object(["commentary": .string("Once")]), accountID: page)
            ) { _ in .token(token) }
            let duplicate = await post("Once")
            #expect(duplicate?.code == .providerRejected)
            #expect(duplicate?.providerCode == nil)
            #expect(duplicate?.message.contains("Content is a duplicate of urn:li:share:") == true)
            fake.failNext(error: .unprocessable("ERROR :: /commentary :: is too long; maximum length is 3000"))
            let invalid = await post("Whatever")
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "UNPROCESSABLE_ENTITY")

            // 429 on a write: not retried; LinkedIn documents no Retry-After, so none is reported.
            let before = fake.requests.count
            fake.injectRateLimit(calls: 1)
            let throttled = await post("Throttled")
            #expect(throttled?.code == .providerRateLimited)
            #expect(throttled?.providerCode == "TOO_MANY_REQUESTS")
            #expect(throttled?.retryAfterSeconds == nil)
            #expect(fake.requests.count == before + 1)

            // 429 on a read with a Retry-After beyond the wait cap: handed back with the wait, not slept on.
            fake.injectRateLimit(calls: 1, retryAfter: 3600)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "linkedin", action: "organizations.list")) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((3590...3600).contains(limited?.retryAfterSeconds ?? 0))

            // 500: LinkedIn's side, retried on a read until it answers.
            fake.failNext(error: .internalError)
            let recovered = try await runtime.execute(ConnectorCall(connector: "linkedin", action: "me.get")) { _ in .token(token) }
            #expect(recovered.attempts >= 2)
        }
    }
}
