import Foundation
import TestSupport
import Testing

/// The Gmail fake, driven with plain HTTP as Google's documentation shows each call:
/// https://developers.google.com/workspace/gmail/api/reference/rest,
/// https://developers.google.com/workspace/gmail/api/guides/sending,
/// https://developers.google.com/workspace/gmail/api/guides/drafts,
/// https://developers.google.com/workspace/gmail/api/guides/handle-errors.
@Suite struct GmailFakeTests {
    static let send = "https://www.googleapis.com/auth/gmail.send"
    static let readonly = "https://www.googleapis.com/auth/gmail.readonly"
    static let compose = "https://www.googleapis.com/auth/gmail.compose"

    private func withFake<T>(_ body: (GmailFake, HTTPTestClient) async throws -> T) async throws -> T {
        let oauth = GoogleOAuthFake()
        let fake = GmailFake(oauth: oauth)
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

    static func bearer(_ token: String, json: Bool = false) -> [String: String] {
        json ? ["Authorization": "Bearer \(token)", "Content-Type": "application/json"] : ["Authorization": "Bearer \(token)"]
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func rawBody(_ message: String, extra: [String: Any] = [:]) throws -> Data {
        var object = extra
        object["raw"] = base64URL(message)
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func reason(_ reply: HTTPTestClient.Reply) throws -> String? {
        (((try reply.json()["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.first?["reason"]) as? String
    }

    /// A multipart/alternative message written out by hand, as RFC 5322 and 2046 show it.
    static let alternative = [
        "From: avery@example.com", "To: Ada <ada@example.com>", "Bcc: audit@example.com", "Subject: =?UTF-8?B?Q2Fmw6k=?=", "MIME-Version: 1.0",
        "Content-Type: multipart/alternative; boundary=\"b1\"", "", "--b1", "Content-Type: text/plain; charset=UTF-8", "", "Hello",
        "--b1", "Content-Type: text/html; charset=UTF-8", "", "<p>Hello</p>", "--b1--", "",
    ].joined(separator: "\r\n")

    @Test func everyMethodChecksTheTokenAndItsDocumentedScopes() async throws {
        try await withFake { fake, client in
            let none = try await client.get("/gmail/v1/users/me/profile")
            #expect(none.status == 401)
            #expect(try Self.reason(none) == "authError")
            #expect(none.header("WWW-Authenticate")?.contains("invalid_token") == true)

            let sendOnly = fake.oauth.issueTokens(scopes: [Self.send]).accessToken
            let refused = try await client.get("/gmail/v1/users/me/messages", headers: Self.bearer(sendOnly))
            #expect(refused.status == 403)
            #expect(try Self.reason(refused) == "insufficientPermissions")
            // gmail.send alone cannot read the profile either (getProfile's scopes are read or compose scopes).
            #expect(try await client.get("/gmail/v1/users/me/profile", headers: Self.bearer(sendOnly)).status == 403)

            let reader = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            let profile = try await client.get("/gmail/v1/users/me/profile", headers: Self.bearer(reader))
            #expect(profile.status == 200)
            #expect(try profile.json()["emailAddress"] as? String == fake.emailAddress)
            let cannotSend = try await client.request(
                "POST", "/gmail/v1/users/me/messages/send", headers: Self.bearer(reader, json: true),
                body: try Self.rawBody(Self.alternative))
            #expect(cannotSend.status == 403)
            #expect(fake.sent.isEmpty)

            fake.oauth.expire(accessToken: reader)
            let expired = try await client.get("/gmail/v1/users/me/profile", headers: Self.bearer(reader))
            #expect(expired.status == 401)
            #expect(try (expired.json()["error"] as? [String: Any])?["message"] as? String == "Invalid Credentials")
        }
    }

    @Test func aSentMessageIsDecodedAndItsStructureChecked() async throws {
        try await withFake { fake, client in
            let token = fake.oauth.issueTokens(scopes: [Self.send]).accessToken
            let reply = try await client.request(
                "POST", "/gmail/v1/users/me/messages/send", headers: Self.bearer(token, json: true),
                body: try Self.rawBody(Self.alternative))
            #expect(reply.status == 200)
            let json = try reply.json()
            #expect(json["labelIds"] as? [String] == ["SENT"])
            let sent = try #require(fake.sent.last)
            #expect(json["id"] as? String == sent.id)
            #expect(sent.mime.mediaType == "multipart/alternative")
            #expect(sent.mime.parts.map(\.mediaType) == ["text/plain", "text/html"])
            #expect(sent.mime.decodedHeader("Subject") == "Café")
            #expect(sent.mime.header("Bcc") == nil, "Gmail keeps no Bcc header on what it stores")

            func refused(_ message: String, extra: [String: Any] = [:]) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", "/gmail/v1/users/me/messages/send", headers: Self.bearer(token, json: true), body: try Self.rawBody(message, extra: extra)
                )
            }
            let bareLF = try await refused("To: ada@example.com\nSubject: x\n\nHi\n")
            #expect(bareLF.status == 400)
            #expect(try Self.reason(bareLF) == "invalidArgument")
            let noRecipient = try await refused("Subject: x\r\n\r\nHi\r\n")
            #expect(try (noRecipient.json()["error"] as? [String: Any])?["message"] as? String == "Recipient address required")
            let unclosed = try await refused(Self.alternative.replacingOccurrences(of: "--b1--", with: ""))
            #expect(unclosed.status == 400)
            let rawHeader = try await refused("To: ada@example.com\r\nSubject: Café\r\n\r\nHi\r\n")
            #expect(rawHeader.status == 400, "8-bit text in a header must be RFC 2047-encoded")
            let unknownThread = try await refused("To: ada@example.com\r\nSubject: x\r\n\r\nHi\r\n", extra: ["threadId": "ffffffffffffffff"])
            #expect(unknownThread.status == 404)
            let noRaw = try await client.request(
                "POST", "/gmail/v1/users/me/messages/send", headers: Self.bearer(token, json: true), body: Data("{}".utf8))
            #expect(noRaw.status == 400)
            #expect(fake.sent.count == 1)
        }
    }

    @Test func searchFollowsQAndPageToken() async throws {
        try await withFake { fake, client in
            let token = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            let first = try await client.get("/gmail/v1/users/me/messages?q=from%3Asam.buyer%40example.com&maxResults=1", headers: Self.bearer(token))
            let page1 = try first.json()
            #expect((page1["messages"] as? [[String: Any]])?.count == 1)
            #expect(page1["resultSizeEstimate"] as? Int == 2)
            let next = try #require(page1["nextPageToken"] as? String)
            let second = try await client.get(
                "/gmail/v1/users/me/messages?q=from%3Asam.buyer%40example.com&maxResults=1&pageToken=\(next)", headers: Self.bearer(token))
            let page2 = try second.json()
            #expect((page2["messages"] as? [[String: Any]])?.count == 1)
            #expect(page2["nextPageToken"] == nil)
            #expect(
                (page1["messages"] as? [[String: Any]])?.first?["id"] as? String != (page2["messages"] as? [[String: Any]])?.first?["id"] as? String)

            let threads = try await client.get("/gmail/v1/users/me/threads?q=wholesale", headers: Self.bearer(token)).json()
            #expect((threads["threads"] as? [[String: Any]])?.count == 1, "the two Wholesale pricing messages are one thread")
            let bad = try await client.get("/gmail/v1/users/me/messages?pageToken=nonsense", headers: Self.bearer(token))
            #expect(bad.status == 400)
            let missing = try await client.get("/gmail/v1/users/me/messages/ffffffffffffffff", headers: Self.bearer(token))
            #expect(missing.status == 404)
            #expect(try Self.reason(missing) == "notFound")
        }
    }

    @Test func aDraftIsCreatedThenSentAsANewMessage() async throws {
        try await withFake { fake, client in
            let token = fake.oauth.issueTokens(scopes: [Self.compose]).accessToken
            let body = try JSONSerialization.data(withJSONObject: [
                "message": ["raw": Self.base64URL("To: ada@example.com\r\nSubject: Draft\r\n\r\nLater\r\n")]
            ])
            let created = try await client.request("POST", "/gmail/v1/users/me/drafts", headers: Self.bearer(token, json: true), body: body).json()
            let draftID = try #require(created["id"] as? String)
            #expect((created["message"] as? [String: Any])?["labelIds"] as? [String] == ["DRAFT"])
            #expect(fake.drafts[draftID] != nil)
            let sent = try await client.request(
                "POST", "/gmail/v1/users/me/drafts/send", headers: Self.bearer(token, json: true),
                body: try JSONSerialization.data(withJSONObject: ["id": draftID])
            ).json()
            #expect(sent["labelIds"] as? [String] == ["SENT"])
            #expect(sent["id"] as? String != (created["message"] as? [String: Any])?["id"] as? String, "a sent draft becomes a new message")
            #expect(fake.drafts.isEmpty)
            let again = try await client.request(
                "POST", "/gmail/v1/users/me/drafts/send", headers: Self.bearer(token, json: true),
                body: try JSONSerialization.data(withJSONObject: ["id": draftID]))
            #expect(again.status == 404)
        }
    }

    @Test func rateLimitsAnswerTheDocumentedBodies() async throws {
        try await withFake { fake, client in
            let token = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            fake.injectRateLimit()
            let limited = try await client.get("/gmail/v1/users/me/labels", headers: Self.bearer(token))
            #expect(limited.status == 429)
            #expect(try Self.reason(limited) == "rateLimitExceeded")
            #expect(limited.header("Retry-After") == nil)
            fake.injectRateLimit(.userRateLimited)
            let user = try await client.get("/gmail/v1/users/me/labels", headers: Self.bearer(token))
            #expect(user.status == 403)
            #expect(try Self.reason(user) == "userRateLimitExceeded")
            #expect(try await client.get("/gmail/v1/users/me/labels", headers: Self.bearer(token)).status == 200)
        }
    }

    @Test func theReaderHoldsMessagesToTheRFCs() throws {
        let folded = try MIMEReader.parse(
            Data("Subject: =?UTF-8?B?w6k=?=\r\n =?UTF-8?B?w6k=?=\r\nTo: \"Lovelace, Ada\" <ada@example.com>, bo@example.com\r\n\r\nx".utf8))
        #expect(folded.decodedHeader("Subject") == "éé", "whitespace between adjacent encoded-words is dropped")
        #expect(folded.addresses("To") == ["ada@example.com", "bo@example.com"])
        // No MIME-Version.
        #expect(throws: MIMEReader.Violation.self) { try MIMEReader.parse(Data("Subject: x\r\nContent-Type: text/plain\r\n\r\nx".utf8)) }
        #expect(throws: MIMEReader.Violation.self) {
            try MIMEReader.parse(
                Data(
                    "MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n\(String(repeating: "QUFB", count: 20))"
                        .utf8))
        }  // an 80-character base64 line
    }
}
