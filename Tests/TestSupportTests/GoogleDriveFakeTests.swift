import Foundation
import TestSupport
import Testing

/// The Google Drive fake, driven with plain HTTP as Google's reference shows each call:
/// https://developers.google.com/workspace/drive/api/reference/rest/v3/about/get,
/// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list,
/// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/get,
/// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/create,
/// https://developers.google.com/workspace/drive/api/guides/manage-uploads,
/// https://developers.google.com/workspace/drive/api/guides/handle-errors.
@Suite struct GoogleDriveFakeTests {
    static let file = "https://www.googleapis.com/auth/drive.file"
    static let readonly = "https://www.googleapis.com/auth/drive.readonly"

    private func withFake(dropFor: Duration = .seconds(3), _ body: (GoogleDriveFake, HTTPTestClient) async throws -> Void) async throws {
        let fake = GoogleDriveFake(oauth: GoogleOAuthFake(), dropFor: dropFor)
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func token(_ fake: GoogleDriveFake, _ scopes: [String] = [file]) -> String {
        fake.oauth.issueTokens(scopes: scopes).accessToken
    }

    private static func call(
        _ client: HTTPTestClient, _ method: String, _ path: String, token: String?, json: [String: Any]? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, body: [String: Any], reply: HTTPTestClient.Reply) {
        var all = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        if json != nil { all["Content-Type"] = "application/json; charset=UTF-8" }
        all.merge(headers) { $1 }
        let reply = try await client.request(method, path, headers: all, body: try json.map { try JSONSerialization.data(withJSONObject: $0) })
        return (reply.status, (try? reply.json()) ?? [:], reply)
    }

    /// `errors[0]` of an error body.
    private static func entry(_ body: [String: Any]) -> [String: Any] {
        ((body["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.first ?? [:]
    }

    private static func message(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["message"] as? String }

    private static func names(_ body: [String: Any]) -> [String] { (body["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }

    private static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }

    @Test func aboutRequiresFieldsAndAnswersOnlyWhatTheyName() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let bare = try await Self.call(client, "GET", "/drive/v3/about", token: token)
            #expect(bare.status == 400)
            #expect(Self.entry(bare.body)["reason"] as? String == "required")
            #expect(Self.entry(bare.body)["location"] as? String == "fields")
            let fields = Self.encode("user(displayName,emailAddress,permissionId),storageQuota")
            let about = try await Self.call(client, "GET", "/drive/v3/about?fields=\(fields)", token: token)
            #expect(about.status == 200)
            #expect(Set(about.body.keys) == ["user", "storageQuota"])
            let user = try #require(about.body["user"] as? [String: Any])
            #expect(Set(user.keys) == ["displayName", "emailAddress", "permissionId"])
            #expect(user["emailAddress"] as? String == fake.oauth.user.email)
            let quota = try #require(about.body["storageQuota"] as? [String: Any])
            #expect(quota["limit"] as? String == String(GoogleDriveFake.quotaLimit), "int64 values are JSON strings")
            #expect(quota["usage"] as? String == String(GoogleDriveFake.baseUsage))
            let unknown = try await Self.call(client, "GET", "/drive/v3/about?fields=user,bogus", token: token)
            #expect(unknown.status == 400 && Self.entry(unknown.body)["reason"] as? String == "invalidParameter")
            #expect(Self.message(unknown.body) == "Invalid field selection bogus")
        }
    }

    @Test func tokensScopesAndTheAppsFilesAreCheckedAsGoogleChecksThem() async throws {
        try await withFake { fake, client in
            let missing = try await Self.call(client, "GET", "/drive/v3/files", token: nil)
            #expect(missing.status == 401 && Self.entry(missing.body)["reason"] as? String == "authError")
            #expect(Self.message(missing.body) == "Invalid Credentials")
            #expect(missing.reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            let expired = Self.token(fake)
            fake.oauth.expire(accessToken: expired)
            #expect(try await Self.call(client, "GET", "/drive/v3/files", token: expired).status == 401)
            let calendar = Self.token(fake, ["https://www.googleapis.com/auth/calendar.readonly"])
            let wrongScope = try await Self.call(client, "GET", "/drive/v3/files", token: calendar)
            #expect(wrongScope.status == 403 && Self.entry(wrongScope.body)["reason"] as? String == "insufficientPermissions")
            // drive.readonly reads but cannot create.
            let reader = Self.token(fake, [Self.readonly])
            let refused = try await Self.call(
                client, "POST", "/drive/v3/files", token: reader, json: ["name": "X", "mimeType": GoogleDriveFake.folderType])
            #expect(refused.status == 403)
            // drive.file sees only what the app created or opened; drive.readonly sees the rest.
            let token = Self.token(fake)
            let hidden = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.privateSheet)", token: token)
            #expect(hidden.status == 404 && Self.entry(hidden.body)["reason"] as? String == "notFound")
            #expect(Self.message(hidden.body) == "File not found: \(GoogleDriveFake.privateSheet).")
            #expect(Self.entry(hidden.body)["location"] as? String == "fileId")
            #expect(try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.privateSheet)", token: reader).status == 200)
            // Wrong paths and methods.
            #expect(try await Self.call(client, "GET", "/drive/v2/files", token: token).status == 404)
            #expect(try await Self.call(client, "DELETE", "/drive/v3/files", token: token).status == 404)
            // Scripted faults come after authentication, in order.
            fake.failNext(.userRateLimitExceeded)
            let limited = try await Self.call(client, "GET", "/drive/v3/files", token: token)
            #expect(limited.status == 403 && Self.entry(limited.body)["reason"] as? String == "userRateLimitExceeded")
            #expect(Self.entry(limited.body)["domain"] as? String == "usageLimits")
            #expect(try await Self.call(client, "GET", "/drive/v3/files", token: token).status == 200)
        }
    }

    @Test func filesListQueriesOrdersMasksAndPagesAsDocumented() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let live = try await Self.call(client, "GET", "/drive/v3/files?q=\(Self.encode("trashed = false"))", token: token)
            #expect(live.status == 200)
            #expect(live.body["kind"] as? String == "drive#fileList" && live.body["incompleteSearch"] as? Bool == false)
            #expect(Set(Self.names(live.body)) == ["Q4 Campaign Assets", "Q4 campaign brief", "banner-1200x628.png"])
            let first = try #require((live.body["files"] as? [[String: Any]])?.first)
            #expect(Set(first.keys) == ["kind", "id", "name", "mimeType"], "without fields: kind, id, name and mimeType")
            // Shared-drive items only with supportsAllDrives and includeItemsFromAllDrives.
            let everywhere = try await Self.call(
                client, "GET", "/drive/v3/files?supportsAllDrives=true&includeItemsFromAllDrives=true&q=\(Self.encode("trashed = false"))",
                token: token)
            #expect(Self.names(everywhere.body).contains("Brand guidelines.pdf"))
            let inFolder = Self.encode("'\(GoogleDriveFake.campaignFolder)' in parents and trashed = false")
            let ordered = try await Self.call(
                client, "GET",
                "/drive/v3/files?q=\(inFolder)&orderBy=\(Self.encode("modifiedTime desc"))&fields=\(Self.encode("files(id,name,size)"))",
                token: token)
            #expect(Self.names(ordered.body) == ["Q4 campaign brief", "banner-1200x628.png"])
            #expect(Set(ordered.body.keys) == ["files"])
            let files = ordered.body["files"] as? [[String: Any]] ?? []
            #expect(files.first?["size"] == nil, "a Google Doc has no size")
            #expect(files.last?["size"] as? String == "284133")

            fake.seedFiles(count: 5)
            let all = try await Self.call(client, "GET", "/drive/v3/files?q=\(Self.encode("name contains 'file'"))&orderBy=name", token: token)
            #expect(Self.names(all.body) == ["File 1", "File 2", "File 3", "File 4", "File 5"])
            let page1 = try await Self.call(
                client, "GET", "/drive/v3/files?q=\(Self.encode("name contains 'file'"))&orderBy=name&pageSize=2", token: token)
            let next = try #require(page1.body["nextPageToken"] as? String)
            let page2 = try await Self.call(
                client, "GET", "/drive/v3/files?q=\(Self.encode("name contains 'file'"))&orderBy=name&pageSize=3&pageToken=\(Self.encode(next))",
                token: token)
            #expect(Self.names(page1.body) + Self.names(page2.body) == Self.names(all.body))
            #expect(page2.body["nextPageToken"] == nil, "absent on the last page")
            // A page token belongs to its query; pageSize is 1–1000; q and orderBy are checked.
            let crossed = try await Self.call(client, "GET", "/drive/v3/files?pageToken=\(Self.encode(next))", token: token)
            #expect(crossed.status == 400 && Self.entry(crossed.body)["location"] as? String == "pageToken")
            for size in ["0", "1001"] {
                let refused = try await Self.call(client, "GET", "/drive/v3/files?pageSize=\(size)", token: token)
                #expect(refused.status == 400 && Self.entry(refused.body)["location"] as? String == "pageSize")
            }
            let badQuery = try await Self.call(client, "GET", "/drive/v3/files?q=\(Self.encode("trashed == maybe"))", token: token)
            #expect(badQuery.status == 400 && Self.entry(badQuery.body)["reason"] as? String == "invalid")
            #expect(Self.entry(badQuery.body)["location"] as? String == "q")
            let badOrder = try await Self.call(client, "GET", "/drive/v3/files?orderBy=size", token: token)
            #expect(badOrder.status == 400)
            let badFields = try await Self.call(client, "GET", "/drive/v3/files?fields=\(Self.encode("files(id,canAddChildren)"))", token: token)
            #expect(badFields.status == 400 && Self.message(badFields.body) == "Invalid field selection canAddChildren")
        }
    }

    @Test func filesGetNeedsSupportsAllDrivesForSharedDrivesAndHonoursFields() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let plain = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.bannerImage)", token: token)
            #expect(Set(plain.body.keys) == ["kind", "id", "name", "mimeType"])
            let fields = Self.encode("id,size,webViewLink,webContentLink,parents,owners(displayName,emailAddress)")
            let banner = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.bannerImage)?fields=\(fields)", token: token)
            #expect(banner.body["size"] as? String == "284133")
            #expect(banner.body["parents"] as? [String] == [GoogleDriveFake.campaignFolder])
            #expect((banner.body["webContentLink"] as? String)?.contains("export=download") == true)
            let owner = try #require((banner.body["owners"] as? [[String: Any]])?.first)
            #expect(Set(owner.keys) == ["displayName", "emailAddress"])
            let doc = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.briefDoc)?fields=\(fields)", token: token)
            #expect(doc.body["size"] == nil && doc.body["webContentLink"] == nil, "Google Docs have no size and no download link")
            #expect((doc.body["webViewLink"] as? String)?.hasPrefix("https://docs.google.com/document/d/") == true)
            let shared = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.sharedPDF)", token: token)
            #expect(shared.status == 404)
            let supported = try await Self.call(client, "GET", "/drive/v3/files/\(GoogleDriveFake.sharedPDF)?supportsAllDrives=true", token: token)
            #expect(supported.status == 200 && supported.body["name"] as? String == "Brand guidelines.pdf")
        }
    }

    @Test func foldersAreCreatedInTheirParentOrInMyDrive() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let folder = try await Self.call(
                client, "POST", "/drive/v3/files?fields=id,name,mimeType,webViewLink&supportsAllDrives=true", token: token,
                json: ["name": "Spring 2027", "mimeType": GoogleDriveFake.folderType, "parents": [GoogleDriveFake.campaignFolder]])
            #expect(folder.status == 200)
            let id = try #require(folder.body["id"] as? String)
            #expect(Set(folder.body.keys) == ["id", "name", "mimeType", "webViewLink"])
            #expect(folder.body["webViewLink"] as? String == "https://drive.google.com/drive/folders/\(id)")
            #expect(fake.file(id)?.parents == [GoogleDriveFake.campaignFolder])
            #expect(fake.file(id)?.isFolder == true)
            let rooted = try await Self.call(
                client, "POST", "/drive/v3/files", token: token, json: ["name": "Loose", "mimeType": GoogleDriveFake.folderType])
            #expect(fake.file(rooted.body["id"] as? String ?? "")?.parents == [GoogleDriveFake.rootID], "no parents: My Drive's root")
            let orphan = try await Self.call(
                client, "POST", "/drive/v3/files", token: token, json: ["name": "X", "mimeType": GoogleDriveFake.folderType, "parents": ["nope"]])
            #expect(orphan.status == 404 && Self.message(orphan.body) == "File not found: nope.")
            let intoFile = try await Self.call(
                client, "POST", "/drive/v3/files", token: token, json: ["name": "X", "parents": [GoogleDriveFake.bannerImage]])
            #expect(intoFile.status == 400)
            let form = try await client.request(
                "POST", "/drive/v3/files", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/x-www-form-urlencoded"],
                body: Data("name=X".utf8))
            #expect(form.status == 400)
            #expect(fake.files.count == 9, "seven seeded, two created")
        }
    }

    static func open(_ client: HTTPTestClient, token: String?, total: Int?, metadata: [String: Any], query: String = "") async throws
        -> HTTPTestClient.Reply
    {
        var headers = ["Content-Type": "application/json; charset=UTF-8", "X-Upload-Content-Type": "image/png"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if let total { headers["X-Upload-Content-Length"] = String(total) }
        return try await client.request(
            "POST", "/upload/drive/v3/files?uploadType=resumable&supportsAllDrives=true\(query)", headers: headers,
            body: try JSONSerialization.data(withJSONObject: metadata))
    }

    static func path(_ location: String) -> String {
        let url = URL(string: location)!
        return url.path + "?" + (url.query ?? "")
    }

    @Test func aResumableUploadIsAskedAboutAfterAnInterruptionAndResumedFromTheReportedByte() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let chunk = GoogleDriveFake.chunkGranularity
            let file = (0..<600_000).map { UInt8($0 % 251) }
            let opened = try await Self.open(
                client, token: token, total: file.count,
                metadata: ["name": "hero.png", "mimeType": "image/png", "parents": [GoogleDriveFake.campaignFolder]],
                query: "&fields=id,name,mimeType,size,webViewLink,parents")
            #expect(opened.status == 200 && opened.body.isEmpty)
            let location = try #require(opened.header("Location"))
            #expect(location.hasPrefix(fake.server.baseURL + "/upload/drive/v3/files?uploadType=resumable&upload_id="))
            let session = Self.path(location)

            // Nothing yet: a status check answers 308 without Range.
            let empty = try await client.request("PUT", session, headers: ["Content-Range": "bytes */600000"])
            #expect(empty.status == 308 && empty.header("Range") == nil)
            // A first chunk of 256 KiB: 308 with what arrived.
            let one = try await client.request("PUT", session, headers: ["Content-Range": "bytes 0-\(chunk - 1)/600000"], body: Data(file[0..<chunk]))
            #expect(one.status == 308 && one.header("Range") == "bytes=0-\(chunk - 1)")
            // The second breaks after 100,000 bytes with a 503; the status says where to go on.
            fake.failNextUpload(after: 100_000)
            let broken = try await client.request(
                "PUT", session, headers: ["Content-Range": "bytes \(chunk)-\(2 * chunk - 1)/600000"], body: Data(file[chunk..<2 * chunk]))
            #expect(broken.status == 503 && Self.entry((try? broken.json()) ?? [:])["reason"] as? String == "backendError")
            let status = try await client.request("PUT", session, headers: ["Content-Range": "bytes */600000"])
            #expect(status.status == 308 && status.header("Range") == "bytes=0-\(chunk + 99_999)")
            // Resuming anywhere else is refused; a non-final chunk off the 256 KiB grid is refused.
            let wrong = try await client.request(
                "PUT", session, headers: ["Content-Range": "bytes 0-599999/600000"], body: Data(file))
            #expect(wrong.status == 400)
            let ragged = try await client.request(
                "PUT", session, headers: ["Content-Range": "bytes \(chunk + 100_000)-\(chunk + 100_999)/600000"],
                body: Data(file[(chunk + 100_000)..<(chunk + 101_000)]))
            #expect(ragged.status == 400)
            let done = try await client.request(
                "PUT", session, headers: ["Content-Range": "bytes \(chunk + 100_000)-599999/600000"], body: Data(file[(chunk + 100_000)...]))
            #expect(done.status == 200)
            let resource = try done.json()
            #expect(Set(resource.keys) == ["id", "name", "mimeType", "size", "webViewLink", "parents"], "the session's fields")
            let id = try #require(resource["id"] as? String)
            #expect(resource["size"] as? String == "600000")
            #expect(resource["parents"] as? [String] == [GoogleDriveFake.campaignFolder])
            #expect(fake.bytes(of: id) == file)
            #expect(fake.uploadSessions.first?.uploadContentType == "image/png")
            #expect(fake.uploadSessions.first?.declaredLength == 600_000)
            // A status check after completion answers the same file; no second one is created.
            let again = try await client.request("PUT", session, headers: ["Content-Range": "bytes */600000"])
            #expect(again.status == 200)
            #expect(try again.json()["id"] as? String == id)
            #expect(fake.files.filter { $0.name == "hero.png" }.count == 1)
            // An unknown or expired session is 404: start again.
            #expect(try await client.request("PUT", "/upload/drive/v3/files?uploadType=resumable&upload_id=nope", body: Data([1])).status == 404)
            fake.expireUploadSessions()
            #expect(try await client.request("PUT", session, headers: ["Content-Range": "bytes */600000"]).status == 404)
        }
    }

    @Test func aWholeFileInOnePutAndADroppedConnection() async throws {
        try await withFake(dropFor: .milliseconds(600)) { fake, client in
            let token = Self.token(fake)
            let file = Array("hello, drive".utf8)
            let opened = try await Self.open(client, token: token, total: file.count, metadata: ["name": "hello.txt", "mimeType": "text/plain"])
            let session = Self.path(try #require(opened.header("Location")))
            fake.answerCompletedUploads(with: 201)
            fake.dropNextUpload(after: 5)
            await #expect(throws: (any Error).self) {
                try await client.request("PUT", session, body: Data(file), timeout: 0.2)
            }
            let status = try await client.request("PUT", session, headers: ["Content-Range": "bytes */\(file.count)"])
            #expect(status.status == 308 && status.header("Range") == "bytes=0-4")
            let rest = try await client.request("PUT", session, headers: ["Content-Range": "bytes 5-11/12"], body: Data(file[5...]))
            #expect(rest.status == 201, "answerCompletedUploads(with: 201)")
            let id = try #require(try rest.json()["id"] as? String)
            #expect(fake.bytes(of: id) == file)
            #expect(fake.file(id)?.parents == [GoogleDriveFake.rootID] && fake.file(id)?.mimeType == "text/plain")
        }
    }

    @Test func theSessionStartChecksTokenTypeParentAndQuota() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let anonymous = try await Self.open(client, token: nil, total: 10, metadata: ["name": "a"])
            #expect(anonymous.status == 401)
            let noType = try await client.request(
                "POST", "/upload/drive/v3/files", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                body: Data(#"{"name":"a"}"#.utf8))
            #expect(noType.status == 400)
            let orphan = try await Self.open(client, token: token, total: 10, metadata: ["name": "a", "parents": ["nope"]])
            #expect(orphan.status == 404)
            let huge = try await Self.open(client, token: token, total: GoogleDriveFake.quotaLimit, metadata: ["name": "a"])
            #expect(huge.status == 403 && Self.entry((try? huge.json()) ?? [:])["reason"] as? String == "storageQuotaExceeded")
            let badFields = try await Self.open(client, token: token, total: 10, metadata: ["name": "a"], query: "&fields=nonsense")
            #expect(badFields.status == 400)
            #expect(fake.uploadSessions.isEmpty, "no session for a refused start")
        }
    }
}
