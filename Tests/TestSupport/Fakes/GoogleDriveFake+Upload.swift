// files.create through the resumable upload protocol of the Google Drive fake, following
// https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable: the session
// start (POST /upload/drive/v3/files?uploadType=resumable, metadata as JSON, X-Upload-Content-Type
// and X-Upload-Content-Length → 200, the session URI in Location, no body), the bytes PUTs
// (Content-Range `bytes FIRST-LAST/TOTAL` when chunked or resuming; chunks in multiples of
// 256 KiB but the last → 308 Resume Incomplete with `Range: bytes=0-N`), the status check (empty
// PUT with `Content-Range: bytes */TOTAL` → 308, no Range when nothing arrived, or the file once
// complete) and 404 for an expired session. Knobs mirror YouTubeFake's: `failNextUpload`,
// `dropNextUpload`; `answerCompletedUploads(with:)` picks 200 or 201 (see GoogleDriveFake.swift
// for the rest of the sources).

import Foundation
import HTTPFields
import Synchronization

extension GoogleDriveFake {
    /// The chunk granularity: every chunk but the last is a multiple of 256 KiB (documented).
    public static let chunkGranularity = 256 * 1024

    /// Step 1: the metadata and the file's size and type; the session URI in `Location`.
    func startSession(_ request: Request, wholeDrive: Bool) -> Reply {
        let query = request.queryItems
        guard let type = query["uploadType"]?.last else {
            // Observed wording.
            return DriveError.bad(
                "badRequest", "Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/",
                location: "uploadType"
            ).reply
        }
        guard type == "resumable" else {
            return DriveError.bad("badRequest", "The fake serves uploadType=resumable only, not \(type).", location: "uploadType").reply
        }
        var declared: Int?
        if let text = request.header("X-Upload-Content-Length") {
            guard let length = Int(text), length >= 0 else {
                return DriveError.bad("badRequest", "Invalid X-Upload-Content-Length header: \(text)").reply
            }
            declared = length
        }
        let fields = query["fields"]?.last
        let opened = Self.metadata(request).flatMap { metadata in
            mask(fields ?? "kind,id,name,mimeType", schema: Self.fileSchema).flatMap { _ in
                parent(of: metadata, query, wholeDrive: wholeDrive).map { parent in (metadata, parent) }
            }
        }
        .flatMap { opened -> Result<String, DriveError> in
            let (metadata, parent) = opened
            if let declared, usage + declared > Self.quotaLimit { return .failure(.storageQuotaExceeded) }
            return .success(
                state.withLock { state in
                    state.sequence += 1
                    let id = String(format: "ADPycdt%04d", state.sequence) + "xa298sd_sdlkj2"
                    var strings: [String: String] = [:]
                    for name in ["name", "mimeType", "description"] { strings[name] = metadata[name] as? String }
                    state.sessions[id] = UploadSession(
                        id: id, metadata: strings, parents: [parent.id], uploadContentType: request.header("X-Upload-Content-Type"),
                        declaredLength: declared, fields: fields, received: [], fileID: nil, expired: false)
                    return id
                })
        }
        switch opened {
        case .failure(let error): return error.reply
        case .success(let id):
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: "\(server.baseURL)/upload/drive/v3/files?uploadType=resumable&upload_id=\(id)")
            return Reply(status: 200, headers: headers)
        }
    }

    /// Steps 2 and 3: bytes, or a status check (`Content-Range: bytes */TOTAL`, empty body).
    func receive(_ request: Request) -> Reply {
        guard let id = request.queryItems["upload_id"]?.last, let session = state.withLock({ $0.sessions[id] }), !session.expired else {
            return .json(404, object: ["error": ["code": 404, "message": "Not Found"]])
        }
        func bad(_ message: String) -> Reply { DriveError.bad("badRequest", message).reply }
        if let length = request.header("Content-Length"), length != String(request.body.count) {
            return bad("Content-Length does not match the body.")
        }
        if let fault = faults.take() { return fault.reply }
        let range = request.header("Content-Range")
        if let range, range.hasPrefix("bytes */") {
            guard request.body.isEmpty else { return bad("A status request has no body.") }
            let total = range.dropFirst("bytes */".count)
            guard total == "*" || (Int(total) != nil && (session.declaredLength == nil || Int(total) == session.declaredLength)) else {
                return bad("Invalid Content-Range header: \(range)")
            }
            return answer(id)
        }
        // Where these bytes start and the whole size: Content-Range, or (without one) the whole file from 0.
        var first = 0
        var total = session.declaredLength
        if let range {
            let parts = range.dropFirst("bytes ".count).split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
            guard range.hasPrefix("bytes "), parts.count == 3, let from = Int(parts[0]), let to = Int(parts[1]), to - from + 1 == request.body.count,
                parts[2] == "*" || Int(parts[2]) != nil
            else { return bad("Invalid Content-Range header: \(range)") }
            if let stated = Int(parts[2]) {
                guard session.declaredLength == nil || stated == session.declaredLength else {
                    return bad("The total \(stated) differs from X-Upload-Content-Length \(session.declaredLength ?? 0).")
                }
                total = stated
            }
            first = from
            // "Create chunks … multiples of 256 KB … except for the final chunk" (documented; the wording is Google's upload server's, observed).
            if total.map({ to + 1 < $0 }) ?? true, request.body.count % Self.chunkGranularity != 0 {
                return bad(
                    "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, except for the final request (it's recommended to be the exact multiple of 262144). The received request contained \(request.body.count) bytes, which does not meet this requirement."
                )
            }
        } else {
            total = total ?? request.body.count
            guard request.body.count == total else { return bad("Content-Range is required for a partial upload.") }
        }
        guard first == session.received.count, session.fileID == nil else {
            return bad("The upload must continue at byte \(session.received.count), not \(first).")
        }
        let fault = state.withLock { state -> UploadFault? in state.uploadFaults.isEmpty ? nil : state.uploadFaults.removeFirst() }
        let arriving = fault.map { Array(request.body.prefix($0.keep)) } ?? request.body
        state.withLock { state in
            state.sessions[id]?.received += arriving
            if state.sessions[id]?.declaredLength == nil, let total { state.sessions[id]?.declaredLength = total }
        }
        if let fault {
            guard let status = fault.status else { return answer(id).delayed(dropFor) }  // never seen by the client
            switch status {
            case 401: return DriveError.invalidCredentials.reply  // the token expired during the upload
            case 503: return DriveError.unavailable.reply
            default: return DriveError(status, reason: "backendError", message: "Backend Error").reply
            }
        }
        return answer(id)
    }

    /// 200 with the file (created once) when every byte arrived, else 308 with `Range`.
    private func answer(_ id: String) -> Reply {
        let done = state.withLock { state -> (File, String?)? in
            guard var session = state.sessions[id], let total = session.declaredLength, session.received.count == total else { return nil }
            if let existing = session.fileID, let file = state.files.first(where: { $0.id == existing }) { return (file, session.fields) }
            let parent = state.files.first { $0.id == session.parents.first }
            let file = Self.store(
                &state,
                File(
                    id: "", name: session.metadata["name"] ?? "Untitled",
                    mimeType: session.metadata["mimeType"] ?? session.uploadContentType ?? "application/octet-stream", parents: session.parents,
                    driveID: parent?.driveID, trashed: false, appVisible: true, createdTime: Date(), modifiedTime: Date(), bytes: session.received,
                    declaredSize: nil))
            session.fileID = file.id
            state.sessions[id] = session
            return (file, session.fields)
        }
        if let (file, fields) = done {
            guard case .success(let chosen) = mask(fields ?? "kind,id,name,mimeType", schema: Self.fileSchema) else { return Reply(status: 500) }
            return .json(state.withLock { $0.completionStatus }, object: Self.apply(chosen, to: resource(file)))
        }
        let received = state.withLock { $0.sessions[id]?.received.count ?? 0 }
        var headers = HTTPHeaders()
        if received > 0 { headers.add(name: "Range", value: "bytes=0-\(received - 1)") }
        return Reply(status: 308, headers: headers)
    }
}
