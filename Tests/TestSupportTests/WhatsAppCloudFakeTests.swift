import Foundation
import TestSupport
import Testing

/// The WhatsApp Cloud API fake, driven with plain HTTP as Meta's documentation shows each call:
/// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
/// https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates,
/// https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes,
/// https://developers.facebook.com/docs/graph-api/results.
@Suite struct WhatsAppCloudFakeTests {
    private func withFake<T>(_ body: (WhatsAppCloudFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = WhatsAppCloudFake()
        try fake.start()
        do {
            let result = try await body(fake, HTTPTestClient(baseURL: fake.server.baseURL))
            await fake.server.stopWithoutBlocking()
            return result
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }

    static func headers(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)", "Content-Type": "application/json"] }

    static func post(_ client: HTTPTestClient, _ fake: WhatsAppCloudFake, token: String, _ object: [String: Any]) async throws -> HTTPTestClient.Reply
    {
        try await client.request(
            "POST", "/v25.0/\(fake.phoneNumbers[0].id)/messages", headers: headers(token),
            body: try JSONSerialization.data(withJSONObject: object))
    }

    static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] { try reply.json()["error"] as? [String: Any] ?? [:] }

    static func text(_ to: String, _ body: String) -> [String: Any] {
        ["messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text", "text": ["body": body]]
    }

    @Test func freeFormMessagesNeedTheTwentyFourHourWindowTemplatesDoNot() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let closed = try await Self.post(client, fake, token: token, Self.text("16505551234", "Hi"))
            #expect(closed.status == 400)
            #expect(try Self.error(closed)["code"] as? Int == 131047)
            #expect(
                (try Self.error(closed)["error_data"] as? [String: Any])?["details"] as? String
                    == "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
            fake.customerMessaged(waID: "16505551234", at: Date().addingTimeInterval(-25 * 3600))
            #expect(
                try await Self.post(client, fake, token: token, Self.text("16505551234", "Hi")).status == 400, "25 hours ago is outside the window")
            fake.customerMessaged(waID: "16505551234")
            let open = try await Self.post(client, fake, token: token, Self.text("16505551234", "Hi"))
            #expect(open.status == 200)
            let answer = try open.json()
            #expect((answer["contacts"] as? [[String: Any]])?.first?["wa_id"] as? String == "16505551234")
            let wamid = try #require((answer["messages"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(wamid.hasPrefix("wamid."))
            #expect((answer["messages"] as? [[String: Any]])?.first?["message_status"] == nil, "only template sends carry message_status")

            let template: [String: Any] = [
                "messaging_product": "whatsapp", "to": "447700900123", "type": "template",
                "template": [
                    "name": "order_shipped", "language": ["code": "en_US"],
                    "components": [["type": "body", "parameters": [["type": "text", "text": "#1042"], ["type": "text", "text": "Friday"]]]],
                ],
            ]
            let sent = try await Self.post(client, fake, token: token, template)
            #expect(sent.status == 200)
            #expect((try sent.json()["messages"] as? [[String: Any]])?.first?["message_status"] as? String == "accepted")
            #expect(fake.sent.count == 2)
        }
    }

    @Test func templatesAreCheckedByNameLanguageAndParameterCount() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            func send(_ name: String, _ language: String = "en_US", body parameters: Int) async throws -> HTTPTestClient.Reply {
                try await Self.post(
                    client, fake, token: token,
                    [
                        "messaging_product": "whatsapp", "to": "16505551234", "type": "template",
                        "template": [
                            "name": name, "language": ["code": language],
                            "components": [["type": "body", "parameters": Array(repeating: ["type": "text", "text": "x"], count: parameters)]],
                        ],
                    ])
            }
            let unknown = try await send("order_shiped", body: 2)
            #expect(unknown.status == 404)
            #expect(try Self.error(unknown)["code"] as? Int == 132001)
            #expect(try Self.error(try await send("order_shipped", "de_DE", body: 2))["code"] as? Int == 132001)
            let count = try await send("order_shipped", body: 1)
            #expect(try Self.error(count)["code"] as? Int == 132000)
            #expect(try Self.error(try await send("old_offer", body: 0))["code"] as? Int == 132015)
            #expect(try await send("hello_world", body: 0).status == 200)
            let missing = try await Self.post(
                client, fake, token: token,
                ["messaging_product": "whatsapp", "to": "16505551234", "type": "template", "template": ["name": "hello_world"]])
            #expect(try Self.error(missing)["code"] as? Int == 131008)
            let noProduct = try await Self.post(client, fake, token: token, ["to": "16505551234", "type": "text", "text": ["body": "x"]])
            #expect(try Self.error(noProduct)["code"] as? Int == 100)
        }
    }

    @Test func tokensAndRateLimitsAnswerGraphErrors() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.expire(token: token)
            let expired = try await client.get("/v25.0/\(fake.wabaID)/phone_numbers", headers: Self.headers(token))
            #expect(expired.status == 401)
            #expect(try Self.error(expired)["code"] as? Int == 190)
            #expect(try Self.error(expired)["error_subcode"] as? Int == 463)
            let none = try await client.get("/v25.0/\(fake.wabaID)/phone_numbers")
            #expect(try Self.error(none)["code"] as? Int == 104)

            let fresh = fake.issueToken()
            fake.injectRateLimit(code: 80007, regainAccessMinutes: 7)
            let limited = try await client.get("/v25.0/\(fake.wabaID)/message_templates", headers: Self.headers(fresh))
            #expect(try Self.error(limited)["code"] as? Int == 80007)
            #expect(limited.header("X-Business-Use-Case-Usage")?.contains("\"estimated_time_to_regain_access\":7") == true)
            fake.injectRateLimit(code: 131056)
            fake.customerMessaged(waID: "16505551234")
            #expect(try Self.error(try await Self.post(client, fake, token: fresh, Self.text("16505551234", "Hi")))["code"] as? Int == 131056)
            #expect(try await client.get("/v25.0/999/phone_numbers", headers: Self.headers(fresh)).status == 400)
        }
    }

    @Test func templatesArePagedWithGraphCursors() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var path = "/v25.0/\(fake.wabaID)/message_templates?fields=id,name&limit=2"
            var names: [String] = []
            var pages = 0
            while pages < 10 {
                let page = try await client.get(path, headers: Self.headers(token)).json()
                pages += 1
                names += (page["data"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                let paging = page["paging"] as? [String: Any]
                #expect((paging?["cursors"] as? [String: Any])?["after"] != nil)
                guard let next = paging?["next"] as? String, let url = URL(string: next) else { break }
                #expect(url.query?.contains("after=") == true)
                path = url.path + "?" + (url.query ?? "")
            }
            #expect(pages == 3)
            #expect(names == fake.templates.map(\.name))
            let approved = try await client.get("/v25.0/\(fake.wabaID)/message_templates?status=APPROVED", headers: Self.headers(token)).json()
            #expect((approved["data"] as? [[String: Any]])?.count == 3)
        }
    }

    @Test func readReceiptsAndImagesFollowTheReference() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let inbound = fake.customerMessaged(waID: "16505551234")
            let read = try await Self.post(client, fake, token: token, ["messaging_product": "whatsapp", "status": "read", "message_id": inbound])
            #expect(try read.json()["success"] as? Bool == true)
            let both = try await Self.post(
                client, fake, token: token,
                [
                    "messaging_product": "whatsapp", "to": "16505551234", "type": "image",
                    "image": ["link": "https://example.com/a.jpg", "id": "123"],
                ])
            #expect(try Self.error(both)["code"] as? Int == 131009)
            let unknownMedia = try await Self.post(
                client, fake, token: token, ["messaging_product": "whatsapp", "to": "16505551234", "type": "image", "image": ["id": "42"]])
            #expect(try Self.error(unknownMedia)["code"] as? Int == 131009)
            fake.registerMedia(id: "42")
            #expect(
                try await Self.post(
                    client, fake, token: token, ["messaging_product": "whatsapp", "to": "16505551234", "type": "image", "image": ["id": "42"]]
                ).status == 200)
            let status = fake.statusWebhook([(wamid: "wamid.X", status: "failed", errorCode: 131047)])
            let json = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
            #expect(json?["object"] as? String == "whatsapp_business_account")
        }
    }
}
