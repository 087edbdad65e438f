import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Mailchimp through the publish queue: `publish.schedule` over HTTP creates the campaign once
/// at the fake, and the job stores Mailchimp's campaign id and its public archive URL.
@Suite struct MailchimpPublishQueueTests {
    /// A database app with queue workers and a Mailchimp connection (API key, dc from the key)
    /// on `fake`; `body` gets the server, the client and the connection id.
    static func withMailchimpQueue(
        _ fake: MailchimpFake, _ body: (NeonHubServer, HTTPTestClient, UUID) async throws -> Void
    ) async throws {
        let endpoints = try OAuthTestSupport.endpointsFile(["mailchimp": ["baseUrl": fake.apiBaseURL]])
        try await withDatabaseApp({
            $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
            $0.connectorEndpointsFile = endpoints
            $0.workers = 2
            $0.queueSchedules = false
            $0.queueBackoffBase = .seconds(60)
        }) { server, client in
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: SupportAgentConnectorRunTests.admin(),
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "mailchimp", "credentials": ["username": "neonhub", "apiKey": MailchimpFake.apiKey],
                ]))
            #expect(connect.status == 200, "\(connect.text)")
            let data = try #require((try JSONSerialization.jsonObject(with: connect.body) as? [String: Any]).flatMap(resultData))
            let id = try #require((data["id"] as? String).flatMap(UUID.init(uuidString:)), "\(data)")
            try await body(server, client, id)
        }
    }

    @Test func aScheduledCampaignIsCreatedOnceAndTheJobKeepsItsIdAndURL() async throws {
        let fake = MailchimpFake()
        try fake.start()
        defer { fake.stop() }
        try await Self.withMailchimpQueue(fake) { _, client, connection in
            let request: [String: Any] = [
                "connectionId": connection.uuidString, "action": "campaigns.create",
                "input": [
                    "listId": MailchimpFake.lists[0].0, "subjectLine": "Spring menu", "fromName": "NeonHub Coffee",
                    "replyTo": "hello@example.com",
                ],
            ]
            let (status, envelope) = try await client.mutation("publish.schedule", request)
            #expect(status == 200, "\(envelope)")
            let id = try #require(QueueTestSupport.jobID(envelope))
            let done = try await QueueTestSupport.waitForJob(client, id) { QueueTestSupport.status($0) == "succeeded" }
            let job = try #require(done["job"] as? [String: Any])
            #expect(fake.campaigns.count == 1)
            let campaign = try #require(fake.campaigns.first)
            #expect(job["remoteId"] as? String == campaign.id)
            #expect(job["remoteUrl"] as? String == "http://eepurl.com/\(campaign.id.prefix(6))")
            #expect(QueueTestSupport.outcomes(done) == ["succeeded"])
            #expect(campaign.subjectLine == "Spring menu")

            // The same request again is the same job, not a second campaign.
            let (_, again) = try await client.mutation("publish.schedule", request)
            #expect(QueueTestSupport.jobID(again) == id)
            try await Task.sleep(for: .milliseconds(200))
            #expect(fake.server.requests("POST", "/3.0/campaigns").count == 1)
        }
    }
}
