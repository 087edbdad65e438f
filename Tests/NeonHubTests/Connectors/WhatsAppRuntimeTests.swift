import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The WhatsApp definition run by the real runtime against the WhatsApp Cloud API fake (which
/// follows Meta's messages reference, the 24-hour customer service window, template rules,
/// Graph cursor paging and the Cloud API's error codes): what the catalog sends must be what
/// Meta accepts, field by field.
@Suite struct WhatsAppRuntimeTests {
    static func runtime(_ fake: WhatsAppCloudFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "whatsapp"),
            baseURLOverrides: ["whatsapp": fake.apiBaseURL])
    }

    func withWhatsApp(_ body: (WhatsAppCloudFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = WhatsAppCloudFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let customer = "16505551234"

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    static func call(_ fake: WhatsAppCloudFake, _ action: String, _ input: [String: JSONValue] = [:], phone: Int? = 0) -> ConnectorCall {
        ConnectorCall(
            connector: "whatsapp", action: action, input: .object(input), accountID: phone.map { fake.phoneNumbers[$0].id },
            variables: ["wabaId": fake.wabaID])
    }

    @Test func phoneNumbersAreTheAccountsAndTemplatesArePagedWithGraphCursors() async throws {
        try await withWhatsApp { fake, runtime in
            let token = fake.issueToken()
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let action = try #require(catalog["whatsapp"]?.definition.accounts?.action)
            let numbers = try await runtime.execute(Self.call(fake, action, phone: nil)) { _ in .token(token) }
            #expect(Self.items(numbers.output).compactMap { JSONPath.text($0["id"]) } == fake.phoneNumbers.map(\.id))
            #expect(Self.items(numbers.output).first?["name"] == .string(fake.phoneNumbers[0].verifiedName))
            let listing = try #require(fake.requests.last)
            #expect(listing.path == "/v25.0/\(fake.wabaID)/phone_numbers")
            #expect(listing.header("Authorization") == "Bearer \(token)")
            #expect(
                listing.queryItems["fields"] == ["id,display_phone_number,verified_name,quality_rating,code_verification_status,messaging_limit_tier"]
            )

            let templates = try await runtime.execute(Self.call(fake, "templates.list", ["pageSize": .number(2)], phone: nil)) { _ in .token(token) }
            #expect(Self.items(templates.output).compactMap { JSONPath.text($0["name"]) } == fake.templates.map(\.name))
            #expect(templates.pages == 3)
            let pages = fake.server.requests("GET", "/v25.0/\(fake.wabaID)/message_templates")
            #expect(pages.map { $0.queryItems["limit"] } == [["2"], ["2"], ["2"]])
            #expect(pages[0].queryItems["after"] == nil)
            #expect(pages[1].queryItems["after"] != nil && pages[2].queryItems["after"] != pages[1].queryItems["after"])
            #expect(pages.allSatisfy { $0.queryItems["fields"] == ["id,name,language,status,category,components"] })
            #expect(Self.items(templates.output).first?["components"] != nil, "components show each template's placeholders")

            let approved = try await runtime.execute(
                Self.call(fake, "templates.list", ["status": .string("APPROVED"), "limit": .number(2)], phone: nil)
            ) { _ in .token(token) }
            #expect(Self.items(approved.output).count == 2)
            #expect(approved.output["truncated"] == .bool(true))
            #expect(fake.requests.last?.queryItems["status"] == ["APPROVED"])
        }
    }

    @Test func textInsideTheWindowIsSentAndOutsideItIsAPermanentErrorNamingTheRule() async throws {
        try await withWhatsApp { fake, runtime in
            let token = fake.issueToken()
            let before = fake.requests.count
            let closed = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(fake, "messages.sendText", ["to": .string(Self.customer), "text": .string("Your order ships tomorrow")])
                ) { _ in .token(token) }
            }
            #expect(closed?.code == .providerRejected)
            #expect(closed?.providerCode == "131047")
            #expect(closed?.message.contains("24-hour customer service window") == true)
            #expect(closed?.message.contains("template") == true)
            #expect(fake.requests.count == before + 1, "a permanent error is not retried")
            #expect(fake.sent.isEmpty)

            fake.customerMessaged(waID: Self.customer)
            let sent = try await runtime.execute(
                Self.call(fake, "messages.sendText", ["to": .string(Self.customer), "text": .string("Your order ships tomorrow")])
            ) { _ in .token(token) }
            let wamid = try #require(JSONPath.text(sent.output["id"]))
            #expect(wamid == fake.sent.last?.id)
            #expect(sent.output["waId"] == .string(Self.customer))
            let request = try #require(fake.server.requests("POST", "/v25.0/\(fake.phoneNumbers[0].id)/messages").last)
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Authorization") == "Bearer \(token)")
            #expect(
                try JSONValue.parse(request.body)
                    == .object([
                        "messaging_product": .string("whatsapp"), "recipient_type": .string("individual"), "to": .string(Self.customer),
                        "type": .string("text"), "text": .object(["preview_url": .bool(false), "body": .string("Your order ships tomorrow")]),
                    ]))
        }
    }

    @Test func templateMessagesCarryTheirComponentsAndAreCheckedByMeta() async throws {
        try await withWhatsApp { fake, runtime in
            let token = fake.issueToken()
            let components: JSONValue = .array([
                .object([
                    "type": .string("body"),
                    "parameters": .array([
                        .object(["type": .string("text"), "text": .string("#1042")]), .object(["type": .string("text"), "text": .string("Friday")]),
                    ]),
                ])
            ])
            let sent = try await runtime.execute(
                Self.call(
                    fake, "messages.sendTemplate",
                    [
                        "to": .string("+447700900123"), "templateName": .string("order_shipped"), "languageCode": .string("en_US"),
                        "components": components,
                    ], phone: 1)
            ) { _ in .token(token) }
            #expect(sent.output["status"] == .string("accepted"))
            #expect(fake.sent.last?.from == fake.phoneNumbers[1].id, "sent from the account's phone number id")
            let request = try #require(fake.requests.last)
            #expect(request.path == "/v25.0/\(fake.phoneNumbers[1].id)/messages")
            #expect(
                try JSONValue.parse(request.body)
                    == .object([
                        "messaging_product": .string("whatsapp"), "recipient_type": .string("individual"), "to": .string("+447700900123"),
                        "type": .string("template"),
                        "template": .object([
                            "name": .string("order_shipped"), "language": .object(["code": .string("en_US")]), "components": components,
                        ]),
                    ]))

            let hello = try await runtime.execute(
                Self.call(
                    fake, "messages.sendTemplate",
                    [
                        "to": .string(Self.customer), "templateName": .string("hello_world"), "languageCode": .string("en_US"),
                    ])
            ) { _ in .token(token) }
            #expect(hello.output["status"] == .string("accepted"))
            #expect(try JSONValue.parse(try #require(fake.requests.last).body)["template"]?["components"] == nil, "no components: none sent")

            let mismatch = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        fake, "messages.sendTemplate",
                        [
                            "to": .string(Self.customer), "templateName": .string("order_shipped"),
                            "languageCode": .string("en_US"),
                        ])
                ) { _ in .token(token) }
            }
            #expect(mismatch?.code == .providerRejected)
            #expect(mismatch?.providerCode == "132000")
            let unknown = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        fake, "messages.sendTemplate",
                        [
                            "to": .string(Self.customer), "templateName": .string("order_shiped"),
                            "languageCode": .string("en_US"),
                        ])
                ) { _ in .token(token) }
            }
            #expect(unknown?.code == .providerRejected)
            #expect(unknown?.providerCode == "132001")
        }
    }

    @Test func imagesByLinkOrIdAndReadReceipts() async throws {
        try await withWhatsApp { fake, runtime in
            let token = fake.issueToken()
            let inbound = fake.customerMessaged(waID: Self.customer)
            _ = try await runtime.execute(
                Self.call(
                    fake, "messages.sendImage",
                    [
                        "to": .string(Self.customer), "link": .string("https://www.example.com/roast.jpg"),
                        "caption": .string("Spring roast"),
                    ])
            ) { _ in .token(token) }
            #expect(
                try JSONValue.parse(try #require(fake.requests.last).body)["image"]
                    == .object(["link": .string("https://www.example.com/roast.jpg"), "caption": .string("Spring roast")]))
            fake.registerMedia(id: "1013859600285441")
            _ = try await runtime.execute(
                Self.call(fake, "messages.sendImage", ["to": .string(Self.customer), "mediaId": .string("1013859600285441")])
            ) { _ in .token(token) }
            #expect(try JSONValue.parse(try #require(fake.requests.last).body)["image"] == .object(["id": .string("1013859600285441")]))
            #expect(fake.sent.count == 2)
            // Both or neither is refused by the schema before anything is sent.
            let requests = fake.requests.count
            await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call(fake, "messages.sendImage", ["to": .string(Self.customer)])) { _ in .token(token) }
            }
            #expect(fake.requests.count == requests)

            let read = try await runtime.execute(Self.call(fake, "messages.markRead", ["messageId": .string(inbound)])) { _ in .token(token) }
            #expect(read.output == .object(["success": .bool(true)]))
            #expect(
                try JSONValue.parse(try #require(fake.requests.last).body)
                    == .object([
                        "messaging_product": .string("whatsapp"), "status": .string("read"), "message_id": .string(inbound),
                    ]))
        }
    }

    @Test func errorsAreClassifiedByTheCloudAPIsCodes() async throws {
        try await withWhatsApp { fake, runtime in
            let expired = fake.issueToken()
            fake.expire(token: expired)
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call(fake, "phoneNumbers.list", phone: nil)) { _ in .token(expired) }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "190")
            #expect(auth?.message.contains(expired) == false)

            let token = fake.issueToken()
            fake.customerMessaged(waID: Self.customer)
            func text() async -> ConnectorError? {
                await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call(fake, "messages.sendText", ["to": .string(Self.customer), "text": .string("Hi")])) { _ in
                        .token(token)
                    }
                }
            }
            // Throughput and pair limits come as HTTP 400: classified by code, not retried, no reset given.
            let before = fake.requests.count
            fake.injectRateLimit(code: 130429)
            let throughput = await text()
            #expect(throughput?.code == .providerRateLimited)
            #expect(throughput?.providerCode == "130429")
            #expect(throughput?.retryAfterSeconds == nil)
            fake.injectRateLimit(code: 131056)
            let pair = await text()
            #expect(pair?.code == .providerRateLimited)
            #expect(pair?.message.contains("pair rate limit") == true)
            #expect(fake.requests.count == before + 2)

            // The WABA's Business Use Case limit on a management read.
            fake.injectRateLimit(code: 80007)
            let buc = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call(fake, "templates.list", phone: nil)) { _ in .token(token) }
            }
            #expect(buc?.code == .providerRateLimited)
            #expect(buc?.providerCode == "80007")

            // 131000 (HTTP 500): retryable; a read repeats until it answers, a send is handed back.
            fake.failNext(.generic)
            let recovered = try await runtime.execute(Self.call(fake, "phoneNumbers.list", phone: nil)) { _ in .token(token) }
            #expect(recovered.attempts == 2)
            fake.failNext(.generic)
            let unknown = await text()
            #expect(unknown?.code == .providerUnavailable)
            #expect(unknown?.providerCode == "131000")

            // Meta's validation answer for a parameter it refuses.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call(fake, "messages.sendImage", ["to": .string(Self.customer), "mediaId": .string("404")])) { _ in
                    .token(token)
                }
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "131009")
        }
    }
}
