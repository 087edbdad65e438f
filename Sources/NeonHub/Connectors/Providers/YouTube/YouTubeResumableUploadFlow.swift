import Foundation

/// `youtube.resumableUpload` (`videos.upload`): a video uploaded through YouTube's resumable
/// upload protocol (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol,
/// https://developers.google.com/youtube/v3/docs/videos/insert).
///
/// 1. The file is fetched from `videoUrl` (at most `maxBytes`, before anything is started at YouTube).
/// 2. `videos.insertSession` opens the session: the metadata (snippet title, description, tags,
///    categoryId; status privacyStatus, publishAt, selfDeclaredMadeForKids) with
///    `X-Upload-Content-Length`/`X-Upload-Content-Type`; the session URI comes back in `Location`.
/// 3. The bytes are `PUT` to it in one request. After a dropped connection, a timeout or a 5xx,
///    the flow waits (`pause`, doubling), asks what arrived (`Content-Range: bytes */TOTAL` →
///    `308` with `Range: bytes=0-N`, or none), and resumes from byte N+1 with
///    `Content-Range: bytes N+1-LAST/TOTAL`; a status check that finds the file complete answers
///    the video. At most `maxInterruptions` interruptions: then the upload's outcome is unknown
///    (`providerTimeout`: the queue does not upload twice).
///
/// The answer is the video resource with `bytes` (the file's size) and `resumes` (how many times
/// the upload resumed). `publishAt` needs `privacyStatus: private` (checked before anything is sent).
public struct YouTubeResumableUploadFlow: ConnectorFlow {
    public let id = "youtube.resumableUpload"
    /// The largest file fetched (held in memory) and uploaded.
    public var maxBytes: Int
    /// Interruptions (dropped connections, timeouts, 5xx) survived before giving up.
    public var maxInterruptions: Int
    /// The first pause before a status check; each later one doubles, up to 32 s.
    public var pause: Duration
    /// The bound of one bytes `PUT`.
    public var putTimeout: Duration
    /// The bound of one status check.
    public var statusTimeout: Duration

    /// A flow with production bounds: files up to 256 MiB, 5 interruptions, pauses from 1 s,
    /// 15 minutes per bytes `PUT`, 30 s per status check.
    public init(
        maxBytes: Int = 256 * 1_048_576, maxInterruptions: Int = 5, pause: Duration = .seconds(1), putTimeout: Duration = .seconds(900),
        statusTimeout: Duration = .seconds(30)
    ) {
        self.maxBytes = maxBytes
        self.maxInterruptions = max(0, maxInterruptions)
        self.pause = pause
        self.putTimeout = putTimeout
        self.statusTimeout = statusTimeout
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        guard let videoURL = JSONPath.text(input["videoUrl"]), let title = JSONPath.text(input["title"]) else {
            throw ConnectorError(.invalidInput, "videos.upload needs title and videoUrl")
        }
        let privacy = JSONPath.text(input["privacyStatus"]) ?? "private"
        if input["publishAt"] != nil, privacy != "private" {
            throw ConnectorError(.invalidInput, "videos.upload: publishAt needs privacyStatus private (YouTube publishes the video at that time)")
        }
        let media = try await context.fetchMedia(videoURL, maxBytes: maxBytes)
        let contentType = JSONPath.text(input["contentType"]) ?? Self.uploadType(media.contentType)
        var metadata: [String: JSONValue] = [
            "title": .string(title), "privacyStatus": .string(privacy), "contentLength": .number(Double(media.data.count)),
            "contentType": .string(contentType),
        ]
        for name in ["description", "tags", "categoryId", "publishAt"] { metadata[name] = input[name] }
        metadata["selfDeclaredMadeForKids"] = input["madeForKids"]
        let opened = try await context.perform("videos.insertSession", input: .object(metadata))
        guard let sessionURL = JSONPath.text(opened["sessionUrl"]), !sessionURL.isEmpty else {
            throw ConnectorError(.providerUnavailable, "YouTube opened no upload session (no Location header)")
        }
        let session = try GoogleResumableUpload(
            sessionURL: sessionURL, total: media.data.count, contentType: contentType,
            subject: .init(provider: "YouTube", resource: "video", urlTemplate: "/upload/youtube/v3/videos?upload_id={session}"),
            limits: .init(maxInterruptions: maxInterruptions, pause: pause, putTimeout: putTimeout, statusTimeout: statusTimeout),
            context: context)
        let (video, resumes) = try await session.transfer(media.data)
        guard case .object(var members) = video else { return video }
        members["bytes"] = .number(Double(media.data.count))
        members["resumes"] = .number(Double(resumes))
        return .object(members)
    }

    /// `X-Upload-Content-Type`: the fetched type when it is a video type, else
    /// `application/octet-stream` (YouTube takes `video/*` and `application/octet-stream`).
    static func uploadType(_ fetched: String?) -> String {
        guard let type = fetched?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(), type.hasPrefix("video/"),
            type.count > 6
        else { return "application/octet-stream" }
        return type
    }
}
