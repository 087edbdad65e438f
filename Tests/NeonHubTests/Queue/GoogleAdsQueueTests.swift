import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// A Google Ads campaign status change through the publish queue: `publish.schedule` over
/// HTTP on a connection made through Google's OAuth (the fake), a `publish` job that ends
/// `succeeded` with the campaign's resource name as its remote id, the mutate sent once.
@Suite struct GoogleAdsQueueTests {
    /// A database app with queue workers, Google Ads and its token endpoint pointed at the
    /// fakes, the developer token configured; `body` gets the server, the client and the
    /// connection id (connected through the OAuth fake's consent with PKCE).
    static func withGoogleAdsQueue(
        _ fake: GoogleAdsFake, _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let oauth = fake.oauth
        let endpoints = try OAuthTestSupport.endpointsFile([
            "google-ads": [
                "baseUrl": fake.baseURL, "tokenUrl": oauth.tokenURL, "authorizeUrl": oauth.authorizeURL, "revokeUrl": oauth.revokeURL,
            ]
        ])
        try await withDatabaseApp(
            {
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["GOOGLE_ADS": GoogleOAuthFake.defaultApp])
                $0.connectorEnvironment["GOOGLE_ADS_DEVELOPER_TOKEN"] = fake.developerToken
                $0.workers = 2
                $0.queueSchedules = false
                $0.queueBackoffBase = .seconds(60)
            }
        ) { server, client in
            let id = try await OAuthTestSupport.connect(client, connector: "google-ads") { query in
                oauth.authorize(
                    scopes: [GoogleAdsFake.scope], redirectURI: query["redirect_uri"], codeChallenge: query["code_challenge"],
                    codeChallengeMethod: query["code_challenge_method"], prompt: "consent")
            }
            try await body(server, client, id)
        }
    }

    @Test func aScheduledStatusChangeSucceedsOnceWithTheCampaignAsRemoteID() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleAdsFake(oauth: oauth, developerToken: GoogleAdsTestSupport.developerToken)
        try oauth.start()
        try fake.start()
        defer { oauth.stop() }
        do {
            try await Self.withGoogleAdsQueue(fake) { _, client, connection in
                // The connection's accounts are the accessible customers.
                let (_, listed) = try await client.query("connectors.listAccounts", ["connectionId": connection.uuidString])
                let accounts = (listed["result"] as? [String: Any])?["data"] as? [[String: Any]]
                #expect(accounts?.compactMap { $0["id"] as? String } == ["1234567890", "5550001111"])

                let input: [String: Any] = ["changes": [["campaignId": "20000000001", "status": "PAUSED"]]]
                let schedule: [String: Any] = [
                    "connectionId": connection.uuidString, "action": "campaigns.setStatus", "accountId": "1234567890", "input": input,
                ]
                let (status, envelope) = try await client.mutation("publish.schedule", schedule)
                #expect(status == 200)
                let id = try #require(QueueTestSupport.jobID(envelope))
                let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
                let job = try #require(done["job"] as? [String: Any])
                #expect(job["kind"] as? String == "publish")
                #expect(job["remoteId"] as? String == "customers/1234567890/campaigns/20000000001")
                #expect(QueueTestSupport.outcomes(done) == ["succeeded"])
                #expect(fake.campaign("20000000001")?.status == "PAUSED")
                #expect(fake.mutateRequests.count == 1, "the change was sent exactly once")
                #expect(fake.mutateRequests.first?.header("developer-token") == GoogleAdsTestSupport.developerToken)

                // The same request again is the same job, not a second mutate.
                let (_, again) = try await client.mutation("publish.schedule", schedule)
                #expect(QueueTestSupport.jobID(again) == id)
                #expect(fake.mutateRequests.count == 1)
            }
        } catch {
            await fake.stopWithoutBlocking()
            throw error
        }
        await fake.stopWithoutBlocking()
    }
}
