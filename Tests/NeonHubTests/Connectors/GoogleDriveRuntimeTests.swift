import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Google Drive definition run by the real runtime against the Drive fake (which follows
/// Google's Drive API v3 reference) and Google's OAuth fake: each action's request must be what
/// Google accepts, its answer mapped, its errors classified by Google's reasons.
@Suite struct GoogleDriveRuntimeTests {
    /// The scopes the catalog asks for.
    static let scopes = ["openid", "email", "https://www.googleapis.com/auth/drive.file"]

    func withDrive(_ body: (GoogleDriveFake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleDriveFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("google-drive", base: fake.server.baseURL)
            try await body(fake, runtime, oauth.issueTokens(scopes: Self.scopes))
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: "google-drive", action: action, input: .object(input))
    }

    @Test func theCatalogScopesReachEveryReadAndWrite() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["google-drive"]?.definition)
        let granted = Set(Self.scopes)
        #expect(!granted.isDisjoint(with: GoogleDriveFake.aboutScopes), "about.get")
        #expect(!granted.isDisjoint(with: GoogleDriveFake.readScopes), "files.list, files.get")
        #expect(!granted.isDisjoint(with: GoogleDriveFake.writeScopes), "files.create, uploads")
        #expect(definition.actions.map(\.id).contains("files.list"))
    }

    @Test func aboutAsksForTheFieldsItMapsAndMapsTheUserAndQuota() async throws {
        try await withDrive { fake, runtime, tokens in
            let result = try await runtime.execute(Self.call("about.get")) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/drive/v3/about")
            #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(sent.queryItems["fields"]?.isEmpty == false, "about.get refuses a request without fields")
            #expect(result.output["email"] == .string(fake.oauth.user.email))
            #expect(result.output["name"] == .string(fake.oauth.user.name))
            #expect(result.output["permissionId"] == .string(GoogleDriveFake.permissionID))
            #expect(result.output["quotaLimit"] == .string(String(GoogleDriveFake.quotaLimit)))
            #expect(result.output["quotaUsage"] == .string(String(GoogleDriveFake.baseUsage)))
        }
    }

    @Test func filesAreListedNewestFirstThroughPageTokensUntilTheLimit() async throws {
        try await withDrive { fake, runtime, tokens in
            fake.seedFiles(count: 250)
            let result = try await runtime.execute(Self.call("files.list", ["limit": .number(150)])) { _ in .token(tokens.accessToken) }
            let items = GoogleConnectorTestSupport.items(result.output)
            #expect(items.count == 150)
            #expect(result.output["truncated"] == .bool(true))
            #expect(items.first?["name"] == .string("File 1"), "modifiedTime desc")
            #expect(items[1]["name"] == .string("File 2"))
            #expect(items.first?["parents"] == .array([.string(GoogleDriveFake.rootID)]))
            #expect(JSONPath.text(items.first?["url"])?.hasPrefix("https://drive.google.com/file/d/") == true)
            #expect(items.first?["size"] == .string("6"))
            let pages = fake.server.requests("GET", "/drive/v3/files")
            #expect(pages.count == 2, "100 + 50: no third page past the limit")
            #expect(pages[0].queryItems["pageToken"] == nil)
            #expect(pages[1].queryItems["pageToken"] != nil)
            #expect(pages.allSatisfy { (Int($0.queryItems["pageSize"]?.last ?? "") ?? 0) <= 1000 }, "Drive pages hold 1–1000 files")
            #expect(pages.allSatisfy { $0.queryItems["q"] == ["trashed = false"] && $0.queryItems["orderBy"] == ["modifiedTime desc"] })
            #expect(pages.allSatisfy { $0.queryItems["supportsAllDrives"] == ["true"] })

            // A query for one folder: what the app made there, trashed files left out.
            let folder = try await runtime.execute(
                Self.call("files.list", ["q": .string("'\(GoogleDriveFake.campaignFolder)' in parents and trashed = false")])
            ) { _ in .token(tokens.accessToken) }
            let found = GoogleConnectorTestSupport.items(folder.output)
            #expect(found.compactMap { JSONPath.text($0["name"]) } == ["Q4 campaign brief", "banner-1200x628.png"])
            #expect(found.last?["size"] == .string("284133"))
            #expect(found.first?["size"] == nil, "a Google Doc has no size")
            #expect(folder.output["truncated"] != .bool(true))

            // Items on a shared drive are listed (includeItemsFromAllDrives with supportsAllDrives).
            let shared = try await runtime.execute(Self.call("files.list", ["q": .string("mimeType = 'application/pdf'")])) { _ in
                .token(tokens.accessToken)
            }
            #expect(GoogleConnectorTestSupport.items(shared.output).compactMap { JSONPath.text($0["id"]) } == [GoogleDriveFake.sharedPDF])
        }
    }

    @Test func fileMetadataIsMappedWithItsLinks() async throws {
        try await withDrive { fake, runtime, tokens in
            let banner = try await runtime.execute(Self.call("files.get", ["fileId": .string(GoogleDriveFake.bannerImage)])) { _ in
                .token(tokens.accessToken)
            }
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/drive/v3/files/\(GoogleDriveFake.bannerImage)")
            #expect(banner.output["id"] == .string(GoogleDriveFake.bannerImage))
            #expect(banner.output["name"] == .string("banner-1200x628.png"))
            #expect(banner.output["mimeType"] == .string("image/png"))
            #expect(banner.output["size"] == .string("284133"))
            #expect(banner.output["url"] == .string("https://drive.google.com/file/d/\(GoogleDriveFake.bannerImage)/view?usp=drivesdk"))
            #expect(JSONPath.text(banner.output["downloadUrl"])?.contains("export=download") == true)
            #expect(JSONPath.text(banner.output["modifiedTime"])?.hasPrefix("2024-11-13T16:20:00") == true)
            // A file on a shared drive: found because the definition says it supports all drives.
            let shared = try await runtime.execute(Self.call("files.get", ["fileId": .string(GoogleDriveFake.sharedPDF)])) { _ in
                .token(tokens.accessToken)
            }
            #expect(shared.output["name"] == .string("Brand guidelines.pdf"))
            // A Google Doc: no size, no download link.
            let doc = try await runtime.execute(Self.call("files.get", ["fileId": .string(GoogleDriveFake.briefDoc)])) { _ in
                .token(tokens.accessToken)
            }
            #expect(doc.output["size"] == nil && doc.output["downloadUrl"] == nil)
            #expect(JSONPath.text(doc.output["url"])?.hasPrefix("https://docs.google.com/document/d/") == true)
        }
    }

    @Test func aFolderIsCreatedInItsParentOrInMyDrive() async throws {
        try await withDrive { fake, runtime, tokens in
            let result = try await runtime.execute(
                Self.call("folders.create", ["name": .string("Spring 2027"), "parentId": .string(GoogleDriveFake.campaignFolder)])
            ) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == "/drive/v3/files")
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try #require(sent.json as? [String: Any])
            #expect(body["mimeType"] as? String == GoogleDriveFake.folderType)
            #expect(body["parents"] as? [String] == [GoogleDriveFake.campaignFolder])
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.file(id)?.name == "Spring 2027" && fake.file(id)?.isFolder == true)
            #expect(fake.file(id)?.parents == [GoogleDriveFake.campaignFolder])
            #expect(result.output["name"] == .string("Spring 2027"))
            #expect(result.output["url"] == .string("https://drive.google.com/drive/folders/\(id)"))

            // Without a parent it lands in My Drive's root.
            let loose = try await runtime.execute(Self.call("folders.create", ["name": .string("Loose ends")])) { _ in .token(tokens.accessToken) }
            let looseID = try #require(JSONPath.text(loose.output["id"]))
            let looseBody = try #require(fake.requests.last?.json as? [String: Any])
            #expect(!looseBody.keys.contains("parents"), "parents not specified (not an empty list): My Drive, as files.create documents")
            #expect(fake.file(looseID)?.parents == [GoogleDriveFake.rootID])

            // An unknown parent: Google's 404, permanent, nothing created.
            let before = fake.files.count
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("folders.create", ["name": .string("X"), "parentId": .string("0NoSuchFolder")])) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "notFound")
            #expect(fake.files.count == before)
            // What the schema refuses never leaves.
            let sentBefore = fake.requests.count
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("folders.create", ["parentId": .string(GoogleDriveFake.rootID)])) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(invalid?.code == .invalidInput)
            #expect(fake.requests.count == sentBefore)
        }
    }

    /// The upload flow's first step as the definition writes it: the session the fake opens
    /// must carry the metadata, the size and the type, and its URI must take the bytes.
    @Test func anUploadSessionIsOpenedWithTheMetadataSizeAndType() async throws {
        try await withDrive { fake, runtime, tokens in
            let bytes = Array("NeonHub upload".utf8)
            let input: [String: JSONValue] = [
                "name": .string("notes.txt"), "mimeType": .string("text/plain"), "contentType": .string("text/plain"),
                "contentLength": .number(Double(bytes.count)), "parentId": .string(GoogleDriveFake.campaignFolder),
            ]
            let opened = try await runtime.execute(Self.call("files.insertSession", input)) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == "/upload/drive/v3/files")
            #expect(sent.queryItems["uploadType"] == ["resumable"])
            #expect(sent.header("X-Upload-Content-Length") == String(bytes.count))
            let session = try #require(fake.uploadSessions.first)
            #expect(session.metadata["name"] == "notes.txt" && session.metadata["mimeType"] == "text/plain")
            #expect(session.parents == [GoogleDriveFake.campaignFolder])
            #expect(session.uploadContentType == "text/plain" && session.declaredLength == bytes.count)
            let url = try #require(JSONPath.text(opened.output["sessionUrl"]).flatMap(URLComponents.init(string:)))
            #expect(url.queryItems?.contains { $0.name == "upload_id" && $0.value == session.id } == true)
            let put = try await HTTPTestClient(baseURL: fake.server.baseURL).request(
                "PUT", url.path + "?" + (url.percentEncodedQuery ?? ""), body: Data(bytes))
            #expect(put.status == 200)
            let id = try #require(try put.json()["id"] as? String)
            #expect(fake.bytes(of: id) == bytes)
            #expect(fake.file(id)?.parents == [GoogleDriveFake.campaignFolder])
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndTheCallRepeated() async throws {
        try await withDrive { fake, runtime, tokens in
            fake.oauth.expire(accessToken: tokens.accessToken)
            let source = try GoogleConnectorTestSupport.credentials("google-drive", oauth: fake.oauth, tokens: tokens)
            let result = try await runtime.execute(Self.call("about.get"), credentials: source)
            #expect(result.output["email"] == .string(fake.oauth.user.email))
            #expect(fake.oauth.refreshCount == 1)
            #expect(fake.requests.count == 2)
            #expect(fake.requests[1].header("Authorization") != fake.requests[0].header("Authorization"))
            // Without a way to refresh, the 401 is an auth error naming Google's reason.
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("files.list")) { _ in .token(tokens.accessToken) }
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "authError")
        }
    }

    @Test func rateLimitsAndPermanentErrorsAreClassifiedByGooglesReasons() async throws {
        try await withDrive { fake, runtime, tokens in
            let token = tokens.accessToken
            // 403 userRateLimitExceeded and rateLimitExceeded are rate limits, though their status is 403.
            for error in [GoogleDriveFake.DriveError.userRateLimitExceeded, .rateLimitExceeded] {
                fake.failNext(error)
                let before = fake.requests.count
                let limited = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("files.list")) { _ in .token(token) }
                }
                #expect(limited?.code == .providerRateLimited)
                #expect(limited?.providerCode == error.reason)
                #expect(fake.requests.count == before + 1, "a 403 is not retried")
            }
            // 429 is retried (three times); when it persists it is a rate limit.
            fake.failNext(.tooManyRequests, calls: 4)
            let before = fake.requests.count
            let throttled = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("about.get")) { _ in .token(token) }
            }
            #expect(throttled?.code == .providerRateLimited)
            #expect(throttled?.providerCode == "rateLimitExceeded")
            #expect(fake.requests.count == before + 4)
            // 500 backendError once: retried, then answered.
            let fresh = token
            fake.failNext(.backendError)
            let recovered = try await runtime.execute(Self.call("about.get")) { _ in .token(fresh) }
            #expect(recovered.output["email"] == .string(fake.oauth.user.email))

            // 404 notFound: permanent, with Google's message.
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("files.get", ["fileId": .string("1NoSuchFile")])) { _ in .token(fresh) }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "notFound")
            #expect(missing?.message.contains("File not found: 1NoSuchFile.") == true)
            // A file the app never opened is just as absent for a drive.file token.
            let hidden = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("files.get", ["fileId": .string(GoogleDriveFake.privateSheet)])) { _ in .token(fresh) }
            }
            #expect(hidden?.providerCode == "notFound")
            // A query Drive cannot read: 400 invalid, permanent.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("files.list", ["q": .string("trashed is maybe")])) { _ in .token(fresh) }
            }
            #expect(invalid?.code == .providerRejected && invalid?.providerCode == "invalid")
        }
    }
}
