import Foundation
import HTTPFields
import Synchronization

// The account, folder listing, upload and shared-link endpoints of `DropboxFake`, as documented at
//   https://www.dropbox.com/developers/documentation/http/documentation#users-get_current_account,
//   https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder,
//   https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder-continue,
//   https://www.dropbox.com/developers/documentation/http/documentation#files-upload and
//   https://www.dropbox.com/developers/documentation/http/documentation#sharing-create_shared_link_with_settings
// (DropboxFake.swift's header cites the page of each answer).
extension DropboxFake {
    // MARK: - users/get_current_account

    /// The `FullAccount`.
    func currentAccount() -> Reply {
        let namespace = "3235641"
        var body: [String: Any] = [
            "account_id": account.id, "email": account.email, "email_verified": true, "disabled": false, "locale": "en",
            "name": [
                "given_name": account.givenName, "surname": account.surname, "familiar_name": account.givenName,
                "display_name": "\(account.givenName) \(account.surname)",
                "abbreviated_name": "\(account.givenName.prefix(1))\(account.surname.prefix(1))",
            ],
            "referral_link": "https://www.dropbox.com/referrals/AAAexample", "is_paired": false,
            "account_type": [".tag": account.accountType], "country": account.country,
            "root_info": [".tag": "user", "root_namespace_id": namespace, "home_namespace_id": namespace],
        ]
        if account.accountType == "business" { body["team_member_id"] = "dbmid:AAHhy7WsR0x-u4ZCqiDl5Fz5zvuL3kmspwU" }
        return .json(200, object: body)
    }

    // MARK: - files/list_folder and files/list_folder/continue

    static let listFolderFields: Set<String> = [
        "path", "recursive", "include_media_info", "include_deleted", "include_has_explicit_shared_members", "include_mounted_folders",
        "limit", "shared_link", "include_property_groups", "include_non_downloadable_files",
    ]

    /// `files/list_folder`: the first `limit` entries of the folder (or of its tree), a cursor
    /// and `has_more`.
    func listFolder(_ arguments: [String: Any]) -> Reply {
        let endpoint = "files/list_folder"
        if let unknown = Self.unknownField(arguments, known: Self.listFolderFields, endpoint: endpoint) { return unknown }
        guard let path = arguments["path"] as? String else {
            return Self.badInput(
                endpoint, arguments["path"] == nil ? "request body: missing required field 'path'" : "request body: path: expected string")
        }
        if path == "/" { return Self.badInput(endpoint, #"request body: path: Specify the root folder as an empty string rather than as "/"."#) }
        guard path.isEmpty || path.hasPrefix("/") || path.hasPrefix("id:") || path.hasPrefix("ns:") else {
            return Self.badInput(endpoint, "request body: path: '\(path)' did not match pattern '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/.*)?)'")
        }
        var recursive = false
        if let value = arguments["recursive"] {
            guard let flag = value as? Bool else {
                return Self.badInput(endpoint, "request body: recursive: expected boolean, got \(Self.kind(value))")
            }
            recursive = flag
        }
        var limit = 2000
        if let value = arguments["limit"] {
            guard !(value is String), let number = value as? Int else {
                return Self.badInput(endpoint, "request body: limit: expected integer, got \(Self.kind(value))")
            }
            guard (1...2000).contains(number) else { return Self.badInput(endpoint, "request body: limit: \(number) is not in range [1, 2000]") }
            limit = number
        }
        return state.withLock { state -> Reply in
            guard let folder = Self.resolve(state, path) else { return Self.notFound() }
            guard state.files[folder] == nil else {
                return Self.endpointError("path/not_folder/..", [".tag": "path", "path": [".tag": "not_folder"]])
            }
            let entries = (Array(state.folders.keys) + Array(state.files.keys)).filter { Self.isListed($0, in: folder, recursive: recursive) }
            let listing = Listing(folder: folder, recursive: recursive, limit: limit, pending: entries.sorted(), seenChange: state.changes.count)
            return Self.page(&state, listing)
        }
    }

    /// `files/list_folder/continue`: the next page of a listing; after the last one, what changed since.
    func listFolderContinue(_ arguments: [String: Any]) -> Reply {
        let endpoint = "files/list_folder/continue"
        if let unknown = Self.unknownField(arguments, known: ["cursor"], endpoint: endpoint) { return unknown }
        guard let cursor = arguments["cursor"] as? String else { return Self.badInput(endpoint, "request body: missing required field 'cursor'") }
        return state.withLock { state -> Reply in
            guard let listing = state.listings[cursor] else { return Self.badInput(endpoint, #"Invalid "cursor" parameter: \#(cursor.prefix(24))…"#) }
            if listing.reset { return Self.endpointError("reset/..", [".tag": "reset"]) }
            return Self.page(&state, listing)
        }
    }

    /// One page of `listing` (the changes since it was last current when nothing is pending), under a new cursor.
    static func page(_ state: inout State, _ listing: Listing) -> Reply {
        var listing = listing
        if listing.pending.isEmpty {
            var seen = Set<String>()
            listing.pending = state.changes[listing.seenChange...].filter {
                isListed($0, in: listing.folder, recursive: listing.recursive) && seen.insert($0).inserted
            }
            listing.seenChange = state.changes.count
        }
        let taken = Array(listing.pending.prefix(listing.limit))
        listing.pending.removeFirst(taken.count)
        state.sequence += 1
        let cursor =
            "AAG"
            + Data("dropbox-fake:cursor:\(state.sequence):\(listing.folder)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        state.listings[cursor] = listing
        let entries = taken.compactMap { metadata(state, $0) }
        return .json(200, object: ["entries": entries, "cursor": cursor, "has_more": !listing.pending.isEmpty])
    }

    /// Whether `path` (lower case) is in the folder `folder` (`""`: the root), or in its tree.
    static func isListed(_ path: String, in folder: String, recursive: Bool) -> Bool {
        guard path.hasPrefix(folder + "/") else { return false }
        return recursive || !path.dropFirst(folder.count + 1).contains("/")
    }

    /// A path argument (`""`, `/…`, `id:…`) as the lower-case path it names, if something is there.
    static func resolve(_ state: State, _ path: String) -> String? {
        if path.isEmpty { return "" }
        if path.hasPrefix("id:") {
            return state.files.first { $0.value.id == path }?.key ?? state.folders.first { $0.value.id == path }?.key
        }
        let lower = path.lowercased()
        return state.files[lower] != nil || state.folders[lower] != nil ? lower : nil
    }

    /// A file's or folder's metadata as listed (with `.tag`).
    static func metadata(_ state: State, _ lower: String) -> [String: Any]? {
        if let file = state.files[lower] { return fileMetadata(file).merging([".tag": "file"]) { $1 } }
        guard let folder = state.folders[lower] else { return nil }
        return [
            ".tag": "folder", "name": String(folder.path.split(separator: "/").last ?? ""), "id": folder.id, "path_lower": lower,
            "path_display": folder.path,
        ]
    }

    /// `FileMetadata` (what `files/upload` answers, without `.tag`).
    static func fileMetadata(_ file: StoredFile) -> [String: Any] {
        [
            "name": file.name, "id": file.id, "client_modified": file.clientModified, "server_modified": file.serverModified,
            "rev": file.rev, "size": file.bytes.count, "path_lower": file.path.lowercased(), "path_display": file.path,
            "is_downloadable": true, "content_hash": file.contentHash,
        ]
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is String: "string"
        case is [Any]: "list"
        case is [String: Any]: "object"
        case is NSNull: "null"
        default: "number"
        }
    }

    // MARK: - Storing

    /// Writes `bytes` at `path` (creating its folders), keeping the id of a file already there; a change for cursors.
    static func write(_ state: inout State, path: String, bytes: [UInt8], clientModified: String?) -> StoredFile {
        let lower = path.lowercased()
        let components = path.split(separator: "/")
        for depth in components.indices.dropLast() {
            let folder = "/" + components[...depth].joined(separator: "/")
            guard state.folders[folder.lowercased()] == nil else { continue }
            state.sequence += 1
            state.folders[folder.lowercased()] = Folder(id: String(format: "id:a4ayc_80_OEAAAAAAAA%04x", state.sequence), path: folder)
            state.changes.append(folder.lowercased())
        }
        state.sequence += 1
        let now = timestamp(Date())
        var file =
            state.files[lower]
            ?? StoredFile(
                id: String(format: "id:a4ayc_80_OEAAAAAAAA%04x", state.sequence), path: path, bytes: [], rev: "", clientModified: now,
                serverModified: now)
        file.bytes = bytes
        file.rev = String(format: "%llx", 0x5a1c_10ce_0dd7_8 + UInt64(state.sequence))
        file.clientModified = clientModified ?? now
        file.serverModified = now
        state.files[lower] = file
        state.changes.append(lower)
        return file
    }

    /// `/x/y (n).pdf` for the first `n` from 1 that names nothing.
    static func autorenamed(_ state: State, _ path: String) -> String {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let name = path[path.index(after: slash)...]
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        let stem = dot.map { String(path[..<$0]) } ?? path, suffix = dot.map { String(path[$0...]) } ?? ""
        var number = 1
        while state.files["\(stem) (\(number))\(suffix)".lowercased()] != nil || state.folders["\(stem) (\(number))\(suffix)".lowercased()] != nil {
            number += 1
        }
        return "\(stem) (\(number))\(suffix)"
    }

    // MARK: - sharing/create_shared_link_with_settings

    /// `sharing/create_shared_link_with_settings`: a new link to a file or folder, or 409
    /// `shared_link_already_exists` with the existing link.
    func createSharedLink(_ arguments: [String: Any]) -> Reply {
        let endpoint = "sharing/create_shared_link_with_settings"
        if let unknown = Self.unknownField(arguments, known: ["path", "settings"], endpoint: endpoint) { return unknown }
        guard let path = arguments["path"] as? String else { return Self.badInput(endpoint, "request body: missing required field 'path'") }
        guard path.hasPrefix("/") || path.hasPrefix("id:") || path.hasPrefix("rev:") || path.hasPrefix("ns:") else {
            return Self.badInput(endpoint, "request body: path: '\(path)' did not match pattern '((/|id:).*|nspath:[0-9]+:.*)|ns:[0-9]+(/.*)?'")
        }
        var audience = "public", access = "viewer"
        if let value = arguments["settings"] {
            guard let settings = value as? [String: Any] else { return Self.badInput(endpoint, "request body: settings: expected object") }
            let known: Set<String> = ["requested_visibility", "link_password", "expires", "audience", "access", "allow_download", "require_password"]
            if let unknown = Self.unknownField(settings, known: known, endpoint: endpoint, where: "request body: settings") { return unknown }
            for (name, allowed) in [
                ("audience", ["public", "team", "no_one", "password", "members"]), ("access", ["viewer", "editor", "max", "default"]),
            ] {
                guard let given = settings[name] else { continue }
                let tag = (given as? String) ?? ((given as? [String: Any])?[".tag"] as? String)
                guard let tag, allowed.contains(tag) else {
                    return Self.badInput(endpoint, "request body: settings: \(name): unknown tag '\(tag ?? Self.kind(given))'")
                }
                if name == "audience" { audience = tag } else { access = tag }
            }
        }
        let accountType = account.accountType
        return state.withLock { state -> Reply in
            guard let lower = Self.resolve(state, path), !lower.isEmpty else { return Self.notFound() }
            if let existing = state.links[lower] {
                return Self.endpointError(
                    "shared_link_already_exists/metadata/..",
                    [
                        ".tag": "shared_link_already_exists",
                        "shared_link_already_exists": [".tag": "metadata", "metadata": Self.linkMetadata(state, existing)],
                    ])
            }
            if audience == "team" && accountType != "business" {
                return Self.endpointError(
                    "settings_error/not_authorized/..", [".tag": "settings_error", "settings_error": [".tag": "not_authorized"]])
            }
            state.sequence += 1
            let isFile = state.files[lower] != nil
            let name = String((state.files[lower]?.path ?? state.folders[lower]?.path ?? lower).split(separator: "/").last ?? "")
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?&#"))) ?? name
            let key = String(format: "%021x", 0xabc_1230_0000 + state.sequence)
            let url = "https://www.dropbox.com/scl/\(isFile ? "fi" : "fo")/\(key)/\(encoded)?rlkey=\(key.prefix(12))e\(state.sequence)&dl=0"
            let link = SharedLink(url: url, pathLower: lower, audience: audience, access: access)
            state.links[lower] = link
            return .json(200, object: Self.linkMetadata(state, link))
        }
    }

    /// `FileLinkMetadata` or `FolderLinkMetadata` of `link`.
    static func linkMetadata(_ state: State, _ link: SharedLink) -> [String: Any] {
        let visibility = ["public": "public", "team": "team_only", "password": "password"][link.audience] ?? "no_one"
        var body: [String: Any] = [
            "url": link.url, "path_lower": link.pathLower,
            "link_permissions": [
                "can_revoke": true, "resolved_visibility": [".tag": visibility], "effective_audience": [".tag": link.audience],
                "link_access_level": [".tag": link.access == "editor" ? "editor" : "viewer"], "allow_download": true,
            ],
        ]
        if let file = state.files[link.pathLower] {
            body.merge(fileMetadata(file).filter { ["name", "id", "client_modified", "server_modified", "rev", "size"].contains($0.key) }) { $1 }
            body[".tag"] = "file"
        } else if let folder = state.folders[link.pathLower] {
            body.merge([".tag": "folder", "name": String(folder.path.split(separator: "/").last ?? ""), "id": folder.id]) { $1 }
        }
        return body
    }
}
