import Foundation
import TestSupport
import Testing

/// The Reddit fake, driven with plain HTTP as Reddit's documentation shows each call:
/// https://github.com/reddit-archive/reddit/wiki/OAuth2, https://github.com/reddit-archive/reddit/wiki/API,
/// https://www.reddit.com/dev/api/#POST_api_submit.
@Suite struct RedditFakeTests {
    private func withFake<T>(_ body: (RedditFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = RedditFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private static func form(_ token: String, agent: String = RedditFake.userAgent) -> [String: String] {
        ["Authorization": "bearer \(token)", "Content-Type": "application/x-www-form-urlencoded", "User-Agent": agent]
    }

    @Test func userAgentsMustBeDescriptive() {
        #expect(RedditFake.isDescriptive("server:com.example.neonhub:v1.2.3 (by /u/neonhub_dev)"))
        #expect(!RedditFake.isDescriptive("NeonHub/1.0"))
        #expect(!RedditFake.isDescriptive("python-requests/2.31"))
        #expect(!RedditFake.isDescriptive("server:neonhub (by /u/someone)"))
        #expect(!RedditFake.isDescriptive(nil))
    }

    @Test func theCodeIsExchangedWithBasicAuthAndAPermanentGrantRefreshes() async throws {
        try await withFake { fake, client in
            let query = [
                "response_type": "code", "client_id": RedditFake.defaultApp.clientID, "redirect_uri": RedditFake.defaultApp.redirectURI,
                "state": "s1", "duration": "permanent", "scope": "identity submit",
            ]
            #expect(fake.authorize(query.merging(["duration": "forever"]) { $1 }) == nil)
            let code = try #require(fake.authorize(query))
            let basic = "Basic " + Data("\(RedditFake.defaultApp.clientID):\(RedditFake.defaultApp.clientSecret)".utf8).base64EncodedString()
            let redirect = RedditFake.defaultApp.redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            func post(_ form: String, auth: String) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", "/api/v1/access_token",
                    headers: ["Authorization": auth, "Content-Type": "application/x-www-form-urlencoded", "User-Agent": RedditFake.userAgent],
                    body: Data(form.utf8))
            }
            #expect(try await post("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)", auth: "Basic bm9wZTpub3Bl").status == 401)
            let granted = try await post("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)", auth: basic)
            #expect(granted.status == 200)
            let tokens = try granted.json()
            #expect(tokens["token_type"] as? String == "bearer")
            #expect(tokens["expires_in"] as? Int == 3600)
            let refresh = try #require(tokens["refresh_token"] as? String)
            let again = try await post("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)", auth: basic)
            #expect(try again.json()["error"] as? String == "invalid_grant")
            let renewed = try await post("grant_type=refresh_token&refresh_token=\(refresh)", auth: basic)
            #expect(renewed.status == 200)
            #expect(try renewed.json()["refresh_token"] == nil, "Reddit keeps the same refresh token")
        }
    }

    @Test func submitAnswersErrorsWithHTTP200AndSuccessWithTheFullname() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let unknown = try await client.request(
                "POST", "/api/submit", headers: Self.form(token), body: Data("api_type=json&sr=NoSuchPlace&kind=self&title=Hi".utf8))
            #expect(unknown.status == 200)
            let errors = (try unknown.json()["json"] as? [String: Any])?["errors"] as? [[String]]
            #expect(errors?.first?.first == "SUBREDDIT_NOEXIST")
            let created = try await client.request(
                "POST", "/api/submit", headers: Self.form(token), body: Data("api_type=json&sr=NeonHubDemo&kind=self&title=Hello&text=Body".utf8))
            let data = (try created.json()["json"] as? [String: Any])?["data"] as? [String: Any]
            let name = try #require(data?["name"] as? String)
            #expect(name.hasPrefix("t3_"))
            #expect(created.header("X-Ratelimit-Remaining") == "98.0")
            #expect(created.header("X-Ratelimit-Reset") == "412")
            #expect(fake.posts.map(\.title) == ["Hello"])

            let generic = try await client.request(
                "POST", "/api/submit", headers: Self.form(token, agent: "NeonHub/1.0"),
                body: Data("api_type=json&sr=NeonHubDemo&kind=self&title=x".utf8))
            #expect(generic.status == 429)
            #expect(fake.posts.count == 1)

            let deleted = try await client.request("POST", "/api/del", headers: Self.form(token), body: Data("id=\(name)".utf8))
            #expect(deleted.status == 200)
            #expect(fake.posts.isEmpty)

            fake.expire(token: token)
            let expired = try await client.get("/api/v1/me", headers: Self.form(token))
            #expect(expired.status == 401)
            #expect(try expired.json()["message"] as? String == "Unauthorized")
        }
    }
}
