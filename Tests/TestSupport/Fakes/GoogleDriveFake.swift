// A fake of the Google Drive API v3 (www.googleapis.com/drive/v3 and /upload/drive/v3) on
// loopback, following Google's documentation — not what our connector definition assumes:
//
// - REST reference, each method's path, query parameters, request and response bodies and
//   authorization scopes: https://developers.google.com/workspace/drive/api/reference/rest/v3
//   https://developers.google.com/workspace/drive/api/reference/rest/v3/about/get (`fields` is
//   required: "You must set the fields parameter" for every method of `about`)
//   https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list (`q`,
//   `orderBy`, `pageSize` 1–1000 default 100, `pageToken`, `supportsAllDrives`,
//   `includeItemsFromAllDrives`; answer `{kind, nextPageToken, incompleteSearch, files}`)
//   https://developers.google.com/workspace/drive/api/reference/rest/v3/files/get
//   https://developers.google.com/workspace/drive/api/reference/rest/v3/files/create
//   https://developers.google.com/workspace/drive/api/reference/rest/v3/files (the File resource)
// - The `fields` parameter (FieldMask syntax `a,b(c,d),e/f`; without it files.get/create answer
//   kind, id, name and mimeType; an unknown field is a 400 "Invalid field selection …"):
//   https://developers.google.com/workspace/drive/api/guides/fields-parameter
// - Search query terms and operators (`'<id>' in parents`, `trashed = false`, `name contains`,
//   `mimeType =`, `modifiedTime >`, `and`, `or`, `not`):
//   https://developers.google.com/workspace/drive/api/guides/search-files and
//   https://developers.google.com/workspace/drive/api/guides/ref-search-terms
// - Folders (`application/vnd.google-apps.folder`, `parents`; a create without parents lands in
//   My Drive's root): https://developers.google.com/workspace/drive/api/guides/folder
// - Shared drives (`supportsAllDrives=true` needed for items on them):
//   https://developers.google.com/workspace/drive/api/guides/enable-shareddrives
// - Resumable uploads (POST /upload/drive/v3/files?uploadType=resumable with the metadata,
//   X-Upload-Content-Type, X-Upload-Content-Length → 200 and the session URI in Location; PUT
//   the bytes, chunks in multiples of 256 KiB but the last, Content-Range when resuming → 308
//   with `Range: bytes=0-N` while incomplete, 200 or 201 with the file when complete; an empty
//   PUT with `Content-Range: bytes */TOTAL` asks the status, no Range when nothing arrived; 404
//   when the session expired): https://developers.google.com/workspace/drive/api/guides/manage-uploads
// - Errors (`{error: {code, message, errors: [{domain, reason, message, location,
//   locationType}]}}`: 400 badRequest / invalid, 401 authError "Invalid Credentials", 403
//   userRateLimitExceeded / rateLimitExceeded / insufficientFilePermissions /
//   storageQuotaExceeded, 404 notFound "File not found: <id>.", 429 rateLimitExceeded, 500
//   backendError): https://developers.google.com/workspace/drive/api/guides/handle-errors and
//   https://developers.google.com/workspace/drive/api/guides/limits
// - Scopes (drive.file shows only files the app created or the user opened with it):
//   https://developers.google.com/workspace/drive/api/guides/api-specific-auth
//
// Tokens are the Google OAuth fake's, checked by `GoogleAPIError.authenticate` against each
// method's documented scopes and answered in the Drive envelope. Where Google documents no body
// the fake answers what the Drive API is observed to answer and says so: 400 required "The
// 'fields' parameter is required for this method." for about.get without fields, 400 invalid
// "Invalid Value" (location q) for a query it cannot parse, "Invalid field selection <name>"
// (invalidParameter, location fields), "Upload requests must include an uploadType URL parameter
// and a URL path beginning with /upload/", and a bare JSON 404 for an unknown upload session.

public import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Google Drive on loopback: about.get, files.list, files.get, files.create (folders and
/// metadata-only files) and resumable uploads, with Google's paging, field masks, query
/// language, scopes and errors. Knobs: `addFile`, `seedFiles`, `failNext`, `failNextUpload`,
/// `dropNextUpload`, `answerCompletedUploads`, `expireUploadSessions`; readings: `files`, `file(_:)`, `bytes(of:)`,
/// `uploadSessions`.
public final class GoogleDriveFake: ServedFake {
    /// A stored file or folder (the File resource's members the fake keeps).
    public struct File: Sendable {
        /// The file id.
        public var id: String
        /// Title.
        public var name: String
        /// MIME type (`application/vnd.google-apps.folder` for folders).
        public var mimeType: String
        /// The parent folder (one at most, as Drive allows).
        public var parents: [String]
        /// The shared drive holding it (nil: the user's My Drive).
        public var driveID: String?
        /// In the trash.
        public var trashed: Bool
        /// Created or opened with this app: what a `drive.file` token may see.
        public var appVisible: Bool
        /// Created and last modified.
        public var createdTime: Date, modifiedTime: Date
        /// The content (nil for folders and Google Docs, which have no size).
        public var bytes: [UInt8]?
        /// The declared size when no bytes are kept (seeded binaries).
        public var declaredSize: Int?

        /// `size`: bytes stored or declared (nil for folders and Google Docs).
        public var size: Int? { bytes?.count ?? declaredSize }
        /// Whether it is a folder.
        public var isFolder: Bool { mimeType == GoogleDriveFake.folderType }
    }

    /// What the next bytes PUT suffers: `keep` bytes arrive, then the connection drops (no
    /// answer) or the server answers `status`.
    struct UploadFault: Sendable {
        var keep: Int
        var status: Int?
    }

    /// One resumable upload session, as the fake keeps it.
    public struct UploadSession: Sendable {
        /// The `upload_id` of the session URI.
        public var id: String
        /// The metadata sent when it was opened (`name`, `mimeType`, `parents`).
        public var metadata: [String: String]
        /// `parents` of the metadata.
        public var parents: [String]
        /// `X-Upload-Content-Type`, as received.
        public var uploadContentType: String?
        /// `X-Upload-Content-Length`, as received (nil: unknown until the last chunk).
        public var declaredLength: Int?
        /// The `fields` of the session start, applied to the final answer.
        public var fields: String?
        /// The bytes received so far.
        public var received: [UInt8]
        /// The file created when the last byte arrived.
        public var fileID: String?
        /// Expired sessions answer 404.
        public var expired: Bool
    }

    struct PageMark: Sendable {
        var offset: Int
        var fingerprint: String
    }

    struct State: Sendable {
        var files: [File] = []
        var sessions: [String: UploadSession] = [:]
        var pageTokens: [String: PageMark] = [:]
        var uploadFaults: [UploadFault] = []
        var completionStatus = 200
        var sequence = 0
    }

    /// `application/vnd.google-apps.folder`.
    public static let folderType = "application/vnd.google-apps.folder"
    /// The user's My Drive root folder (`root` aliases it).
    public static let rootID = "0AJs8a1b2c3d4Uk9PVA"
    /// A shared drive the user belongs to.
    public static let sharedDriveID = "0ADk3Lh7sharedDriveUk9PVA"
    /// A folder created with the app: "Q4 Campaign Assets".
    public static let campaignFolder = "1Hk2Xexamplefolderid0123456789"
    /// A Google Doc opened with the app: "Q4 campaign brief" (no size).
    public static let briefDoc = "1ZdR3L3qP4Bkq8noWLJHSr_iBau0DNT4Kli4SxNc2YEo"
    /// A PNG in the campaign folder, created with the app.
    public static let bannerImage = "1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVw"
    /// A spreadsheet the app never opened: invisible to a `drive.file` token.
    public static let privateSheet = "1PrivSheetNotOpenedWithTheApp000000"
    /// A PDF on the shared drive: only with `supportsAllDrives=true`.
    public static let sharedPDF = "1SharedDrivePdf000000000000000000"
    /// A trashed image, created with the app.
    public static let trashedImage = "1TrashedLogo00000000000000000000"

    static let prefix = "https://www.googleapis.com/auth/"
    /// about.get's documented scopes (any one suffices).
    public static let aboutScopes: Set<String> = Set(
        [
            "drive", "drive.appdata", "drive.apps.readonly", "drive.file", "drive.metadata", "drive.metadata.readonly", "drive.photos.readonly",
            "drive.readonly",
        ].map { prefix + $0 })
    /// files.list's and files.get's documented scopes.
    public static let readScopes: Set<String> = Set(
        ["drive", "drive.appdata", "drive.file", "drive.metadata", "drive.metadata.readonly", "drive.photos.readonly", "drive.readonly"].map {
            prefix + $0
        })
    /// files.create's documented scopes.
    public static let writeScopes: Set<String> = Set(["drive", "drive.appdata", "drive.file"].map { prefix + $0 })
    /// The scopes that see every file of the user (not only the app's).
    public static let wholeDriveScopes: Set<String> = Set(
        ["drive", "drive.readonly", "drive.metadata", "drive.metadata.readonly"].map { prefix + $0 })
    /// `https://www.googleapis.com/auth/drive.file`.
    public static let fileScope = prefix + "drive.file"

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer(maxBodyBytes: 64 * 1_048_576)
    /// Where tokens are checked.
    public let oauth: GoogleOAuthFake
    /// How long a dropped PUT stays unanswered (longer than the client waits).
    public let dropFor: Duration
    /// The storage quota's `limit` (bytes).
    public static let quotaLimit = 16_106_127_360
    /// The storage used before anything is uploaded.
    public static let baseUsage = 2_147_483_648
    let state = Mutex(State())
    let faults = ScriptedFaults<DriveError>()

    /// A fake accepting `oauth`'s tokens, with the user's root, a campaign folder, a doc, an
    /// image, a spreadsheet the app never opened, a trashed image and a PDF on a shared drive.
    public init(oauth: GoogleOAuthFake, dropFor: Duration = .seconds(3)) {
        self.oauth = oauth
        self.dropFor = dropFor
        let day = { (text: String) in ISO8601DateFormatter().date(from: text) ?? Date() }
        state.withLock { state in
            func seed(
                _ id: String, _ name: String, _ type: String, parent: String?, drive: String? = nil, visible: Bool = true, size: Int? = nil,
                trashed: Bool = false, _ modified: String
            ) {
                state.files.append(
                    File(
                        id: id, name: name, mimeType: type, parents: parent.map { [$0] } ?? [], driveID: drive, trashed: trashed, appVisible: visible,
                        createdTime: day(modified), modifiedTime: day(modified), bytes: nil, declaredSize: size))
            }
            seed(Self.rootID, "My Drive", Self.folderType, parent: nil, visible: false, "2020-01-01T00:00:00Z")
            seed(Self.campaignFolder, "Q4 Campaign Assets", Self.folderType, parent: Self.rootID, "2024-11-12T08:00:00Z")
            seed(Self.briefDoc, "Q4 campaign brief", "application/vnd.google-apps.document", parent: Self.campaignFolder, "2024-11-14T10:00:00Z")
            seed(Self.bannerImage, "banner-1200x628.png", "image/png", parent: Self.campaignFolder, size: 284_133, "2024-11-13T16:20:00Z")
            seed(
                Self.privateSheet, "Salaries 2026", "application/vnd.google-apps.spreadsheet", parent: Self.rootID, visible: false,
                "2024-11-15T09:00:00Z")
            seed(Self.trashedImage, "old-logo.png", "image/png", parent: Self.rootID, size: 9_120, trashed: true, "2024-10-01T12:00:00Z")
            seed(
                Self.sharedPDF, "Brand guidelines.pdf", "application/pdf", parent: Self.sharedDriveID, drive: Self.sharedDriveID, size: 1_048_576,
                "2024-11-10T11:00:00Z")
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "fake gone"])
        }
    }

    // MARK: - Knobs and readings

    /// The next `calls` API requests (after authentication) answer `error`; upload PUTs included.
    public func failNext(_ error: DriveError, calls: Int = 1) { faults.add(error, calls: calls) }

    /// The next bytes PUT stores its first `keep` bytes and is never answered (a dropped
    /// connection: the answer is held for `dropFor`).
    public func dropNextUpload(after keep: Int) { state.withLock { $0.uploadFaults.append(UploadFault(keep: keep, status: nil)) } }

    /// The next bytes PUT stores its first `keep` bytes and is answered `status` (503 backendError
    /// by default; 401 authError; any other 5xx as backendError).
    public func failNextUpload(after keep: Int, status: Int = 503) {
        state.withLock { $0.uploadFaults.append(UploadFault(keep: keep, status: status)) }
    }

    /// The status a completed upload is answered with: 200 (the default) or 201, both
    /// documented ("200 OK or 201 Created").
    public func answerCompletedUploads(with status: Int) { state.withLock { $0.completionStatus = status } }

    /// Every upload session opened so far answers 404 from now on (as after a week).
    public func expireUploadSessions() {
        state.withLock { state in
            for id in state.sessions.keys { state.sessions[id]?.expired = true }
        }
    }

    /// Every file, folder and the root, in creation order.
    public var files: [File] { state.withLock { $0.files } }

    /// A file by id (`root` is the root folder).
    public func file(_ id: String) -> File? {
        let id = id == "root" ? Self.rootID : id
        return state.withLock { $0.files.first { $0.id == id } }
    }

    /// The bytes uploaded for file `id` (nil when it has none).
    public func bytes(of id: String) -> [UInt8]? { file(id)?.bytes }

    /// The upload sessions opened so far, oldest first.
    public var uploadSessions: [UploadSession] {
        state.withLock { $0.sessions.values.sorted { $0.id < $1.id } }
    }

    /// Adds a file (or, with `folderType`, a folder); its id.
    @discardableResult
    public func addFile(
        name: String, mimeType: String = "text/plain", parent: String = GoogleDriveFake.rootID, bytes: [UInt8]? = nil, appVisible: Bool = true,
        trashed: Bool = false, modifiedTime: Date = Date()
    ) -> String {
        state.withLock { state in
            Self.store(
                &state,
                File(
                    id: "", name: name, mimeType: mimeType, parents: [parent], driveID: nil, trashed: trashed, appVisible: appVisible,
                    createdTime: modifiedTime, modifiedTime: modifiedTime, bytes: bytes, declaredSize: nil)
            ).id
        }
    }

    /// Adds `count` app-visible text files in `parent`, "File 1"…, the newest first by
    /// modifiedTime (File 1 is the newest).
    public func seedFiles(count: Int, parent: String = GoogleDriveFake.rootID) {
        let now = Date()
        for index in 0..<count {
            addFile(
                name: "File \(index + 1)", parent: parent, bytes: Array("file \(index + 1)".utf8),
                modifiedTime: now.addingTimeInterval(-Double(index) * 60))
        }
    }

    /// Bytes used: the base usage and every byte uploaded.
    public var usage: Int { Self.baseUsage + state.withLock { $0.files.reduce(0) { $0 + ($1.bytes?.count ?? 0) } } }

    static func store(_ state: inout State, _ file: File) -> File {
        state.sequence += 1
        var stored = file
        if stored.id.isEmpty { stored.id = "1NhDrv" + String(format: "%06d", state.sequence) + "xK9aQ2mZ7bT4cR8vW" }
        state.files.append(stored)
        return stored
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    enum Endpoint {
        case about, list
        case get(String)
        case create, startUpload
    }

    private func handle(_ request: Request) -> Reply {
        // Upload session PUTs: the session URI is the credential, as the guide's examples show.
        if request.method == "PUT" && request.path == "/upload/drive/v3/files" { return receive(request) }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).removingPercentEncoding ?? String($0)
        }
        let endpoint: Endpoint
        let scopes: Set<String>
        switch (request.method, parts.count, parts.first ?? "") {
        case ("GET", 3, "drive") where parts == ["drive", "v3", "about"]: (endpoint, scopes) = (.about, Self.aboutScopes)
        case ("GET", 3, "drive") where parts == ["drive", "v3", "files"]: (endpoint, scopes) = (.list, Self.readScopes)
        case ("GET", 4, "drive") where parts[1] == "v3" && parts[2] == "files" && !parts[3].isEmpty:
            (endpoint, scopes) = (.get(parts[3]), Self.readScopes)
        case ("POST", 3, "drive") where parts == ["drive", "v3", "files"]: (endpoint, scopes) = (.create, Self.writeScopes)
        case ("POST", 4, "upload") where parts == ["upload", "drive", "v3", "files"]: (endpoint, scopes) = (.startUpload, Self.writeScopes)
        default: return DriveError(404, reason: "notFound", message: "Not Found").reply
        }
        let granted: Set<String>
        switch authenticate(request, scopes: scopes) {
        case .failure(let refused): return refused.reply
        case .success(let scopes): granted = scopes
        }
        if let fault = faults.take() { return fault.reply }
        let wholeDrive = !granted.isDisjoint(with: Self.wholeDriveScopes)
        let result: Result<[String: Any], DriveError>
        switch endpoint {
        case .about: result = about(request.queryItems)
        case .list: result = listFiles(request.queryItems, wholeDrive: wholeDrive)
        case .get(let id): result = getFile(id, request.queryItems, wholeDrive: wholeDrive)
        case .create: result = createFile(request, wholeDrive: wholeDrive)
        case .startUpload: return startSession(request, wholeDrive: wholeDrive)
        }
        switch result {
        case .success(let body): return .json(200, object: body)
        case .failure(let error): return error.reply
        }
    }

    /// The bearer token's check (`GoogleAPIError.authenticate`, answered in the Drive envelope):
    /// the scopes granted when it may proceed.
    func authenticate(_ request: Request, scopes: Set<String>) -> Result<Set<String>, DriveError> {
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: scopes, service: "drive.googleapis.com") {
            var error =
                refused.code == 401
                ? DriveError.invalidCredentials
                : DriveError(403, reason: "insufficientPermissions", message: "Request had insufficient authentication scopes.")
            error.base.headers = refused.headers
            return .failure(error)
        }
        let token = String(request.header("Authorization")?.dropFirst("Bearer ".count) ?? "")
        return .success(Set(oauth.grantedScopes(accessToken: token) ?? []))
    }
}
