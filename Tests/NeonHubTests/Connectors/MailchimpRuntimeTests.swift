import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Mailchimp definition (and its upsert flow) run by the real runtime against the Mailchimp
/// fake, which follows the Marketing API 3.0 documentation: what the catalog sends must be
/// what Mailchimp accepts, field by field.
@Suite struct MailchimpRuntimeTests {
    static func runtime(_ fake: MailchimpFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "mailchimp"), baseURLOverrides: ["mailchimp": fake.apiBaseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withMailchimp(_ body: (MailchimpFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = MailchimpFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let token = ConnectorCredentialsValue.basic(user: "neonhub", password: MailchimpFake.apiKey)
    static let list = MailchimpFake.lists[0].0

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "mailchimp", action: action, input: .object(input), variables: ["dc": MailchimpFake.dc])
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> [String: Any] { request?.json as? [String: Any] ?? [:] }

    @Test func theHostIsTheKeysDataCentreAndTheKeyIsTheBasicPassword() async throws {
        // Without an override the definition's host is https://<dc>.api.mailchimp.com/3.0, dc taken from the key.
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["mailchimp"]?.definition)
        let variables = ConnectorService.derivingVariables(definition, [:], credentials: ["apiKey": "0123abcd-us19"])
        #expect(variables == ["dc": "us19"])
        #expect(ConnectorService.derivingVariables(definition, ["dc": "us3"], credentials: ["apiKey": "0123abcd-us19"]) == ["dc": "us3"])
        #expect(ConnectorService.derivingVariables(definition, [:], credentials: ["apiKey": "nodash"]).isEmpty)
        let template = try #require(definition.action("ping")?.request)
        let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
            template, renderer: TemplateRenderer(scope: ["vars": .object(["dc": .string("us19")])]),
            credentials: Self.token.credentials.forRequest())
        #expect(built.url.absoluteString == "https://us19.api.mailchimp.com/3.0/ping")

        try await withMailchimp { fake, runtime in
            let ping = try await runtime.execute(Self.call("ping")) { _ in Self.token }
            #expect(ping.output == .object(["healthStatus": .string("Everything's Chimpy!")]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/3.0/ping")
            #expect(sent.header("Authorization") == "Basic " + Data("neonhub:\(MailchimpFake.apiKey)".utf8).base64EncodedString())
        }
    }

    @Test func audiencesAndMembersPageByCountAndOffsetUntilTotalItems() async throws {
        try await withMailchimp { fake, runtime in
            let lists = try await runtime.execute(Self.call("lists.list", ["count": .number(1)])) { _ in Self.token }
            #expect(Self.items(lists.output).compactMap { JSONPath.text($0["id"]) } == MailchimpFake.lists.map(\.0))
            #expect(Self.items(lists.output).first?["memberCount"] == .number(2))
            #expect(lists.pages == 2)  // total_items 2 ends the read: no third, empty page
            let reads = fake.server.requests("GET", "/3.0/lists")
            #expect(reads.map { $0.queryItems["offset"] } == [nil, ["1"]])  // Mailchimp's default offset is 0
            #expect(reads.allSatisfy { $0.queryItems["count"] == ["1"] })
            #expect(reads.first?.queryItems["fields"]?.first?.contains("total_items") == true)

            let members = try await runtime.execute(Self.call("members.list", ["listId": .string(Self.list), "count": .number(2)])) { _ in
                Self.token
            }
            #expect(Self.items(members.output).count == 3)
            #expect(members.pages == 2)
            let subscribed = try await runtime.execute(Self.call("members.list", ["listId": .string(Self.list), "status": .string("subscribed")])) {
                _ in Self.token
            }
            #expect(
                Self.items(subscribed.output).compactMap { JSONPath.text($0["email"]) }.sorted() == [
                    "ada@example.com", "urist.mcvankab@freddiesjokes.com",
                ])
            #expect(fake.requests.last?.queryItems["status"] == ["subscribed"])
        }
    }

    @Test func membersAreAddedAndUpsertedByTheSubscriberHashWeCompute() async throws {
        try await withMailchimp { fake, runtime in
            let added = try await runtime.execute(
                Self.call(
                    "members.add",
                    [
                        "listId": .string(Self.list), "email": .string("new.subscriber@example.com"), "status": .string("pending"),
                        "mergeFields": .object(["FNAME": .string("New")]), "tags": .array([.string("neonhub")]),
                    ])
            ) { _ in Self.token }
            #expect(added.output["status"] == .string("pending"))
            let post = try #require(fake.server.requests("POST", "/3.0/lists/*/members").last)
            #expect(post.header("Content-Type") == "application/json")
            #expect(
                NSDictionary(dictionary: Self.body(post))
                    == [
                        "email_address": "new.subscriber@example.com", "status": "pending", "merge_fields": ["FNAME": "New"], "tags": ["neonhub"],
                    ] as NSDictionary)
            #expect(fake.member("new.subscriber@example.com")?.tags == ["neonhub"])

            // Adding a known address is Mailchimp's "Member Exists": permanent, with the way out.
            let exists = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("members.add", ["listId": .string(Self.list), "email": .string("ada@example.com"), "status": .string("subscribed")])
                ) { _ in Self.token }
            }
            #expect(exists?.code == .providerRejected)
            #expect(exists?.providerCode == "Member Exists")
            #expect(exists?.message.contains("members.upsert") == true)

            // The upsert: PUT to the MD5 of the lower-cased address, new or known.
            let upserted = try await runtime.execute(
                Self.call("members.upsert", ["listId": .string(Self.list), "email": .string("Urist.McVankab@FreddiesJokes.com"), "vip": .bool(true)])
            ) { _ in Self.token }
            let put = try #require(fake.server.requests("PUT", "/3.0/lists/*/members/*").last)
            #expect(put.path == "/3.0/lists/\(Self.list)/members/62eeb292278cc15f5817cb78f7790b08")
            #expect(
                NSDictionary(dictionary: Self.body(put))
                    == ["email_address": "Urist.McVankab@FreddiesJokes.com", "status_if_new": "subscribed", "vip": true] as NSDictionary)
            #expect(upserted.output["id"] == .string("62eeb292278cc15f5817cb78f7790b08"))
            #expect(upserted.output["status"] == .string("subscribed"))
            #expect(fake.member("urist.mcvankab@freddiesjokes.com")?.vip == true)
            let before = fake.memberCount()
            let fresh = try await runtime.execute(
                Self.call(
                    "members.upsert",
                    [
                        "listId": .string(Self.list), "email": .string("lin@example.com"), "statusIfNew": .string("pending"),
                        "mergeFields": .object(["FNAME": .string("Lin")]),
                    ])
            ) { _ in Self.token }
            #expect(fresh.output["status"] == .string("pending"))
            #expect(fresh.output["id"] == .string(MailchimpFake.subscriberHash("lin@example.com")))
            #expect(fake.memberCount() == before + 1)
            // The same upsert again changes nothing: the same member.
            _ = try await runtime.execute(Self.call("members.upsert", ["listId": .string(Self.list), "email": .string("lin@example.com")])) { _ in
                Self.token
            }
            #expect(fake.memberCount() == before + 1)
            #expect(MailchimpSubscriberHash.of(" Lin@Example.com ") == MailchimpFake.subscriberHash("lin@example.com"))
        }
    }

    @Test func aCampaignGoesFromDraftToSentAndItsReportIsRead() async throws {
        try await withMailchimp { fake, runtime in
            let created = try await runtime.execute(
                Self.call(
                    "campaigns.create",
                    [
                        "listId": .string(Self.list), "subjectLine": .string("Spring menu"), "previewText": .string("Five new roasts"),
                        "title": .string("Spring 2026"), "fromName": .string("NeonHub Coffee"), "replyTo": .string("hello@example.com"),
                    ])
            ) { _ in Self.token }
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output["status"] == .string("save"))
            #expect(JSONPath.text(created.output["url"])?.hasPrefix("http://eepurl.com/") == true)
            let post = try #require(fake.server.requests("POST", "/3.0/campaigns").last)
            #expect(
                NSDictionary(dictionary: Self.body(post))
                    == [
                        "type": "regular", "recipients": ["list_id": Self.list],
                        "settings": [
                            "subject_line": "Spring menu", "preview_text": "Five new roasts", "title": "Spring 2026", "from_name": "NeonHub Coffee",
                            "reply_to": "hello@example.com",
                        ],
                    ] as NSDictionary)

            let content = try await runtime.execute(Self.call("campaigns.setContent", ["campaignId": .string(id), "html": .string("<p>Hello</p>")])) {
                _ in Self.token
            }
            #expect(content.output["html"] == .string("<p>Hello</p>"))
            let put = try #require(fake.server.requests("PUT", "/3.0/campaigns/*/content").last)
            #expect(NSDictionary(dictionary: Self.body(put)) == ["html": "<p>Hello</p>"] as NSDictionary)

            _ = try await runtime.execute(
                Self.call("campaigns.test", ["campaignId": .string(id), "testEmails": .array([.string("qa@example.com")])])
            ) {
                _ in Self.token
            }
            let test = try #require(fake.server.requests("POST", "/3.0/campaigns/*/actions/test").last)
            #expect(NSDictionary(dictionary: Self.body(test)) == ["test_emails": ["qa@example.com"], "send_type": "html"] as NSDictionary)
            #expect(fake.campaign(id)?.testEmails == [["qa@example.com"]])

            // Off the quarter hour our schema refuses it before Mailchimp would.
            let before = fake.requests.count
            let offQuarter = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("campaigns.schedule", ["campaignId": .string(id), "scheduleTime": .string("2099-01-01T10:07:00Z")])
                ) {
                    _ in Self.token
                }
            }
            #expect(offQuarter?.code == .invalidInput)
            #expect(fake.requests.count == before)
            _ = try await runtime.execute(
                Self.call("campaigns.schedule", ["campaignId": .string(id), "scheduleTime": .string("2099-01-01T10:15:00Z")])
            ) {
                _ in Self.token
            }
            let schedule = try #require(fake.server.requests("POST", "/3.0/campaigns/*/actions/schedule").last)
            #expect(NSDictionary(dictionary: Self.body(schedule)) == ["schedule_time": "2099-01-01T10:15:00Z"] as NSDictionary)
            #expect(fake.campaign(id)?.status == "schedule")
            _ = try await runtime.execute(Self.call("campaigns.unschedule", ["campaignId": .string(id)])) { _ in Self.token }
            #expect(fake.campaign(id)?.status == "save")
            _ = try await runtime.execute(Self.call("campaigns.send", ["campaignId": .string(id)])) { _ in Self.token }
            #expect(fake.campaign(id)?.status == "sending")
            #expect(fake.server.requests("POST", "/3.0/campaigns/*/actions/send").last?.path == "/3.0/campaigns/\(id)/actions/send")

            let report = try await runtime.execute(Self.call("reports.get", ["campaignId": .string(id)])) { _ in Self.token }
            #expect(report.output["emailsSent"] == .number(2))
            #expect(report.output["uniqueOpens"] == .number(1))
            #expect(report.output["openRate"] == .number(0.5))
            #expect(report.output["softBounces"] == .number(1))

            // cancel-send without Mailchimp Pro is refused (403 Forbidden: permanent), with it the send stops.
            fake.setPro(false)
            let notPro = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("campaigns.cancel", ["campaignId": .string(id)])) { _ in Self.token }
            }
            #expect(notPro?.code == .providerRejected)
            #expect(notPro?.providerCode == "Forbidden")
            fake.setPro(true)
            _ = try await runtime.execute(Self.call("campaigns.cancel", ["campaignId": .string(id)])) { _ in Self.token }
            #expect(fake.campaign(id)?.status == "canceled")
            #expect(fake.server.requests("POST", "/3.0/campaigns/*/actions/cancel-send").count == 2)

            // A draft can be deleted; campaigns.list reads newest first.
            let draft = try await runtime.execute(
                Self.call(
                    "campaigns.create",
                    ["listId": .string(Self.list), "subjectLine": .string("Draft"), "fromName": .string("N"), "replyTo": .string("a@example.com")])
            ) { _ in Self.token }
            let listed = try await runtime.execute(Self.call("campaigns.list")) { _ in Self.token }
            #expect(Self.items(listed.output).first?["id"] == draft.output["id"])
            #expect(fake.requests.last?.queryItems["sort_field"] == ["create_time"])
            _ = try await runtime.execute(Self.call("campaigns.delete", ["campaignId": draft.output["id"] ?? .null])) { _ in Self.token }
            #expect(fake.campaigns.count == 1)
        }
    }

    @Test func anAudienceWebhookIsRegisteredWithTheConnectionsOwnURL() async throws {
        let fake = MailchimpFake()
        try fake.start()
        try await fake.server.serving {
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let runtime = ConnectorRuntime(
                catalog: catalog, client: OutboundClient.quickRetries(label: "mailchimp"), baseURLOverrides: ["mailchimp": fake.apiBaseURL],
                publicURL: "https://hub.example.test/", connectionWebhookSecrets: ["mailchimp": "mailchimp-url-secret-test"])
            var call = Self.call("webhooks.create", ["listId": .string(Self.list)])
            call.connectionID = UUID(uuidString: MailchimpSecretTests.first)
            let hook = try await runtime.execute(call) { _ in Self.token }
            #expect(JSONPath.text(hook.output["id"])?.isEmpty == false)
            let sent = try #require(fake.server.requests("POST", "/3.0/lists/*/webhooks").last)
            // The URL the fake received is the one MailchimpSecret accepts (token computed outside our code).
            let expected =
                "https://hub.example.test/webhooks/mailchimp?connection=\(MailchimpSecretTests.first)&secret=\(MailchimpSecretTests.firstToken)"
            #expect(
                NSDictionary(dictionary: Self.body(sent))
                    == [
                        "url": expected,
                        "events": ["subscribe": true, "unsubscribe": true, "profile": true, "cleaned": true, "upemail": true, "campaign": true],
                        "sources": ["user": true, "admin": true, "api": false],
                    ] as NSDictionary)
            #expect(fake.webhooks.first?.sources["api"] == false)
            // The caller sees where it was registered, not the secret.
            let shown = try #require(JSONPath.text(hook.output["url"]))
            #expect(shown.hasPrefix("https://hub.example.test/webhooks/mailchimp?connection=\(MailchimpSecretTests.first)&secret="))
            #expect(!shown.contains(MailchimpSecretTests.firstToken))
            // The caller cannot choose the URL: the input has no such field.
            let chosen = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("webhooks.create", ["listId": .string(Self.list), "url": .string("https://evil.example/")])) {
                    _ in
                    Self.token
                }
            }
            #expect(chosen?.code == .invalidInput)
        }
    }

    @Test func withoutTheServersSecretOrAConnectionNoWebhookIsRegistered() async throws {
        try await withMailchimp { fake, _ in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let unconfigured = ConnectorRuntime(
                catalog: catalog, client: OutboundClient.quickRetries(label: "mailchimp"), baseURLOverrides: ["mailchimp": fake.apiBaseURL],
                publicURL: "https://hub.example.test")
            var call = Self.call("webhooks.create", ["listId": .string(Self.list)])
            call.connectionID = UUID()
            let missing = await #expect(throws: ConnectorError.self) { try await unconfigured.execute(call) { _ in Self.token } }
            #expect(missing?.code == .missingAppCredentials)
            #expect(missing?.message.contains("MAILCHIMP_WEBHOOK_KEY") == true)
            let configured = ConnectorRuntime(
                catalog: catalog, client: OutboundClient.quickRetries(label: "mailchimp"), baseURLOverrides: ["mailchimp": fake.apiBaseURL],
                publicURL: "https://hub.example.test", connectionWebhookSecrets: ["mailchimp": "mailchimp-url-secret-test"])
            call.connectionID = nil
            let noConnection = await #expect(throws: ConnectorError.self) { try await configured.execute(call) { _ in Self.token } }
            #expect(noConnection?.code == .missingAppCredentials)
            #expect(fake.webhooks.isEmpty)
        }
    }

    @Test func mailchimpsProblemDocumentsAreClassified() async throws {
        try await withMailchimp { fake, runtime in
            // A wrong key: API Key Invalid, final (a key cannot be refreshed); the key is never repeated.
            let wrong = ConnectorCredentialsValue.basic(user: "neonhub", password: "ffffffffffffffffffffffffffffffff-us21")
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("ping")) { _ in wrong }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "API Key Invalid")
            #expect(auth?.message.contains("ffffffffffffffffffffffffffffffff") == false)
            let otherDC = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("ping")) { _ in .basic(user: "neonhub", password: MailchimpFake.otherDataCentreKey) }
            }
            #expect(otherDC?.code == .providerAuth)

            // Validation: Invalid Resource, permanent, with Mailchimp's detail.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "campaigns.create",
                        ["listId": .string("nolist"), "subjectLine": .string("S"), "fromName": .string("N"), "replyTo": .string("a@example.com")])
                ) {
                    _ in Self.token
                }
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "Invalid Resource")
            #expect(fake.campaigns.isEmpty)
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("reports.get", ["campaignId": .string("nothing")])) { _ in Self.token }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "Resource Not Found")

            // The connection limit on a read: backed off and retried; on a write: not repeated, no reset time documented.
            fake.limitConnections(calls: 1)
            let recovered = try await runtime.execute(Self.call("ping")) { _ in Self.token }
            #expect(recovered.attempts == 2)
            fake.limitConnections(calls: 1)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "campaigns.create",
                        ["listId": .string(Self.list), "subjectLine": .string("S"), "fromName": .string("N"), "replyTo": .string("a@example.com")])
                ) { _ in Self.token }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "Too Many Requests")
            #expect(limited?.resetAt == nil && limited?.retryAfterSeconds == nil)
            #expect(fake.campaigns.isEmpty)

            // 500 is retried on a read; a disabled user is refused as auth.
            fake.failNext(status: 500, title: "Internal Server Error", detail: "An unexpected internal error has occurred.")
            #expect(try await runtime.execute(Self.call("ping")) { _ in Self.token }.attempts == 2)
            fake.disableUser()
            let disabled = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("ping")) { _ in Self.token }
            }
            #expect(disabled?.code == .providerAuth)
            #expect(disabled?.providerCode == "User Disabled")
        }
    }
}
