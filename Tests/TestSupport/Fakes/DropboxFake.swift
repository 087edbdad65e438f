// A fake of Dropbox's HTTP API v2 on loopback, following Dropbox's documentation — not what our
// connector definition (configs/connectors/dropbox.json) assumes:
//
// - Request and response formats (RPC endpoints on api.dropboxapi.com take JSON arguments in the
//   body with `Content-Type: application/json`; content-upload endpoints on content.dropboxapi.com
//   take the arguments as JSON in the `Dropbox-API-Arg` header or the `arg` URL parameter and the
//   file as an `application/octet-stream` body; `.tag` names a union's member; errors: 400 bad input
//   as plain text, 401 `AuthError` (expired_access_token, invalid_access_token, missing_scope with
//   required_scope, user_suspended), 409 endpoint-specific `{error_summary, error}`, 429
//   `RateLimitError` `{reason: {.tag: too_many_requests | too_many_write_operations}, retry_after}`
//   with a `Retry-After` header, 5xx): https://www.dropbox.com/developers/documentation/http/documentation
//   (sections "Request and response formats", "Errors"), https://developers.dropbox.com/error-handling-guide
// - HTTP-header-safe JSON in `Dropbox-API-Arg` (every character above 0x7E escaped as \uXXXX):
//   https://www.dropbox.com/developers/reference/json-encoding
// - users/get_current_account (no parameters: no body, or `null`; FullAccount):
//   https://www.dropbox.com/developers/documentation/http/documentation#users-get_current_account
// - files/list_folder (path "" for the root, recursive, limit 1…2000, include_deleted; entries,
//   cursor, has_more; ListFolderError path/not_found, path/not_folder) and
//   files/list_folder/continue (cursor; ListFolderContinueError path, reset; after the last page the
//   cursor reports later changes): https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder,
//   https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder-continue
// - files/upload (≤ 150 MiB; path, mode add/overwrite/update, autorename, client_modified, mute,
//   strict_conflict, content_hash; FileMetadata; UploadError path {reason: WriteError conflict
//   file/folder/file_ancestor}, payload_too_large, content_hash_mismatch; "a conflict only occurs if
//   the contents differ" unless strict_conflict):
//   https://www.dropbox.com/developers/documentation/http/documentation#files-upload
// - content_hash (SHA-256 of the concatenated SHA-256s of each 4 MiB block):
//   https://www.dropbox.com/developers/reference/content-hash
// - sharing/create_shared_link_with_settings (path, settings audience/access/…; FileLinkMetadata or
//   FolderLinkMetadata; CreateSharedLinkWithSettingsError path, settings_error,
//   shared_link_already_exists with the existing link's metadata):
//   https://www.dropbox.com/developers/documentation/http/documentation#sharing-create_shared_link_with_settings
// - auth/token/revoke (RPC, the access token as Bearer, no arguments; disables that access token,
//   its refresh token and every access token of that refresh token):
//   https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke
// - OAuth (POST /oauth2/token, form-encoded; grant_type authorization_code with code, redirect_uri,
//   code_verifier for PKCE; grant_type refresh_token; the app key and secret by HTTP Basic or as
//   client_id/client_secret, only client_id with PKCE; answers access_token, token_type bearer,
//   expires_in 14400, scope, account_id, uid and, for token_access_type=offline, a refresh_token that
//   does not expire and is not rotated; errors RFC 6749 §5.2 with HTTP 400):
//   https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token,
//   https://developers.dropbox.com/oauth-guide,
//   https://dropbox.tech/developers/using-oauth-2-0-with-offline-access
//
// Assumed where the references are silent: the exact wording of 400 texts and of token-endpoint
// error descriptions (written as Dropbox answers them in forum threads), 404 for an unknown
// endpoint, the order of the checks (method, authorization, content type, arguments).

import Foundation
import HTTPFields
import Synchronization

/// Dropbox on loopback: `POST /oauth2/token`, `/2/auth/token/revoke`,
/// `/2/users/get_current_account`, `/2/files/list_folder`, `/2/files/list_folder/continue`,
/// `/2/files/upload` (the content host's endpoint, served on the same server) and
/// `/2/sharing/create_shared_link_with_settings`.
///
/// It keeps state like the real thing: only tokens it issued work, for their scopes and until
/// they expire or are revoked; codes are single use and bound to their `redirect_uri` and PKCE
/// challenge; uploads are stored by path (`files`, `file(at:)`, `uploads`), shared links by path
/// (`links`). Knobs: `failNext(_:endpoint:calls:)`, `expire(token:)`, `revoke(token:)`,
/// `resetCursors()`, `store(path:bytes:)`, `uploadLimit`.
public final class DropboxFake: ServedFake {
    /// The app registered with Dropbox (app key and secret, 15 lowercase characters as Dropbox's).
    public static let defaultApp = FakeOAuthApp(
        clientID: "q8n3k5w2r7t1y4u", clientSecret: "m6c9x2v5b8n1z4a", redirectURI: "http://127.0.0.1/oauth/callback/dropbox")
    /// The scopes a token gets unless told otherwise (those of `configs/connectors/dropbox.json`).
    public static let defaultScopes: Set<String> = [
        "account_info.read", "files.metadata.read", "files.content.read", "files.content.write", "sharing.write",
    ]
    /// The largest body `files/upload` takes: 150 MiB.
    public static let maxUploadBytes = 150 * 1024 * 1024

    /// The account the tokens belong to.
    public struct Account: Sendable {
        /// `dbid:…`.
        public var id: String
        /// The e-mail address.
        public var email: String
        /// Given name.
        public var givenName: String
        /// Surname.
        public var surname: String
        /// ISO 3166-1 country code.
        public var country: String
        /// `basic`, `pro` or `business`.
        public var accountType: String

        /// An account.
        public init(id: String, email: String, givenName: String, surname: String, country: String, accountType: String) {
            self.id = id
            self.email = email
            self.givenName = givenName
            self.surname = surname
            self.country = country
            self.accountType = accountType
        }

        /// A Dropbox Plus/Professional user in Germany.
        public static let sample = Account(
            id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", email: "ada@example.com", givenName: "Ada", surname: "Lovelace",
            country: "DE", accountType: "pro")
    }

    /// A file in the store, with its content.
    public struct StoredFile: Sendable, Equatable {
        /// `id:…`, kept across overwrites.
        public var id: String
        /// The path with its case as given (`path_display`).
        public var path: String
        /// The content.
        public var bytes: [UInt8]
        /// The revision, new on every write.
        public var rev: String
        /// `client_modified` (the uploader's, or the upload time).
        public var clientModified: String
        /// `server_modified`.
        public var serverModified: String

        /// The last path component.
        public var name: String { String(path.split(separator: "/").last ?? "") }
        /// Dropbox's content hash of `bytes`.
        public var contentHash: String { DropboxFake.contentHash(bytes) }
    }

    /// One `files/upload` call that stored a file.
    public struct Upload: Sendable, Equatable {
        /// The path in `Dropbox-API-Arg`.
        public var requestedPath: String
        /// Where it was stored (another name after `autorename`).
        public var storedPath: String
        /// The mode's tag (`add`, `overwrite`, `update`).
        public var mode: String
        /// `autorename` as sent (false when absent).
        public var autorename: Bool
        /// The body.
        public var bytes: [UInt8]
    }

    /// A shared link created.
    public struct SharedLink: Sendable, Equatable {
        /// The URL handed out.
        public var url: String
        /// The path (lower case) it points to.
        public var pathLower: String
        /// The audience's tag (`public`, `team`, `no_one`, …).
        public var audience: String
        /// The access level's tag (`viewer`, `editor`, …).
        public var access: String
    }

    /// What `failNext` answers instead of the endpoint.
    public enum Fault: Sendable {
        /// 429 with `Retry-After` and `RateLimitError` (`too_many_requests` or `too_many_write_operations`).
        case rateLimited(reason: String = "too_many_requests", retryAfter: Int)
        /// 401 with `AuthError` of this tag.
        case auth(String)
        /// 409 with this `error_summary` and `error`, written as JSON text.
        case endpointError(summary: String, errorJSON: String)
        /// This status with a plain-text body (400, 500, 503).
        case plainText(status: Int, text: String)
    }

    struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String?
        var challenge: String?
        var challengeMethod: String?
        var offline: Bool
        var used = false
    }

    struct Token: Sendable {
        var scopes: Set<String>
        var refresh: String?
        var expired = false
        var revoked = false
    }

    struct Refresh: Sendable {
        var scopes: Set<String>
        /// Issued to a PKCE grant: refreshed with the app key alone.
        var pkce = false
        var revoked = false
    }

    struct ScriptedFault: Sendable {
        var fault: Fault
        var endpoint: String?
    }

    struct Listing: Sendable {
        var folder: String
        var recursive: Bool
        var limit: Int
        var pending: [String]
        var seenChange: Int
        var reset = false
    }

    struct Folder: Sendable {
        var id: String
        var path: String
    }

    struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Refresh] = [:]
        var files: [String: StoredFile] = [:]
        var folders: [String: Folder] = [:]
        var uploads: [Upload] = []
        var links: [String: SharedLink] = [:]
        var listings: [String: Listing] = [:]
        /// Path (lower case) of each change, in order; a cursor remembers how many it has seen.
        var changes: [String] = []
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer(maxBodyBytes: DropboxFake.maxUploadBytes + 1024 * 1024)
    /// The app.
    public let app: FakeOAuthApp
    /// The account every token belongs to.
    public let account: Account
    let state = Mutex(State())
    let faults = ScriptedFaults<ScriptedFault>()
    private let limit = Mutex(DropboxFake.maxUploadBytes)

    /// A fake account holding the files `seed` names (path → content) and their folders.
    public init(app: FakeOAuthApp = defaultApp, account: Account = .sample, seed: [String: [UInt8]] = DropboxFake.sampleFiles()) {
        self.app = app
        self.account = account
        for (path, bytes) in seed.sorted(by: { $0.key < $1.key }) { store(path: path, bytes: bytes) }
        state.withLock { $0.changes = [] }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .init(status: 503, body: Array("service unavailable".utf8))
        }
    }

    /// `/Marketing/Q4/banner-1200x628.png`, `/Marketing/Q4/brief.docx`, `/Marketing/Q4/Drafts/` with
    /// `count` drafts `draft-01.txt`…, and `/Reports/2026-11.pdf`.
    public static func sampleFiles(drafts count: Int = 3) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [
            "/Marketing/Q4/banner-1200x628.png": Array("PNG banner".utf8), "/Marketing/Q4/brief.docx": Array("Q4 brief".utf8),
            "/Reports/2026-11.pdf": Array("%PDF-1.7 November".utf8),
        ]
        for index in 1...max(1, count) { files[String(format: "/Marketing/Q4/Drafts/draft-%02d.txt", index)] = Array("draft \(index)".utf8) }
        return files
    }

    // MARK: - Knobs and what it holds

    /// `http://127.0.0.1:<port>`: stands for `https://api.dropboxapi.com` and `https://content.dropboxapi.com`
    /// (the API base URLs are this plus `/2`).
    public var baseURL: String { server.baseURL }

    /// The next `calls` requests to `endpoint` (`files/upload`, …; nil: any API endpoint, not the
    /// token endpoint) are answered with `fault`, after the token check.
    public func failNext(_ fault: Fault, endpoint: String? = nil, calls: Int = 1) {
        faults.add(ScriptedFault(fault: fault, endpoint: endpoint), calls: calls)
    }

    /// From now on `token` answers 401 `expired_access_token` (past its four hours).
    public func expire(token: String) { state.withLock { $0.tokens[token]?.expired = true } }

    /// What `auth/token/revoke` does: `token` (an access token) and its refresh token, with every
    /// access token of that refresh token, stop working; a refresh token given here is revoked with
    /// its access tokens.
    public func revoke(token: String) {
        state.withLock { state in
            let refresh = state.tokens[token]?.refresh ?? (state.refreshTokens[token] != nil ? token : nil)
            state.tokens[token]?.revoked = true
            guard let refresh else { return }
            state.refreshTokens[refresh]?.revoked = true
            for (key, value) in state.tokens where value.refresh == refresh { state.tokens[key]?.revoked = true }
        }
    }

    /// Whether `token` (access or refresh) still works.
    public func isValid(token: String) -> Bool {
        state.withLock { state in
            if let access = state.tokens[token] { return !access.revoked && !access.expired }
            return state.refreshTokens[token].map { !$0.revoked } ?? false
        }
    }

    /// Every cursor handed out so far answers 409 `reset` from now on.
    public func resetCursors() {
        state.withLock { state in for key in state.listings.keys { state.listings[key]?.reset = true } }
    }

    /// The largest upload accepted (`files/upload` answers 409 `payload_too_large` above it).
    public var uploadLimit: Int {
        get { limit.withLock { $0 } }
        set { limit.withLock { $0 = newValue } }
    }

    /// Puts a file at `path` as if uploaded with `mode: overwrite` (its folders are created), recorded
    /// as a change for cursors.
    @discardableResult
    public func store(path: String, bytes: [UInt8]) -> StoredFile {
        state.withLock { Self.write(&$0, path: path, bytes: bytes, clientModified: nil) }
    }

    /// The files in the store, by path.
    public var files: [StoredFile] { state.withLock { $0.files.values.sorted { $0.path.lowercased() < $1.path.lowercased() } } }

    /// The file at `path` (compared as Dropbox does, ignoring case), if any.
    public func file(at path: String) -> StoredFile? { state.withLock { $0.files[path.lowercased()] } }

    /// The `files/upload` calls that stored something, in order.
    public var uploads: [Upload] { state.withLock { $0.uploads } }

    /// The shared links created.
    public var links: [SharedLink] { state.withLock { $0.links.values.sorted { $0.pathLower < $1.pathLower } } }

    /// The requests made to `POST /oauth2/token`.
    public var tokenRequests: [FakeProviderServer.RecordedRequest] { server.requests("POST", "/oauth2/token") }

    /// The requests made with `method` to `path` (`*` matches one path segment).
    public func requests(_ method: String, _ path: String) -> [FakeProviderServer.RecordedRequest] { server.requests(method, path) }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    /// The scope each endpoint needs (nil: any valid token).
    static let endpoints: [String: String?] = [
        "users/get_current_account": "account_info.read", "files/list_folder": "files.metadata.read",
        "files/list_folder/continue": "files.metadata.read", "files/upload": "files.content.write",
        "sharing/create_shared_link_with_settings": "sharing.write", "auth/token/revoke": nil,
    ]

    private func handle(_ request: Request) -> Reply {
        if request.path == "/oauth2/token" {
            guard request.method == "POST" else { return Self.text(405, "Method not allowed") }
            return token(request)
        }
        guard request.path.hasPrefix("/2/"), let scope = Self.endpoints[String(request.path.dropFirst(3))] else {
            return Self.text(404, "Unknown API function: \"\(request.path)\"")
        }
        let endpoint = String(request.path.dropFirst(3))
        guard request.method == "POST" else {
            return Self.badInput(endpoint, "Request method must be POST, not \(request.method).")
        }
        let caller: String
        switch authenticate(request, endpoint: endpoint, scope: scope) {
        case .failure(let refusal): return refusal.reply
        case .success(let token): caller = token
        }
        if let scripted = faults.take(where: { $0.endpoint == nil || $0.endpoint == endpoint }) { return reply(for: scripted.fault) }
        switch endpoint {
        case "users/get_current_account": return noArguments(request, endpoint) ?? currentAccount()
        case "auth/token/revoke":
            if let refused = noArguments(request, endpoint) { return refused }
            revoke(token: caller)
            return .json(200, "null")
        case "files/upload": return upload(request)
        default:
            switch rpcArguments(request, endpoint) {
            case .failure(let refusal): return refusal.reply
            case .success(let arguments):
                switch endpoint {
                case "files/list_folder": return listFolder(arguments)
                case "files/list_folder/continue": return listFolderContinue(arguments)
                default: return createSharedLink(arguments)
                }
            }
        }
    }
}
