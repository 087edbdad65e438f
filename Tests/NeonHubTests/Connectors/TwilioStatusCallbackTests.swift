import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The whole loop of a Twilio send: `connectors.executeAction` sends an SMS through a stored
/// connection with `StatusCallback` = `${PUBLIC_URL}/webhooks/twilio`; the callback Twilio then
/// posts (built by the fake from the message it holds, signed with the account's Auth Token as
/// https://www.twilio.com/docs/usage/webhooks/webhooks-security describes) is verified, stored
/// once and routed to that connection by its `accountSid` variable.
@Suite struct TwilioStatusCallbackTests {
    @Test func theStatusCallbackOfASentMessageReachesItsConnection() async throws {
        try await Self.sendAndCallBack(serverToken: TwilioFake.authToken)
    }

    /// Found by a review: callbacks were checked with the server's `TWILIO_AUTH_TOKEN` only, so
    /// a tenant that connected its own Twilio account (signing with its own Auth Token) had every
    /// status callback refused. The token of the connection that authenticates as the callback's
    /// `AccountSid` verifies it, whether or not the server has a token of its own.
    @Test(arguments: [nil, "server-token-of-another-account-0000"])
    func aTenantsOwnAccountIsVerifiedWithItsOwnToken(serverToken: String?) async throws {
        try await Self.sendAndCallBack(serverToken: serverToken)
    }

    /// Connects the fake's account, sends an SMS, and posts the callback the fake builds,
    /// signed with the account's Auth Token, with `TWILIO_AUTH_TOKEN` set to `serverToken`.
    static func sendAndCallBack(serverToken: String?) async throws {
        let fake = TwilioFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile(["twilio": ["baseUrl": fake.apiBaseURL]])
        try await withDatabaseApp({
            $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
            $0.connectorEndpointsFile = endpoints
            $0.publicURL = "https://hub.example.test"
            $0.webhookSecrets = WebhookSecrets.load { $0 == "TWILIO_AUTH_TOKEN" ? serverToken : nil }
        }) { server, client in
            let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: admin,
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "twilio", "credentials": ["username": TwilioFake.accountSid, "password": TwilioFake.authToken],
                    "variables": ["accountSid": TwilioFake.accountSid],
                ]))
            let connectionID = try #require((resultData(try connect.json())?["id"] as? String).flatMap(UUID.init(uuidString:)), "\(connect.text)")
            // The numbers the credentials reach are the connection's accounts, listed at connect.
            let (_, accounts) = try await client.query("connectors.listAccounts", ["connectionId": connectionID.uuidString])
            let listed = ((accounts["result"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
            #expect(listed.compactMap { $0["id"] as? String } == TwilioFake.numbers, "\(accounts)")
            #expect(listed.allSatisfy { $0["kind"] as? String == "sender" })
            let (status, envelope) = try await client.mutation(
                "connectors.executeAction",
                [
                    "connectionId": connectionID.uuidString, "action": "messages.send",
                    "input": ["to": "+14155550199", "from": TwilioFake.numbers[0], "body": "Your order has shipped"],
                ])
            #expect(status == 200, "\(envelope)")
            let sid = try #require(fake.messages.first?.sid)

            let callback = try #require(fake.deliver(sid))
            #expect(callback.url == "https://hub.example.test/webhooks/twilio")
            let encode = { (text: String) in TemplateRenderer.encodeQueryComponent(text) }
            let body = callback.parameters.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
            let signed = callback.url + callback.parameters.sorted { $0.0 < $1.0 }.map { $0.0 + $0.1 }.joined()
            let signature = Data(HMACSHA1.authenticate(message: Array(signed.utf8), key: Array(TwilioFake.authToken.utf8))).base64EncodedString()
            let headers = ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature]
            let reply = try await client.request("POST", "/webhooks/twilio", headers: headers, body: Data(body.utf8))
            #expect(reply.status == 200)
            let forged = try await client.request("POST", "/webhooks/twilio", headers: headers, body: Data((body + "&Extra=1").utf8))
            #expect(forged.status == 401)
            // An account nobody connected: refused as unsigned (401), not "not configured".
            let stranger = body.replacingOccurrences(of: TwilioFake.accountSid, with: "AC" + String(repeating: "0", count: 32))
            let unknown = try await client.request("POST", "/webhooks/twilio", headers: headers, body: Data(stranger.utf8))
            #expect(unknown.status == 401)

            let pool = try #require(server.database?.pool)
            let rows = try await pool.query(
                "SELECT event_id, event_type, account_id, status, connection_id FROM webhook_events WHERE connector = 'twilio'")
            #expect(rows.count == 1)
            #expect(try rows.first?.decode("event_id", as: String.self) == "\(sid):delivered")
            #expect(try rows.first?.decode("event_type", as: String.self) == "message.delivered")
            #expect(try rows.first?.decode("status", as: String.self) == "received")
            #expect(try rows.first?.decode("connection_id", as: UUID.self) == connectionID)
        }
    }
}
