// A fake of the Mailchimp Marketing API 3.0 on loopback, following the documentation — not what
// our connector definition assumes:
//
// - Authenticate with an API key (HTTP Basic, any user name, the key as password; the key ends
//   in -<dc> and only https://<dc>.api.mailchimp.com/3.0 accepts it):
//   https://mailchimp.com/developer/marketing/guides/quick-start/ and
//   https://mailchimp.com/developer/marketing/docs/fundamentals/#api-structure
// - Fundamentals: count (default 10, at most 1,000) / offset paging with total_items, the limit
//   of 10 simultaneous connections (429 TooManyRequests), the 120-second timeout:
//   https://mailchimp.com/developer/marketing/docs/fundamentals/
// - Errors: application/problem+json {type, title, status, detail, instance}, errors[] of
//   {field, message} for validation; the glossary's titles (API Key Missing, API Key Invalid,
//   Resource Not Found, Invalid Resource, Member Exists, Too Many Requests…):
//   https://mailchimp.com/developer/marketing/docs/errors/
// - Ping: https://mailchimp.com/developer/marketing/api/ping/
// - Lists (audiences): https://mailchimp.com/developer/marketing/api/lists/get-lists-info/
// - Members: add https://mailchimp.com/developer/marketing/api/list-members/add-member-to-list/,
//   add or update by subscriber hash (MD5 of the lower-cased email; status_if_new for a new
//   address) https://mailchimp.com/developer/marketing/api/list-members/add-or-update-list-member/,
//   list https://mailchimp.com/developer/marketing/api/list-members/list-members-info/
// - Campaigns: create (type, recipients.list_id, settings)
//   https://mailchimp.com/developer/marketing/api/campaigns/add-campaign/, list, delete;
//   content https://mailchimp.com/developer/marketing/api/campaign-content/set-campaign-content/;
//   actions https://mailchimp.com/developer/marketing/api/campaigns/ — send test email
//   (test_emails, send_type html|plaintext), schedule (schedule_time in UTC on the quarter hour),
//   unschedule, send, cancel-send (Mailchimp Pro; a Regular or Plain-Text campaign being sent)
// - Reports: https://mailchimp.com/developer/marketing/api/reports/get-campaign-report/
// - List webhooks (url, events, sources):
//   https://mailchimp.com/developer/marketing/api/list-webhooks/add-webhook/
//
// Where the documentation gives no body for a case (a campaign action in the wrong state,
// cancel-send without Pro) the fake answers the glossary's generic title for the status
// (400 Bad Request, 403 Forbidden) with a detail of its own.

public import Foundation
import HTTPFields
import Synchronization

/// Mailchimp Marketing on loopback under `/3.0`: ping, lists, members (add, upsert by hash,
/// list), campaigns (create, list, content, test, schedule, unschedule, send, cancel-send,
/// delete), reports and list webhooks, with state like the real thing. Knobs:
/// `limitConnections(calls:)`, `failNext(status:title:detail:)`, `setPro(_:)`, `disableUser()`.
public final class MailchimpFake: ServedFake {
    /// The data centre the fake stands for.
    public static let dc = "us21"
    /// An API key of the account (placeholder): it ends in `-us21`.
    public static let apiKey = "0123456789abcdef0123456789abcdef-us21"
    /// A well-formed key of another data centre: refused here as Mailchimp does.
    public static let otherDataCentreKey = "0123456789abcdef0123456789abcdef-us6"
    /// The audiences: the newsletter and the wholesale partners, with their ids.
    public static let lists = [("a1b2c3d4e5", "NeonHub Demo Newsletter"), ("b2c3d4e5f6", "Wholesale partners")]
    /// The problem type URI every error carries.
    public static let errorType = "https://mailchimp.com/developer/marketing/docs/errors/"

    /// A member as the fake stores it.
    public struct Member: Sendable {
        public var email: String
        public var status: String
        public var mergeFields: [String: String]
        public var tags: [String]
        public var listID: String
        public var vip: Bool
        public var language: String
    }

    /// A campaign as the fake stores it.
    public struct Campaign: Sendable {
        public var id: String
        public var webID: Int
        public var type: String
        public var status: String
        public var listID: String
        public var subjectLine: String
        public var previewText: String
        public var title: String
        public var fromName: String
        public var replyTo: String
        public var html: String?
        public var plainText: String?
        public var scheduleTime: String?
        public var sendTime: String?
        public var testEmails: [[String]]
        public var createdAt: Date
    }

    /// A list webhook as registered.
    public struct Webhook: Sendable {
        public var id: String
        public var listID: String
        public var url: String
        public var events: [String: Bool]
        public var sources: [String: Bool]
    }

    private struct Fault: Sendable {
        var status: Int
        var title: String
        var detail: String
    }

    private struct State: Sendable {
        var members: [String: [String: Member]] = [:]  // list id → subscriber hash → member
        var memberOrder: [String: [String]] = [:]
        var campaigns: [String: Campaign] = [:]
        var campaignOrder: [String] = []
        var webhooks: [Webhook] = []
        var pro = true
        var userDisabled = false
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake account on `us21` with `MailchimpFake.lists` and three members in the first audience.
    public init() {
        state.withLock { state in
            for (index, email) in ["urist.mcvankab@freddiesjokes.com", "ada@example.com", "grace@example.com"].enumerated() {
                let hash = Self.subscriberHash(email)
                state.members[Self.lists[0].0, default: [:]][hash] = Member(
                    email: email, status: index == 2 ? "unsubscribed" : "subscribed", mergeFields: ["FNAME": "Member \(index + 1)"], tags: [],
                    listID: Self.lists[0].0, vip: false, language: "")
                state.memberOrder[Self.lists[0].0, default: []].append(hash)
            }
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["title": "fake gone"])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for `https://us21.api.mailchimp.com`.
    public var baseURL: String { server.baseURL }

    /// `…/3.0`: what the connector's base URL is overridden with.
    public var apiBaseURL: String { baseURL + "/3.0" }

    // MARK: - Knobs

    /// The next `calls` requests find 10 connections already open: 429 Too Many Requests.
    public func limitConnections(calls: Int = 1) {
        faults.add(
            Fault(status: 429, title: "Too Many Requests", detail: "You have exceeded the limit of 10 simultaneous connections."), calls: calls)
    }

    /// The next `calls` authenticated requests answer `status` with the glossary `title`.
    public func failNext(_ calls: Int = 1, status: Int, title: String, detail: String) {
        faults.add(Fault(status: status, title: title, detail: detail), calls: calls)
    }

    /// Whether the account has Mailchimp Pro (cancel-send needs it); true by default.
    public func setPro(_ pro: Bool) { state.withLock { $0.pro = pro } }

    /// The user was disabled: every call answers 403 User Disabled.
    public func disableUser() { state.withLock { $0.userDisabled = true } }

    /// A member of `list` by email, if any.
    public func member(_ email: String, list: String = MailchimpFake.lists[0].0) -> Member? {
        state.withLock { $0.members[list]?[Self.subscriberHash(email)] }
    }

    /// How many members `list` has.
    public func memberCount(list: String = MailchimpFake.lists[0].0) -> Int { state.withLock { $0.members[list]?.count ?? 0 } }

    /// The campaigns created, oldest first.
    public var campaigns: [Campaign] { state.withLock { state in state.campaignOrder.compactMap { state.campaigns[$0] } } }

    /// A campaign by id.
    public func campaign(_ id: String) -> Campaign? { state.withLock { $0.campaigns[id] } }

    /// The webhooks registered.
    public var webhooks: [Webhook] { state.withLock { $0.webhooks } }

    /// Mailchimp's subscriber hash, computed here independently of the connector: MD5 of the
    /// lower-cased address.
    public static func subscriberHash(_ email: String) -> String {
        MailchimpMD5.hex(Array(email.lowercased().utf8))
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    /// Mailchimp's problem document (`application/problem+json`).
    public static func problem(_ status: Int, _ title: String, _ detail: String, errors: [[String: String]]? = nil) -> FakeProviderServer.Reply {
        var object: [String: Any] = [
            "type": errorType, "title": title, "status": status, "detail": detail, "instance": UUID().uuidString.lowercased(),
        ]
        if let errors { object["errors"] = errors }
        var reply = FakeProviderServer.Reply.json(status, object: object)
        reply.headers.replaceOrAdd(name: "Content-Type", value: "application/problem+json")
        return reply
    }

    private static func invalid(_ errors: [[String: String]]) -> Reply {
        problem(
            400, "Invalid Resource", "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
            errors: errors)
    }

    private static func notFound() -> Reply { problem(404, "Resource Not Found", "The requested resource could not be found.") }

    private func handle(_ request: Request) -> Reply {
        guard request.path == "/3.0" || request.path.hasPrefix("/3.0/") else { return Self.notFound() }
        switch authenticate(request) {
        case .missing: return Self.problem(401, "API Key Missing", "Your request did not include an API key.")
        case .invalid:
            return Self.problem(401, "API Key Invalid", "Your API key may be invalid, or you've attempted to access the wrong datacenter.")
        case .ok: break
        }
        if state.withLock({ $0.userDisabled }) {
            return Self.problem(403, "User Disabled", "This account has been disabled.")
        }
        if let fault = faults.take() { return Self.problem(fault.status, fault.title, fault.detail) }
        let parts = request.path.split(separator: "/").dropFirst().map(String.init)
        let method = request.method
        if ["POST", "PUT", "PATCH"].contains(method), !request.body.isEmpty, !(request.json is [String: Any]) {
            return Self.problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.")
        }
        let body = request.json as? [String: Any] ?? [:]
        switch (method, parts.count) {
        case ("GET", 1) where parts == ["ping"]: return .json(200, object: ["health_status": "Everything's Chimpy!"])
        case ("GET", 1) where parts == ["lists"]: return listLists(request)
        case ("POST", 3) where parts[0] == "lists" && parts[2] == "members": return addMember(list: parts[1], body)
        case ("GET", 3) where parts[0] == "lists" && parts[2] == "members": return listMembers(request, list: parts[1])
        case ("PUT", 4) where parts[0] == "lists" && parts[2] == "members": return putMember(list: parts[1], hash: parts[3], body)
        case ("POST", 3) where parts[0] == "lists" && parts[2] == "webhooks": return addWebhook(list: parts[1], body)
        case ("GET", 1) where parts == ["campaigns"]: return listCampaigns(request)
        case ("POST", 1) where parts == ["campaigns"]: return createCampaign(body)
        case ("DELETE", 2) where parts[0] == "campaigns": return deleteCampaign(parts[1])
        case ("PUT", 3) where parts[0] == "campaigns" && parts[2] == "content": return setContent(parts[1], body)
        case ("POST", 4) where parts[0] == "campaigns" && parts[2] == "actions": return campaignAction(parts[1], parts[3], body)
        case ("GET", 2) where parts[0] == "reports": return report(parts[1])
        default:
            return parts.isEmpty ? Self.notFound() : Self.problem(405, "Method Not Allowed", "The requested method and resource are not compatible.")
        }
    }

    private enum Authentication { case ok, missing, invalid }

    /// HTTP Basic with any user name and the key as password; a key of another data centre is invalid here.
    private func authenticate(_ request: Request) -> Authentication {
        guard let header = request.header("Authorization") else { return .missing }
        guard header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else { return .invalid }
        let password = String(decoded[decoded.index(after: colon)...])
        return password == Self.apiKey ? .ok : .invalid
    }

    // MARK: - Paging

    /// `count` (default 10, 1…1000) and `offset` (default 0) over `items`, with `total_items`.
    private static func page(_ request: Request, key: String, items: [[String: Any]], extra: [String: Any] = [:]) -> Reply {
        let query = request.queryItems
        let count = query["count"]?.last.map { Int($0) ?? -1 } ?? 10
        let offset = query["offset"]?.last.map { Int($0) ?? -1 } ?? 0
        guard (1...1000).contains(count) else { return invalid([["field": "count", "message": "Must be between 1 and 1000."]]) }
        guard offset >= 0 else { return invalid([["field": "offset", "message": "Must be 0 or more."]]) }
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + count)]) : []
        var object: [String: Any] = [key: slice, "total_items": items.count, "_links": [[String: Any]]()]
        for (name, value) in extra { object[name] = value }
        return .json(200, object: object)
    }

    // MARK: - Lists and members

    private func listLists(_ request: Request) -> Reply {
        let counts = state.withLock { state in Self.lists.map { state.members[$0.0]?.values.filter { $0.status == "subscribed" }.count ?? 0 } }
        let items: [[String: Any]] = Self.lists.enumerated().map { index, list in
            [
                "id": list.0, "web_id": 100 + index, "name": list.1, "date_created": "2024-01-15T09:00:00+00:00",
                "stats": ["member_count": counts[index], "unsubscribe_count": 0], "list_rating": 4,
            ]
        }
        return Self.page(
            request, key: "lists", items: items, extra: ["constraints": ["may_create": true, "max_instances": 5, "current_total_instances": 2]])
    }

    private static let statuses: Set<String> = ["subscribed", "unsubscribed", "cleaned", "pending", "transactional"]

    private static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
    }

    private func memberJSON(_ member: Member) -> [String: Any] {
        let hash = Self.subscriberHash(member.email)
        return [
            "id": hash, "email_address": member.email, "unique_email_id": String(hash.prefix(10)), "full_name": member.mergeFields["FNAME"] ?? "",
            "email_type": "html", "status": member.status, "merge_fields": member.mergeFields, "list_id": member.listID, "vip": member.vip,
            "language": member.language, "tags_count": member.tags.count,
            "tags": member.tags.enumerated().map { ["id": 1000 + $0.offset, "name": $0.element] as [String: Any] },
            "last_changed": "2026-03-02T08:30:00+00:00",
        ]
    }

    private func listExists(_ id: String) -> Bool { Self.lists.contains { $0.0 == id } }

    private func addMember(list: String, _ body: [String: Any]) -> Reply {
        guard listExists(list) else { return Self.notFound() }
        var errors: [[String: String]] = []
        let email = body["email_address"] as? String ?? ""
        if email.isEmpty { errors.append(["field": "email_address", "message": "This value should not be blank."]) }
        let status = body["status"] as? String
        if status == nil { errors.append(["field": "status", "message": "This value should not be blank."]) }
        if let status, !Self.statuses.contains(status) { errors.append(["field": "status", "message": "Invalid status: \(status)"]) }
        guard errors.isEmpty else { return Self.invalid(errors) }
        guard Self.isEmail(email) else { return Self.problem(400, "Invalid Resource", "Please provide a valid email address.") }
        let hash = Self.subscriberHash(email)
        let exists = state.withLock { $0.members[list]?[hash] != nil }
        guard !exists else {
            return Self.problem(400, "Member Exists", "\(email) is already a list member. Use PUT to insert or update list members.")
        }
        let member = Member(
            email: email, status: status ?? "subscribed", mergeFields: body["merge_fields"] as? [String: String] ?? [:],
            tags: body["tags"] as? [String] ?? [], listID: list, vip: body["vip"] as? Bool ?? false, language: body["language"] as? String ?? "")
        state.withLock {
            $0.members[list, default: [:]][hash] = member
            $0.memberOrder[list, default: []].append(hash)
        }
        return .json(200, object: memberJSON(member))
    }

    private func putMember(list: String, hash: String, _ body: [String: Any]) -> Reply {
        guard listExists(list) else { return Self.notFound() }
        guard let email = body["email_address"] as? String, !email.isEmpty else {
            return Self.invalid([["field": "email_address", "message": "This value should not be blank."]])
        }
        guard Self.isEmail(email) else { return Self.problem(400, "Invalid Resource", "Please provide a valid email address.") }
        // The path names the member: the hash of the lower-cased address, nothing else.
        guard hash == Self.subscriberHash(email) else {
            return Self.problem(400, "Invalid Resource", "The subscriber hash in the path does not match the email_address provided.")
        }
        for field in ["status", "status_if_new"] {
            if let value = body[field] as? String, !Self.statuses.contains(value) {
                return Self.invalid([["field": field, "message": "Invalid status: \(value)"]])
            }
        }
        let existing = state.withLock { $0.members[list]?[hash] }
        var member: Member
        if var known = existing {
            if let status = body["status"] as? String { known.status = status }
            member = known
        } else {
            guard let status = (body["status_if_new"] as? String) ?? (body["status"] as? String) else {
                return Self.invalid([["field": "status_if_new", "message": "This value should not be blank."]])
            }
            member = Member(email: email, status: status, mergeFields: [:], tags: [], listID: list, vip: false, language: "")
        }
        member.email = email
        if let fields = body["merge_fields"] as? [String: String] { member.mergeFields.merge(fields) { $1 } }
        if let vip = body["vip"] as? Bool { member.vip = vip }
        if let language = body["language"] as? String { member.language = language }
        let stored = member
        state.withLock {
            if $0.members[list]?[hash] == nil { $0.memberOrder[list, default: []].append(hash) }
            $0.members[list, default: [:]][hash] = stored
        }
        return .json(200, object: memberJSON(stored))
    }

    private func listMembers(_ request: Request, list: String) -> Reply {
        guard listExists(list) else { return Self.notFound() }
        let status = request.queryItems["status"]?.last
        let members = state.withLock { state in (state.memberOrder[list] ?? []).compactMap { state.members[list]?[$0] } }
        let items = members.filter { status == nil || $0.status == status }.map(memberJSON)
        return Self.page(request, key: "members", items: items, extra: ["list_id": list])
    }

    private func addWebhook(list: String, _ body: [String: Any]) -> Reply {
        guard listExists(list) else { return Self.notFound() }
        guard let url = body["url"] as? String, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
        else {
            return Self.invalid([["field": "url", "message": "This value should be a valid URL."]])
        }
        let allowedEvents: Set<String> = ["subscribe", "unsubscribe", "profile", "cleaned", "upemail", "campaign"]
        let allowedSources: Set<String> = ["user", "admin", "api"]
        let events = body["events"] as? [String: Bool] ?? [:], sources = body["sources"] as? [String: Bool] ?? [:]
        if let unknown = events.keys.first(where: { !allowedEvents.contains($0) }) {
            return Self.invalid([["field": "events.\(unknown)", "message": "Unknown event."]])
        }
        if let unknown = sources.keys.first(where: { !allowedSources.contains($0) }) {
            return Self.invalid([["field": "sources.\(unknown)", "message": "Unknown source."]])
        }
        let webhook = state.withLock { state -> Webhook in
            state.sequence += 1
            let hook = Webhook(
                id: String(format: "%010x", 0x4f8c0a_0000 + state.sequence), listID: list, url: url,
                events: allowedEvents.reduce(into: [:]) { $0[$1] = events[$1] ?? false },
                sources: allowedSources.reduce(into: [:]) { $0[$1] = sources[$1] ?? false })
            state.webhooks.append(hook)
            return hook
        }
        return .json(
            200,
            object: [
                "id": webhook.id, "url": webhook.url, "events": webhook.events, "sources": webhook.sources, "list_id": list,
                "_links": [[String: Any]](),
            ])
    }

    // MARK: - Campaigns

    private static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
    }

    private func campaignJSON(_ campaign: Campaign) -> [String: Any] {
        [
            "id": campaign.id, "web_id": campaign.webID, "type": campaign.type, "create_time": Self.iso(campaign.createdAt),
            "archive_url": "http://eepurl.com/\(campaign.id.prefix(6))",
            "long_archive_url": "https://us21.campaign-archive.com/?u=abc&id=\(campaign.id)",
            "status": campaign.status, "emails_sent": campaign.status == "sent" ? 2 : 0, "send_time": campaign.sendTime ?? "",
            "content_type": "html",
            "recipients": ["list_id": campaign.listID, "list_name": Self.lists.first { $0.0 == campaign.listID }?.1 ?? "", "recipient_count": 2],
            "settings": [
                "subject_line": campaign.subjectLine, "preview_text": campaign.previewText, "title": campaign.title,
                "from_name": campaign.fromName, "reply_to": campaign.replyTo,
            ],
        ]
    }

    private func listCampaigns(_ request: Request) -> Reply {
        let status = request.queryItems["status"]?.last
        var found = campaigns.filter { status == nil || $0.status == status }
        if request.queryItems["sort_field"]?.last == "create_time", request.queryItems["sort_dir"]?.last == "DESC" { found.reverse() }
        return Self.page(request, key: "campaigns", items: found.map(campaignJSON))
    }

    private func createCampaign(_ body: [String: Any]) -> Reply {
        let types: Set<String> = ["regular", "plaintext", "absplit", "rss", "variate"]
        guard let type = body["type"] as? String, types.contains(type) else {
            return Self.invalid([["field": "type", "message": "Schema describes enum, NULL found instead"]])
        }
        let recipients = body["recipients"] as? [String: Any] ?? [:]
        let settings = body["settings"] as? [String: Any] ?? [:]
        let list = recipients["list_id"] as? String ?? ""
        guard !list.isEmpty else { return Self.invalid([["field": "recipients.list_id", "message": "This value should not be blank."]]) }
        guard listExists(list) else { return Self.invalid([["field": "recipients.list_id", "message": "Invalid List ID: \(list)"]]) }
        if let reply = settings["reply_to"] as? String, !Self.isEmail(reply) {
            return Self.invalid([["field": "settings.reply_to", "message": "This value should be a valid email."]])
        }
        if let subject = settings["subject_line"] as? String, subject.count > 150 {
            return Self.invalid([["field": "settings.subject_line", "message": "Must be 150 characters or fewer."]])
        }
        let campaign = state.withLock { state -> Campaign in
            state.sequence += 1
            let created = Campaign(
                id: String(format: "%010x", 0x42694e_0000 + state.sequence), webID: 500_000 + state.sequence, type: type, status: "save",
                listID: list, subjectLine: settings["subject_line"] as? String ?? "", previewText: settings["preview_text"] as? String ?? "",
                title: settings["title"] as? String ?? "", fromName: settings["from_name"] as? String ?? "",
                replyTo: settings["reply_to"] as? String ?? "", html: nil, plainText: nil, scheduleTime: nil, sendTime: nil, testEmails: [],
                createdAt: Date())
            state.campaigns[created.id] = created
            state.campaignOrder.append(created.id)
            return created
        }
        return .json(200, object: campaignJSON(campaign))
    }

    private func deleteCampaign(_ id: String) -> Reply {
        let outcome = state.withLock { state -> Int in
            guard let campaign = state.campaigns[id] else { return 404 }
            guard ["save", "paused"].contains(campaign.status) else { return 400 }
            state.campaigns[id] = nil
            state.campaignOrder.removeAll { $0 == id }
            return 204
        }
        switch outcome {
        case 404: return Self.notFound()
        case 400: return Self.problem(400, "Bad Request", "Sent or scheduled campaigns cannot be deleted.")
        default: return Reply(status: 204)
        }
    }

    private func setContent(_ id: String, _ body: [String: Any]) -> Reply {
        guard var campaign = campaign(id) else { return Self.notFound() }
        guard campaign.status == "save" || campaign.status == "paused" else {
            return Self.problem(400, "Bad Request", "The content of a scheduled or sent campaign cannot be changed.")
        }
        if let html = body["html"] as? String { campaign.html = html }
        if let text = body["plain_text"] as? String { campaign.plainText = text }
        guard campaign.html != nil || campaign.plainText != nil else {
            return Self.invalid([["field": "html", "message": "Provide html, plain_text, url, template or archive content."]])
        }
        let stored = campaign
        state.withLock { $0.campaigns[id] = stored }
        return .json(
            200,
            object: [
                "html": stored.html ?? "", "plain_text": stored.plainText ?? Self.plain(stored.html ?? ""),
                "archive_html": stored.html ?? "", "_links": [[String: Any]](),
            ])
    }

    private static func plain(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
    }

    private func campaignAction(_ id: String, _ action: String, _ body: [String: Any]) -> Reply {
        guard let campaign = campaign(id) else { return Self.notFound() }
        let ready = campaign.html != nil || campaign.plainText != nil
        switch action {
        case "test":
            guard let emails = body["test_emails"] as? [String], !emails.isEmpty else {
                return Self.invalid([["field": "test_emails", "message": "This value should not be blank."]])
            }
            guard let type = body["send_type"] as? String, ["html", "plaintext"].contains(type) else {
                return Self.invalid([["field": "send_type", "message": "Must be html or plaintext."]])
            }
            guard emails.allSatisfy(Self.isEmail) else { return Self.invalid([["field": "test_emails", "message": "Invalid email address."]]) }
            guard ready else { return Self.problem(400, "Bad Request", "Your Campaign is not ready to send.") }
            state.withLock { $0.campaigns[id]?.testEmails.append(emails) }
            return Reply(status: 204)
        case "schedule":
            guard let time = body["schedule_time"] as? String, !time.isEmpty else {
                return Self.invalid([["field": "schedule_time", "message": "This value should not be blank."]])
            }
            guard let date = ISO8601DateFormatter().date(from: time.replacingOccurrences(of: "+00:00", with: "Z")) else {
                return Self.invalid([["field": "schedule_time", "message": "Invalid date-time."]])
            }
            let minute = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date).minute ?? 1
            guard minute % 15 == 0 else {
                return Self.problem(400, "Invalid Resource", "Schedule time must be on the quarter-hour (:00, :15, :30, :45).")
            }
            guard date > Date() else { return Self.problem(400, "Invalid Resource", "Schedule time must be in the future.") }
            guard campaign.status == "save" || campaign.status == "paused" else {
                return Self.problem(400, "Bad Request", "This campaign cannot be scheduled in its current state.")
            }
            guard ready else { return Self.problem(400, "Bad Request", "Your Campaign is not ready to send.") }
            state.withLock {
                $0.campaigns[id]?.status = "schedule"
                $0.campaigns[id]?.scheduleTime = time
            }
            return Reply(status: 204)
        case "unschedule":
            guard campaign.status == "schedule" else { return Self.problem(400, "Bad Request", "This campaign is not scheduled.") }
            state.withLock {
                $0.campaigns[id]?.status = "save"
                $0.campaigns[id]?.scheduleTime = nil
            }
            return Reply(status: 204)
        case "send":
            guard campaign.status == "save" || campaign.status == "paused" else {
                return Self.problem(400, "Bad Request", "This campaign has already been sent or scheduled.")
            }
            guard ready else { return Self.problem(400, "Bad Request", "Your Campaign is not ready to send.") }
            state.withLock {
                $0.campaigns[id]?.status = "sending"
                $0.campaigns[id]?.sendTime = Self.iso(Date())
            }
            return Reply(status: 204)
        case "cancel-send":
            guard state.withLock({ $0.pro }) else {
                return Self.problem(403, "Forbidden", "Cancel send is only available to accounts with Mailchimp Pro.")
            }
            guard campaign.type == "regular" || campaign.type == "plaintext" else {
                return Self.problem(400, "Bad Request", "Only Regular and Plain-Text campaigns can be canceled.")
            }
            guard campaign.status == "sending" else { return Self.problem(400, "Bad Request", "This campaign is not being sent.") }
            state.withLock { $0.campaigns[id]?.status = "canceled" }
            return Reply(status: 204)
        default:
            return Self.notFound()
        }
    }

    private func report(_ id: String) -> Reply {
        guard let campaign = campaign(id), ["sending", "sent", "canceled"].contains(campaign.status) else { return Self.notFound() }
        return .json(
            200,
            object: [
                "id": campaign.id, "campaign_title": campaign.title, "type": campaign.type, "list_id": campaign.listID,
                "subject_line": campaign.subjectLine, "emails_sent": 2, "abuse_reports": 0, "unsubscribed": 0, "send_time": campaign.sendTime ?? "",
                "bounces": ["hard_bounces": 0, "soft_bounces": 1, "syntax_errors": 0],
                "opens": ["opens_total": 3, "unique_opens": 1, "open_rate": 0.5, "last_open": campaign.sendTime ?? ""],
                "clicks": ["clicks_total": 1, "unique_clicks": 1, "unique_subscriber_clicks": 1, "click_rate": 0.5, "last_click": ""],
            ])
    }
}
