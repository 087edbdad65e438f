/// What a Meta, LinkedIn or TikTok event says about a post NeonHub published: the remote id
/// (`publish_jobs.remote_id`), whether the provider confirms the post is published, and its
/// URL when the event carries one. Pure.
struct PublishStatusUpdate: Sendable, Equatable {
    var remoteID: String
    var confirmed: Bool
    var remoteURL: String?

    /// The update an event carries, or nil when it says nothing about a post.
    ///
    /// - Meta Page `feed` changes: `value.verb == "add"` with a `post_id` confirms the post
    ///   (unless `value.published == 0`, a scheduled or unpublished post).
    /// - TikTok `post.publish.complete` / `post.publish.publicly_available` confirm the
    ///   `publish_id` of `content`; `post.publish.failed` and the others only record.
    /// - WhatsApp statuses (`message.status`) of a sent message (its wamid): `sent`,
    ///   `delivered` and `read` confirm it, `failed` is only recorded.
    /// - LinkedIn organization notifications name the post (`sourcePost`) but never confirm a
    ///   publication: recorded only.
    static func from(connector: WebhookConnector, eventType: String?, payload: JSONValue) -> PublishStatusUpdate? {
        switch connector {
        case .meta:
            guard eventType == "feed", let value = payload["value"], let postID = JSONPath.text(value["post_id"]) else { return nil }
            let published = JSONPath.text(value["published"]).map { $0 != "0" } ?? true
            return PublishStatusUpdate(
                remoteID: postID, confirmed: JSONPath.text(value["verb"]) == "add" && published,
                remoteURL: JSONPath.text(value["link"]))
        case .tiktok:
            guard let type = eventType, type.hasPrefix("post.publish."),
                let publishID = JSONPath.text(JSONPath.value(at: "content.publish_id", in: payload))
            else { return nil }
            return PublishStatusUpdate(
                remoteID: publishID,
                confirmed: type == "post.publish.complete" || type == "post.publish.publicly_available", remoteURL: nil)
        case .whatsapp:
            return WhatsAppWebhookEvents.statusUpdate(eventType: eventType, payload: payload)
        case .linkedin:
            guard let post = JSONPath.text(payload["sourcePost"]) ?? JSONPath.text(payload["generatedActivity"]) else { return nil }
            return PublishStatusUpdate(remoteID: post, confirmed: false, remoteURL: nil)
        default:
            return nil
        }
    }
}
