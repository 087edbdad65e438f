import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// X and Reddit through the publish queue end to end (`publish.schedule` over HTTP, workers in
/// the server, a real Postgres, the provider fakes as the platforms, connections made through
/// their OAuth flows) and the token refresh of each on a refused token. Each test counts the
/// posts at the fake: exactly one per job.
@Suite struct XRedditQueueTests {
    @Test func anXPostIsPublishedOnceWithItsIdAndCanonicalURL() async throws {
        let fake = XFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withXQueue(fake) { _, client, connection in
            // The OAuth dance asked for PKCE and Basic client authentication at the token endpoint.
            let exchange = try #require(fake.requests.first { $0.path == "/2/oauth2/token" })
            #expect(exchange.formItems["grant_type"] == ["authorization_code"])
            #expect(exchange.formItems["code_verifier"]?.first?.count ?? 0 >= 43)
            #expect(exchange.header("Authorization")?.hasPrefix("Basic ") == true)

            let id = try await XRedditQueueSupport.schedule(
                client, connection: connection, action: "posts.create", account: XFake.user.id, input: ["text": "Launch day is here"])
            let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
            let job = try #require(done["job"] as? [String: Any])
            #expect(fake.posts.count == 1)
            let post = try #require(fake.posts.first)
            #expect(post.text == "Launch day is here")
            #expect(job["remoteId"] as? String == post.id)
            #expect(job["remoteUrl"] as? String == "https://x.com/i/web/status/\(post.id)")
            #expect(QueueTestSupport.outcomes(done) == ["succeeded"])
        }
    }

    @Test func anXPostWhoseAnswerWasLostIsFoundAmongTheUsersPostsNotPostedTwice() async throws {
        let fake = XFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withXQueue(fake) { server, client, connection in
            fake.answerNextPostLate(after: .seconds(15), create: true)
            let id = try await XRedditQueueSupport.schedule(
                client, connection: connection, action: "posts.create", account: XFake.user.id, input: ["text": "Sent, answer lost"])
            _ = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "unknown" }
            fake.seedPost("Someone else's post")
            try await QueueTestSupport.makeDue(server, id)
            let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
            #expect(QueueTestSupport.outcomes(done) == ["unknown", "reconciled_found"])
            let mine = try #require(fake.posts.first { $0.text == "Sent, answer lost" })
            #expect((done["job"] as? [String: Any])?["remoteId"] as? String == mine.id)
            #expect(fake.server.requests("POST", "/2/tweets").count == 1)
            // The reconciler read the user's timeline since the job started.
            let read = try #require(fake.server.requests("GET", "/2/users/*/tweets").last)
            #expect(read.path == "/2/users/\(XFake.user.id)/tweets")
            #expect(read.queryItems["start_time"]?.first.flatMap { ISO8601DateFormatter().date(from: $0) } != nil)
        }
    }

    @Test func anExpiredXTokenIsRefreshedOnceAndTheRotatedRefreshTokenKept() async throws {
        let fake = XFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withXQueue(fake, workers: 0) { _, client, connection in
            let first = try #require(fake.lastAccessToken)
            fake.expire(token: first)
            for _ in 0..<2 {
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": connection.uuidString, "action": "users.me"])
                #expect(status == 200, "\(envelope)")
            }
            #expect(fake.refreshGrants == 1)
            #expect(fake.lastAccessToken != first)
            // A second expiry refreshes with the rotated refresh token (the first one no longer works).
            fake.expire(token: try #require(fake.lastAccessToken))
            let (status, _) = try await client.mutation("connectors.executeAction", ["connectionId": connection.uuidString, "action": "users.me"])
            #expect(status == 200)
            #expect(fake.refreshGrants == 2)
            let refreshes = fake.requests.filter { $0.path == "/2/oauth2/token" && $0.formItems["grant_type"] == ["refresh_token"] }
            #expect(Set(refreshes.compactMap { $0.formItems["refresh_token"]?.first }).count == 2)
        }
    }

    @Test func aRedditPostIsPublishedOnceWithItsFullnameAndURL() async throws {
        let fake = RedditFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withRedditQueue(fake) { _, client, connection in
            let exchange = try #require(fake.requests.first { $0.path == "/api/v1/access_token" })
            #expect(exchange.header("Authorization")?.hasPrefix("Basic ") == true)
            let id = try await XRedditQueueSupport.schedule(
                client, connection: connection, action: "posts.submit", account: "NeonHubDemo",
                input: ["kind": "self", "title": "Launch day is here", "text": "Free shipping all weekend"])
            let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
            let job = try #require(done["job"] as? [String: Any])
            #expect(fake.posts.count == 1)
            let post = try #require(fake.posts.first)
            #expect(job["remoteId"] as? String == post.fullname)
            #expect((job["remoteUrl"] as? String)?.hasPrefix("https://www.reddit.com/r/NeonHubDemo/comments/\(post.id)/") == true)
            #expect(fake.server.requests("POST", "/api/submit").last?.header("User-Agent") == RedditFake.userAgent)
        }
    }

    @Test func aRedditSubmitWhoseAnswerWasLostGoesToTheDLQNotPostedTwice() async throws {
        let fake = RedditFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withRedditQueue(fake) { server, client, connection in
            fake.answerNextSubmitLate(after: .seconds(15))
            let id = try await XRedditQueueSupport.schedule(
                client, connection: connection, action: "posts.submit", account: "NeonHubDemo",
                input: ["kind": "self", "title": "Sent, answer lost"])
            _ = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "unknown" }
            try await QueueTestSupport.makeDue(server, id)
            let dead = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "dlq" }
            #expect((dead["job"] as? [String: Any])?["dlqReason"] as? String == "outcome_unknown")
            #expect(fake.posts.count == 1)
            #expect(fake.server.requests("POST", "/api/submit").count == 1)
        }
    }

    @Test func anExpiredRedditTokenIsRefreshedAndTheRefreshTokenKept() async throws {
        let fake = RedditFake()
        try fake.start()
        defer { fake.stop() }
        try await XRedditQueueSupport.withRedditQueue(fake, workers: 0) { _, client, connection in
            for _ in 0..<2 {
                fake.expire(token: try #require(fake.lastAccessToken))
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": connection.uuidString, "action": "me.get"])
                #expect(status == 200, "\(envelope)")
            }
            let refreshes = fake.requests.filter { $0.path == "/api/v1/access_token" && $0.formItems["grant_type"] == ["refresh_token"] }
            #expect(refreshes.count == 2)
            // Reddit does not rotate: the same permanent refresh token works again.
            #expect(Set(refreshes.compactMap { $0.formItems["refresh_token"]?.first }).count == 1)
            #expect(refreshes.allSatisfy { $0.header("Authorization")?.hasPrefix("Basic ") == true })
        }
    }
}
