import Foundation
import TestSupport
import Testing

/// The Twilio fake, driven with plain HTTP as Twilio's documentation shows each call:
/// https://www.twilio.com/docs/messaging/api/message-resource,
/// https://www.twilio.com/docs/usage/twilios-response (paging),
/// https://www.twilio.com/docs/api/errors (the error JSON and codes).
@Suite struct TwilioFakeTests {
    private func withFake<T>(_ body: (TwilioFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = TwilioFake()
        try fake.start()
        do {
            let result = try await body(fake, HTTPTestClient(baseURL: fake.baseURL))
            await fake.server.stopWithoutBlocking()
            return result
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }

    private static func basic(_ user: String = TwilioFake.accountSid, _ password: String = TwilioFake.authToken) -> [String: String] {
        ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    private static let messages = "/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages.json"

    private static func form(_ pairs: [(String, String)]) -> Data {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return Data(
            pairs.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }
            .joined(separator: "&").utf8)
    }

    private func send(_ client: HTTPTestClient, _ pairs: [(String, String)], auth: [String: String] = basic()) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", Self.messages, headers: auth.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 },
            body: Self.form(pairs))
    }

    /// Twilio's error JSON: code, message, more_info (the code's page), status (the HTTP status).
    private func expectError(_ reply: HTTPTestClient.Reply, status: Int, code: Int) throws {
        #expect(reply.status == status)
        let body = try reply.json()
        #expect(body["code"] as? Int == code)
        #expect(body["status"] as? Int == status)
        #expect(body["more_info"] as? String == "https://www.twilio.com/docs/errors/\(code)")
        #expect((body["message"] as? String)?.isEmpty == false)
    }

    @Test func basicAuthAcceptsTheAuthTokenAndAnAPIKeyAndNothingElse() async throws {
        try await withFake { fake, client in
            let path = "/2010-04-01/Accounts/\(TwilioFake.accountSid).json"
            let withToken = try await client.get(path, headers: Self.basic())
            #expect(withToken.status == 200)
            #expect(try withToken.json()["sid"] as? String == TwilioFake.accountSid)
            #expect(try await client.get(path, headers: Self.basic(TwilioFake.apiKeySid, TwilioFake.apiKeySecret)).status == 200)
            try expectError(try await client.get(path, headers: Self.basic(TwilioFake.accountSid, "wrong")), status: 401, code: 20003)
            try expectError(try await client.get(path), status: 401, code: 20003)
            // Another account's path with these credentials.
            try expectError(
                try await client.get("/2010-04-01/Accounts/AC\(String(repeating: "0", count: 32)).json", headers: Self.basic()), status: 401,
                code: 20003)
            fake.deleteAPIKey()
            try expectError(try await client.get(path, headers: Self.basic(TwilioFake.apiKeySid, TwilioFake.apiKeySecret)), status: 401, code: 20003)
            try expectError(
                try await client.get("/2010-04-01/Accounts/\(TwilioFake.accountSid)/Calls/CA1.json", headers: Self.basic()), status: 404, code: 20404)
        }
    }

    @Test func creatingAMessageChecksEveryDocumentedRule() async throws {
        try await withFake { fake, client in
            let from = TwilioFake.numbers[0]
            try expectError(try await send(client, [("From", from), ("Body", "hi")]), status: 400, code: 21604)
            try expectError(try await send(client, [("To", "+14155550199"), ("Body", "hi")]), status: 400, code: 21603)
            try expectError(try await send(client, [("To", "+14155550199"), ("From", from)]), status: 400, code: 21602)
            try expectError(try await send(client, [("To", "4155550199"), ("From", from), ("Body", "hi")]), status: 400, code: 21211)
            try expectError(try await send(client, [("To", "+14155550199"), ("From", "+19995550000"), ("Body", "hi")]), status: 400, code: 21606)
            try expectError(try await send(client, [("To", "whatsapp:+14155550199"), ("From", from), ("Body", "hi")]), status: 400, code: 21910)
            try expectError(
                try await send(client, [("To", "+14155550199"), ("From", from), ("Body", String(repeating: "x", count: 1601))]), status: 400,
                code: 21617)
            try expectError(
                try await send(client, [("To", "+14155550199"), ("From", from), ("Body", "hi"), ("StatusCallback", "not a url")]), status: 400,
                code: 21609)
            fake.optOut("+14155550177")
            try expectError(try await send(client, [("To", "+14155550177"), ("From", from), ("Body", "hi")]), status: 400, code: 21610)
            // A JSON body carries no form parameters.
            let json = try await client.request(
                "POST", Self.messages, headers: Self.basic().merging(["Content-Type": "application/json"]) { $1 },
                body: Data(#"{"To":"+14155550199","From":"+14155550100","Body":"hi"}"#.utf8))
            try expectError(json, status: 400, code: 21604)
            #expect(fake.messages.isEmpty)

            let created = try await send(
                client,
                [
                    ("To", "+14155550199"), ("From", from), ("Body", "Your order has shipped"),
                    ("StatusCallback", "https://hub.example.test/webhooks/twilio"),
                ])
            #expect(created.status == 201)
            let body = try created.json()
            let sid = try #require(body["sid"] as? String)
            #expect(sid.hasPrefix("SM") && sid.count == 34)
            #expect(body["status"] as? String == "queued")
            #expect(body["direction"] as? String == "outbound-api")
            #expect(body["num_segments"] as? String == "1")
            #expect(body["error_code"] is NSNull)
            #expect(body["uri"] as? String == "/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages/\(sid).json")
            let callback = try #require(fake.deliver(sid))
            #expect(callback.url == "https://hub.example.test/webhooks/twilio")
            #expect(callback.parameters.contains { $0 == ("MessageStatus", "delivered") })
            #expect(callback.parameters.contains { $0 == ("MessageSid", sid) })
            let fetched = try await client.get("/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages/\(sid).json", headers: Self.basic())
            #expect(try fetched.json()["status"] as? String == "delivered")
        }
    }

    @Test func whatsAppFreeFormOutsideTheWindowIsQueuedThenFails() async throws {
        try await withFake { fake, client in
            let from = "whatsapp:" + TwilioFake.whatsAppSender
            let outside = try await send(client, [("To", "whatsapp:+14155550199"), ("From", from), ("Body", "Hello")])
            #expect(outside.status == 201)
            #expect(try outside.json()["status"] as? String == "queued")
            let sid = try #require(try outside.json()["sid"] as? String)
            let later = try await client.get("/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages/\(sid).json", headers: Self.basic())
            #expect(try later.json()["status"] as? String == "failed")
            #expect(try later.json()["error_code"] as? Int == 63016)

            let template = try await send(
                client,
                [
                    ("To", "whatsapp:+14155550199"), ("From", from), ("ContentSid", "HX" + String(repeating: "c", count: 32)),
                    ("ContentVariables", #"{"1":"Ada"}"#),
                ])
            #expect(template.status == 201)
            #expect(fake.message(try #require(try template.json()["sid"] as? String))?.errorCode == nil)
            try expectError(
                try await send(client, [("To", "whatsapp:+14155550199"), ("From", from), ("ContentSid", "HX1"), ("ContentVariables", "{1:")]),
                status: 400, code: 21656)
            try expectError(
                try await send(client, [("To", "whatsapp:+14155550199"), ("From", "whatsapp:+14155550100"), ("Body", "Hi")]), status: 400, code: 63007
            )
            fake.openWhatsAppWindow(with: "+14155550188")
            let inside = try await send(client, [("To", "whatsapp:+14155550188"), ("From", from), ("Body", "Thanks for writing")])
            #expect(fake.message(try #require(try inside.json()["sid"] as? String))?.status == "queued")
        }
    }

    @Test func listsPageWithNextPageURIsRelativeToTheHost() async throws {
        try await withFake { fake, client in
            for index in 0..<3 {
                _ = try await send(client, [("To", "+1415555020\(index)"), ("From", TwilioFake.numbers[0]), ("Body", "n\(index)")])
            }
            let first = try await client.get(Self.messages + "?PageSize=2", headers: Self.basic())
            #expect(first.status == 200)
            let page = try first.json()
            #expect((page["messages"] as? [[String: Any]])?.compactMap { $0["to"] as? String } == ["+14155550202", "+14155550201"])
            #expect(page["page"] as? Int == 0)
            #expect(page["page_size"] as? Int == 2)
            let next = try #require(page["next_page_uri"] as? String)
            #expect(next.hasPrefix("/2010-04-01/Accounts/\(TwilioFake.accountSid)/Messages.json?"))
            #expect(next.contains("PageToken=PA"))
            let second = try await client.get(next, headers: Self.basic())
            #expect((try second.json()["messages"] as? [[String: Any]])?.count == 1)
            #expect(try second.json()["next_page_uri"] is NSNull)
            try expectError(
                try await client.get(Self.messages + "?PageSize=2&Page=1&PageToken=PAmadeup", headers: Self.basic()), status: 400, code: 21481)
            let filtered = try await client.get(Self.messages + "?To=%2B14155550201", headers: Self.basic())
            #expect((try filtered.json()["messages"] as? [[String: Any]])?.count == 1)
            let numbers = try await client.get(
                "/2010-04-01/Accounts/\(TwilioFake.accountSid)/IncomingPhoneNumbers.json?PageSize=2", headers: Self.basic())
            #expect(
                (try numbers.json()["incoming_phone_numbers"] as? [[String: Any]])?.compactMap { $0["phone_number"] as? String }
                    == Array(TwilioFake.numbers.prefix(2)))
            _ = fake
        }
    }

    @Test func tooManyConcurrentRequestsIs429With20429AndNoRetryAfter() async throws {
        try await withFake { fake, client in
            fake.injectRateLimit(calls: 1)
            let limited = try await client.get(Self.messages, headers: Self.basic())
            try expectError(limited, status: 429, code: 20429)
            #expect(limited.header("Retry-After") == nil)
            #expect(limited.header("Twilio-Concurrent-Requests") != nil)
            #expect(try await client.get(Self.messages, headers: Self.basic()).status == 200)
        }
    }
}
