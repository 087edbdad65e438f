import Foundation
import HTTPFields
import Synchronization

// videos.insert through the resumable upload protocol
// (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol): the
// session start, the bytes PUTs and the status checks of `YouTubeFake`.
extension YouTubeFake {
    static let uploadScopes: Set<String> = [uploadScope, manageScope, forceSSLScope]

    func installUploadRoutes() {
        api.on("POST", "/upload/youtube/v3/videos") { [unowned self] request in
            if let refused = authenticate(request, scopes: Self.uploadScopes) { return refused.reply }
            return startSession(request)
        }
        api.on("PUT", "/upload/youtube/v3/videos") { [unowned self] request in
            if let refused = authenticate(request, scopes: Self.uploadScopes) { return refused.reply }
            return receive(request)
        }
    }

    /// Step 1: the metadata and the file's size and type; the session URI in `Location`.
    private func startSession(_ request: Recorded) -> Reply {
        guard request.queryItems["uploadType"] == ["resumable"] else {
            return YouTubeAPIError(
                code: 400, reason: "badRequest", domain: "global", message: "Invalid upload request: uploadType must be resumable."
            )
            .reply
        }
        let parts: Set<String>
        switch Self.parts(request) {
        case .failure(let error): return error.reply
        case .success(let found): parts = found
        }
        guard let length = request.header("X-Upload-Content-Length").flatMap({ Int($0) }), length > 0 else {
            return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Invalid X-Upload-Content-Length header.").reply
        }
        guard let type = request.header("X-Upload-Content-Type"), type.hasPrefix("video/") || type == "application/octet-stream" else {
            return YouTubeAPIError(
                code: 400, reason: "badRequest", domain: "global",
                message: "Media type of the upload is not supported: expected video/* or application/octet-stream."
            ).reply
        }
        let body: [String: Any]
        switch Self.jsonBody(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        let snippet = body["snippet"] as? [String: Any] ?? [:]
        let status = body["status"] as? [String: Any] ?? [:]
        guard parts.contains("snippet") else { return Self.validate(snippet: [:], status: [:])?.reply ?? Reply(status: 400) }
        if let invalid = Self.validate(snippet: snippet, status: status) { return invalid.reply }
        let opened = state.withLock { state -> String? in
            guard state.insertCalls < state.insertsPerDay else { return nil }
            state.insertCalls += 1
            let id = "ys_\(state.sessions.count + 1)_\(UUID().uuidString.prefix(8).lowercased())"
            let metadata = Video(
                id: "", title: snippet["title"] as? String ?? "", description: snippet["description"] as? String,
                tags: snippet["tags"] as? [String], categoryId: snippet["categoryId"] as? String ?? "22",
                privacyStatus: status["privacyStatus"] as? String ?? "public", publishAt: status["publishAt"] as? String,
                madeForKids: status["selfDeclaredMadeForKids"] as? Bool ?? false, publishedAt: ISO8601DateFormatter().string(from: Date()),
                uploadStatus: "uploaded", bytes: [])
            state.sessions[id] = Session(total: length, contentType: type, metadata: metadata)
            return id
        }
        guard let opened else { return YouTubeAPIError.quotaExceeded.reply }
        let part = request.queryItems["part"]?.first ?? "snippet"
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: "\(api.baseURL)/upload/youtube/v3/videos?uploadType=resumable&upload_id=\(opened)&part=\(part)")
        return Reply(status: 200, headers: headers)
    }

    /// Steps 3 and 4: bytes, or a status check (`Content-Range: bytes */TOTAL`, empty body).
    private func receive(_ request: Recorded) -> Reply {
        guard let id = request.queryItems["upload_id"]?.first, let session = state.withLock({ $0.sessions[id] }) else {
            return .json(404, object: ["error": ["code": 404, "message": "Not Found"]])
        }
        let range = request.header("Content-Range")
        guard request.header("Content-Length") == String(request.body.count) else {
            return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Content-Length does not match the body.").reply
        }
        if let range, range == "bytes */\(session.total)" {
            guard request.body.isEmpty else {
                return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "A status request has no body.").reply
            }
            return answer(id)
        }
        guard let type = request.header("Content-Type"), type.hasPrefix("video/") || type == "application/octet-stream" else {
            return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Media type of the upload is not supported.").reply
        }
        // Where these bytes start: Content-Range, or (without one) the whole file from 0.
        var first = 0
        if let range {
            let numbers = range.dropFirst("bytes ".count).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
            guard range.hasPrefix("bytes "), numbers.count == 3, numbers[2] == session.total, numbers[1] - numbers[0] + 1 == request.body.count
            else {
                return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Invalid Content-Range header.").reply
            }
            first = numbers[0]
        } else if request.body.count != session.total {
            return YouTubeAPIError(code: 400, reason: "badRequest", domain: "global", message: "Content-Range is required for a partial upload.")
                .reply
        }
        guard first == session.received.count, session.videoID == nil else {
            return YouTubeAPIError(
                code: 400, reason: "badRequest", domain: "global",
                message: "The upload must continue at byte \(session.received.count), not \(first)."
            ).reply
        }
        let fault = state.withLock { state -> Fault? in state.faults.isEmpty ? nil : state.faults.removeFirst() }
        let arriving = fault.map { Array(request.body.prefix($0.keep)) } ?? request.body
        state.withLock { $0.sessions[id]?.received += arriving }
        if let fault {
            guard let status = fault.status else { return answer(id).delayed(dropFor) }  // never seen by the client
            switch status {
            case 401: return YouTubeAPIError.authError.reply  // the token expired during the upload
            case 503: return YouTubeAPIError.backendError.reply
            default: return YouTubeAPIError(code: status, reason: "backendError", domain: "global", message: "Backend Error").reply
            }
        }
        return answer(id)
    }

    /// 201 with the video once every byte arrived (creating it once), else 308 with `Range`.
    private func answer(_ id: String) -> Reply {
        let video = state.withLock { state -> Video? in
            guard var session = state.sessions[id], session.received.count == session.total else { return nil }
            if let done = session.videoID { return state.videos.first { $0.id == done } }
            var video = session.metadata
            video.id = String(format: "NhVideo%04d", state.nextVideo)
            video.bytes = session.received
            state.nextVideo += 1
            state.videos.insert(video, at: 0)
            session.videoID = video.id
            state.sessions[id] = session
            return video
        }
        if let video { return .json(201, object: Self.resource(video, parts: ["snippet", "status"])) }
        let received = state.withLock { $0.sessions[id]?.received.count ?? 0 }
        var headers = HTTPHeaders()
        if received > 0 { headers.add(name: "Range", value: "bytes=0-\(received - 1)") }
        return Reply(status: 308, headers: headers)
    }
}
