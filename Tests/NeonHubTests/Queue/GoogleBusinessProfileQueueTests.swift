import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Local posts published through the queue end to end: `publish.schedule` over HTTP, workers
/// in the server, a connection made through Google's OAuth fake (PKCE), the Business Profile
/// fake as the platform, a real Postgres. Posts are counted at the fake: one per job.
@Suite struct GoogleBusinessProfileQueueTests {
    static let account = "108000000000000000002"
    static let location = "2000000000000000001"

    /// A database app with queue workers, Business Profile pointed at `fake` (every host) and
    /// `oauth`, connector calls timing out after `timeout`; `body` gets the server, the client
    /// and the connection id.
    static func withGBPQueue(
        _ fake: GoogleBusinessProfileFake, oauth: GoogleOAuthFake, timeout: Duration = .seconds(2),
        _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let url = TestTemporaryFiles.url("endpoints-gbp")
        let entry: [String: Any] = [
            "baseUrl": fake.v4.baseURL, "tokenUrl": oauth.tokenURL, "authorizeUrl": oauth.authorizeURL, "revokeUrl": oauth.revokeURL,
            "baseUrls": fake.hosts,
        ]
        try JSONSerialization.data(withJSONObject: ["google-business-profile": entry]).write(to: url)
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: url.path, apps: ["GOOGLE_BUSINESS_PROFILE": GoogleOAuthFake.defaultApp])
            $0.workers = 2
            $0.connectorTimeout = timeout
            $0.queueSchedules = false
            $0.queueBackoffBase = .seconds(60)
        }) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "google-business-profile") { query in
                oauth.authorize(
                    scopes: [GoogleBusinessProfileFake.scope], redirectURI: query["redirect_uri"], codeChallenge: query["code_challenge"],
                    codeChallengeMethod: "S256", prompt: "consent")
            }
            try await body(server, client, id)
        }
    }

    static func schedule(_ client: HTTPTestClient, connection: UUID, summary: String) async throws -> String? {
        let (status, envelope) = try await client.mutation(
            "publish.schedule",
            [
                "connectionId": connection.uuidString, "action": "localPosts.create", "accountId": location,
                "input": ["accountId": account, "locationId": location, "summary": summary, "topicType": "STANDARD"],
            ])
        #expect(status == 200)
        return QueueTestSupport.jobID(envelope)
    }

    @Test func aScheduledLocalPostIsPublishedOnceWithItsNameAndSearchURLStored() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleBusinessProfileFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        defer { oauth.stop() }
        do {
            try await Self.withGBPQueue(fake, oauth: oauth) { _, client, connection in
                let id = try #require(try await Self.schedule(client, connection: connection, summary: "Spring blend is back"))
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                let job = try #require(done["job"] as? [String: Any])
                let posts = fake.posts(location: Self.location)
                #expect(posts.count == 1)
                #expect(posts.first?["summary"] as? String == "Spring blend is back")
                #expect(job["remoteId"] as? String == posts.first?["name"] as? String)
                #expect(job["remoteUrl"] as? String == posts.first?["searchUrl"] as? String)
                #expect(QueueTestSupport.outcomes(done) == ["succeeded"])
                #expect(fake.v4.requests.filter { $0.method == "POST" }.count == 1)
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    @Test func aTimedOutLocalPostIsFoundAmongTheLocationsPostsNotPostedTwice() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleBusinessProfileFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        defer { oauth.stop() }
        do {
            try await Self.withGBPQueue(fake, oauth: oauth) { server, client, connection in
                fake.answerNextPostLate(after: .seconds(15), create: true)
                let id = try #require(try await Self.schedule(client, connection: connection, summary: "Sent, answer lost"))
                let unknown = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "unknown" }
                #expect(((unknown["job"] as? [String: Any])?["waitReason"] as? String)?.hasPrefix("reconcile") == true)
                try await QueueTestSupport.makeDue(server, id)
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                #expect(QueueTestSupport.outcomes(done) == ["unknown", "reconciled_found"])
                let posts = fake.posts(location: Self.location)
                #expect(posts.count == 1, "one post at Google, not two")
                #expect((done["job"] as? [String: Any])?["remoteId"] as? String == posts.first?["name"] as? String)
                #expect(fake.v4.requests.filter { $0.method == "POST" }.count == 1)
                // The reconciler listed the location's posts on the job's own account and location.
                let list = try #require(fake.v4.requests.last { $0.method == "GET" })
                #expect(list.path == "/v4/accounts/\(Self.account)/locations/\(Self.location)/localPosts")
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }
}
