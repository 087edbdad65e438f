import Foundation

/// `tiktok.videoPublish` (direct post), `tiktok.videoUpload` (upload to the creator's inbox) and
/// `tiktok.photoPublish` (photo post, `photo.init`; the same creator check for `DIRECT_POST` and
/// the same polling): TikTok's Content Posting API as the connector's own actions.
///
/// - Direct post (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post):
///   `creator.info` first — the input's privacy level must be one of the creator's
///   `privacy_level_options`, else `invalidInput` before anything is sent; interactions the
///   creator turned off are sent disabled — then `video.init` with `post_info` and `source_info`.
/// - Upload (https://developers.tiktok.com/doc/content-posting-api-reference-upload-video):
///   `inbox.videoInit` with `source_info` only.
/// - `PULL_FROM_URL` sends `videoUrl` (TikTok downloads it); `FILE_UPLOAD` fetches
///   `videoFileUrl` here (at most `maxVideoBytes`) and PUTs it to the returned `upload_url` in
///   chunks (`TikTokChunkPlan`, `video.uploadChunk` with `Content-Range`).
/// - Then `publish.status` (https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status)
///   up to `pollsPerRun` times, `pollInterval` apart. `PUBLISH_COMPLETE` (or, for an upload,
///   `SEND_TO_USER_INBOX`) ends it; `FAILED` is `providerRejected` with TikTok's `fail_reason`.
///   Still processing: `providerPending` with the publish id as checkpoint, so a queued job
///   waits without holding a worker and its next run (input `publishId`) only polls — the video
///   is never uploaded twice. After `maxStatusChecks` reads in all it is `providerTimeout`.
///
/// The answer's `id` is the publish id: TikTok's post ids (`publicaly_available_post_id`,
/// TikTok's spelling) are 64-bit integers that JSON numbers here (doubles) cannot carry exactly
/// beyond 2^53, so they are reported as given in `postIds` and not used as the remote id.
public struct TikTokVideoPublishFlow: ConnectorFlow {
    /// Which of TikTok's publish flows: a video posted directly, a video sent to the inbox, or
    /// a photo post (`photo.init`, https://developers.tiktok.com/doc/content-posting-api-reference-photo-post).
    public enum Mode: Sendable { case directPost, inbox, photo }

    public let id: String
    /// Direct post or upload to the inbox.
    public let mode: Mode
    /// The preferred chunk size for FILE_UPLOAD (clamped to TikTok's 5–64 MB).
    public var chunkSize: Int
    /// The largest video fetched for FILE_UPLOAD.
    public var maxVideoBytes: Int
    /// Status reads per run before the job is deferred.
    public var pollsPerRun: Int
    /// The pause between two status reads in one run.
    public var pollInterval: Duration
    /// The first deferral; each later one doubles, up to 15 minutes.
    public var resumeAfter: Duration
    /// Status reads in all (over every run) before giving up as `providerTimeout`.
    public var maxStatusChecks: Int

    /// A flow for `mode` (defaults: 16 MiB chunks, videos up to 256 MiB, 3 reads 5 s apart per
    /// run, then deferred 30 s, 60 s, … up to 15 min, 60 reads in all: several hours, as
    /// TikTok's moderation may take).
    public init(
        mode: Mode = .directPost, chunkSize: Int = 16 * 1_048_576, maxVideoBytes: Int = 256 * 1_048_576, pollsPerRun: Int = 3,
        pollInterval: Duration = .seconds(5), resumeAfter: Duration = .seconds(30), maxStatusChecks: Int = 60
    ) {
        self.mode = mode
        switch mode {
        case .directPost: self.id = "tiktok.videoPublish"
        case .inbox: self.id = "tiktok.videoUpload"
        case .photo: self.id = "tiktok.photoPublish"
        }
        self.chunkSize = chunkSize
        self.maxVideoBytes = maxVideoBytes
        self.pollsPerRun = max(1, pollsPerRun)
        self.pollInterval = pollInterval
        self.resumeAfter = resumeAfter
        self.maxStatusChecks = max(1, maxStatusChecks)
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        var checks = JSONPath.text(input["statusChecks"]).flatMap { Int($0) } ?? 0
        let publishID: String
        if let resumed = JSONPath.text(input["publishId"]), !resumed.isEmpty {
            publishID = resumed
        } else if mode == .photo {
            publishID = try await startPhoto(input, context: context)
        } else {
            publishID = try await start(input, context: context)
        }
        do {
            return try await poll(publishID, checks: &checks, context: context)
        } catch var error as ConnectorError where error.checkpoint == nil {
            // Whatever stopped the reads (a 5xx, a rate limit, the network), the post is under
            // way at TikTok: the next run reads its status again, and never starts it twice.
            error.checkpoint = ["publishId": .string(publishID), "statusChecks": .number(Double(checks))]
            throw error
        }
    }

    /// Reads the status of `publishID` up to `pollsPerRun` times, counting each read in `checks`:
    /// the answer when it is done, `providerPending` while TikTok still processes it.
    private func poll(_ publishID: String, checks: inout Int, context: ConnectorFlowContext) async throws -> JSONValue {
        var status = ""
        for poll in 0..<pollsPerRun {
            if poll > 0 { try await context.sleep(for: pollInterval) }
            let answer = try await context.perform("publish.status", input: .object(["publishId": .string(publishID)]))
            checks += 1
            status = JSONPath.text(answer["status"]) ?? ""
            switch status {
            case "PUBLISH_COMPLETE", "SEND_TO_USER_INBOX":
                return .object([
                    "id": .string(publishID), "publishId": .string(publishID), "status": .string(status),
                    "postIds": answer["postIds"] ?? .array([]),
                ])
            case "FAILED":
                let reason = JSONPath.text(answer["failReason"]) ?? "unknown"
                var failed = ConnectorError(
                    .providerRejected, "TikTok could not publish \(publishID): \(reason)", providerCode: reason, details: ["publishId: \(publishID)"])
                // This publish is over: a replay starts a new one (the checkpoint is cleared).
                failed.checkpoint = ["publishId": .null, "statusChecks": .number(0)]
                throw failed
            default:
                break
            }
            if checks >= maxStatusChecks { break }
        }
        if checks >= maxStatusChecks {
            throw ConnectorError(
                .providerTimeout, "TikTok is still processing \(publishID) after \(checks) status checks; see publish.status",
                providerCode: status, details: ["publishId: \(publishID)"])
        }
        let runs = max(0, checks / pollsPerRun - 1)
        let wait = min(resumeAfter * (1 << min(runs, 10)), .seconds(900))
        var pending = ConnectorError(
            .providerPending, "TikTok is still processing \(publishID) (\(status.isEmpty ? "no status" : status)); ask publish.status later",
            providerCode: status.isEmpty ? nil : status, details: ["publishId: \(publishID)"])
        pending.resumeAt = Date().addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
        pending.checkpoint = ["publishId": .string(publishID), "statusChecks": .number(Double(checks))]
        throw pending
    }

    /// Checks the creator's options (direct post), initializes, and uploads the chunks: the publish id.
    private func start(_ input: JSONValue, context: ConnectorFlowContext) async throws -> String {
        let videoURL = JSONPath.text(input["videoUrl"]), fileURL = JSONPath.text(input["videoFileUrl"])
        guard (videoURL == nil) != (fileURL == nil) else {
            throw ConnectorError(.invalidInput, "\(context.call.action): give exactly one of videoUrl (PULL_FROM_URL) and videoFileUrl (FILE_UPLOAD)")
        }
        var initInput: [String: JSONValue] = [:]
        if mode == .directPost { initInput["postInfo"] = .object(try await postInfo(input, context: context)) }
        var source: [String: JSONValue]
        var upload: (data: Data, plan: TikTokChunkPlan)?
        if let videoURL {
            source = ["source": .string("PULL_FROM_URL"), "video_url": .string(videoURL)]
        } else {
            let media = try await context.fetchMedia(fileURL ?? "", maxBytes: maxVideoBytes)
            guard let plan = TikTokChunkPlan(videoSize: media.data.count, preferred: chunkSize) else {
                throw ConnectorError(.invalidInput, "\(context.call.action): the video cannot be cut into TikTok's chunks (5–64 MB, at most 1000)")
            }
            upload = (media.data, plan)
            source = [
                "source": .string("FILE_UPLOAD"), "video_size": .number(Double(plan.videoSize)),
                "chunk_size": .number(Double(plan.chunkSize)), "total_chunk_count": .number(Double(plan.count)),
            ]
        }
        initInput["sourceInfo"] = .object(source)
        let started = try await context.perform(mode == .directPost ? "video.init" : "inbox.videoInit", input: .object(initInput))
        guard let publishID = JSONPath.text(started["publishId"]), !publishID.isEmpty else {
            throw ConnectorError(.providerUnavailable, "TikTok answered the init without a publish_id")
        }
        guard let upload else { return publishID }
        guard let uploadURL = JSONPath.text(started["uploadUrl"]), !uploadURL.isEmpty else {
            throw ConnectorError(
                .providerUnavailable, "TikTok answered the FILE_UPLOAD init without an upload_url", details: ["publishId: \(publishID)"])
        }
        let base = upload.data.startIndex
        for range in upload.plan.ranges {
            let chunk = upload.data[(base + range.lowerBound)..<(base + range.upperBound)]
            _ = try await context.perform(
                "video.uploadChunk",
                input: .object([
                    "uploadUrl": .string(uploadURL), "contentRange": .string(upload.plan.contentRange(range)),
                    "chunk": .string(chunk.base64EncodedString()),
                ]))
        }
        return publishID
    }

    /// A photo post: the creator's options first for `DIRECT_POST`, then `photo.init` with the
    /// input (the privacy level and interaction settings as checked).
    private func startPhoto(_ input: JSONValue, context: ConnectorFlowContext) async throws -> String {
        guard case .object(var step) = input else { throw ConnectorError(.invalidInput, "\(context.call.action): the input must be an object") }
        step["publishId"] = nil
        step["statusChecks"] = nil
        if JSONPath.text(input["postMode"]) ?? "DIRECT_POST" == "DIRECT_POST" {
            let info = try await postInfo(input, context: context)
            step["disableComment"] = info["disable_comment"]
        }
        let started = try await context.perform("photo.init", input: .object(step))
        guard let publishID = JSONPath.text(started["publishId"]), !publishID.isEmpty else {
            throw ConnectorError(.providerUnavailable, "TikTok answered the photo init without a publish_id")
        }
        return publishID
    }

    /// `post_info` for a direct post, after reading the creator's options (TikTok's UX
    /// guidelines: the privacy level is one the creator offers; an interaction the creator
    /// turned off stays off).
    private func postInfo(_ input: JSONValue, context: ConnectorFlowContext) async throws -> [String: JSONValue] {
        let creator = try await context.perform("creator.info", input: .object([:]))
        let level = JSONPath.text(input["privacyLevel"]) ?? ""
        var offered: [String] = []
        if case .array(let options)? = creator["privacyLevelOptions"] { offered = options.compactMap { JSONPath.text($0) } }
        guard offered.contains(level) else {
            throw ConnectorError(
                .invalidInput,
                "\(context.call.action): privacy level \(level.prefix(40)) is not offered to this creator (offered: \(offered.joined(separator: ", ")))",
                providerCode: "privacy_level_option_mismatch")
        }
        func flag(_ name: String, creatorDisabled: String) -> JSONValue {
            .bool(input[name] == .bool(true) || creator[creatorDisabled] == .bool(true))
        }
        var info: [String: JSONValue] = [
            "privacy_level": .string(level),
            "disable_comment": flag("disableComment", creatorDisabled: "commentDisabled"),
            "disable_duet": flag("disableDuet", creatorDisabled: "duetDisabled"),
            "disable_stitch": flag("disableStitch", creatorDisabled: "stitchDisabled"),
            "brand_content_toggle": .bool(input["brandContentToggle"] == .bool(true)),
            "brand_organic_toggle": .bool(input["brandOrganicToggle"] == .bool(true)),
            "is_aigc": .bool(input["isAigc"] == .bool(true)),
        ]
        if let title = input["title"] { info["title"] = title }
        if let cover = input["videoCoverTimestampMs"] { info["video_cover_timestamp_ms"] = cover }
        return info
    }
}
