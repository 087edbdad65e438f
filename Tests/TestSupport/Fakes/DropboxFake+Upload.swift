import Foundation
import HTTPFields
import Synchronization

// files/upload of `DropboxFake` (content.dropboxapi.com), as documented at
//   https://www.dropbox.com/developers/documentation/http/documentation#files-upload,
//   https://www.dropbox.com/developers/reference/json-encoding and
//   https://www.dropbox.com/developers/reference/content-hash
// (DropboxFake.swift's header cites the page of each answer).
extension DropboxFake {
    static let uploadFields: Set<String> = [
        "path", "mode", "autorename", "client_modified", "mute", "property_groups", "strict_conflict", "content_hash",
    ]

    /// `files/upload`: the body stored at the argument's `path` as `mode` says — `add` renames on
    /// a conflict with `autorename` (`/x/y (1).pdf`) or answers 409 `path/conflict/file`, and keeps
    /// a file of identical content as it is unless `strict_conflict`; `overwrite` replaces;
    /// `update` replaces only the revision named. Answers the `FileMetadata`.
    func upload(_ request: Request) -> Reply {
        let endpoint = "files/upload"
        let arguments: [String: Any]
        switch contentArguments(request, endpoint) {
        case .failure(let refusal): return refusal.reply
        case .success(let given): arguments = given
        }
        let place = #"HTTP header "Dropbox-API-Arg""#
        if let unknown = Self.unknownField(arguments, known: Self.uploadFields, endpoint: endpoint, where: place) { return unknown }
        guard let path = arguments["path"] as? String else { return Self.badInput(endpoint, "\(place): missing required field 'path'") }
        guard path.hasPrefix("/") || path.hasPrefix("id:") || path.hasPrefix("ns:") else {
            return Self.badInput(endpoint, "\(place): path: '\(path)' did not match pattern '(/(.|[\\r\\n])*)|(ns:[0-9]+(/.*)?)|(id:.*)'")
        }
        var flags: [String: Bool] = [:]
        for name in ["autorename", "mute", "strict_conflict"] {
            guard let value = arguments[name] else { continue }
            guard !(value is String), let flag = value as? Bool else {
                return Self.badInput(endpoint, "\(place): \(name): expected boolean, got \(Self.kind(value))")
            }
            flags[name] = flag
        }
        let mode: String, expectedRev: String?
        switch arguments["mode"] {
        case nil: (mode, expectedRev) = ("add", nil)
        case let tag as String where tag == "add" || tag == "overwrite": (mode, expectedRev) = (tag, nil)
        case let union as [String: Any] where ["add", "overwrite"].contains(union[".tag"] as? String ?? ""):
            (mode, expectedRev) = (union[".tag"] as? String ?? "add", nil)
        case let union as [String: Any] where union[".tag"] as? String == "update" && union["update"] is String:
            (mode, expectedRev) = ("update", union["update"] as? String)
        default: return Self.badInput(endpoint, "\(place): mode: expected 'add', 'overwrite' or {\".tag\": \"update\", \"update\": <rev>}")
        }
        let clientModified = arguments["client_modified"] as? String
        if let clientModified, Self.parseTimestamp(clientModified) == nil {
            return Self.badInput(endpoint, "\(place): client_modified: time data '\(clientModified)' does not match format '%Y-%m-%dT%H:%M:%SZ'")
        }
        let bytes = request.body
        guard bytes.count <= uploadLimit else { return Self.endpointError("payload_too_large/..", [".tag": "payload_too_large"]) }
        let hash = Self.contentHash(bytes)
        if let given = arguments["content_hash"] as? String, given != hash {
            return Self.endpointError("content_hash_mismatch/..", [".tag": "content_hash_mismatch"])
        }
        if path.hasSuffix("/") || path.contains("//") || path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) {
            return Self.writeError("malformed_path", nil)
        }
        let autorename = flags["autorename"] ?? false, strict = flags["strict_conflict"] ?? false
        return state.withLock { state -> Reply in
            var target = path
            if path.hasPrefix("id:") {
                guard let found = state.files.values.first(where: { $0.id == path }) else { return Self.writeError("malformed_path", nil) }
                target = found.path
            }
            let components = target.split(separator: "/")
            for depth in components.indices.dropLast() where state.files["/" + components[...depth].joined(separator: "/").lowercased()] != nil {
                return Self.writeError("conflict", "file_ancestor")
            }
            if state.folders[target.lowercased()] != nil {
                guard autorename, mode == "add" else { return Self.writeError("conflict", "folder") }
                target = Self.autorenamed(state, target)
            } else if let existing = state.files[target.lowercased()] {
                switch mode {
                case "overwrite": break
                case "update" where expectedRev == existing.rev: break
                default:
                    if mode == "add", existing.contentHash == hash, !strict {
                        // "A conflict only occurs if the contents differ": the same file, unchanged.
                        state.uploads.append(Upload(requestedPath: path, storedPath: existing.path, mode: mode, autorename: autorename, bytes: bytes))
                        return .json(200, object: Self.fileMetadata(existing))
                    }
                    guard autorename else { return Self.writeError("conflict", "file") }
                    target = Self.autorenamed(state, target)
                }
            }
            let stored = Self.write(&state, path: target, bytes: bytes, clientModified: clientModified)
            state.uploads.append(Upload(requestedPath: path, storedPath: stored.path, mode: mode, autorename: autorename, bytes: bytes))
            return .json(200, object: Self.fileMetadata(stored))
        }
    }

    /// 409 `UploadError.path`: `UploadWriteFailed` with the `WriteError` `reason` (and its `conflict` kind).
    static func writeError(_ reason: String, _ conflict: String?) -> Reply {
        var union: [String: Any] = [".tag": reason]
        if let conflict { union["conflict"] = [".tag": conflict] }
        let summary = "path/\(reason)/" + (conflict.map { "\($0)/" } ?? "") + ".."
        return endpointError(summary, [".tag": "path", "reason": union, "upload_session_id": "pid_upload_session:ABIJ1a2b3c4d5e6f7g8h9i0"])
    }

    /// A Dropbox `Timestamp` (`%Y-%m-%dT%H:%M:%SZ`).
    static func parseTimestamp(_ text: String) -> Date? {
        guard text.count == 20, text.hasSuffix("Z") else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
