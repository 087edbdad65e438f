import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The GitHub definition run by the real runtime against the GitHub fake (which follows GitHub's
/// REST reference, pagination, error and rate-limit documentation): the headers, the `Link`
/// paging, the issue and comment bodies, and GitHub's answers — bad credentials, the primary
/// rate limit, validation failures — as the documented outcomes.
@Suite struct GitHubRuntimeTests {
    static func runtime(_ fake: GitHubFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "github"), baseURLOverrides: ["github": fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withGitHub(_ body: (GitHubFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = GitHubFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(ConnectorCall(connector: "github", action: action, input: .object(input))) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? [] }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue { request.flatMap { try? JSONValue.parse($0.body) } ?? .null }

    /// A path value of `.` or `..` would be a dot segment (`/repos/../../issues` is `/issues` to a
    /// server that normalises paths): refused before anything is sent. `a/b?c` stays one segment.
    /// A `limit` too big for an integer is the action's maximum, not a crash.
    @Test func pathValuesCannotLeaveTheirSegmentAndAHugeLimitIsTheMaximum() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            for dots in [".", ".."] {
                let refused = await #expect(throws: ConnectorError.self) {
                    _ = try await Self.execute(runtime, "issues.list", ["owner": .string("octocat"), "repo": .string(dots)], token: token)
                }
                #expect(refused?.code == .invalidInput)
            }
            #expect(fake.server.requests.isEmpty)
            _ = try? await Self.execute(runtime, "issues.list", ["owner": .string("a/b?c"), "repo": .string("r")], token: token)
            #expect(fake.server.requests.last?.path == "/repos/a%2Fb%3Fc/r/issues")
            let many = try await Self.execute(runtime, "repos.list", ["limit": .number(1e19)], token: token)
            #expect(many.output["items"] != nil)
        }
    }

    @Test func theUserIsReadWithTheDocumentedHeaders() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let me = try await Self.execute(runtime, "user.get", token: token)
            #expect(me.output["login"] == .string(GitHubFake.login))
            #expect(me.output["id"]?.numberValue == Double(GitHubFake.userID))
            #expect(me.output["url"] == .string("https://github.com/octocat"))
            let sent = try #require(fake.requests("GET", "/user").last)
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(sent.header("Accept") == "application/vnd.github+json")
            #expect(sent.header("X-GitHub-Api-Version") == "2022-11-28")
            #expect(sent.header("User-Agent")?.hasPrefix("NeonHub/") == true)
            // What the runtime learned from GitHub's rate-limit headers.
            #expect(me.rateLimit?.source == "x-ratelimit-remaining")
            #expect(me.rateLimit?.remaining == GitHubFake.hourlyLimit - 1)
            #expect(me.rateLimit?.resetsAt.map { $0 > Date() } == true, "x-ratelimit-reset read as an epoch second")
        }
    }

    @Test
    func repositoriesArePagedThroughTheLinkHeaderUpToTheLimit() async throws {
        try await withGitHub { fake, runtime in
            fake.addRepositories(250)
            let token = fake.issueToken()
            let bounded = try await Self.execute(runtime, "repos.list", ["limit": .number(150)], token: token)
            #expect(Self.items(bounded.output).count == 150)
            #expect(bounded.pages == 2)
            #expect(bounded.output["truncated"] == .bool(true))
            #expect(JSONPath.text(Self.items(bounded.output).first?["fullName"]) == "octocat/Hello-World", "sort=updated, newest first")
            let reads = fake.requests("GET", "/user/repos")
            #expect(reads.count == 2)
            #expect(reads.first?.queryItems["per_page"] == ["100"] && reads.first?.queryItems["sort"] == ["updated"])
            #expect(reads.first?.queryItems["affiliation"] == ["owner,collaborator,organization_member"])
            #expect(reads.first?.queryItems["type"] == nil, "type with affiliation is a 422")
            #expect(reads.dropFirst().first?.queryItems["page"] == ["2"], "the second page is the Link header's rel=next")

            let all = try await Self.execute(runtime, "repos.list", ["limit": .number(500)], token: token)
            #expect(Self.items(all.output).count == 255)
            #expect(all.pages == 3)
            #expect(all.output["truncated"] == .bool(false))
            let documented = try await Self.execute(runtime, "repos.list", token: token)
            #expect(Self.items(documented.output).count == 200 && documented.output["truncated"] == .bool(true), "limit: default 200")
        }
    }

    @Test
    func issuesIncludePullRequestsAndFollowLinksToTheRepositoryById() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let bugs = try await Self.execute(
                runtime, "issues.list",
                ["owner": .string("octocat"), "repo": .string("Hello-World"), "state": .string("all"), "labels": .string("bug")],
                token: token)
            #expect(Self.items(bugs.output).compactMap { $0["number"]?.numberValue } == [3, 1], "sort=updated, direction=desc")
            #expect(JSONPath.text(Self.items(bugs.output).first?["author"]) == "hubot")
            let sent = try #require(fake.requests("GET", "/repos/octocat/Hello-World/issues").last)
            #expect(sent.queryItems["labels"] == ["bug"] && sent.queryItems["state"] == ["all"])

            let open = try await Self.execute(runtime, "issues.list", ["owner": .string("octocat"), "repo": .string("Hello-World")], token: token)
            #expect(Self.items(open.output).compactMap { JSONPath.text($0["title"]) }.contains("Add a README"), "pull requests are issues too")

            fake.addIssues(150)
            let paged = try await Self.execute(
                runtime, "issues.list", ["owner": .string("octocat"), "repo": .string("Hello-World"), "limit": .number(120)], token: token)
            #expect(Self.items(paged.output).count == 120)
            #expect(paged.pages == 2)
            #expect(fake.requests("GET", "/repositories/1296269/issues").count == 1, "page 2 is fetched where Link points")
        }
    }

    @Test func anIssueIsCreatedWithTheDocumentedBodyAndCommentedOn() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let created = try await Self.execute(
                runtime, "issues.create",
                [
                    "owner": .string("octocat"), "repo": .string("Hello-World"), "title": .string("Checkout fails on Safari"),
                    "body": .string("Steps to reproduce…"), "labels": .array([.string("bug")]), "assignees": .array([.string("hubot")]),
                    "milestone": .number(1),
                ], token: token)
            let number = try #require(created.output["number"]?.numberValue).rounded()
            #expect(created.output["state"] == .string("open"))
            #expect(JSONPath.text(created.output["url"]) == "https://github.com/octocat/Hello-World/issues/\(Int(number))")
            let stored = try #require(fake.issues(in: "octocat/Hello-World").last)
            #expect(stored.title == "Checkout fails on Safari" && stored.labels == ["bug"] && stored.assignees == ["hubot"])
            #expect(stored.milestone == 1 && stored.body == "Steps to reproduce…")
            let sent = try #require(fake.requests("POST", "/repos/octocat/Hello-World/issues").last)
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(Self.body(sent)["milestone"] == .number(1), "milestone is a number, not text")

            _ = try await Self.execute(
                runtime, "issues.create", ["owner": .string("octocat"), "repo": .string("Hello-World"), "title": .string("Bare")], token: token)
            guard case .object(let bare) = Self.body(fake.requests("POST", "/repos/octocat/Hello-World/issues").last) else {
                Issue.record("no JSON body")
                return
            }
            #expect(Set(bare.keys) == ["title"], "what was not given is left out, not sent empty")

            let comment = try await Self.execute(
                runtime, "issues.comment",
                ["owner": .string("octocat"), "repo": .string("Hello-World"), "issueNumber": .number(number), "body": .string("Fixed in #7")],
                token: token)
            #expect(JSONPath.text(comment.output["url"])?.hasSuffix("#issuecomment-\(fake.comments.last?.id ?? 0)") == true)
            #expect(comment.output["createdAt"] != nil)
            #expect(fake.comments.map(\.body) == ["Fixed in #7"] && fake.comments.last?.issueNumber == Int(number))
        }
    }

    @Test func badCredentialsAreAnAuthenticationError() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            fake.revoke(token: token)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "user.get", token: token) }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "Bad credentials")
            #expect(refused?.message.contains(token) == false)
        }
    }

    /// Whether `date` is `seconds` after a moment between `start` and now (whole seconds, as
    /// `x-ratelimit-reset` has them): a bound a slow test run cannot cross.
    static func isAbout(_ seconds: TimeInterval, after start: Date, _ date: Date) -> Bool {
        date.timeIntervalSince(start) > seconds - 2 && date.timeIntervalSinceNow < seconds + 2
    }

    @Test func thePrimaryLimitAs429IsRateLimitedUntilItsReset() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let injectedAt = Date()
            fake.injectPrimaryRateLimit(status: 429, resetIn: 1800)
            let limited = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "user.get", token: token) }
            #expect(limited?.code == .providerRateLimited)
            let resetAt = try #require(limited?.resetAt)
            #expect(Self.isAbout(1800, after: injectedAt, resetAt), "x-ratelimit-reset, not a guess")
            #expect(fake.requests("GET", "/user").count == 1, "a reset half an hour away is not waited for")
        }
    }

    @Test
    func thePrimaryLimitAs403IsRateLimitedNotAnAuthError() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let injectedAt = Date()
            fake.injectPrimaryRateLimit(status: 403, resetIn: 1800)
            let primary = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "user.get", token: token) }
            #expect(primary?.code == .providerRateLimited, "403 with x-ratelimit-remaining: 0 is the primary limit")
            #expect(primary?.resetAt.map { Self.isAbout(1800, after: injectedAt, $0) } == true)

            fake.injectSecondaryRateLimit(status: 403, retryAfter: 120)
            let secondary = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "user.get", token: token) }
            #expect(secondary?.code == .providerRateLimited, "403 with retry-after is a secondary limit")
            #expect(secondary?.retryAfterSeconds == 120)
        }
    }

    @Test func validationFailuresAndMissingRepositoriesArePermanentWithGitHubsMessage() async throws {
        try await withGitHub { fake, runtime in
            let token = fake.issueToken()
            let before = fake.issues(in: "octocat/Hello-World").count
            let invalid = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, "issues.create",
                    ["owner": .string("octocat"), "repo": .string("Hello-World"), "title": .string("t"), "assignees": .array([.string("mallory")])],
                    token: token)
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "Validation Failed")
            #expect(invalid?.message.contains("Validation Failed (assignees: invalid)") == true, "errors[] says which field was refused")
            #expect(fake.requests("POST", "/repos/octocat/Hello-World/issues").count == 1, "a 422 is not retried")

            let disabled = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, "issues.create", ["owner": .string("octocat"), "repo": .string("Spoon-Knife"), "title": .string("t")], token: token)
            }
            #expect(disabled?.code == .providerRejected)
            #expect(disabled?.providerCode == "Issues are disabled for this repo")

            let hidden = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, "issues.comment",
                    ["owner": .string("someone"), "repo": .string("private"), "issueNumber": .number(1), "body": .string("x")], token: token)
            }
            #expect(hidden?.code == .providerRejected)
            #expect(hidden?.providerCode == "Not Found")
            #expect(fake.issues(in: "octocat/Hello-World").count == before && fake.comments.isEmpty)
        }
    }
}
