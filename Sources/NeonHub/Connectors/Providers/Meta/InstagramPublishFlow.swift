import Foundation

/// `meta.instagramPublish`: Instagram's two-step content publishing
/// (https://developers.facebook.com/docs/instagram-platform/content-publishing) as the
/// connector's own actions: `instagram.createContainer` (POST /{ig-user-id}/media with
/// `image_url`, or `media_type=REELS|STORIES` with `video_url`), `instagram.containerStatus`
/// (GET /{container-id}?fields=status_code) until `FINISHED`, then
/// `instagram.publishContainer` (POST /{ig-user-id}/media_publish with `creation_id`). The
/// account is the Instagram professional account id.
///
/// The wait is bounded: at most `maxPolls` status reads, `pollInterval` apart. `ERROR` and
/// `EXPIRED` are final (a `providerRejected` error carrying Meta's status); a container still
/// `IN_PROGRESS` at the bound is a `providerTimeout` error naming the container, which can be
/// published later with `instagram.containerStatus` and `instagram.publishContainer` (Meta
/// keeps a container 24 hours). Carousels are not built yet.
public struct InstagramPublishFlow: ConnectorFlow {
    public let id = "meta.instagramPublish"
    /// Status reads at most before giving up on a container still processing.
    public var maxPolls: Int
    /// The pause between two status reads.
    public var pollInterval: Duration

    /// A flow that reads a container's status at most `maxPolls` times, `pollInterval` apart
    /// (default: 12 reads over about a minute; Meta advises against polling faster than needed).
    public init(maxPolls: Int = 12, pollInterval: Duration = .seconds(5)) {
        self.maxPolls = max(1, maxPolls)
        self.pollInterval = pollInterval
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        let mediaType = JSONPath.text(input["mediaType"]) ?? "IMAGE"
        var container: [String: JSONValue] = [:]
        switch mediaType {
        case "IMAGE":
            guard let image = input["imageUrl"], input["videoUrl"] == nil else {
                throw ConnectorError(.invalidInput, "instagram.publish: an IMAGE needs imageUrl (and no videoUrl)")
            }
            container["imageUrl"] = image
        case "REELS":
            guard let video = input["videoUrl"], input["imageUrl"] == nil else {
                throw ConnectorError(.invalidInput, "instagram.publish: a REELS post needs videoUrl (and no imageUrl)")
            }
            container["mediaType"] = .string("REELS")
            container["videoUrl"] = video
            for (from, to) in [("shareToFeed", "shareToFeed"), ("coverUrl", "coverUrl")] { if let value = input[from] { container[to] = value } }
        case "STORIES":
            guard (input["imageUrl"] == nil) != (input["videoUrl"] == nil) else {
                throw ConnectorError(.invalidInput, "instagram.publish: a story needs exactly one of imageUrl and videoUrl")
            }
            container["mediaType"] = .string("STORIES")
            container["imageUrl"] = input["imageUrl"]
            container["videoUrl"] = input["videoUrl"]
        default:
            throw ConnectorError(.invalidInput, "instagram.publish: \(mediaType) is not supported yet (IMAGE, REELS and STORIES are)")
        }
        if mediaType != "STORIES" {
            if let caption = input["caption"] { container["caption"] = caption }
            if let location = input["locationId"] { container["locationId"] = location }
        }

        let created = try await step(context, "instagram.createContainer", .object(container))
        guard let containerID = JSONPath.text(created["id"]), !containerID.isEmpty else {
            throw ConnectorError(.providerUnavailable, "Instagram created no media container (no id in its answer)")
        }
        try await waitUntilFinished(containerID, context: context)
        let published = try await step(context, "instagram.publishContainer", .object(["containerId": .string(containerID)]))
        guard let mediaID = JSONPath.text(published["id"]), !mediaID.isEmpty else {
            throw ConnectorError(
                .providerUnavailable,
                "Instagram answered media_publish without a media id; read container \(containerID) to see whether it was published",
                details: ["containerId: \(containerID)"])
        }
        return .object(["id": .string(mediaID), "containerId": .string(containerID)])
    }

    /// Reads the container's status until it is `FINISHED`, at most `maxPolls` times.
    private func waitUntilFinished(_ containerID: String, context: ConnectorFlowContext) async throws {
        for poll in 1...maxPolls {
            let status = try await step(context, "instagram.containerStatus", .object(["containerId": .string(containerID)]))
            let code = JSONPath.text(status["statusCode"]) ?? ""
            let detail = JSONPath.text(status["status"]).map { " (\($0))" } ?? ""
            switch code {
            case "FINISHED":
                return
            case "ERROR", "EXPIRED", "PUBLISHED":
                let what =
                    code == "PUBLISHED" ? "was already published" : code == "EXPIRED" ? "expired before it was published" : "could not be processed"
                throw ConnectorError(
                    .providerRejected, "Instagram media container \(containerID) \(what): \(code)\(detail)",
                    providerCode: code, details: ["containerId: \(containerID)"])
            default:
                if poll < maxPolls { try await context.sleep(for: pollInterval) }
            }
        }
        throw ConnectorError(
            .providerTimeout,
            "Instagram is still processing media container \(containerID) after \(maxPolls) status checks; "
                + "publish it later with instagram.containerStatus and instagram.publishContainer (containerId \(containerID)) before it expires 24 hours after creation",
            providerCode: "IN_PROGRESS", details: ["containerId: \(containerID)"])
    }

    /// One step; Instagram's publishing quota error (code 9, subcode 2207042) is a rate limit.
    private func step(_ context: ConnectorFlowContext, _ action: String, _ input: JSONValue) async throws -> JSONValue {
        do {
            return try await context.perform(action, input: input)
        } catch let error as ConnectorError where error.providerCode == "9" && error.code == .providerRejected {
            throw ConnectorError(
                .providerRateLimited, error.message, retryAfterSeconds: error.retryAfterSeconds, providerCode: "9", details: error.details)
        }
    }
}
