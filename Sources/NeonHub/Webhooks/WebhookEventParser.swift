import Foundation

/// Finds the events in a verified delivery, with each one's id, type and account, per
/// provider. Pure: the body and headers in, values out.
enum WebhookEventParser {
    /// The events of `request` (already verified) for `connector`.
    static func events(_ connector: WebhookConnector, _ request: WebhookRequest) throws(WebhookError) -> [ParsedWebhookEvent] {
        switch connector {
        case .twilio: return [twilio(request)]
        case .mailchimp: return [mailchimp(request)]
        case .slack where !isJSON(request.body): return [slackForm(request)]
        default: break
        }
        let json = try parseJSON(request.body)
        let bodyHash = SHA256Digest.hex(request.body)
        switch connector {
        case .meta:
            return meta(json, bodyHash: bodyHash)
        case .whatsapp:
            return WhatsAppWebhookEvents.events(json, bodyHash: bodyHash)
        case .shopify:
            return [
                ParsedWebhookEvent(
                    // Shopify's "Ignore duplicate webhooks": the same `X-Shopify-Event-Id` on two
                    // deliveries is one event (a redelivery may carry a new webhook id).
                    eventID: bounded(request.header("X-Shopify-Event-Id")) ?? bounded(request.header("X-Shopify-Webhook-Id")) ?? bodyHash,
                    eventType: request.header("X-Shopify-Topic"),
                    accountID: request.header("X-Shopify-Shop-Domain"), payload: json)
            ]
        case .stripe:
            return [event(json, id: "id", type: "type", account: "account", bodyHash: bodyHash)]
        case .slack:
            return [event(json, id: "event_id", type: "event.type", account: "team_id", bodyHash: bodyHash, fallbackType: "type")]
        case .tiktok:
            return [tiktok(json, bodyHash: bodyHash)]
        case .linkedin:
            return [event(json, id: "notificationId", type: "type", account: "organizationalEntity", bodyHash: bodyHash)]
        case .pagerduty:
            var parsed = event(json, id: "event.id", type: "event.event_type", account: nil, bodyHash: bodyHash)
            parsed.accountID = JSONPath.text(JSONPath.value(at: "event.data.html_url", in: json)).flatMap(host)
            return [parsed]
        case .docusign:
            return [event(json, id: nil, type: "event", account: "data.accountId", bodyHash: bodyHash)]
        case .twilio, .mailchimp:
            return []
        }
    }

    /// Meta's envelope `{object, entry: [{id, time, changes: [{field, value}], messaging: […]}]}`:
    /// one event per change (or messaging item), with the entry id as account. Meta sends no
    /// event id, so the id is the SHA-256 of the event's canonical JSON (entry id, time, change).
    static func meta(_ json: JSONValue, bodyHash: String) -> [ParsedWebhookEvent] {
        guard case .array(let entries)? = json["entry"] else {
            return [ParsedWebhookEvent(eventID: bodyHash, eventType: JSONPath.text(json["object"]), accountID: nil, payload: json)]
        }
        var events: [ParsedWebhookEvent] = []
        for entry in entries {
            let accountID = JSONPath.text(entry["id"])
            var items: [(type: String?, value: JSONValue)] = []
            if case .array(let changes)? = entry["changes"] { items += changes.map { (JSONPath.text($0["field"]), $0) } }
            if case .array(let messaging)? = entry["messaging"] { items += messaging.map { ("messages", $0) } }
            if items.isEmpty { items = [(JSONPath.text(json["object"]), entry)] }
            for item in items {
                var payload: [String: JSONValue] = [
                    "object": json["object"] ?? .null, "entryId": entry["id"] ?? .null, "time": entry["time"] ?? .null,
                ]
                if case .object(let members) = item.value, item.type != "messages" {
                    payload["field"] = members["field"] ?? .null
                    payload["value"] = members["value"] ?? .null
                } else {
                    payload["value"] = item.value
                }
                let canonical = JSONValue.object(payload)
                events.append(
                    ParsedWebhookEvent(
                        eventID: SHA256Digest.hex(Array(canonical.jsonText.utf8)), eventType: item.type,
                        accountID: accountID, payload: canonical))
            }
        }
        return events
    }

    /// TikTok `{client_key, event, create_time, user_openid, content: "<JSON text>"}`: the
    /// content string is parsed into an object so that triggers can read it.
    static func tiktok(_ json: JSONValue, bodyHash: String) -> ParsedWebhookEvent {
        var payload = json
        if case .object(var members) = json, case .string(let content)? = members["content"],
            let parsed = try? JSONValue.parse(Array(content.utf8))
        {
            members["content"] = parsed
            payload = .object(members)
        }
        return ParsedWebhookEvent(
            eventID: bodyHash, eventType: JSONPath.text(json["event"]), accountID: JSONPath.text(json["user_openid"]),
            payload: payload)
    }

    /// Twilio form posts: the SID names the message or call; the account is `AccountSid`.
    static func twilio(_ request: WebhookRequest) -> ParsedWebhookEvent {
        let form = FormBody.object(request.body)
        let sid = form["MessageSid"] ?? form["SmsSid"] ?? form["CallSid"]
        let status = form["MessageStatus"] ?? form["SmsStatus"] ?? form["CallStatus"]
        let kind = form["CallSid"] != nil && form["MessageSid"] == nil ? "call" : "message"
        // A status callback repeats the SID with a new status: the pair is the event.
        let id = sid.map { sid in status.map { "\(sid):\($0)" } ?? sid }
        return ParsedWebhookEvent(
            eventID: bounded(id) ?? SHA256Digest.hex(request.body), eventType: status.map { "\(kind).\($0)" } ?? kind,
            accountID: form["AccountSid"], payload: .object(form.mapValues { .string($0) }))
    }

    /// Mailchimp form posts `type=subscribe&fired_at=…&data[list_id]=…`, with the audience id as
    /// account. Routed by the connection its URL names (`MailchimpSecret`), so the id is the
    /// body's SHA-256 under that connection: two tenants' webhooks on one audience receive the
    /// same body, and each keeps its copy.
    static func mailchimp(_ request: WebhookRequest) -> ParsedWebhookEvent {
        let form = FormBody.object(request.body)
        let bodyHash = SHA256Digest.hex(request.body)
        let connection = MailchimpSecret.connectionID(request).map { $0.uuidString.lowercased() + ":" }
        return ParsedWebhookEvent(
            eventID: (connection ?? "") + bodyHash, eventType: form["type"], accountID: form["data[list_id]"],
            payload: .object(form.mapValues { .string($0) }))
    }

    /// Slack interactivity posts `payload=<JSON>` as a form.
    static func slackForm(_ request: WebhookRequest) -> ParsedWebhookEvent {
        let form = FormBody.object(request.body)
        let json = form["payload"].flatMap { try? JSONValue.parse(Array($0.utf8)) } ?? .object(form.mapValues { .string($0) })
        return ParsedWebhookEvent(
            eventID: SHA256Digest.hex(request.body), eventType: JSONPath.text(json["type"]) ?? form["command"],
            accountID: JSONPath.text(JSONPath.value(at: "team.id", in: json)) ?? form["team_id"], payload: json)
    }

    /// One event read from paths of a JSON body (the id falls back to the body's SHA-256).
    static func event(_ json: JSONValue, id: String?, type: String, account: String?, bodyHash: String, fallbackType: String? = nil)
        -> ParsedWebhookEvent
    {
        let eventID = id.flatMap { bounded(JSONPath.text(JSONPath.value(at: $0, in: json))) } ?? bodyHash
        let eventType = JSONPath.text(JSONPath.value(at: type, in: json)) ?? fallbackType.flatMap { JSONPath.text(JSONPath.value(at: $0, in: json)) }
        return ParsedWebhookEvent(
            eventID: eventID, eventType: eventType,
            accountID: account.flatMap { JSONPath.text(JSONPath.value(at: $0, in: json)) }, payload: json)
    }

    static func parseJSON(_ body: [UInt8]) throws(WebhookError) -> JSONValue {
        do {
            let json = try JSONValue.parse(body)
            guard case .object = json else { throw WebhookError(.malformedPayload, "the body is not a JSON object") }
            return json
        } catch let error as WebhookError {
            throw error
        } catch {
            throw WebhookError(.malformedPayload, "the body is not valid JSON")
        }
    }

    static func isJSON(_ body: [UInt8]) -> Bool {
        body.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) } == UInt8(ascii: "{")
    }

    /// A provider id if it is a sane length (a longer one is replaced by the body hash).
    static func bounded(_ id: String?) -> String? {
        guard let id, !id.isEmpty, id.utf8.count <= 200 else { return nil }
        return id
    }

    /// The host of an absolute URL (`https://acme.pagerduty.com/incidents/…` → `acme.pagerduty.com`).
    static func host(_ url: String) -> String? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        let rest = url[start...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return host.isEmpty ? nil : String(host)
    }
}
