import Foundation
import TestSupport
import Testing

/// The GitHub fake, driven with plain HTTP as GitHub's documentation shows each call
/// (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps,
/// https://docs.github.com/en/rest/issues/issues, https://docs.github.com/en/rest/repos/repos,
/// https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api,
/// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api): what it
/// refuses is what a client must not send.
@Suite struct GitHubFakeTests {
    private func withFake<T>(_ fake: GitHubFake = GitHubFake(), _ body: (GitHubFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func headers(_ token: String) -> [String: String] {
        [
            "Authorization": "Bearer \(token)", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "NeonHub-tests",
        ]
    }

    private static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    private static func form(_ fields: [String: String]) -> Data {
        Data(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(encode($0.value))" }.joined(separator: "&").utf8)
    }

    private static func list(_ reply: HTTPTestClient.Reply) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
    }

    /// The path and query of the `rel` target of a `Link` header.
    private static func link(_ reply: HTTPTestClient.Reply, _ rel: String) -> String? {
        guard let header = reply.header("Link") else { return nil }
        for part in header.components(separatedBy: ", <") where part.contains("rel=\"\(rel)\"") {
            let target = part.trimmingCharacters(in: CharacterSet(charactersIn: "<")).components(separatedBy: ">;").first ?? ""
            guard let url = URL(string: target) else { return nil }
            return url.path + (url.query.map { "?\($0)" } ?? "")
        }
        return nil
    }

    @Test func headersAuthenticationAndRateLimitHeadersAreAsDocumented() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let me = try await client.get("/user", headers: Self.headers(token))
            #expect(me.status == 200)
            #expect(try me.json()["login"] as? String == GitHubFake.login)
            #expect(me.header("x-ratelimit-limit") == "5000" && me.header("x-ratelimit-used") == "1")
            #expect(me.header("x-ratelimit-resource") == "core")
            let reset = try #require(me.header("x-ratelimit-reset").flatMap(Double.init))
            #expect(reset > Date().timeIntervalSince1970, "x-ratelimit-reset is a UTC epoch second in the future")

            var anonymous = Self.headers(token)
            anonymous["Authorization"] = nil
            let unauthenticated = try await client.get("/user", headers: anonymous)
            #expect(try unauthenticated.status == 401 && unauthenticated.json()["message"] as? String == "Requires authentication")
            let bad = try await client.get("/user", headers: Self.headers("gho_not-a-token"))
            #expect(bad.status == 401)
            #expect(try bad.json()["message"] as? String == "Bad credentials")
            #expect(try bad.json()["documentation_url"] as? String != nil)

            var noAgent = Self.headers(token)
            noAgent["User-Agent"] = nil
            #expect(try await client.get("/user", headers: noAgent).status == 403)
            var oldVersion = Self.headers(token)
            oldVersion["X-GitHub-Api-Version"] = "2021-01-01"
            #expect(try await client.get("/user", headers: oldVersion).status == 400)

            let injectedAt = Date().timeIntervalSince1970
            fake.injectPrimaryRateLimit(status: 403, resetIn: 600)
            let primary = try await client.get("/user", headers: Self.headers(token))
            #expect(primary.status == 403 && primary.header("x-ratelimit-remaining") == "0")
            let primaryReset = try #require(primary.header("x-ratelimit-reset").flatMap(Double.init))
            // 600 s after a moment between the injection and now (whole seconds).
            #expect(primaryReset > injectedAt + 600 - 2 && primaryReset < Date().timeIntervalSince1970 + 600 + 2)
            #expect((try primary.json()["message"] as? String)?.hasPrefix("API rate limit exceeded") == true)
            fake.injectSecondaryRateLimit(status: 429, retryAfter: 30)
            let secondary = try await client.get("/user", headers: Self.headers(token))
            #expect(secondary.status == 429 && secondary.header("retry-after") == "30")
            #expect(secondary.header("x-ratelimit-remaining") != "0", "a secondary limit is not the hourly budget")
            #expect(try await client.get("/user", headers: Self.headers(token)).status == 200)
        }
    }

    @Test func theWebFlowRedirectsWithACodeBoundToItsPKCEChallengeAndRedirect() async throws {
        try await withFake { fake, client in
            let verifier = String(repeating: "a1B2c3D4e5", count: 5)
            let redirect = "http://localhost:8080/oauth/callback/github"
            let consent = try await client.get(
                "/login/oauth/authorize?client_id=\(fake.app.clientID)&redirect_uri=\(Self.encode(redirect))&scope=repo%20read%3Auser"
                    + "&state=s1&code_challenge=\(PKCE.s256Challenge(verifier))&code_challenge_method=S256")
            #expect(consent.status == 302)
            let location = try #require(consent.header("Location").flatMap(URLComponents.init(string:)))
            #expect(location.path == "/oauth/callback/github" && location.port == 8080)
            #expect(location.queryItems?.first { $0.name == "state" }?.value == "s1")
            let code = try #require(location.queryItems?.first { $0.name == "code" }?.value)

            let exchange: [String: String] = [
                "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret, "code": code, "redirect_uri": redirect,
            ]
            let wrongVerifier = exchange.merging(["code_verifier": String(repeating: "z", count: 43)]) { $1 }
            let refused = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"], body: Self.form(wrongVerifier))
            #expect(refused.status == 200, "GitHub answers token errors with HTTP 200")
            #expect(try refused.json()["error"] as? String == "bad_verification_code")

            // Form-encoded unless the request accepts JSON; scopes comma-separated.
            let issued = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Self.form(exchange.merging(["code_verifier": verifier]) { $1 }))
            #expect(issued.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
            let fields = Dictionary(
                uniqueKeysWithValues: (URLComponents(string: "?" + issued.text)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(fields["scope"] == "repo,read:user" && fields["token_type"] == "bearer")
            #expect(fields["refresh_token"] == nil, "an OAuth app's token does not expire")
            let token = try #require(fields["access_token"])
            #expect(token.hasPrefix("gho_"))
            #expect(try await client.get("/user", headers: Self.headers(token)).status == 200)

            let again = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"],
                body: Self.form(exchange.merging(["code_verifier": verifier]) { $1 }))
            #expect(try again.json()["error"] as? String == "bad_verification_code", "a code is single use")
            let wrongSecret = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"],
                body: Self.form(exchange.merging(["client_secret": "nope"]) { $1 }))
            #expect(try wrongSecret.json()["error"] as? String == "incorrect_client_credentials")

            let elsewhere = try await client.get(
                "/login/oauth/authorize?client_id=\(fake.app.clientID)&redirect_uri=\(Self.encode("https://evil.example/cb"))&state=s2")
            #expect(elsewhere.header("Location")?.hasPrefix(fake.app.redirectURI + "?error=redirect_uri_mismatch") == true)
            let plain = try await client.get(
                "/login/oauth/authorize?client_id=\(fake.app.clientID)&code_challenge=\(verifier)&code_challenge_method=plain")
            #expect(plain.header("Location")?.contains("error=invalid_request") == true, "plain is not supported")
        }
    }

    @Test func expiringUserTokensRotateTheirRefreshToken() async throws {
        try await withFake(GitHubFake(expiringTokens: true)) { fake, client in
            let code = fake.authorize()
            let base = ["client_id": fake.app.clientID, "client_secret": fake.app.clientSecret]
            let first = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"],
                body: Self.form(base.merging(["code": code]) { $1 }))
            #expect(try first.json()["expires_in"] as? Int == 28800)
            let refresh = try #require(try first.json()["refresh_token"] as? String)
            let grant = base.merging(["grant_type": "refresh_token", "refresh_token": refresh]) { $1 }
            let renewed = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"], body: Self.form(grant))
            #expect((try renewed.json()["refresh_token"] as? String).map { $0 != refresh } == true)
            let reused = try await client.request(
                "POST", "/login/oauth/access_token", headers: ["Accept": "application/json"], body: Self.form(grant))
            #expect(try reused.json()["error"] as? String == "bad_refresh_token")
        }
    }

    @Test func repositoriesArePagedThroughLinkAndTypeConflictsWithAffiliation() async throws {
        try await withFake { fake, client in
            fake.addRepositories(120)
            let token = fake.issueToken()
            let first = try await client.get("/user/repos?per_page=100&sort=updated", headers: Self.headers(token))
            #expect(Self.list(first).count == 100)
            #expect(Self.list(first).first?["full_name"] as? String == "octocat/Hello-World", "most recently updated first")
            #expect(Self.link(first, "prev") == nil)
            let next = try #require(Self.link(first, "next"))
            #expect(next.contains("page=2") && next.contains("sort=updated"))
            let second = try await client.get(next, headers: Self.headers(token))
            #expect(Self.list(second).count == 25)
            #expect(Self.link(second, "next") == nil && Self.link(second, "first") != nil)

            let conflict = try await client.get("/user/repos?type=owner&affiliation=owner", headers: Self.headers(token))
            #expect(conflict.status == 422)
            #expect(try conflict.json()["message"] as? String == "If you specify visibility or affiliation, you cannot specify type.")
            let small = try await client.get("/user/repos?per_page=500", headers: Self.headers(token))
            #expect(Self.list(small).count == 100, "per_page is at most 100")

            let publicOnly = fake.issueToken(scopes: ["public_repo"])
            let seen = Self.list(try await client.get("/user/repos?per_page=100", headers: Self.headers(publicOnly)))
            #expect(!seen.contains { $0["private"] as? Bool == true }, "private repositories need the repo scope")
        }
    }

    @Test func issuesIncludePullRequestsAndWritesAreValidated() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let open = Self.list(try await client.get("/repos/octocat/Hello-World/issues", headers: Self.headers(token)))
            #expect(open.compactMap { $0["number"] as? Int } == [2, 1], "open ones, newest first")
            #expect(open.first?["pull_request"] != nil && open.last?["pull_request"] == nil)
            let bugs = Self.list(try await client.get("/repos/octocat/Hello-World/issues?state=all&labels=bug,crash", headers: Self.headers(token)))
            #expect(bugs.compactMap { $0["number"] as? Int } == [3])

            fake.addIssues(40)
            let page = try await client.get("/repos/octocat/Hello-World/issues?per_page=30", headers: Self.headers(token))
            let next = try #require(Self.link(page, "next"))
            #expect(next.hasPrefix("/repositories/1296269/issues?"), "GitHub links repository lists by id")
            #expect(Self.list(try await client.get(next, headers: Self.headers(token))).count == 12)

            let disabled = try await client.get("/repos/octocat/Spoon-Knife/issues", headers: Self.headers(token))
            #expect(try disabled.status == 410 && disabled.json()["message"] as? String == "Issues are disabled for this repo")
            #expect(try await client.get("/repos/someone/elses-private/issues", headers: Self.headers(token)).status == 404)

            var write = Self.headers(token)
            write["Content-Type"] = "application/json"
            let untitled = try await client.request(
                "POST", "/repos/octocat/Hello-World/issues", headers: write, body: Data(#"{"body":"no title"}"#.utf8))
            #expect(try untitled.status == 422 && untitled.json()["message"] as? String == "Validation Failed")
            let error = try #require((try untitled.json()["errors"] as? [[String: Any]])?.first)
            #expect(error["resource"] as? String == "Issue" && error["field"] as? String == "title" && error["code"] as? String == "missing_field")
            let stranger = try await client.request(
                "POST", "/repos/octocat/Hello-World/issues", headers: write, body: Data(#"{"title":"t","assignees":["mallory"]}"#.utf8))
            #expect(stranger.status == 422)

            let created = try await client.request(
                "POST", "/repos/octocat/Hello-World/issues", headers: write,
                body: Data(#"{"title":"Found a bug","labels":["bug"],"assignees":["hubot"],"milestone":1}"#.utf8))
            #expect(created.status == 201)
            let number = try #require(try created.json()["number"] as? Int)
            #expect(created.header("Location")?.hasSuffix("/repos/octocat/Hello-World/issues/\(number)") == true)
            #expect(fake.issues(in: "octocat/Hello-World").last?.assignees == ["hubot"])

            let comment = try await client.request(
                "POST", "/repos/octocat/Hello-World/issues/\(number)/comments", headers: write, body: Data(#"{"body":"Me too"}"#.utf8))
            #expect(comment.status == 201)
            #expect((try comment.json()["html_url"] as? String)?.contains("#issuecomment-") == true)
            #expect(fake.comments.map(\.body) == ["Me too"])
            let nowhere = try await client.request(
                "POST", "/repos/octocat/Hello-World/issues/999/comments", headers: write, body: Data(#"{"body":"x"}"#.utf8))
            #expect(nowhere.status == 404)
        }
    }
}
