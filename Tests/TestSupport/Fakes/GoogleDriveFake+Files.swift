// about.get, files.list, files.get and files.create (metadata only) of the Google Drive fake,
// following https://developers.google.com/workspace/drive/api/reference/rest/v3/about/get,
// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list,
// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/get,
// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/create,
// https://developers.google.com/workspace/drive/api/guides/fields-parameter and
// https://developers.google.com/workspace/drive/api/guides/ref-search-terms (see
// GoogleDriveFake.swift for the rest of the sources).

import Foundation
import Synchronization

extension GoogleDriveFake {
    /// The authorized user's `permissionId`.
    public static let permissionID = "00112233445566778899"

    // MARK: - about.get

    func about(_ query: [String: [String]]) -> Result<[String: Any], DriveError> {
        // "You must set the fields parameter" for every method of `about` (documented); the
        // answer without it is observed.
        guard let text = query["fields"]?.last, !text.isEmpty else {
            return .failure(.bad("required", "The 'fields' parameter is required for this method.", location: "fields"))
        }
        return mask(text, schema: Self.aboutSchema).map { mask in
            let usage = self.usage
            let about: [String: Any] = [
                "kind": "drive#about", "user": owner(), "appInstalled": false, "canCreateDrives": true, "maxUploadSize": "5242880000000",
                "storageQuota": [
                    "limit": String(Self.quotaLimit), "usage": String(usage), "usageInDrive": String(usage - Self.baseUsage / 2),
                    "usageInDriveTrash": "0",
                ],
            ]
            return Self.apply(mask, to: about) as? [String: Any] ?? [:]
        }
    }

    // MARK: - files.list

    func listFiles(_ query: [String: [String]], wholeDrive: Bool) -> Result<[String: Any], DriveError> {
        func one(_ name: String) -> String? { query[name]?.last }
        var size = 100
        if let text = one("pageSize") {
            guard let value = Int(text), (1...1000).contains(value) else {
                return .failure(.bad("invalid", "Invalid value '\(text)'. Values must be within the range: [1, 1000]", location: "pageSize"))
            }
            size = value
        }
        let allDrives = one("supportsAllDrives") == "true" && one("includeItemsFromAllDrives") == "true"
        var predicate: (File) -> Bool = { _ in true }
        if let q = one("q"), !q.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let parsed = QueryParser.parse(q, root: Self.rootID) else { return .failure(.bad("invalid", "Invalid Value", location: "q")) }
            predicate = parsed
        }
        var order: [(key: String, descending: Bool)] = []
        for part in (one("orderBy") ?? "").split(separator: ",") {
            let words = part.split(separator: " ").map(String.init)
            guard let key = words.first, Self.orderKeys.contains(key), words.count == 1 || (words.count == 2 && words[1] == "desc") else {
                return .failure(.bad("invalid", "Invalid Value", location: "orderBy"))
            }
            order.append((key, words.count == 2))
        }
        let fields = one("fields") ?? "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
        let chosen: FieldMask
        switch mask(fields, schema: Self.listSchema) {
        case .failure(let error): return .failure(error)
        case .success(let found): chosen = found
        }
        var matches = files.filter { $0.id != Self.rootID && visible($0, wholeDrive: wholeDrive, allDrives: allDrives) && predicate($0) }
        if !order.isEmpty { matches.sort { Self.precedes($0, $1, order) } }
        let fingerprint = query.filter { $0.key != "pageToken" && $0.key != "pageSize" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.joined(separator: ","))" }.joined(separator: "&")
        var start = 0
        if let token = one("pageToken") {
            guard let mark = state.withLock({ $0.pageTokens[token] }), mark.fingerprint == fingerprint, mark.offset <= matches.count else {
                return .failure(.bad("invalid", "Invalid Value", location: "pageToken"))
            }
            start = mark.offset
        }
        let slice = Array(matches.dropFirst(start).prefix(size))
        var body: [String: Any] = ["kind": "drive#fileList", "incompleteSearch": false, "files": slice.map(resource)]
        if start + slice.count < matches.count {
            body["nextPageToken"] = state.withLock { state -> String in
                state.sequence += 1
                let token = "~!!~AI9FV7Q\(state.sequence)pXz3example-next-page-token"
                state.pageTokens[token] = PageMark(offset: start + slice.count, fingerprint: fingerprint)
                return token
            }
        }
        return .success(Self.apply(chosen, to: body) as? [String: Any] ?? [:])
    }

    /// The documented `orderBy` keys (each may be followed by `desc`).
    static let orderKeys: Set<String> = [
        "createdTime", "folder", "modifiedByMeTime", "modifiedTime", "name", "name_natural", "quotaBytesUsed", "recency", "sharedWithMeTime",
        "starred", "viewedByMeTime",
    ]

    static func precedes(_ a: File, _ b: File, _ order: [(key: String, descending: Bool)]) -> Bool {
        for (key, descending) in order {
            let result: ComparisonResult
            switch key {
            case "createdTime":
                result = a.createdTime == b.createdTime ? .orderedSame : (a.createdTime < b.createdTime ? .orderedAscending : .orderedDescending)
            case "modifiedTime", "recency", "modifiedByMeTime":
                result = a.modifiedTime == b.modifiedTime ? .orderedSame : (a.modifiedTime < b.modifiedTime ? .orderedAscending : .orderedDescending)
            case "name", "name_natural": result = a.name.localizedStandardCompare(b.name)
            case "folder": result = a.isFolder == b.isFolder ? .orderedSame : (a.isFolder ? .orderedAscending : .orderedDescending)
            case "quotaBytesUsed":
                let (x, y) = (a.size ?? 0, b.size ?? 0)
                result = x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
            default: result = .orderedSame
            }
            if result != .orderedSame { return descending ? result == .orderedDescending : result == .orderedAscending }
        }
        return false
    }

    // MARK: - files.get

    func getFile(_ id: String, _ query: [String: [String]], wholeDrive: Bool) -> Result<[String: Any], DriveError> {
        let allDrives = query["supportsAllDrives"]?.last == "true"
        guard let file = self.file(id), file.id == Self.rootID || visible(file, wholeDrive: wholeDrive, allDrives: allDrives) else {
            return .failure(.notFound(id))
        }
        return mask(query["fields"]?.last ?? "kind,id,name,mimeType", schema: Self.fileSchema).map { mask in
            Self.apply(mask, to: resource(file)) as? [String: Any] ?? [:]
        }
    }

    // MARK: - files.create (metadata only)

    func createFile(_ request: Request, wholeDrive: Bool) -> Result<[String: Any], DriveError> {
        let query = request.queryItems
        return Self.metadata(request).flatMap { metadata in
            mask(query["fields"]?.last ?? "kind,id,name,mimeType", schema: Self.fileSchema).flatMap { mask in
                parent(of: metadata, query, wholeDrive: wholeDrive).map { parent in
                    let stored = state.withLock { state in
                        Self.store(
                            &state,
                            File(
                                id: "", name: metadata["name"] as? String ?? "Untitled",
                                mimeType: metadata["mimeType"] as? String ?? "application/octet-stream", parents: [parent.id],
                                driveID: parent.driveID, trashed: false, appVisible: true, createdTime: Date(), modifiedTime: Date(), bytes: nil,
                                declaredSize: nil))
                    }
                    return Self.apply(mask, to: resource(stored)) as? [String: Any] ?? [:]
                }
            }
        }
    }

    /// A create's JSON metadata (an empty body is an untitled file), checked member by member.
    static func metadata(_ request: Request) -> Result<[String: Any], DriveError> {
        guard !request.body.isEmpty else { return .success([:]) }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, let object = request.json as? [String: Any]
        else { return .failure(.bad("parseError", "Parse Error")) }
        for name in ["name", "mimeType", "description"] where object[name] != nil && !(object[name] is String) {
            return .failure(.bad("invalid", "Invalid value for: \(name)"))
        }
        if let parents = object["parents"], !(parents is [String]) { return .failure(.bad("invalid", "Invalid value for: parents")) }
        return .success(object)
    }

    /// The folder a create puts the file in: the one parent given, else My Drive's root.
    func parent(of metadata: [String: Any], _ query: [String: [String]], wholeDrive: Bool) -> Result<File, DriveError> {
        let parents = metadata["parents"] as? [String] ?? []
        // "A file can only have one parent folder; specifying multiple parents isn't supported" (documented; the wording is the fake's).
        guard parents.count <= 1 else { return .failure(.bad("badRequest", "A file can only have one parent folder.", location: "parents")) }
        let id = parents.first ?? Self.rootID
        let allDrives = query["supportsAllDrives"]?.last == "true"
        guard let folder = file(id), folder.id == Self.rootID || visible(folder, wholeDrive: wholeDrive, allDrives: allDrives) else {
            return .failure(.notFound(id))
        }
        guard folder.isFolder else { return .failure(.bad("badRequest", "The parent \(id) is not a folder.", location: "parents")) }
        return .success(folder)
    }

    // MARK: - Representation

    /// What a token may see: every file with a whole-drive scope, else only the app's; items on
    /// a shared drive only when the request supports all drives.
    func visible(_ file: File, wholeDrive: Bool, allDrives: Bool) -> Bool {
        if file.driveID != nil && !allDrives { return false }
        return wholeDrive || file.appVisible
    }

    func owner() -> [String: Any] {
        [
            "kind": "drive#user", "displayName": oauth.user.name, "emailAddress": oauth.user.email, "permissionId": Self.permissionID, "me": true,
            "photoLink": "https://lh3.googleusercontent.com/a/default-user=s64",
        ]
    }

    /// The File resource, every member the fake knows (the field mask then keeps what was asked).
    func resource(_ file: File) -> [String: Any] {
        var body: [String: Any] = [
            "kind": "drive#file", "id": file.id, "name": file.name, "mimeType": file.mimeType, "trashed": file.trashed,
            "explicitlyTrashed": file.trashed, "starred": false, "createdTime": Self.render(file.createdTime),
            "modifiedTime": Self.render(file.modifiedTime), "spaces": ["drive"], "version": "1", "shared": false,
            "iconLink": "https://drive-thirdparty.googleusercontent.com/16/type/\(file.mimeType)", "isAppAuthorized": file.appVisible,
            "quotaBytesUsed": String(file.bytes?.count ?? 0),
        ]
        if !file.parents.isEmpty { body["parents"] = file.parents }
        if let drive = file.driveID {
            body["driveId"] = drive
            body["teamDriveId"] = drive
        } else {
            body["owners"] = [owner()]
            body["ownedByMe"] = true
        }
        if file.isFolder {
            body["webViewLink"] = "https://drive.google.com/drive/folders/\(file.id)"
        } else if file.mimeType.hasPrefix("application/vnd.google-apps.") {
            let kind = file.mimeType.dropFirst("application/vnd.google-apps.".count)
            body["webViewLink"] = "https://docs.google.com/\(kind)/d/\(file.id)/edit?usp=drivesdk"
        } else {
            body["webViewLink"] = "https://drive.google.com/file/d/\(file.id)/view?usp=drivesdk"
            body["webContentLink"] = "https://drive.google.com/uc?id=\(file.id)&export=download"
            body["originalFilename"] = file.name
            if let dot = file.name.lastIndex(of: "."), dot != file.name.startIndex {
                body["fileExtension"] = String(file.name[file.name.index(after: dot)...])
                body["fullFileExtension"] = body["fileExtension"]
            }
        }
        if let size = file.size { body["size"] = String(size) }
        return body
    }

    /// RFC 3339 in UTC with milliseconds, as Drive writes times.
    static func render(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    // MARK: - Field masks

    /// A parsed `fields` value: each selected member and what is selected below it (nothing: all of it).
    struct FieldMask: Sendable {
        var children: [String: FieldMask] = [:]

        mutating func insert(_ path: ArraySlice<String>, _ below: FieldMask) {
            guard let first = path.first else { return }
            if path.count == 1 {
                children[first, default: FieldMask()].children.merge(below.children) { a, _ in a }
            } else {
                children[first, default: FieldMask()].insert(path.dropFirst(), below)
            }
        }

        /// A leaf, or (with `open`) an object whose members are not checked.
        static func leaf(open: Bool = false) -> FieldMask { open ? FieldMask(children: ["*": FieldMask()]) : FieldMask() }

        /// Members that are leaves.
        static func of(_ names: [String], _ nested: [String: FieldMask] = [:]) -> FieldMask {
            FieldMask(children: Dictionary(uniqueKeysWithValues: names.map { ($0, FieldMask()) }).merging(nested) { _, b in b })
        }
    }

    /// `fields` parsed and held against `schema`, or Drive's 400 for a selection it does not know.
    func mask(_ text: String, schema: FieldMask) -> Result<FieldMask, DriveError> {
        var parser = MaskParser(chars: Array(text.filter { !$0.isWhitespace }))
        guard let mask = parser.list(), parser.index == parser.chars.count else {
            return .failure(.bad("invalidParameter", "Invalid field selection \(text)", location: "fields"))
        }
        if let unknown = Self.unknownField(mask, schema) {
            return .failure(.bad("invalidParameter", "Invalid field selection \(unknown)", location: "fields"))
        }
        return .success(mask)
    }

    static func unknownField(_ mask: FieldMask, _ schema: FieldMask) -> String? {
        guard schema.children["*"] == nil else { return nil }
        for (name, below) in mask.children.sorted(by: { $0.key < $1.key }) where name != "*" {
            guard let node = schema.children[name] else { return name }
            guard !below.children.isEmpty else { continue }
            if node.children.isEmpty { return name }
            if let inner = unknownField(below, node) { return inner }
        }
        return nil
    }

    /// Keeps what `mask` selects of `value` (each element of an array alike).
    static func apply(_ mask: FieldMask, to value: Any) -> Any {
        if mask.children.isEmpty || mask.children["*"] != nil { return value }
        if let array = value as? [Any] { return array.map { apply(mask, to: $0) } }
        guard let object = value as? [String: Any] else { return value }
        var kept: [String: Any] = [:]
        for (name, below) in mask.children { if let member = object[name] { kept[name] = apply(below, to: member) } }
        return kept
    }

    struct MaskParser {
        var chars: [Character]
        var index = 0

        mutating func list() -> FieldMask? {
            var mask = FieldMask()
            while true {
                var path: [String] = []
                repeat {
                    if !path.isEmpty { index += 1 }
                    var name = ""
                    while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" || chars[index] == "*" {
                        name.append(chars[index])
                        index += 1
                    }
                    guard !name.isEmpty else { return nil }
                    path.append(name)
                } while index < chars.count && chars[index] == "/"
                var below = FieldMask()
                if index < chars.count && chars[index] == "(" {
                    index += 1
                    guard let inner = list(), index < chars.count, chars[index] == ")" else { return nil }
                    index += 1
                    below = inner
                }
                mask.insert(path[...], below)
                guard index < chars.count, chars[index] == "," else { return mask }
                index += 1
            }
        }
    }

    static let userSchema = FieldMask.of(["kind", "displayName", "photoLink", "me", "permissionId", "emailAddress"])
    static let fileSchema = FieldMask.of(
        [
            "kind", "id", "name", "mimeType", "description", "starred", "trashed", "explicitlyTrashed", "parents", "spaces", "version",
            "webContentLink", "webViewLink", "iconLink", "hasThumbnail", "thumbnailLink", "thumbnailVersion", "viewedByMe", "viewedByMeTime",
            "createdTime", "modifiedTime", "modifiedByMeTime", "modifiedByMe", "sharedWithMeTime", "shared", "ownedByMe",
            "copyRequiresWriterPermission",
            "writersCanShare", "permissionIds", "hasAugmentedPermissions", "folderColorRgb", "originalFilename", "fullFileExtension",
            "fileExtension", "md5Checksum", "sha1Checksum", "sha256Checksum", "size", "quotaBytesUsed", "headRevisionId", "isAppAuthorized",
            "driveId", "teamDriveId", "resourceKey", "trashedTime", "viewersCanCopyContent", "inheritedPermissionsDisabled", "downloadRestrictions",
        ],
        [
            "owners": userSchema, "lastModifyingUser": userSchema, "sharingUser": userSchema, "trashingUser": userSchema,
            "capabilities": .leaf(open: true), "exportLinks": .leaf(open: true), "properties": .leaf(open: true),
            "appProperties": .leaf(open: true), "contentHints": .leaf(open: true), "imageMediaMetadata": .leaf(open: true),
            "videoMediaMetadata": .leaf(open: true), "shortcutDetails": .leaf(open: true), "contentRestrictions": .leaf(open: true),
            "linkShareMetadata": .leaf(open: true), "labelInfo": .leaf(open: true), "permissions": .leaf(open: true),
        ])
    static let listSchema = FieldMask.of(["kind", "nextPageToken", "incompleteSearch"], ["files": fileSchema])
    static let aboutSchema = FieldMask.of(
        [
            "kind", "importFormats", "exportFormats", "maxImportSizes", "maxUploadSize", "appInstalled", "folderColorPalette", "driveThemes",
            "canCreateDrives", "canCreateTeamDrives", "teamDriveThemes",
        ],
        ["user": userSchema, "storageQuota": .of(["limit", "usage", "usageInDrive", "usageInDriveTrash"])])
}
