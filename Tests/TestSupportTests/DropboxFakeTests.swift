import Foundation
import TestSupport
import Testing

/// The Dropbox fake, driven with plain HTTP as Dropbox's documentation shows each call:
/// https://www.dropbox.com/developers/documentation/http/documentation (users/get_current_account,
/// files/list_folder, files/list_folder/continue, files/upload, sharing/create_shared_link_with_settings,
/// auth/token/revoke, oauth2/token, "Errors"), https://developers.dropbox.com/oauth-guide,
/// https://www.dropbox.com/developers/reference/json-encoding,
/// https://www.dropbox.com/developers/reference/content-hash.
@Suite struct DropboxFakeTests {
    private func withFake<T>(_ fake: DropboxFake = DropboxFake(), _ body: (DropboxFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func form(_ fields: [String: String]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
        return Data(text.joined(separator: "&").utf8)
    }

    private static func basic(_ app: FakeOAuthApp, secret: String? = nil) -> String {
        "Basic " + Data("\(app.clientID):\(secret ?? app.clientSecret)".utf8).base64EncodedString()
    }

    private static func tokenCall(_ client: HTTPTestClient, _ fields: [String: String], authorization: String?) async throws -> HTTPTestClient.Reply {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        headers["Authorization"] = authorization
        return try await client.request("POST", "/oauth2/token", headers: headers, body: form(fields))
    }

    private static func rpc(_ client: HTTPTestClient, _ endpoint: String, token: String, json: String?) async throws -> HTTPTestClient.Reply {
        var headers = ["Authorization": "Bearer \(token)"]
        if json != nil { headers["Content-Type"] = "application/json" }
        return try await client.request("POST", "/2/\(endpoint)", headers: headers, body: json.map { Data($0.utf8) })
    }

    private static func upload(
        _ client: HTTPTestClient, token: String, argument: String?, bytes: [UInt8], contentType: String = "application/octet-stream"
    ) async throws -> HTTPTestClient.Reply {
        var headers = ["Authorization": "Bearer \(token)", "Content-Type": contentType]
        headers["Dropbox-API-Arg"] = argument
        return try await client.request("POST", "/2/files/upload", headers: headers, body: Data(bytes))
    }

    private static func body(_ reply: HTTPTestClient.Reply) -> [String: Any] { (try? reply.json()) ?? [:] }

    private static func tag(_ reply: HTTPTestClient.Reply) -> String? { (body(reply)["error"] as? [String: Any])?[".tag"] as? String }

    @Test func theCodeIsExchangedWithPKCEAndBasicAuthAndTheRefreshTokenIsNotRotated() async throws {
        try await withFake { fake, client in
            let verifier = String(repeating: "dropbox-verifier-", count: 3)
            let code = fake.authorize(codeChallenge: PKCE.s256Challenge(verifier), codeChallengeMethod: "S256")
            let exchange: [String: String] = [
                "grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI, "code_verifier": verifier,
            ]
            let wrongVerifier = try await Self.tokenCall(
                client, exchange.merging(["code_verifier": String(repeating: "x", count: 43)]) { $1 }, authorization: Self.basic(fake.app))
            #expect(wrongVerifier.status == 400 && Self.body(wrongVerifier)["error"] as? String == "invalid_grant")
            let wrongSecret = try await Self.tokenCall(client, exchange, authorization: Self.basic(fake.app, secret: "nottheappsecret"))
            #expect(wrongSecret.status == 400 && Self.body(wrongSecret)["error"] as? String == "invalid_client")

            let granted = try await Self.tokenCall(client, exchange, authorization: Self.basic(fake.app))
            #expect(granted.status == 200)
            let tokens = Self.body(granted)
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String, "token_access_type=offline yields a refresh token")
            #expect(tokens["expires_in"] as? Int == 14400 && tokens["token_type"] as? String == "bearer")
            #expect(tokens["account_id"] as? String == fake.account.id)
            #expect(Set((tokens["scope"] as? String ?? "").split(separator: " ").map(String.init)) == DropboxFake.defaultScopes)
            let reused = try await Self.tokenCall(client, exchange, authorization: Self.basic(fake.app))
            #expect(reused.status == 400 && Self.body(reused)["error"] as? String == "invalid_grant", "a code is single use")

            let refreshed = try await Self.tokenCall(
                client, ["grant_type": "refresh_token", "refresh_token": refresh], authorization: Self.basic(fake.app))
            #expect(refreshed.status == 200)
            let second = try #require(Self.body(refreshed)["access_token"] as? String)
            #expect(second != access && Self.body(refreshed)["refresh_token"] == nil)
            #expect(fake.isValid(token: refresh) && fake.isValid(token: access))

            let online = fake.authorize(tokenAccessType: "online")
            let short = try await Self.tokenCall(
                client, ["grant_type": "authorization_code", "code": online, "redirect_uri": fake.app.redirectURI],
                authorization: Self.basic(fake.app))
            #expect(short.status == 200 && Self.body(short)["refresh_token"] == nil)
        }
    }

    @Test func theBearerIsCheckedAndTheAccountTakesNoArguments() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let bare = try await Self.rpc(client, "users/get_current_account", token: token, json: nil)
            #expect(bare.status == 200)
            #expect(Self.body(bare)["account_id"] as? String == fake.account.id)
            #expect((Self.body(bare)["name"] as? [String: Any])?["display_name"] as? String == "Ada Lovelace")
            #expect(try await Self.rpc(client, "users/get_current_account", token: token, json: "null").status == 200)
            let empty = try await Self.rpc(client, "users/get_current_account", token: token, json: "")
            #expect(empty.status == 400 && empty.text.contains("could not decode input as JSON"))
            let object = try await Self.rpc(client, "users/get_current_account", token: token, json: "{}")
            #expect(object.status == 400)

            let anonymous = try await client.request("POST", "/2/users/get_current_account")
            #expect(anonymous.status == 400 && anonymous.text.contains(#"Must provide HTTP header "Authorization""#))
            let unknown = try await Self.rpc(client, "users/get_current_account", token: "sl.u.nope", json: nil)
            #expect(unknown.status == 401 && Self.tag(unknown) == "invalid_access_token")
            fake.expire(token: token)
            let expired = try await Self.rpc(client, "users/get_current_account", token: token, json: nil)
            #expect(expired.status == 401 && Self.tag(expired) == "expired_access_token")
            #expect(Self.body(expired)["error_summary"] as? String == "expired_access_token/..")
            let narrow = fake.issueToken(scopes: ["files.metadata.read"])
            let scoped = try await Self.rpc(client, "users/get_current_account", token: narrow, json: nil)
            #expect(scoped.status == 401 && Self.tag(scoped) == "missing_scope")
            #expect((Self.body(scoped)["error"] as? [String: Any])?["required_scope"] as? String == "account_info.read")
        }
    }

    @Test func aFolderIsListedInPagesAndItsCursorLaterReportsChanges() async throws {
        try await withFake(DropboxFake(seed: DropboxFake.sampleFiles(drafts: 25))) { fake, client in
            let token = fake.issueToken()
            var names: [String] = []
            var reply = try await Self.rpc(
                client, "files/list_folder", token: token, json: #"{"path":"/Marketing/Q4/Drafts","recursive":false,"limit":10}"#)
            var pages = 0
            while true {
                #expect(reply.status == 200)
                let page = Self.body(reply)
                let entries = page["entries"] as? [[String: Any]] ?? []
                #expect(entries.count <= 10)
                names += entries.compactMap { $0["name"] as? String }
                pages += 1
                guard page["has_more"] as? Bool == true, let cursor = page["cursor"] as? String, pages < 10 else { break }
                reply = try await Self.rpc(client, "files/list_folder/continue", token: token, json: #"{"cursor":"\#(cursor)"}"#)
            }
            #expect(pages == 3)
            #expect(names == (1...25).map { String(format: "draft-%02d.txt", $0) })
            let last = try #require(Self.body(reply)["cursor"] as? String)

            fake.store(path: "/Marketing/Q4/Drafts/draft-26.txt", bytes: Array("new".utf8))
            let changed = try await Self.rpc(client, "files/list_folder/continue", token: token, json: #"{"cursor":"\#(last)"}"#)
            let entries = Self.body(changed)["entries"] as? [[String: Any]] ?? []
            #expect(entries.map { $0["path_display"] as? String } == ["/Marketing/Q4/Drafts/draft-26.txt"])
            #expect(entries.first?[".tag"] as? String == "file" && entries.first?["size"] as? Int == 3)

            let root = try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":""}"#)
            #expect((Self.body(root)["entries"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Marketing", "Reports"])
            let slash = try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":"/"}"#)
            #expect(slash.status == 400 && slash.text.contains("Specify the root folder as an empty string"))
            let missing = try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":"/Nope"}"#)
            #expect(missing.status == 409 && Self.body(missing)["error_summary"] as? String == "path/not_found/..")
            let text = try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":"","limit":"10"}"#)
            #expect(text.status == 400 && text.text.contains("limit"))
            let unknown = try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":"","includeDeleted":false}"#)
            #expect(unknown.status == 400 && unknown.text.contains("includeDeleted"))
            fake.resetCursors()
            let reset = try await Self.rpc(client, "files/list_folder/continue", token: token, json: #"{"cursor":"\#(last)"}"#)
            #expect(reset.status == 409 && Self.tag(reset) == "reset")
        }
    }

    @Test func anUploadChecksItsHeaderStoresTheBytesAndRenamesOnAConflict() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let pdf = Array("%PDF-1.7 weekly report".utf8)
            let argument = #"{"path":"/NeonHub/reports/weekly.pdf","mode":"add","autorename":true,"mute":false}"#
            let first = try await Self.upload(client, token: token, argument: argument, bytes: pdf)
            #expect(first.status == 200)
            let metadata = Self.body(first)
            #expect(metadata["path_display"] as? String == "/NeonHub/reports/weekly.pdf" && metadata["size"] as? Int == pdf.count)
            #expect(metadata["content_hash"] as? String == DropboxFake.contentHash(pdf))
            #expect(fake.file(at: "/neonhub/REPORTS/weekly.pdf")?.bytes == pdf)

            let other = Array("%PDF-1.7 another week".utf8)
            let renamed = try await Self.upload(client, token: token, argument: argument, bytes: other)
            #expect(Self.body(renamed)["path_display"] as? String == "/NeonHub/reports/weekly (1).pdf")
            let refused = try await Self.upload(
                client, token: token, argument: argument.replacingOccurrences(of: "true", with: "false"), bytes: other)
            #expect(refused.status == 409 && Self.body(refused)["error_summary"] as? String == "path/conflict/file/..")
            let same = try await Self.upload(client, token: token, argument: argument, bytes: pdf)
            #expect(Self.body(same)["id"] as? String == metadata["id"] as? String, "identical content is no conflict")
            let overwrite = #"{"path":"/NeonHub/reports/weekly.pdf","mode":"overwrite"}"#
            let replaced = try await Self.upload(client, token: token, argument: overwrite, bytes: other)
            #expect(Self.body(replaced)["id"] as? String == metadata["id"] as? String)
            #expect(Self.body(replaced)["rev"] as? String != metadata["rev"] as? String)
            #expect(fake.files.filter { $0.path.hasPrefix("/NeonHub/reports/") }.map(\.name) == ["weekly (1).pdf", "weekly.pdf"])
            #expect(
                fake.uploads.map(\.storedPath) == [
                    "/NeonHub/reports/weekly.pdf", "/NeonHub/reports/weekly (1).pdf", "/NeonHub/reports/weekly.pdf", "/NeonHub/reports/weekly.pdf",
                ])
            #expect(fake.uploads.last?.bytes == other && fake.uploads.last?.mode == "overwrite")

            // Header-safe JSON: é escaped is a name, é raw is a 400.
            let escaped = try await Self.upload(client, token: token, argument: #"{"path":"/Caf\u00e9/menu.txt"}"#, bytes: [1])
            #expect(Self.body(escaped)["path_display"] as? String == "/Café/menu.txt")
            let raw = try await Self.upload(client, token: token, argument: #"{"path":"/Café/menu2.txt"}"#, bytes: [1])
            #expect(raw.status == 400 && raw.text.contains("Dropbox-API-Arg"))
            let missing = try await Self.upload(client, token: token, argument: nil, bytes: [1])
            #expect(missing.status == 400 && missing.text.contains(#"Must provide HTTP header "Dropbox-API-Arg""#))
            let json = try await Self.upload(client, token: token, argument: argument, bytes: [1], contentType: "application/json")
            #expect(json.status == 400 && json.text.contains("application/octet-stream"))
            let relative = try await Self.upload(client, token: token, argument: #"{"path":"weekly.pdf"}"#, bytes: [1])
            #expect(relative.status == 400)
            let badMode = try await Self.upload(client, token: token, argument: #"{"path":"/a.txt","mode":"append"}"#, bytes: [1])
            #expect(badMode.status == 400)
            fake.uploadLimit = 4
            let large = try await Self.upload(client, token: token, argument: #"{"path":"/big.bin"}"#, bytes: [1, 2, 3, 4, 5])
            #expect(large.status == 409 && Self.tag(large) == "payload_too_large")
            #expect(fake.file(at: "/big.bin") == nil && fake.file(at: "/Café/menu2.txt") == nil)
        }
    }

    @Test func theContentHashIsTheHashOfTheBlockHashes() {
        #expect(DropboxFake.contentHash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let abc = PKCE.sha256(PKCE.sha256(Array("abc".utf8))).map { String(format: "%02x", $0) }.joined()
        #expect(DropboxFake.contentHash(Array("abc".utf8)) == abc)
        #expect(abc != PKCE.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined())
    }

    @Test func aSharedLinkIsCreatedOnceAndAnUnknownPathIsNotFound() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let request = #"{"path":"/Marketing/Q4/brief.docx","settings":{"audience":"public","access":"viewer"}}"#
            let created = try await Self.rpc(client, "sharing/create_shared_link_with_settings", token: token, json: request)
            #expect(created.status == 200)
            let url = try #require(Self.body(created)["url"] as? String)
            #expect(url.hasPrefix("https://www.dropbox.com/scl/fi/") && url.hasSuffix("&dl=0"))
            #expect(Self.body(created)["path_lower"] as? String == "/marketing/q4/brief.docx" && Self.body(created)[".tag"] as? String == "file")
            #expect(fake.links.map(\.url) == [url])

            let again = try await Self.rpc(client, "sharing/create_shared_link_with_settings", token: token, json: request)
            #expect(again.status == 409 && Self.tag(again) == "shared_link_already_exists")
            let existing = (Self.body(again)["error"] as? [String: Any])?["shared_link_already_exists"] as? [String: Any]
            #expect((existing?["metadata"] as? [String: Any])?["url"] as? String == url)
            let missing = try await Self.rpc(client, "sharing/create_shared_link_with_settings", token: token, json: #"{"path":"/Nope.pdf"}"#)
            #expect(missing.status == 409 && Self.body(missing)["error_summary"] as? String == "path/not_found/..")
            let team = try await Self.rpc(
                client, "sharing/create_shared_link_with_settings", token: token, json: #"{"path":"/Reports","settings":{"audience":"team"}}"#)
            #expect(team.status == 409 && Self.tag(team) == "settings_error")
            let noScope = fake.issueToken(scopes: ["files.metadata.read"])
            let refused = try await Self.rpc(client, "sharing/create_shared_link_with_settings", token: noScope, json: #"{"path":"/Reports"}"#)
            #expect(refused.status == 401 && Self.tag(refused) == "missing_scope")
            #expect(fake.links.count == 1)
        }
    }

    @Test func revokingTheAccessTokenEndsItsRefreshTokenAndAFormRequestIsRefused() async throws {
        try await withFake { fake, client in
            let code = fake.authorize()
            let granted = try await Self.tokenCall(
                client, ["grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI], authorization: Self.basic(fake.app))
            let access = try #require(Self.body(granted)["access_token"] as? String)
            let refresh = try #require(Self.body(granted)["refresh_token"] as? String)

            let form = try await client.request(
                "POST", "/2/auth/token/revoke",
                headers: ["Authorization": Self.basic(fake.app), "Content-Type": "application/x-www-form-urlencoded"],
                body: Self.form(["token": refresh]))
            #expect(form.status == 400, "RFC 7009 is not how Dropbox revokes")
            #expect(fake.isValid(token: refresh))

            let revoked = try await Self.rpc(client, "auth/token/revoke", token: access, json: nil)
            #expect(revoked.status == 200 && revoked.text == "null")
            #expect(!fake.isValid(token: access) && !fake.isValid(token: refresh))
            let after = try await Self.rpc(client, "users/get_current_account", token: access, json: nil)
            #expect(after.status == 401 && Self.tag(after) == "invalid_access_token")
            let dead = try await Self.tokenCall(
                client, ["grant_type": "refresh_token", "refresh_token": refresh], authorization: Self.basic(fake.app))
            #expect(dead.status == 400 && Self.body(dead)["error"] as? String == "invalid_grant")
        }
    }

    @Test func scriptedFaultsAnswerAsDropboxDoesAndOnlyOnTheirEndpoint() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.failNext(.rateLimited(reason: "too_many_write_operations", retryAfter: 7), endpoint: "files/upload")
            fake.failNext(.plainText(status: 503, text: "Service Unavailable"), endpoint: "files/list_folder", calls: 2)
            let account = try await Self.rpc(client, "users/get_current_account", token: token, json: nil)
            #expect(account.status == 200, "the faults are for other endpoints")
            let limited = try await Self.upload(client, token: token, argument: #"{"path":"/a.txt"}"#, bytes: [1])
            #expect(limited.status == 429 && limited.header("Retry-After") == "7")
            let reason = (Self.body(limited)["error"] as? [String: Any])?["reason"] as? [String: Any]
            #expect(reason?[".tag"] as? String == "too_many_write_operations")
            #expect(fake.file(at: "/a.txt") == nil)
            for _ in 1...2 { #expect(try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":""}"#).status == 503) }
            #expect(try await Self.rpc(client, "files/list_folder", token: token, json: #"{"path":""}"#).status == 200)
            #expect(try await Self.upload(client, token: token, argument: #"{"path":"/a.txt"}"#, bytes: [1]).status == 200)
        }
    }
}
