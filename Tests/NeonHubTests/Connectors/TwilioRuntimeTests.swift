import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Twilio definition run by the real runtime against the Twilio fake (which follows the
/// Messages resource, paging and error documentation): what the catalog sends must be what
/// Twilio accepts, field by field.
@Suite struct TwilioRuntimeTests {
    static let publicURL = "https://hub.example.test"

    static func runtime(_ fake: TwilioFake, publicURL: String? = TwilioRuntimeTests.publicURL) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "twilio"),
            baseURLOverrides: ["twilio": fake.apiBaseURL], publicURL: publicURL)
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withTwilio(publicURL: String? = TwilioRuntimeTests.publicURL, _ body: (TwilioFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = TwilioFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake, publicURL: publicURL)) }
    }

    static let variables = ["accountSid": TwilioFake.accountSid]
    static let token = ConnectorCredentialsValue.basic(user: TwilioFake.accountSid, password: TwilioFake.authToken)

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "twilio", action: action, input: .object(input), variables: variables)
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    @Test func theAccountAndItsNumbersAreReadWithBasicAuthEitherWay() async throws {
        try await withTwilio { fake, runtime in
            let account = try await runtime.execute(Self.call("account.get")) { _ in Self.token }
            #expect(
                account.output
                    == .object([
                        "id": .string(TwilioFake.accountSid), "name": .string("NeonHub Demo"), "status": .string("active"), "type": .string("Full"),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/2010-04-01/Accounts/\(TwilioFake.accountSid).json")
            #expect(sent.header("Authorization") == "Basic " + Data("\(TwilioFake.accountSid):\(TwilioFake.authToken)".utf8).base64EncodedString())

            // An API key authenticates the same calls; the path still names the account.
            let key = ConnectorCredentialsValue.basic(user: TwilioFake.apiKeySid, password: TwilioFake.apiKeySecret)
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let accounts = try #require(catalog["twilio"]?.definition.accounts?.action)
            let numbers = try await runtime.execute(Self.call(accounts, ["pageSize": .number(2)])) { _ in key }
            #expect(Self.items(numbers.output).compactMap { JSONPath.text($0["id"]) } == TwilioFake.numbers)
            #expect(Self.items(numbers.output).first?["name"] == .string("(415) 555-0100"))
            #expect(numbers.pages == 2)  // next_page_uri followed against the host
            let pages = fake.server.requests("GET", "/2010-04-01/Accounts/*/IncomingPhoneNumbers.json")
            #expect(pages.map { $0.queryItems["PageSize"] } == [["2"], ["2"]])
            #expect(pages.last?.queryItems["Page"] == ["1"])
            #expect(pages.last?.queryItems["PageToken"]?.first?.hasPrefix("PA") == true)
        }
    }

    @Test func anSMSIsSentAsTwilioDocumentsItWithTheStatusCallbackOnOurWebhookRoute() async throws {
        try await withTwilio { fake, runtime in
            let sent = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "to": .string("+14155550199"), "from": .string(TwilioFake.numbers[0]),
                        "body": .string("Your order #1001 has shipped!"),
                    ])
            ) { _ in Self.token }
            let sid = try #require(JSONPath.text(sent.output["id"]))
            #expect(sent.output["status"] == .string("queued"))
            #expect(sent.output["numSegments"] == .string("1"))
            #expect(sent.attempts == 1)
            let request = try #require(fake.server.requests("POST", "/2010-04-01/Accounts/*/Messages.json").last)
            #expect(request.path == "/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages.json")
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(request.header("Idempotency-Key") == nil)  // Twilio's Messages resource takes none
            // Exactly the documented parameters: optional ones left out, not sent empty.
            #expect(
                request.formItems == [
                    "To": ["+14155550199"], "From": ["+14155550100"], "Body": ["Your order #1001 has shipped!"],
                    "StatusCallback": ["https://hub.example.test/webhooks/twilio"],
                ])
            #expect(request.bodyText.contains("To=%2B14155550199"))
            #expect(fake.message(sid)?.statusCallback == "https://hub.example.test/webhooks/twilio")

            // The callback Twilio then posts is one our webhook parser reads as message.<status> of the account.
            let callback = try #require(fake.deliver(sid))
            let body = callback.parameters.map { "\($0.0)=\(TemplateRenderer.encodeQueryComponent($0.1))" }.joined(separator: "&")
            let parsed = WebhookEventParser.twilio(
                WebhookRequest(
                    connector: "twilio", method: "POST", body: Array(body.utf8),
                    headers: [("Content-Type", "application/x-www-form-urlencoded")], path: "/webhooks/twilio", query: nil))
            #expect(parsed.eventType == "message.delivered")
            #expect(parsed.eventID == "\(sid):delivered")
            #expect(parsed.accountID == TwilioFake.accountSid)

            // Through a Messaging Service, with media and shortened links.
            let service = "MG" + String(repeating: "d", count: 32)
            _ = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "to": .string("+14155550199"), "messagingServiceSid": .string(service),
                        "mediaUrl": .string("https://cdn.example.test/a.png"), "shortenUrls": .bool(true),
                    ])
            ) { _ in Self.token }
            let viaService = try #require(fake.requests.last)
            #expect(viaService.formItems["MessagingServiceSid"] == [service])
            #expect(viaService.formItems["MediaUrl"] == ["https://cdn.example.test/a.png"])
            #expect(viaService.formItems["ShortenUrls"] == ["true"])
            #expect(viaService.formItems["From"] == nil && viaService.formItems["Body"] == nil)
        }
    }

    @Test func withoutAPublicURLNoStatusCallbackIsSent() async throws {
        try await withTwilio(publicURL: nil) { fake, runtime in
            _ = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "to": .string("+14155550199"), "from": .string(TwilioFake.numbers[1]),
                        "body": .string("Hi"),
                    ])
            ) { _ in Self.token }
            let request = try #require(fake.requests.last)
            #expect(request.formItems["StatusCallback"] == nil)
            #expect(request.formItems["From"] == [TwilioFake.numbers[1]])
        }
    }

    @Test func whatsAppMessagesCarryTheChannelPrefixAndTemplatesTheirVariables() async throws {
        try await withTwilio { fake, runtime in
            let template = "HX" + String(repeating: "e", count: 32)
            let sent = try await runtime.execute(
                Self.call(
                    "messages.sendWhatsApp",
                    [
                        "to": .string("+14155550199"), "from": .string(TwilioFake.whatsAppSender), "contentSid": .string(template),
                        "contentVariables": .string(#"{"1":"Ada","2":"10:00"}"#),
                    ])
            ) { _ in Self.token }
            let request = try #require(fake.requests.last)
            #expect(
                request.formItems == [
                    "To": ["whatsapp:+14155550199"], "From": ["whatsapp:+14155238886"], "ContentSid": [template],
                    "ContentVariables": [#"{"1":"Ada","2":"10:00"}"#], "StatusCallback": ["https://hub.example.test/webhooks/twilio"],
                ])
            #expect(sent.output["to"] == .string("whatsapp:+14155550199"))

            // A free-form message outside the 24-hour window is accepted, then fails with 63016:
            // the send succeeds and the lookup (or the status callback) reports the rule.
            let freeForm = try await runtime.execute(
                Self.call(
                    "messages.sendWhatsApp",
                    [
                        "to": .string("+14155550199"), "from": .string(TwilioFake.whatsAppSender),
                        "body": .string("Are you there?"),
                    ])
            ) { _ in Self.token }
            let sid = try #require(JSONPath.text(freeForm.output["id"]))
            let lookup = try await runtime.execute(Self.call("messages.get", ["sid": .string(sid)])) { _ in Self.token }
            #expect(lookup.output["status"] == .string("failed"))
            #expect(lookup.output["errorCode"] == .number(63016))
            #expect(JSONPath.text(lookup.output["errorMessage"])?.contains("outside the allowed window") == true)
            #expect(fake.requests.last?.path == "/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages/\(sid).json")
        }
    }

    @Test func messagesAreListedNewestFirstAcrossPagesWithTheirFilters() async throws {
        try await withTwilio { fake, runtime in
            for index in 0..<5 {
                _ = try await runtime.execute(
                    Self.call(
                        "messages.send",
                        [
                            "to": .string(index < 3 ? "+14155550199" : "+14155550188"),
                            "from": .string(TwilioFake.numbers[0]), "body": .string("n\(index)"),
                        ])
                ) { _ in Self.token }
            }
            let listed = try await runtime.execute(
                Self.call(
                    "messages.list",
                    [
                        "to": .string("+14155550199"), "pageSize": .number(2),
                        "dateSentAfter": .string("2020-01-01"),
                    ])
            ) { _ in Self.token }
            #expect(Self.items(listed.output).compactMap { JSONPath.text($0["body"]) } == ["n2", "n1", "n0"])
            #expect(listed.pages == 2)
            #expect(listed.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", "/2010-04-01/Accounts/*/Messages.json")
            #expect(reads.first?.queryItems == ["To": ["+14155550199"], "PageSize": ["2"], "DateSent>": ["2020-01-01"]])
            // The second page is Twilio's next_page_uri as given: filters kept, PageToken added.
            #expect(reads.last?.queryItems["To"] == ["+14155550199"])
            #expect(reads.last?.queryItems["Page"] == ["1"])

            // The caller's limit bounds the read.
            let bounded = try await runtime.execute(Self.call("messages.list", ["pageSize": .number(2), "limit": .number(3)])) { _ in Self.token }
            #expect(Self.items(bounded.output).count == 3)
            #expect(bounded.output["truncated"] == .bool(true))
        }
    }

    @Test func twiliosErrorCodesAreClassified() async throws {
        try await withTwilio { fake, runtime in
            func send(_ input: [String: JSONValue], with credential: ConnectorCredentialsValue = Self.token) async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("messages.send", input)) { _ in credential }
                }
            }
            // 20003: wrong credentials; the secret never appears in what we say.
            let wrong = ConnectorCredentialsValue.basic(user: TwilioFake.accountSid, password: "stale-token-value-123")
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("account.get")) { _ in wrong }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "20003")
            #expect(auth?.message.contains("stale-token-value-123") == false)

            let from = TwilioFake.numbers[0]
            let invalid = await send(["to": .string("+1415"), "from": .string(from), "body": .string("Hi")])
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "21211")
            #expect(invalid?.message.contains("Invalid 'To' Phone Number") == true)
            fake.optOut("+14155550177")
            let unsubscribed = await send(["to": .string("+14155550177"), "from": .string(from), "body": .string("Hi")])
            #expect(unsubscribed?.code == .providerRejected)
            #expect(unsubscribed?.providerCode == "21610")
            let notOurs = await send(["to": .string("+14155550199"), "from": .string("+19995550000"), "body": .string("Hi")])
            #expect(notOurs?.providerCode == "21606")
            #expect(notOurs?.code == .providerRejected)
            // Our schema refuses a message with neither From nor a Messaging Service before Twilio sees it.
            let before = fake.requests.count
            let incomplete = await send(["to": .string("+14155550199"), "body": .string("Hi")])
            #expect(incomplete?.code == .invalidInput)
            #expect(fake.requests.count == before)

            // 20429 on a send: a POST without an idempotency key is not repeated; no reset time is documented.
            fake.injectRateLimit(calls: 1)
            let limited = await send(["to": .string("+14155550199"), "from": .string(from), "body": .string("Hi")])
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "20429")
            #expect(limited?.retryAfterSeconds == nil)
            #expect(fake.requests.count == before + 1)
            #expect(fake.messages.isEmpty)

            // 20429 on a read: retried after backing off, as Twilio says is safe.
            fake.injectRateLimit(calls: 1)
            let recovered = try await runtime.execute(Self.call("account.get")) { _ in Self.token }
            #expect(recovered.attempts == 2)
            // A Retry-After beyond the wait cap (if Twilio ever sends one) goes back with its wait.
            fake.injectRateLimit(calls: 1, retryAfter: 3600)
            let capped = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("account.get")) { _ in Self.token }
            }
            #expect(capped?.code == .providerRateLimited)
            #expect((3590...3600).contains(capped?.retryAfterSeconds ?? 0))

            // 20500: Twilio's side, retried on a read; 20404 for a message that does not exist.
            fake.failNext(status: 500, code: 20500, message: "Internal Server Error")
            #expect(try await runtime.execute(Self.call("account.get")) { _ in Self.token }.attempts == 2)
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("messages.get", ["sid": .string("SM" + String(repeating: "f", count: 32))])) { _ in Self.token }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "20404")
        }
    }
}
