import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Dropbox definition run by the real runtime against the Dropbox fake (which follows the
/// HTTP API v2 reference, https://www.dropbox.com/developers/documentation/http/documentation):
/// what the catalog sends must be what Dropbox accepts — a POST without arguments for the
/// account, JSON bodies for the listing and the shared link, the cursor of list_folder/continue —
/// and Dropbox's answers — 401 AuthError, 409 endpoint errors, 429 with Retry-After, 400 plain
/// text — must come back as the documented outcomes.
@Suite struct DropboxRuntimeTests {
    /// A runtime with both Dropbox hosts (api. and content.dropboxapi.com) pointed at the fake;
    /// an upload may fetch its file from a loopback media host.
    static func runtime(_ fake: DropboxFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "dropbox"), baseURLOverrides: ["dropbox": fake.baseURL + "/2"],
            actionBaseURLOverrides: [
                "dropbox": ["https://content.dropboxapi.com": fake.baseURL, "https://content.dropboxapi.com/2": fake.baseURL + "/2"]
            ], allowPrivateMediaHosts: true)
    }

    func withDropbox(_ fake: DropboxFake = DropboxFake(), _ body: (DropboxFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(ConnectorCall(connector: "dropbox", action: action, input: .object(input))) { _ in .token(token) }
    }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    static func names(_ output: JSONValue) -> [String] {
        (output["entries"]?.arrayItems ?? []).compactMap { JSONPath.text($0["name"]) }
    }

    @Test func theAccountIsReadWithAPostWithoutArguments() async throws {
        try await withDropbox { fake, runtime in
            let token = fake.issueToken()
            let account = try await Self.execute(runtime, "users.getCurrentAccount", token: token)
            #expect(account.output["id"] == .string(fake.account.id))
            #expect(account.output["email"] == .string(fake.account.email))
            #expect(account.output["name"] == .string("Ada Lovelace"))
            #expect(account.output["country"] == .string("DE"))
            #expect(account.output["accountType"] == .string("pro"), "account_type..tag reads the union's tag")
            let sent = try #require(fake.requests("POST", "/2/users/get_current_account").last)
            #expect(sent.header("Authorization") == "Bearer \(token)")
            let text = sent.bodyText.trimmingCharacters(in: .whitespaces)
            #expect(text.isEmpty || text == "null", "no parameters: no body, or null")
        }
    }

    @Test func aFolderIsListedAndContinuedWithTheCursorInTheBody() async throws {
        try await withDropbox(DropboxFake(seed: DropboxFake.sampleFiles(drafts: 12))) { fake, runtime in
            let token = fake.issueToken()
            let first = try await Self.execute(
                runtime, "files.listFolder", ["path": .string("/Marketing/Q4/Drafts"), "limit": .number(5)], token: token)
            #expect(Self.names(first.output) == (1...5).map { String(format: "draft-%02d.txt", $0) })
            #expect(first.output["hasMore"] == .bool(true))
            let sent = Self.body(fake.requests("POST", "/2/files/list_folder").last)
            #expect(
                sent
                    == .object([
                        "path": .string("/Marketing/Q4/Drafts"), "recursive": .bool(false), "limit": .number(5), "include_deleted": .bool(false),
                    ]))
            #expect(fake.requests("POST", "/2/files/list_folder").last?.header("Content-Type")?.hasPrefix("application/json") == true)

            var cursor = try #require(JSONPath.text(first.output["cursor"]))
            var names = Self.names(first.output)
            var hasMore = true
            while hasMore {
                let next = try await Self.execute(runtime, "files.listFolderContinue", ["cursor": .string(cursor)], token: token)
                #expect(Self.body(fake.requests("POST", "/2/files/list_folder/continue").last) == .object(["cursor": .string(cursor)]))
                names += Self.names(next.output)
                cursor = try #require(JSONPath.text(next.output["cursor"]))
                hasMore = next.output["hasMore"] == .bool(true)
            }
            #expect(names == (1...12).map { String(format: "draft-%02d.txt", $0) })
            #expect(fake.requests("POST", "/2/files/list_folder/continue").count == 2)

            // The polling trigger's use: the last cursor reports what changed since.
            fake.store(path: "/Marketing/Q4/Drafts/draft-13.txt", bytes: Array("thirteen".utf8))
            let changed = try await Self.execute(runtime, "files.listFolderContinue", ["cursor": .string(cursor)], token: token)
            #expect(Self.names(changed.output) == ["draft-13.txt"])

            // The defaults: the root ("" as Dropbox wants it), not recursive.
            let root = try await Self.execute(runtime, "files.listFolder", token: token)
            #expect(Self.names(root.output) == ["Marketing", "Reports"])
            #expect(Self.body(fake.requests("POST", "/2/files/list_folder").last)["path"] == .string(""))
        }
    }

    @Test func aSharedLinkIsCreatedAndASecondOneIsRefusedWithDropboxsTag() async throws {
        try await withDropbox { fake, runtime in
            let token = fake.issueToken()
            let link = try await Self.execute(runtime, "sharing.createLink", ["path": .string("/Reports/2026-11.pdf")], token: token)
            let url = try #require(JSONPath.text(link.output["url"]))
            #expect(fake.links.map(\.url) == [url])
            #expect(link.output["name"] == .string("2026-11.pdf") && link.output["path"] == .string("/reports/2026-11.pdf"))
            let sent = Self.body(fake.requests("POST", "/2/sharing/create_shared_link_with_settings").last)
            #expect(sent["settings"] == .object(["audience": .string("public"), "access": .string("viewer")]))

            let again = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "sharing.createLink", ["path": .string("/Reports/2026-11.pdf")], token: token)
            }
            #expect(again?.code == .providerRejected)
            #expect(again?.providerCode == "shared_link_already_exists")
            #expect(fake.links.count == 1)
        }
    }

    @Test func dropboxErrorsAreClassifiedAsDocumented() async throws {
        try await withDropbox { fake, runtime in
            let token = fake.issueToken()

            // 409: the endpoint's union, its innermost tag the code and Dropbox's summary the message.
            let missing = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "files.listFolder", ["path": .string("/Nowhere")], token: token)
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "not_found", "error.path..tag, the lookup's own reason")
            #expect(missing?.message.contains("path/not_found") == true)

            // 400: plain text, Dropbox's sentence as the message.
            let slash = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "files.listFolder", ["path": .string("/")], token: token)
            }
            #expect(slash?.code == .providerRejected)
            #expect(slash?.message.contains("Specify the root folder as an empty string") == true)

            // 429 with a Retry-After longer than a retry waits: rate-limited, with the wait.
            fake.failNext(.rateLimited(reason: "too_many_requests", retryAfter: 300), endpoint: "users/get_current_account")
            let limited = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "users.getCurrentAccount", token: token) }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.retryAfterSeconds == 300)
            #expect(fake.requests("POST", "/2/users/get_current_account").count == 1, "a 300 s wait is the caller's, not a retry's")

            // A write refused for too many write operations is not retried (a write is not repeated), and not made.
            fake.failNext(.rateLimited(reason: "too_many_write_operations", retryAfter: 1), endpoint: "sharing/create_shared_link_with_settings")
            let writes = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "sharing.createLink", ["path": .string("/Marketing/Q4")], token: token)
            }
            #expect(writes?.code == .providerRateLimited && writes?.retryAfterSeconds == 1)
            #expect(fake.links.isEmpty)

            // A read: a short wait and a 5xx are retried.
            fake.failNext(.rateLimited(reason: "too_many_requests", retryAfter: 1), endpoint: "files/list_folder")
            fake.failNext(.plainText(status: 503, text: "Service Unavailable"), endpoint: "files/list_folder")
            let listed = try await Self.execute(runtime, "files.listFolder", token: token)
            #expect(listed.attempts == 3 && Self.names(listed.output) == ["Marketing", "Reports"])

            // 401 AuthError: expired and missing scope are the credentials' problem.
            let narrow = fake.issueToken(scopes: ["account_info.read", "files.metadata.read"])
            let scoped = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "sharing.createLink", ["path": .string("/Reports")], token: narrow)
            }
            #expect(scoped?.code == .providerAuth && scoped?.providerCode == "missing_scope")
            fake.expire(token: token)
            let expired = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "users.getCurrentAccount", token: token) }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "expired_access_token")
            #expect(expired?.message.contains(token) == false)
        }
    }
}
