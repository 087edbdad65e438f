import Foundation

/// WhatsApp Business Account webhooks (`object: whatsapp_business_account`), Meta's envelope
/// with WhatsApp's `messages` field
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/):
/// one change may batch several inbound messages and several statuses of sent messages, so each
/// becomes an event of its own, routed by `value.metadata.phone_number_id` (the connection's
/// account) rather than the entry id (the WABA):
///
/// - an inbound message: id its `wamid`, type `messages`;
/// - a status (`sent`, `delivered`, `read`, `failed` with `errors[]`): id `<wamid>:<status>`
///   (Meta sends each status once per message, and redelivers the same pair), type `message.status`.
///
/// Each event's payload keeps Meta's shape with only its own item: `{object, entryId, field,
/// value: {messaging_product, metadata, contacts?, messages: [one] | statuses: [one]}}`. Other
/// fields (template status, quality, account updates) are one event per change, as for Meta.
enum WhatsAppWebhookEvents {
    static func events(_ json: JSONValue, bodyHash: String) -> [ParsedWebhookEvent] {
        guard case .array(let entries)? = json["entry"] else { return WebhookEventParser.meta(json, bodyHash: bodyHash) }
        var events: [ParsedWebhookEvent] = []
        for entry in entries {
            guard case .array(let changes)? = entry["changes"] else { continue }
            for change in changes {
                let field = JSONPath.text(change["field"])
                guard field == "messages", case .object(let value)? = change["value"] else {
                    events += WebhookEventParser.meta(
                        .object([
                            "object": json["object"] ?? .null,
                            "entry": .array([
                                .object(["id": entry["id"] ?? .null, "time": entry["time"] ?? .null, "changes": .array([change])])
                            ]),
                        ]), bodyHash: bodyHash)
                    continue
                }
                let account = JSONPath.text(JSONPath.value(at: "metadata.phone_number_id", in: .object(value))) ?? JSONPath.text(entry["id"])
                var shared = value
                shared.removeValue(forKey: "messages")
                shared.removeValue(forKey: "statuses")
                func event(id: String?, type: String, key: String, item: JSONValue) -> ParsedWebhookEvent {
                    var own = shared
                    own[key] = .array([item])
                    let payload: JSONValue = .object([
                        "object": json["object"] ?? .null, "entryId": entry["id"] ?? .null,
                        "field": .string("messages"), "value": .object(own),
                    ])
                    let fallback = SHA256Digest.hex(Array(payload.jsonText.utf8))
                    return ParsedWebhookEvent(
                        eventID: id.flatMap { $0.count <= 200 ? $0 : nil } ?? fallback, eventType: type, accountID: account, payload: payload)
                }
                if case .array(let messages)? = value["messages"] {
                    events += messages.map { event(id: JSONPath.text($0["id"]), type: "messages", key: "messages", item: $0) }
                }
                if case .array(let statuses)? = value["statuses"] {
                    events += statuses.map { status in
                        let id = JSONPath.text(status["id"]).map { wamid in "\(wamid):\(JSONPath.text(status["status"]) ?? "unknown")" }
                        return event(id: id, type: "message.status", key: "statuses", item: status)
                    }
                }
            }
        }
        return events
    }

    /// What a status says of a message we sent (`publish_jobs.remote_id` is the wamid the send
    /// answered): `sent`, `delivered` and `read` confirm it; `failed` is recorded, not confirmed.
    static func statusUpdate(eventType: String?, payload: JSONValue) -> PublishStatusUpdate? {
        guard eventType == "message.status", let status = JSONPath.value(at: "value.statuses.0", in: payload),
            let wamid = JSONPath.text(status["id"])
        else { return nil }
        let state = JSONPath.text(status["status"]) ?? ""
        return PublishStatusUpdate(remoteID: wamid, confirmed: ["sent", "delivered", "read"].contains(state), remoteURL: nil)
    }
}
