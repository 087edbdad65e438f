import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Gmail definition and its flows (`gmail.send`, `gmail.draft`) run by the real runtime
/// against the Gmail fake (which follows the Gmail API reference, decodes `raw` and holds the
/// message to RFC 5322 / MIME) and Google's OAuth fake (tokens, scopes, refresh).
@Suite struct GmailRuntimeTests {
    static let send = "https://www.googleapis.com/auth/gmail.send"
    static let readonly = "https://www.googleapis.com/auth/gmail.readonly"
    static let compose = "https://www.googleapis.com/auth/gmail.compose"

    static func runtime(_ fake: GmailFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "gmail"),
            baseURLOverrides: ["gmail": fake.apiBaseURL])
    }

    /// Runs `body` with a started Gmail fake (and its Google OAuth fake) and a runtime pointed at it.
    func withGmail(_ body: (GmailFake, ConnectorRuntime) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        try oauth.start()
        let fake = GmailFake(oauth: oauth)
        try fake.start()
        do {
            try await body(fake, try Self.runtime(fake))
            await fake.server.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.server.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:], account: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "gmail", action: action, input: .object(input), accountID: account)
    }

    @Test func theMailboxAddressIsTheAccount() async throws {
        try await withGmail { fake, runtime in
            let token = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let action = try #require(catalog["gmail"]?.definition.accounts?.action)
            let profile = try await runtime.execute(Self.call(action)) { _ in .token(token) }
            #expect(profile.output["id"] == .string(fake.emailAddress))
            #expect(profile.output["email"] == .string(fake.emailAddress))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/gmail/v1/users/me/profile")
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(sent.query == nil)
        }
    }

    @Test func sendBuildsAMIMEMessageWithAlternativesAndAnAttachment() async throws {
        try await withGmail { fake, runtime in
            let token = fake.oauth.issueTokens(scopes: [Self.send]).accessToken  // gmail.send only: sending needs no read scope
            let pdf = Data("%PDF-1.4 fake report\n".utf8) + Data((0..<200).map { UInt8($0) })
            let result = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "to": .array([.string("ada@example.com"), .object(["address": .string("bo@example.org"), "name": .string("Bø Lindqvist")])]),
                        "cc": .array([.string("team@example.com")]), "bcc": .array([.string("audit@example.com")]),
                        "fromName": .string("Avery Ü"),
                        "subject": .string("Café crème — your December report"),
                        "text": .string("Hi Ada,\nThe report is attached.\n— Avery"),
                        "html": .string("<p>Hi Ada,</p><p>The report is attached.</p>"),
                        "attachments": .array([
                            .object([
                                "filename": .string("Décembre report.pdf"), "contentType": .string("application/pdf"),
                                "contentBase64": .string(pdf.base64EncodedString()),
                            ])
                        ]),
                    ], account: fake.emailAddress)
            ) { _ in .token(token) }

            let stored = try #require(fake.sent.last)
            #expect(result.output["id"] == .string(stored.id))
            #expect(result.output["labelIds"] == .array([.string("SENT")]))
            let request = try #require(fake.server.requests("POST", "/gmail/v1/users/me/messages/send").last)
            #expect(request.header("Content-Type") == "application/json")
            let body = try JSONValue.parse(request.body)
            guard case .object(let members) = body else { Issue.record("not an object"); return }
            #expect(Set(members.keys) == ["raw"], "no threadId was given, so none is sent")
            let raw = try #require(JSONPath.text(body["raw"]))
            #expect(!raw.contains("+") && !raw.contains("/"), "base64url, not base64")

            // The fake decoded and parsed it (CRLF, ASCII headers, closed multiparts); check its structure.
            let mime = try MIMEReader.parse(try #require(Data(base64URL: raw)))
            #expect(mime.header("MIME-Version") == "1.0")
            #expect(mime.decodedHeader("Subject") == "Café crème — your December report")
            #expect(mime.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
            #expect(mime.decodedHeader("From") == "Avery Ü <\(fake.emailAddress)>")
            #expect(mime.addresses("To") == ["ada@example.com", "bo@example.org"])
            #expect(mime.decodedHeader("To")?.contains("Bø Lindqvist <bo@example.org>") == true)
            #expect(mime.addresses("Cc") == ["team@example.com"])
            #expect(mime.addresses("Bcc") == ["audit@example.com"], "Bcc is in raw for Gmail to deliver")
            #expect(stored.mime.header("Bcc") == nil)
            #expect(mime.mediaType == "multipart/mixed")
            #expect(mime.parts.map(\.mediaType) == ["multipart/alternative", "application/pdf"])
            let alternative = mime.parts[0]
            #expect(alternative.parts.map(\.mediaType) == ["text/plain", "text/html"])
            #expect(alternative.parts[0].parameters["charset"] == "UTF-8")
            #expect(alternative.parts[0].text == "Hi Ada,\r\nThe report is attached.\r\n— Avery", "line breaks become CRLF")
            #expect(alternative.parts[0].header("Content-Transfer-Encoding") == "base64", "non-ASCII text is base64")
            #expect(alternative.parts[1].header("Content-Transfer-Encoding") == "7bit")
            #expect(alternative.parts[1].text == "<p>Hi Ada,</p><p>The report is attached.</p>")
            let attachment = mime.parts[1]
            #expect(attachment.body == pdf)
            #expect(attachment.header("Content-Transfer-Encoding") == "base64")
            #expect(attachment.header("Content-Disposition")?.hasPrefix("attachment;") == true)
            #expect(attachment.dispositionParameters["filename"] == "Décembre report.pdf")
        }
    }

    @Test func headerInjectionIsRefusedBeforeAnythingIsSent() async throws {
        try await withGmail { fake, runtime in
            let token = fake.oauth.issueTokens(scopes: [Self.send]).accessToken
            let attempts: [[String: JSONValue]] = [
                ["to": .array([.string("ada@example.com")]), "subject": .string("Hello\r\nBcc: victim@example.com"), "text": .string("x")],
                [
                    "to": .array([.string("ada@example.com")]), "subject": .string("Hello"), "text": .string("x"),
                    "fromName": .string("Avery\nBcc: victim@example.com"),
                ],
                [
                    "to": .array([.object(["address": .string("ada@example.com"), "name": .string("Ada\r\nX-Evil: 1")])]), "subject": .string("Hi"),
                    "text": .string("x"),
                ],
                [
                    "to": .array([.string("ada@example.com")]), "subject": .string("Hi"), "text": .string("x"),
                    "inReplyTo": .string("<a@b>\r\nBcc: victim@example.com"),
                ],
                [
                    "to": .array([.string("ada@example.com")]), "subject": .string("Hi"), "text": .string("x"),
                    "attachments": .array([
                        .object(["filename": .string("a.txt\r\nX-Evil: 1"), "contentType": .string("text/plain"), "contentBase64": .string("eA==")])
                    ]),
                ],
            ]
            for input in attempts {
                let error = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("messages.send", input, account: fake.emailAddress)) { _ in .token(token) }
                }
                #expect(error?.code == .invalidInput)
            }
            #expect(fake.requests.isEmpty, "nothing reached Gmail")
        }
    }

    @Test func aReplyJoinsTheThreadWithInReplyToAndReferences() async throws {
        try await withGmail { fake, runtime in
            let reader = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            let sender = fake.oauth.issueTokens(scopes: [Self.send]).accessToken
            let found = try await runtime.execute(Self.call("messages.list", ["q": .string("subject:wholesale is:unread")])) { _ in .token(reader) }
            let first = try #require(Self.items(found.output).first)
            let id = try #require(JSONPath.text(first["id"]))
            let thread = try #require(JSONPath.text(first["threadId"]))
            let message = try await runtime.execute(Self.call("messages.get", ["id": .string(id)])) { _ in .token(reader) }
            let get = try #require(fake.requests.last)
            #expect(get.path == "/gmail/v1/users/me/messages/\(id)")
            #expect(get.queryItems["format"] == ["metadata"])
            guard case .array(let headers)? = message.output["headers"] else { Issue.record("no headers"); return }
            let messageID = try #require(headers.first { JSONPath.text($0["name"]) == "Message-ID" }.flatMap { JSONPath.text($0["value"]) })

            let reply = try await runtime.execute(
                Self.call(
                    "messages.send",
                    [
                        "to": .array([.string("sam.buyer@example.com")]), "subject": .string("Re: Wholesale pricing"),
                        "text": .string("Thursday it is."),
                        "threadId": .string(thread), "inReplyTo": .string(messageID),
                    ], account: fake.emailAddress)
            ) { _ in .token(sender) }
            #expect(reply.output["threadId"] == .string(thread))
            let sent = try #require(fake.sent.last)
            #expect(sent.mime.header("In-Reply-To") == messageID)
            #expect(sent.mime.header("References") == messageID)
            #expect(sent.mime.mediaType == "text/plain")
            #expect(sent.mime.header("Content-Transfer-Encoding") == "7bit")
            let body = try JSONValue.parse(try #require(fake.server.requests("POST", "/gmail/v1/users/me/messages/send").last).body)
            #expect(body["threadId"] == .string(thread))

            let conversation = try await runtime.execute(Self.call("threads.get", ["id": .string(thread)])) { _ in .token(reader) }
            guard case .array(let messages)? = conversation.output["messages"] else { Issue.record("no messages"); return }
            #expect(messages.compactMap { JSONPath.text($0["id"]) }.contains(sent.id))
        }
    }

    @Test func draftsAreCreatedListedAndSent() async throws {
        try await withGmail { fake, runtime in
            let token = fake.oauth.issueTokens(scopes: [Self.compose]).accessToken
            let created = try await runtime.execute(
                Self.call(
                    "drafts.create",
                    [
                        "to": .array([.string("ada@example.com")]), "subject": .string("Draft: launch"), "html": .string("<b>Soon</b>"),
                    ], account: fake.emailAddress)
            ) { _ in .token(token) }
            let draftID = try #require(JSONPath.text(created.output["id"]))
            #expect(fake.drafts[draftID]?.mime.mediaType == "text/html")
            #expect(created.output["messageId"] == .string(try #require(fake.drafts[draftID]?.id)))
            let request = try #require(fake.server.requests("POST", "/gmail/v1/users/me/drafts").last)
            let body = try JSONValue.parse(request.body)
            #expect(JSONPath.text(body["message"]?["raw"]) != nil, "the Draft resource wraps the raw message")

            let listed = try await runtime.execute(Self.call("drafts.list")) { _ in .token(token) }
            #expect(Self.items(listed.output).compactMap { JSONPath.text($0["id"]) } == [draftID])

            let sent = try await runtime.execute(Self.call("drafts.send", ["draftId": .string(draftID)])) { _ in .token(token) }
            #expect(sent.output["labelIds"] == .array([.string("SENT")]))
            #expect(
                try JSONValue.parse(try #require(fake.server.requests("POST", "/gmail/v1/users/me/drafts/send").last).body)
                    == .object(["id": .string(draftID)]))
            #expect(fake.drafts.isEmpty)
            #expect(fake.sent.last?.id == JSONPath.text(sent.output["id"]))
        }
    }

    @Test func searchesPageWithQAndPageToken() async throws {
        try await withGmail { fake, runtime in
            let token = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            let result = try await runtime.execute(
                Self.call("messages.list", ["q": .string("from:sam.buyer@example.com"), "maxResults": .number(1)])
            ) { _ in .token(token) }
            #expect(Self.items(result.output).count == 2)
            #expect(result.pages == 2)
            let pages = fake.server.requests("GET", "/gmail/v1/users/me/messages")
            #expect(pages.map { $0.queryItems["q"] } == [["from:sam.buyer@example.com"], ["from:sam.buyer@example.com"]])
            #expect(pages.map { $0.queryItems["maxResults"] } == [["1"], ["1"]])
            #expect(pages[0].queryItems["pageToken"] == nil)
            #expect(pages[1].queryItems["pageToken"] == ["p1"])
            #expect(pages[0].queryItems["includeSpamTrash"] == ["false"])

            let bounded = try await runtime.execute(Self.call("messages.list", ["maxResults": .number(1), "limit": .number(1)])) { _ in .token(token)
            }
            #expect(Self.items(bounded.output).count == 1)
            #expect(bounded.output["truncated"] == .bool(true))

            let threads = try await runtime.execute(Self.call("threads.list", ["q": .string("wholesale")])) { _ in .token(token) }
            #expect(Self.items(threads.output).count == 1)
            let labels = try await runtime.execute(Self.call("labels.list")) { _ in .token(token) }
            let list = Self.items(labels.output)
            #expect(labels.pages == 1)
            #expect(list.contains(.object(["id": .string("Label_1"), "name": .string("Leads"), "type": .string("user")])))
            let watch = try await runtime.execute(Self.call("watch.start", ["topicName": .string("projects/neonhub-test/topics/gmail")])) { _ in
                .token(token)
            }
            #expect(watch.output["historyId"] != nil)
            #expect(
                try JSONValue.parse(try #require(fake.requests.last).body)
                    == .object([
                        "topicName": .string("projects/neonhub-test/topics/gmail"), "labelFilterBehavior": .string("include"),
                    ]))
        }
    }

    @Test func errorsAreClassifiedByGmailsReasons() async throws {
        try await withGmail { fake, runtime in
            let reader = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            // Sending with a read-only token: 403 insufficientPermissions, permanent, naming the scope.
            let scope = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "messages.send", ["to": .array([.string("ada@example.com")]), "subject": .string("x"), "text": .string("y")],
                        account: fake.emailAddress)
                ) { _ in .token(reader) }
            }
            #expect(scope?.code == .providerRejected)
            #expect(scope?.providerCode == "insufficientPermissions")
            #expect(scope?.message.contains("gmail.send") == true)

            let expired = fake.oauth.issueTokens(scopes: [Self.readonly]).accessToken
            fake.oauth.expire(accessToken: expired)
            let auth = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("labels.list")) { _ in .token(expired) }
            }
            #expect(auth?.code == .providerAuth)
            #expect(auth?.providerCode == "authError")
            #expect(auth?.message.contains(expired) == false)

            // 403 userRateLimitExceeded is a rate limit, whatever its status says.
            fake.injectRateLimit(.userRateLimited, calls: 1)
            let user = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("profile.get")) { _ in .token(reader) }
            }
            #expect(user?.code == .providerRateLimited)
            #expect(user?.providerCode == "userRateLimitExceeded")

            // 429 on a send: not repeated (a send is not idempotent), no documented reset.
            let sender = fake.oauth.issueTokens(scopes: [Self.send]).accessToken
            let before = fake.requests.count
            fake.injectRateLimit(calls: 1)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "messages.send", ["to": .array([.string("ada@example.com")]), "subject": .string("x"), "text": .string("y")],
                        account: fake.emailAddress)
                ) { _ in .token(sender) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "rateLimitExceeded")
            #expect(limited?.retryAfterSeconds == nil)
            #expect(fake.requests.count == before + 1)
            #expect(fake.sent.isEmpty)

            // 429 on a read with a Retry-After past the wait cap: handed back with the wait.
            fake.injectRateLimit(calls: 1, retryAfter: 3600)
            let read = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("labels.list")) { _ in .token(reader) }
            }
            #expect(read?.code == .providerRateLimited)
            #expect((3590...3600).contains(read?.retryAfterSeconds ?? 0))

            // 500 backendError: retried on a read until it answers.
            fake.failNext(.backendError)
            let recovered = try await runtime.execute(Self.call("labels.list")) { _ in .token(reader) }
            #expect(recovered.attempts == 2)

            // 404 notFound: an unknown message id is permanent.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("messages.get", ["id": .string("ffffffffffffffff")])) { _ in .token(reader) }
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "notFound")
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAtGoogleAndTheCallRepeated() async throws {
        try await withGmail { fake, runtime in
            let tokens = fake.oauth.issueTokens(scopes: [Self.readonly], offline: true)
            let refreshToken = try #require(tokens.refreshToken)
            fake.oauth.expire(accessToken: tokens.accessToken)
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            let definition = try #require(catalog["gmail"]?.definition)
            let app = GoogleOAuthFake.defaultApp
            let oauthClient = OAuthTokenClient(
                client: OutboundClient(configuration: OutboundConfiguration(), logger: Logger(label: "oauth")),
                environment: ["GMAIL_CLIENT_ID": app.clientID, "GMAIL_CLIENT_SECRET": app.clientSecret],
                endpoints: ["gmail": ConnectorEndpoints(tokenUrl: fake.oauth.tokenURL)])
            let profile = try await runtime.execute(Self.call("profile.get")) { refresh in
                guard refresh else { return .token(tokens.accessToken, canRefresh: true) }
                let renewed = try await oauthClient.refresh(refreshToken: refreshToken, definition: definition, variables: [:])
                return .token(renewed.accessToken)
            }
            #expect(profile.output["id"] == .string(fake.emailAddress))
            #expect(fake.oauth.refreshCount == 1)
            let calls = fake.server.requests("GET", "/gmail/v1/users/me/profile")
            #expect(calls.count == 2)
            #expect(calls[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(calls[1].header("Authorization") != calls[0].header("Authorization"))
            let grant = try #require(fake.oauth.requests.last)
            #expect(grant.formItems["grant_type"] == ["refresh_token"])
            #expect(grant.formItems["refresh_token"] == [refreshToken])
        }
    }
}
