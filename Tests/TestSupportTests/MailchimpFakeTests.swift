import Foundation
import TestSupport
import Testing

/// The Mailchimp fake, driven with plain HTTP as Mailchimp's documentation shows each call:
/// https://mailchimp.com/developer/marketing/docs/fundamentals/ (auth, paging, connection limit),
/// https://mailchimp.com/developer/marketing/docs/errors/ (problem documents),
/// https://mailchimp.com/developer/marketing/api/ (lists, members, campaigns, reports, webhooks).
@Suite struct MailchimpFakeTests {
    private func withFake<T>(_ body: (MailchimpFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = MailchimpFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    private static func basic(_ key: String = MailchimpFake.apiKey, user: String = "anystring") -> [String: String] {
        ["Authorization": "Basic " + Data("\(user):\(key)".utf8).base64EncodedString()]
    }

    private static let list = MailchimpFake.lists[0].0

    private func send(_ client: HTTPTestClient, _ method: String, _ path: String, _ object: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            method, "/3.0" + path, headers: Self.basic().merging(["Content-Type": "application/json"]) { $1 },
            body: try JSONSerialization.data(withJSONObject: object))
    }

    /// A problem document: the glossary title, the status, the documented type URI, an instance.
    @discardableResult
    private func expectProblem(_ reply: HTTPTestClient.Reply, status: Int, title: String) throws -> [String: Any] {
        #expect(reply.status == status)
        #expect(reply.header("Content-Type") == "application/problem+json")
        let body = try reply.json()
        #expect(body["title"] as? String == title)
        #expect(body["status"] as? Int == status)
        #expect(body["type"] as? String == MailchimpFake.errorType)
        #expect((body["instance"] as? String)?.isEmpty == false)
        #expect((body["detail"] as? String)?.isEmpty == false)
        return body
    }

    @Test func basicAuthTakesAnyUserAndOnlyThisDataCentresKey() async throws {
        try await withFake { fake, client in
            let ping = try await client.get("/3.0/ping", headers: Self.basic(user: "whatever"))
            #expect(ping.status == 200)
            #expect(try ping.json()["health_status"] as? String == "Everything's Chimpy!")
            try expectProblem(try await client.get("/3.0/ping"), status: 401, title: "API Key Missing")
            try expectProblem(try await client.get("/3.0/ping", headers: Self.basic("wrong-us21")), status: 401, title: "API Key Invalid")
            // A valid-looking key of another data centre is refused on this host.
            try expectProblem(
                try await client.get("/3.0/ping", headers: Self.basic(MailchimpFake.otherDataCentreKey)), status: 401, title: "API Key Invalid")
            try expectProblem(
                try await client.get("/3.0/ping", headers: ["Authorization": "Bearer \(MailchimpFake.apiKey)"]), status: 401, title: "API Key Invalid"
            )
            fake.disableUser()
            try expectProblem(try await client.get("/3.0/ping", headers: Self.basic()), status: 403, title: "User Disabled")
        }
    }

    @Test func listsPageWithCountAndOffsetAndSayTotalItems() async throws {
        try await withFake { _, client in
            let first = try await client.get("/3.0/lists?count=1", headers: Self.basic())
            let body = try first.json()
            #expect(body["total_items"] as? Int == 2)
            #expect((body["lists"] as? [[String: Any]])?.map { $0["id"] as? String } == [Self.list])
            let second = try await client.get("/3.0/lists?count=1&offset=1", headers: Self.basic()).json()
            #expect((second["lists"] as? [[String: Any]])?.first?["name"] as? String == "Wholesale partners")
            let all = try await client.get("/3.0/lists", headers: Self.basic()).json()
            #expect((all["lists"] as? [[String: Any]])?.count == 2)  // default count 10
            let tooMany = try expectProblem(
                try await client.get("/3.0/lists?count=1001", headers: Self.basic()), status: 400, title: "Invalid Resource")
            #expect((tooMany["errors"] as? [[String: Any]])?.first?["field"] as? String == "count")
        }
    }

    @Test func membersAreAddedOnceAndUpsertedByTheirHash() async throws {
        try await withFake { fake, client in
            let added = try await send(client, "POST", "/lists/\(Self.list)/members", ["email_address": "New@Example.com", "status": "pending"])
            #expect(added.status == 200)
            #expect(try added.json()["id"] as? String == MailchimpFake.subscriberHash("new@example.com"))
            try expectProblem(
                try await send(client, "POST", "/lists/\(Self.list)/members", ["email_address": "new@example.com", "status": "subscribed"]),
                status: 400, title: "Member Exists")
            let missing = try expectProblem(
                try await send(client, "POST", "/lists/\(Self.list)/members", [:]), status: 400, title: "Invalid Resource")
            #expect((missing["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["email_address", "status"])

            // The documented example: urist.mcvankab@freddiesjokes.com is 62eeb292278cc15f5817cb78f7790b08.
            #expect(MailchimpFake.subscriberHash("Urist.McVankab@freddiesjokes.com") == "62eeb292278cc15f5817cb78f7790b08")
            let hash = MailchimpFake.subscriberHash("ada@example.com")
            let updated = try await send(
                client, "PUT", "/lists/\(Self.list)/members/\(hash)", ["email_address": "ada@example.com", "merge_fields": ["FNAME": "Ada"]])
            #expect(updated.status == 200)
            #expect(fake.member("ada@example.com")?.mergeFields["FNAME"] == "Ada")
            // A new address needs status_if_new; a hash that is not the address's is refused.
            let newHash = MailchimpFake.subscriberHash("lin@example.com")
            let noStatus = try expectProblem(
                try await send(client, "PUT", "/lists/\(Self.list)/members/\(newHash)", ["email_address": "lin@example.com"]), status: 400,
                title: "Invalid Resource")
            #expect((noStatus["errors"] as? [[String: Any]])?.first?["field"] as? String == "status_if_new")
            try expectProblem(
                try await send(
                    client, "PUT", "/lists/\(Self.list)/members/\(hash)", ["email_address": "lin@example.com", "status_if_new": "subscribed"]),
                status: 400, title: "Invalid Resource")
            #expect(
                try await send(
                    client, "PUT", "/lists/\(Self.list)/members/\(newHash)", ["email_address": "lin@example.com", "status_if_new": "subscribed"]
                ).status == 200)
            #expect(fake.member("lin@example.com")?.status == "subscribed")
            try expectProblem(
                try await send(client, "PUT", "/lists/nolist/members/\(newHash)", ["email_address": "lin@example.com"]), status: 404,
                title: "Resource Not Found")
        }
    }

    @Test func aCampaignIsCreatedFilledTestedScheduledAndSentInTheDocumentedOrder() async throws {
        try await withFake { fake, client in
            let created = try await send(
                client, "POST", "/campaigns",
                ["type": "regular", "recipients": ["list_id": Self.list], "settings": ["subject_line": "Spring", "reply_to": "team@example.com"]])
            #expect(created.status == 200)
            let id = try #require(try created.json()["id"] as? String)
            #expect(try created.json()["status"] as? String == "save")
            try expectProblem(
                try await send(client, "POST", "/campaigns", ["recipients": ["list_id": Self.list]]), status: 400, title: "Invalid Resource")
            // Not ready without content.
            try expectProblem(
                try await send(client, "POST", "/campaigns/\(id)/actions/test", ["test_emails": ["qa@example.com"], "send_type": "html"]),
                status: 400, title: "Bad Request")
            #expect(try await send(client, "PUT", "/campaigns/\(id)/content", ["html": "<p>Hello</p>"]).status == 200)
            try expectProblem(
                try await send(client, "POST", "/campaigns/\(id)/actions/test", ["test_emails": ["qa@example.com"]]), status: 400,
                title: "Invalid Resource")
            #expect(
                try await send(client, "POST", "/campaigns/\(id)/actions/test", ["test_emails": ["qa@example.com"], "send_type": "html"]).status
                    == 204)
            #expect(fake.campaign(id)?.testEmails == [["qa@example.com"]])
            // Scheduling: on the quarter hour, in the future.
            try expectProblem(
                try await send(client, "POST", "/campaigns/\(id)/actions/schedule", ["schedule_time": "2099-01-01T10:07:00+00:00"]),
                status: 400, title: "Invalid Resource")
            try expectProblem(
                try await send(client, "POST", "/campaigns/\(id)/actions/schedule", ["schedule_time": "2001-01-01T10:15:00+00:00"]),
                status: 400, title: "Invalid Resource")
            #expect(try await send(client, "POST", "/campaigns/\(id)/actions/schedule", ["schedule_time": "2099-01-01T10:15:00+00:00"]).status == 204)
            #expect(fake.campaign(id)?.status == "schedule")
            #expect(try await send(client, "POST", "/campaigns/\(id)/actions/unschedule", [:]).status == 204)
            #expect(try await send(client, "POST", "/campaigns/\(id)/actions/send", [:]).status == 204)
            #expect(fake.campaign(id)?.status == "sending")
            let report = try await client.get("/3.0/reports/\(id)", headers: Self.basic())
            #expect(try report.json()["emails_sent"] as? Int == 2)
            // cancel-send is Mailchimp Pro's.
            fake.setPro(false)
            try expectProblem(try await send(client, "POST", "/campaigns/\(id)/actions/cancel-send", [:]), status: 403, title: "Forbidden")
            fake.setPro(true)
            #expect(try await send(client, "POST", "/campaigns/\(id)/actions/cancel-send", [:]).status == 204)
            #expect(fake.campaign(id)?.status == "canceled")
            try expectProblem(try await client.get("/3.0/reports/nothing", headers: Self.basic()), status: 404, title: "Resource Not Found")
        }
    }

    @Test func webhooksTheConnectionLimitAndJSONErrorsAnswerAsDocumented() async throws {
        try await withFake { fake, client in
            let hook = try await send(
                client, "POST", "/lists/\(Self.list)/webhooks",
                ["url": "https://hub.example.test/webhooks/mailchimp/s3cr3t", "events": ["subscribe": true], "sources": ["api": false]])
            #expect(hook.status == 200)
            #expect((try hook.json()["events"] as? [String: Bool])?["unsubscribe"] == false)
            #expect(fake.webhooks.first?.url == "https://hub.example.test/webhooks/mailchimp/s3cr3t")
            try expectProblem(
                try await send(client, "POST", "/lists/\(Self.list)/webhooks", ["url": "not a url"]), status: 400, title: "Invalid Resource")
            fake.limitConnections()
            let limited = try expectProblem(try await client.get("/3.0/ping", headers: Self.basic()), status: 429, title: "Too Many Requests")
            #expect((limited["detail"] as? String)?.contains("10 simultaneous connections") == true)
            #expect(try await client.get("/3.0/ping", headers: Self.basic()).status == 200)
            let broken = try await client.request(
                "POST", "/3.0/campaigns", headers: Self.basic().merging(["Content-Type": "application/json"]) { $1 }, body: Data("{".utf8))
            try expectProblem(broken, status: 400, title: "JSON Parse Error")
        }
    }
}
