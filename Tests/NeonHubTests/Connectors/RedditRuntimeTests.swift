import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Reddit definition run by the real runtime against the Reddit fake (which follows
/// Reddit's OAuth2 wiki, API rules and API reference): what the catalog sends must be what
/// Reddit accepts, field by field — the User-Agent on every call, form-encoded submits, and
/// errors that arrive with HTTP 200. Publishing through the queue and the token refresh are
/// in `XRedditQueueTests`.
@Suite struct RedditRuntimeTests {
    static func runtime(_ fake: RedditFake, userAgent: String? = RedditFake.userAgent) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "reddit"),
            appSettings: userAgent.map { ["reddit": ["userAgent": $0]] } ?? [:], baseURLOverrides: ["reddit": fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withReddit(
        _ fake: RedditFake = RedditFake(), userAgent: String? = RedditFake.userAgent, _ body: (RedditFake, ConnectorRuntime) async throws -> Void
    ) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake, userAgent: userAgent)) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func theIdentityAndTheSubredditsAreReadWithTheAppsUserAgent() async throws {
        try await withReddit(RedditFake(extraSubreddits: 150)) { fake, runtime in
            let token = fake.issueAccessToken()
            let requestedAt = Date()
            let me = try await runtime.execute(ConnectorCall(connector: "reddit", action: "me.get")) { _ in .token(token) }
            #expect(
                me.output == .object(["id": .string("abc12"), "name": .string("neonhub"), "karma": .number(1534), "created": .number(1_600_000_000)]))
            let read = try #require(fake.requests.last)
            #expect(read.path == "/api/v1/me" && read.queryItems["raw_json"] == ["1"])
            #expect(read.header("User-Agent") == RedditFake.userAgent)
            #expect(read.header("Authorization") == "Bearer \(token)")
            // X-Ratelimit-Remaining (a decimal) and X-Ratelimit-Reset (seconds from now) teach the budget.
            let reading = try #require(me.rateLimit)
            #expect(reading.source == "x-ratelimit-remaining")
            #expect(reading.remaining == 99)
            // 412 s after a moment between the call and now.
            let resetsAt = reading.resetsAt ?? .distantPast
            #expect(resetsAt.timeIntervalSince(requestedAt) > 412 - 2 && resetsAt.timeIntervalSinceNow < 412 + 2)

            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let accounts = try #require(catalog["reddit"]?.definition.accounts?.action)
            let listed = try await runtime.execute(ConnectorCall(connector: "reddit", action: accounts)) { _ in .token(token) }
            let names = Self.items(listed.output).compactMap { JSONPath.text($0["id"]) }
            #expect(names.count == 153)
            #expect(names.prefix(3) == ["NeonHubDemo", "Coffee", "pics"])
            #expect(listed.pages == 2)
            let pages = fake.server.requests("GET", "/subreddits/mine/*")
            #expect(pages.map(\.path) == ["/subreddits/mine/subscriber", "/subreddits/mine/subscriber"])
            #expect(pages.map { $0.queryItems["limit"] } == [["100"], ["100"]])
            #expect(pages.map { $0.queryItems["after"] } == [nil, [fake.subreddits[99].fullname]])
            #expect(pages.allSatisfy { $0.header("User-Agent") == RedditFake.userAgent })
        }
    }

    @Test func selfAndLinkPostsAreSubmittedAsFormsAndDeleted() async throws {
        try await withReddit { fake, runtime in
            let token = fake.issueAccessToken()
            let created = try await runtime.execute(
                ConnectorCall(
                    connector: "reddit", action: "posts.submit",
                    input: .object(["kind": .string("self"), "title": .string("Spring blend is back"), "text": .string("Roasted this week.")]),
                    accountID: "NeonHubDemo")
            ) { _ in .token(token) }
            let post = try #require(fake.posts.last)
            #expect(created.output["id"] == .string(post.fullname))
            #expect(JSONPath.text(created.output["url"])?.hasPrefix("https://www.reddit.com/r/NeonHubDemo/comments/\(post.id)/") == true)
            let sent = try #require(fake.server.requests("POST", "/api/submit").last)
            #expect(sent.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(sent.header("User-Agent") == RedditFake.userAgent)
            #expect(
                sent.formItems == [
                    "api_type": ["json"], "sr": ["NeonHubDemo"], "kind": ["self"], "title": ["Spring blend is back"],
                    "text": ["Roasted this week."], "nsfw": ["false"], "sendreplies": ["true"], "resubmit": ["true"],
                ])

            let link = try await runtime.execute(
                ConnectorCall(
                    connector: "reddit", action: "posts.submit",
                    input: .object([
                        "kind": .string("link"), "title": .string("How we roast"), "url": .string("https://www.example.com/blog/how-we-roast"),
                    ]), accountID: "Coffee")
            ) { _ in .token(token) }
            #expect(fake.posts.last?.url == "https://www.example.com/blog/how-we-roast")
            #expect(fake.posts.last?.subreddit == "Coffee")
            let linkID = try #require(JSONPath.text(link.output["id"]))

            let info = try await runtime.execute(
                ConnectorCall(connector: "reddit", action: "posts.info", input: .object(["ids": .string("\(post.fullname),\(linkID)")]))
            ) { _ in .token(token) }
            guard case .array(let rows) = info.output else {
                Issue.record("posts.info answered \(info.output)")
                return
            }
            #expect(rows.compactMap { JSONPath.text($0["id"]) } == [post.fullname, linkID])

            let mine = try await runtime.execute(
                ConnectorCall(connector: "reddit", action: "user.submitted", input: .object(["username": .string(RedditFake.username)]))
            ) { _ in .token(token) }
            #expect(Self.items(mine.output).compactMap { JSONPath.text($0["id"]) } == [linkID, post.fullname])

            _ = try await runtime.execute(
                ConnectorCall(connector: "reddit", action: "posts.delete", input: .object(["id": .string(post.fullname)]))
            ) { _ in .token(token) }
            #expect(try #require(fake.server.requests("POST", "/api/del").last).formItems == ["id": [post.fullname]])
            #expect(fake.posts.map(\.fullname) == [linkID])
        }
    }

    @Test func errorsAnsweredWithHTTP200AreClassifiedByTheirCode() async throws {
        try await withReddit { fake, runtime in
            let token = fake.issueAccessToken()
            func submit(to subreddit: String, _ input: [String: JSONValue]) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(ConnectorCall(connector: "reddit", action: "posts.submit", input: .object(input), accountID: subreddit))
                    {
                        _ in .token(token)
                    }
                }
            }
            let noSuch = await submit(to: "NoSuchPlace", ["kind": .string("self"), "title": .string("Hello")])
            #expect(noSuch?.code == .providerRejected)
            #expect(noSuch?.providerCode == "SUBREDDIT_NOEXIST")
            #expect(noSuch?.message.contains("that subreddit doesn't exist") == true)

            let noSelfs = await submit(to: "pics", ["kind": .string("self"), "title": .string("Text here")])
            #expect(noSelfs?.providerCode == "NO_SELFS")
            let noURL = await submit(to: "NeonHubDemo", ["kind": .string("link"), "title": .string("A link without one")])
            #expect(noURL?.providerCode == "NO_URL")

            fake.injectSubmitErrors([
                ["RATELIMIT", "Looks like you've been doing that a lot. Take a break for 5 minutes before trying again.", "ratelimit"]
            ])
            let tooMuch = await submit(to: "NeonHubDemo", ["kind": .string("self"), "title": .string("Again")])
            #expect(tooMuch?.code == .providerRateLimited)
            #expect(tooMuch?.providerCode == "RATELIMIT")
            #expect(fake.posts.isEmpty)
        }
    }

    @Test func authRateLimitsAndAGenericUserAgentAreRefused() async throws {
        try await withReddit { fake, runtime in
            let expired = fake.issueAccessToken()
            fake.expire(token: expired)
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "reddit", action: "me.get")) { _ in .token(expired) }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.message.contains(expired) == false)

            // A 429 on a write: not repeated; the wait comes from X-Ratelimit-Reset (seconds).
            let token = fake.issueAccessToken()
            let before = fake.requests.count
            fake.injectRateLimit(calls: 1)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    ConnectorCall(
                        connector: "reddit", action: "posts.submit", input: .object(["kind": .string("self"), "title": .string("Hi")]),
                        accountID: "NeonHubDemo")
                ) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect((400...413).contains(limited?.retryAfterSeconds ?? 0))
            #expect(fake.requests.count == before + 1)
            #expect(fake.posts.isEmpty)

            let readOnly = fake.issueAccessToken(scopes: ["identity"])
            let noScope = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "reddit", action: "posts.delete", input: .object(["id": .string("t3_abc")]))) {
                    _ in
                    .token(readOnly)
                }
            }
            #expect(noScope?.code == .providerRejected)
        }
        // Without REDDIT_USER_AGENT only NeonHub's generic agent goes out, and Reddit throttles it.
        try await withReddit(userAgent: nil) { fake, runtime in
            let token = fake.issueAccessToken()
            let generic = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "reddit", action: "me.get")) { _ in .token(token) }
            }
            #expect(generic?.code == .providerRateLimited)
            #expect(RedditFake.isDescriptive(fake.requests.last?.header("User-Agent")) == false)
        }
    }
}
