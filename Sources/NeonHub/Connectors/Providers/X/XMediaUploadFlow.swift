import Foundation

/// `x.mediaUpload`: X's chunked media upload on the v2 endpoints
/// (https://docs.x.com/x-api/media/quickstart/media-upload-chunked,
/// https://docs.x.com/x-api/media/media-upload-initialize,
/// https://docs.x.com/x-api/media/append-media-upload) as the connector's own actions: the
/// file is fetched from `mediaUrl` (at most `maxBytes`), `media.initialize` (JSON
/// `media_type`, `total_bytes`, `media_category`) answers the media id, `media.append` sends
/// the bytes in segments of `segmentBytes` (multipart `media` and `segment_index` 0, 1, …),
/// `media.finalize` closes the upload, and when its answer has `processing_info` (video, GIF)
/// `media.status` is read after each `check_after_secs` (capped by `maxWait`) while the state
/// is `pending` or `in_progress`, at most `maxPolls` times. The answer is the media id for
/// `posts.create` (`media.media_ids`).
///
/// `failed` is final (`providerRejected`, X's processing error message); a media still
/// processing at the bound is a `providerTimeout` naming the media id, which `media.status`
/// can read later (X keeps an upload for `expires_after_secs`).
public struct XMediaUploadFlow: ConnectorFlow {
    public let id = "x.mediaUpload"
    /// The largest file fetched and uploaded, in bytes.
    public var maxBytes: Int
    /// The size of one APPEND segment.
    public var segmentBytes: Int
    /// Status reads at most while X processes the media.
    public var maxPolls: Int
    /// The longest pause between two status reads, whatever `check_after_secs` says.
    public var maxWait: Duration

    /// A flow with X's documented bounds: segments of 4 MiB (the APPEND limit is 5 MB), files up
    /// to 64 MiB (fetched into memory; X takes video up to 512 MB), 60 status reads of at most 10 s.
    public init(maxBytes: Int = 64 * 1024 * 1024, segmentBytes: Int = 4 * 1024 * 1024, maxPolls: Int = 60, maxWait: Duration = .seconds(10)) {
        self.maxBytes = maxBytes
        self.segmentBytes = max(1, segmentBytes)
        self.maxPolls = max(1, maxPolls)
        self.maxWait = maxWait
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        guard let url = JSONPath.text(call.input["mediaUrl"]), let mediaType = JSONPath.text(call.input["mediaType"]) else {
            throw ConnectorError(.invalidInput, "media.upload needs mediaUrl and mediaType")
        }
        let category = JSONPath.text(call.input["mediaCategory"]) ?? Self.category(for: mediaType)
        // The bytes first: nothing is started at X for a file that cannot be fetched.
        let media = try await context.fetchMedia(url, maxBytes: maxBytes)
        guard !media.data.isEmpty else { throw ConnectorError(.invalidInput, "media.upload: \(url.prefix(200)) answered no bytes") }
        let segments = (media.data.count + segmentBytes - 1) / segmentBytes
        guard segments <= 1000 else { throw ConnectorError(.invalidInput, "media.upload: more than 1,000 segments; raise segmentBytes") }

        let started = try await context.perform(
            "media.initialize",
            input: .object([
                "media_type": .string(mediaType), "total_bytes": .number(Double(media.data.count)), "media_category": .string(category),
            ]))
        guard let mediaID = JSONPath.text(started["id"]), !mediaID.isEmpty else {
            throw ConnectorError(.providerUnavailable, "X answered initialize without a media id")
        }
        for index in 0..<segments {
            let start = media.data.startIndex + index * segmentBytes
            let chunk = media.data[start..<min(start + segmentBytes, media.data.endIndex)]
            _ = try await context.perform(
                "media.append",
                input: .object([
                    "id": .string(mediaID), "media": .string(Data(chunk).base64EncodedString()), "segment_index": .number(Double(index)),
                ]))
        }
        var state = try await context.perform("media.finalize", input: .object(["id": .string(mediaID)]))
        var polls = 0
        while let current = JSONPath.text(state["state"]), current == "pending" || current == "in_progress" {
            guard polls < maxPolls else {
                throw ConnectorError(
                    .providerTimeout, "X is still processing media \(mediaID) (\(current)); read it later with media.status",
                    providerCode: current, details: ["mediaId: \(mediaID)"])
            }
            polls += 1
            let after = Self.seconds(state["checkAfterSecs"]) ?? 1
            try await context.sleep(for: min(.seconds(max(0, after)), maxWait))
            state = try await context.perform("media.status", input: .object(["id": .string(mediaID)]))
        }
        if JSONPath.text(state["state"]) == "failed" {
            let reason = JSONPath.text(state["error"]).map { ": \($0.prefix(200))" } ?? ""
            throw ConnectorError(.providerRejected, "X could not process media \(mediaID)\(reason)", providerCode: "failed")
        }
        var output: [String: JSONValue] = [
            "id": .string(mediaID), "mediaKey": started["mediaKey"] ?? .null, "segments": .number(Double(segments)),
            "bytes": .number(Double(media.data.count)),
        ]
        if let expires = state["expiresAfterSecs"] ?? started["expiresAfterSecs"] { output["expiresAfterSecs"] = expires }
        if let final = state["state"], final != .null { output["state"] = final }
        return .object(output)
    }

    /// The media category X expects for a MIME type when the caller names none.
    static func category(for mediaType: String) -> String {
        if mediaType == "image/gif" { return "tweet_gif" }
        return mediaType.hasPrefix("video/") ? "tweet_video" : "tweet_image"
    }

    private static func seconds(_ value: JSONValue?) -> Int? {
        if case .number(let number)? = value, number.isFinite { return Int(number) }
        return nil
    }
}
