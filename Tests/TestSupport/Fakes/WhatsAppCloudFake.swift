// A fake of the WhatsApp Business Platform Cloud API on Meta's Graph API
// (graph.facebook.com/v25.0) on loopback, following Meta's documentation — not what our
// connector definition assumes:
//
// - Messages (POST /{phone-number-id}/messages: messaging_product, recipient_type, to, type
//   and the type's object; the answer {messaging_product, contacts[{input, wa_id}],
//   messages[{id, message_status?}]}):
//   https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
// - Text, image (link or id), template messages (name, language.code, components with
//   parameters filling the template's {{n}} placeholders) and read receipts:
//   https://developers.facebook.com/docs/whatsapp/cloud-api/messages/text-messages
//   https://developers.facebook.com/docs/whatsapp/cloud-api/messages/image-messages
//   https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates
//   https://developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read
// - The 24-hour customer service window (free-form messages only within 24 h of the
//   customer's last message; templates any time):
//   https://developers.facebook.com/docs/whatsapp/pricing#customer-service-windows
// - Error codes (envelope {error: {message, type, code, error_data: {messaging_product,
//   details}, fbtrace_id}}; 190 → 401; 100, 131008, 131009, 131047, 130429, 131056, 132000 →
//   400; 132001 → 404): https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
// - Throughput and pair rate limits: https://developers.facebook.com/docs/whatsapp/throughput
// - Phone numbers (GET /{waba-id}/phone_numbers):
//   https://developers.facebook.com/docs/whatsapp/business-management-api/manage-phone-numbers
// - Templates (GET /{waba-id}/message_templates, fields, status, name, limit):
//   https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/
// - Graph cursor paging (paging.cursors.before/after, paging.next absent on the last page) and
//   the X-Business-Use-Case-Usage header: https://developers.facebook.com/docs/graph-api/results
//   https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// - Status webhooks (statuses[] with id, status, timestamp, recipient_id, errors[] on failed):
//   https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
//
// Where Meta gives no example body (an unknown phone number id, a missing token) the fake
// answers Graph's generic errors: code 100 subcode 33 "Unsupported post request…" and code
// 104 "An access token is required to request this resource.", and says so here.

public import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// The Cloud API on loopback: `/{version}/{phone-number-id}/messages` (text, image, template,
/// read receipts) with the 24-hour window, `/{waba-id}/phone_numbers` and
/// `/{waba-id}/message_templates` with Graph cursor paging. Knobs: `customerMessaged`,
/// `expire(token:)`, `injectRateLimit`, `failNext`; what was sent: `sent`.
public final class WhatsAppCloudFake: ServedFake {
    /// A business phone number of the account.
    public struct PhoneNumber: Sendable {
        /// The phone number id (what messages are sent from).
        public var id: String
        /// `display_phone_number`.
        public var display: String
        /// `verified_name`.
        public var verifiedName: String

        /// A number.
        public init(id: String, display: String, verifiedName: String) {
            self.id = id
            self.display = display
            self.verifiedName = verifiedName
        }

        /// The account's two numbers unless told otherwise.
        public static let defaults = [
            PhoneNumber(id: "106540352242922", display: "+1 415-555-0100", verifiedName: "NeonHub Demo"),
            PhoneNumber(id: "106540352242923", display: "+1 415-555-0101", verifiedName: "NeonHub Support"),
        ]
    }

    /// A message template: its body text's `{{n}}` placeholders decide how many body parameters a send needs.
    public struct Template: Sendable {
        public var id: String
        public var name: String
        public var language: String
        public var status: String
        public var category: String
        /// Header text (may hold `{{1}}`), if the template has a text header.
        public var header: String?
        public var body: String

        /// A template.
        public init(
            id: String, name: String, language: String = "en_US", status: String = "APPROVED", category: String = "UTILITY", header: String? = nil,
            body: String
        ) {
            self.id = id
            self.name = name
            self.language = language
            self.status = status
            self.category = category
            self.header = header
            self.body = body
        }

        /// hello_world, order_shipped ({{1}}), spring_promo (header + {{1}}), a paused and a rejected one.
        public static let defaults = [
            Template(id: "1234567890123450", name: "hello_world", body: "Hello World"),
            Template(id: "1234567890123451", name: "order_shipped", body: "Your order {{1}} has shipped and arrives {{2}}."),
            Template(
                id: "1234567890123452", name: "spring_promo", category: "MARKETING", header: "Spring is here, {{1}}",
                body: "Hi {{1}}, our spring blend is back!"),
            Template(id: "1234567890123453", name: "old_offer", status: "PAUSED", category: "MARKETING", body: "Last chance!"),
            Template(id: "1234567890123454", name: "draft_terms", status: "REJECTED", body: "Terms {{1}}"),
        ]

        /// Number of distinct `{{n}}` placeholders in `text`.
        static func placeholders(_ text: String?) -> Int {
            guard let text, let regex = try? NSRegularExpression(pattern: "\\{\\{[0-9]+\\}\\}") else { return 0 }
            return Set(
                regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                    Range($0.range, in: text).map { String(text[$0]) }
                }
            ).count
        }
    }

    /// A message the fake accepted.
    public struct Sent: Sendable {
        /// The wamid answered.
        public var id: String
        /// The phone number id it was sent from.
        public var from: String
        /// The request body as sent (JSON text).
        public var bodyText: String
        /// The request body parsed.
        public var body: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bodyText.utf8))) as? [String: Any] ?? [:] }
    }

    /// A Graph error as the Cloud API sends it.
    public struct CloudError: Error, Sendable {
        public var status: Int
        public var code: Int
        public var subcode: Int?
        public var message: String
        public var details: String?
        public var headers: [String: String]

        /// An error.
        public init(status: Int, code: Int, subcode: Int? = nil, message: String, details: String? = nil, headers: [String: String] = [:]) {
            self.status = status
            self.code = code
            self.subcode = subcode
            self.message = message
            self.details = details
            self.headers = headers
        }

        /// 130429: the number's throughput.
        public static let throughput = CloudError(
            status: 400, code: 130429, message: "(#130429) Rate limit hit", details: "Cloud API message throughput has been reached.")
        /// 131056: too many messages to one customer.
        public static let pairRateLimit = CloudError(
            status: 400, code: 131056, message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            details: "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.")
        /// 131000: something went wrong at Meta.
        public static let generic = CloudError(
            status: 500, code: 131000, message: "(#131000) Something went wrong", details: "Message failed to send due to an unknown error.")
    }

    private struct State: Sendable {
        var tokens: [String: Bool] = [:]  // token → valid
        var lastInbound: [String: Date] = [:]  // wa_id → time of the customer's last message
        var inbound: Set<String> = []
        var media: Set<String> = []
        var sent: [Sent] = []
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The Graph version in paths.
    public let version = "v25.0"
    /// The WhatsApp Business Account id.
    public let wabaID: String
    public let phoneNumbers: [PhoneNumber]
    public let templates: [Template]
    private let state = Mutex(State())
    private let faults = ScriptedFaults<CloudError>()

    /// An account with `phoneNumbers` and `templates`.
    public init(wabaID: String = "102290129340398", phoneNumbers: [PhoneNumber] = PhoneNumber.defaults, templates: [Template] = Template.defaults) {
        self.wabaID = wabaID
        self.phoneNumbers = phoneNumbers
        self.templates = templates
        server.onEveryRequest { [self] request in handle(request) }
    }

    /// `…/v25.0`: the definition's `baseUrl` override.
    public var apiBaseURL: String { "\(server.baseURL)/\(version)" }

    // MARK: - Knobs

    /// A system user access token the fake accepts.
    public func issueToken() -> String {
        state.withLock { state in
            state.sequence += 1
            let token = "EAAGfakeWhatsAppSystemUser\(state.sequence)ZD"
            state.tokens[token] = true
            return token
        }
    }

    /// From now on `token` is expired (401, code 190 subcode 463).
    public func expire(token: String) { state.withLock { $0.tokens[token] = false } }

    /// The customer `waID` wrote to the business at `at`: free-form messages to them are
    /// allowed for 24 hours. Answers the inbound message's wamid (for read receipts).
    @discardableResult
    public func customerMessaged(waID: String, at: Date = Date()) -> String {
        state.withLock { state in
            state.sequence += 1
            state.lastInbound[waID] = at
            let wamid = "wamid.HBgL\(waID)FQIAEhgUM0E\(state.sequence)"
            state.inbound.insert(wamid)
            return wamid
        }
    }

    /// A media id as if uploaded to Meta (POST /{phone-number-id}/media).
    public func registerMedia(id: String) { state.withLock { _ = $0.media.insert(id) } }

    /// The next `calls` message or management requests answer `error`.
    public func failNext(_ error: CloudError, calls: Int = 1) { faults.add(error, calls: calls) }

    /// The next `calls` requests are throttled: `code` 130429 (throughput), 131056 (pair), or
    /// 80007 (WABA Business Use Case limit, with X-Business-Use-Case-Usage naming
    /// `estimated_time_to_regain_access` in minutes).
    public func injectRateLimit(code: Int = 130429, calls: Int = 1, regainAccessMinutes: Int = 5) {
        switch code {
        case 131056: failNext(.pairRateLimit, calls: calls)
        case 80007:
            let usage =
                #"{"\#(wabaID)":[{"type":"whatsapp_business_management","call_count":100,"total_cputime":2,"total_time":3,"estimated_time_to_regain_access":\#(regainAccessMinutes)}]}"#
            failNext(
                CloudError(
                    status: 400, code: 80007, message: "(#80007) Rate limit issues",
                    details: "The WhatsApp Business Account has reached its rate limit.",
                    headers: ["X-Business-Use-Case-Usage": usage]), calls: calls)
        default: failNext(.throughput, calls: calls)
        }
    }

    /// Messages accepted so far.
    public var sent: [Sent] { state.withLock { $0.sent } }

    /// A status webhook body as Meta posts it for `wamid` (`failed` carries `errorCode`).
    public func statusWebhook(
        _ statuses: [(wamid: String, status: String, errorCode: Int?)], phoneNumberID: String? = nil, recipient: String = "16505551234"
    ) -> String {
        let phone = phoneNumbers.first { $0.id == phoneNumberID } ?? phoneNumbers[0]
        let items: [[String: Any]] = statuses.map { item in
            var status: [String: Any] = ["id": item.wamid, "status": item.status, "timestamp": "1772380000", "recipient_id": recipient]
            if let code = item.errorCode {
                status["errors"] = [
                    [
                        "code": code, "title": code == 131047 ? "Re-engagement message" : "Message undeliverable",
                        "message": code == 131047 ? "Re-engagement message" : "Message undeliverable",
                        "error_data": [
                            "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
                        ],
                    ]
                ]
            } else {
                status["pricing"] = ["billable": true, "pricing_model": "PMP", "category": "utility"]
            }
            return status
        }
        let body: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [
                [
                    "id": wabaID,
                    "changes": [
                        [
                            "field": "messages",
                            "value": [
                                "messaging_product": "whatsapp",
                                "metadata": ["display_phone_number": phone.display.filter(\.isNumber), "phone_number_id": phone.id],
                                "statuses": items,
                            ],
                        ]
                    ],
                ]
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.count == 3, segments[0] == version else {
            return Self.error(
                CloudError(status: 400, code: 2635, message: "(#2635) You are calling a deprecated or unknown version of the Graph API."))
        }
        if let failure = authorize(request) { return Self.error(failure) }
        let (node, edge) = (segments[1], segments[2])
        switch (request.method, edge) {
        case ("POST", "messages"):
            guard phoneNumbers.contains(where: { $0.id == node }) else { return Self.unsupported(request.method, node) }
            if let fault = faults.take() { return Self.error(fault) }
            return send(from: node, request)
        case ("GET", "phone_numbers"):
            guard node == wabaID else { return Self.unsupported(request.method, node) }
            if let fault = faults.take() { return Self.error(fault) }
            return page(
                phoneNumbers.map {
                    [
                        "id": $0.id, "display_phone_number": $0.display, "verified_name": $0.verifiedName,
                        "quality_rating": "GREEN", "code_verification_status": "VERIFIED", "messaging_limit_tier": "TIER_1K",
                    ]
                },
                request: request, defaultLimit: 25)
        case ("GET", "message_templates"):
            guard node == wabaID else { return Self.unsupported(request.method, node) }
            if let fault = faults.take() { return Self.error(fault) }
            let query = request.queryItems
            let status = query["status"]?.last, name = query["name"]?.last
            let items: [[String: Any]] = templates.filter { (status == nil || $0.status == status) && (name == nil || $0.name.contains(name!)) }.map {
                template in
                var components: [[String: Any]] = []
                if let header = template.header { components.append(["type": "HEADER", "format": "TEXT", "text": header]) }
                components.append(["type": "BODY", "text": template.body])
                return [
                    "id": template.id, "name": template.name, "language": template.language, "status": template.status,
                    "category": template.category, "components": components,
                ]
            }
            return page(items, request: request, defaultLimit: 25)
        default:
            return Self.unsupported(request.method, node)
        }
    }

    private func authorize(_ request: Request) -> CloudError? {
        let header = request.header("Authorization")
        let token = header.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? request.queryItems["access_token"]?.last
        guard let token, !token.isEmpty else {
            return CloudError(status: 400, code: 104, message: "An access token is required to request this resource.")
        }
        switch state.withLock({ $0.tokens[token] }) {
        case true?: return nil
        case false?:
            return CloudError(
                status: 401, code: 190, subcode: 463, message: "Error validating access token: Session has expired on Sunday, 01-Mar-26 10:00:00 PST."
            )
        case nil:
            return CloudError(status: 401, code: 190, message: "Invalid OAuth access token - Cannot parse access token")
        }
    }

    /// Graph cursor paging: `limit` (default `defaultLimit`), `after`/`before` cursors, `next` while more remain.
    private func page(_ items: [[String: Any]], request: Request, defaultLimit: Int) -> Reply {
        let query = request.queryItems
        let limit = max(1, query["limit"]?.last.flatMap { Int($0) } ?? defaultLimit)
        var start = 0
        if let after = query["after"]?.last {
            guard let decoded = Data(base64Encoded: after).map({ String(decoding: $0, as: UTF8.self) }), let index = Int(decoded) else {
                return Self.error(CloudError(status: 400, code: 100, message: "(#100) Invalid value for after cursor"))
            }
            start = index + 1
        }
        let slice = Array(items.dropFirst(start).prefix(limit))
        func cursor(_ index: Int) -> String { Data(String(index).utf8).base64EncodedString() }
        var body: [String: Any] = ["data": slice]
        if !slice.isEmpty {
            var paging: [String: Any] = ["cursors": ["before": cursor(start), "after": cursor(start + slice.count - 1)]]
            if start + slice.count < items.count {
                var components = URLComponents()
                var items: [URLQueryItem] = []
                for (name, values) in query where name != "after" && name != "access_token" {
                    for value in values { items.append(URLQueryItem(name: name, value: value)) }
                }
                items.sort { $0.name < $1.name }
                items.append(URLQueryItem(name: "after", value: cursor(start + slice.count - 1)))
                components.queryItems = items
                paging["next"] = "\(server.baseURL)\(request.path)?\(components.percentEncodedQuery ?? "")"
            }
            body["paging"] = paging
        }
        return .json(200, object: body)
    }

    // MARK: - Messages

    /// The value at a dot path of parsed JSON.
    static func value(_ path: String, in object: Any?) -> Any? {
        path.split(separator: ".").reduce(object) { current, key in (current as? [String: Any])?[String(key)] }
    }

    private func send(from phone: String, _ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let fields = request.json as? [String: Any]
        else {
            return Self.error(
                CloudError(
                    status: 400, code: 100, message: "(#100) Invalid parameter",
                    details: "The request body must be JSON (Content-Type: application/json)."))
        }
        guard fields["messaging_product"] as? String == "whatsapp" else {
            return Self.error(CloudError(status: 400, code: 100, message: "(#100) The parameter messaging_product is required."))
        }
        if fields["status"] as? String == "read" {
            guard let id = fields["message_id"] as? String, state.withLock({ $0.inbound.contains(id) }) else {
                return Self.error(CloudError(status: 400, code: 100, message: "(#100) Invalid parameter", details: "Invalid message_id"))
            }
            return .json(200, object: ["success": true])
        }
        guard let to = fields["to"] as? String else { return Self.missing("to") }
        let waID = to.hasPrefix("+") ? String(to.dropFirst()) : to
        guard waID.count >= 6, waID.count <= 15, waID.allSatisfy(\.isNumber) else {
            return Self.error(
                CloudError(
                    status: 400, code: 131009, message: "(#131009) Parameter value is not valid",
                    details: "Invalid recipient phone number: \(to.prefix(20))"))
        }
        if let kind = fields["recipient_type"] as? String, kind != "individual" {
            return Self.error(
                CloudError(status: 400, code: 131009, message: "(#131009) Parameter value is not valid", details: "recipient_type must be individual")
            )
        }
        guard let type = fields["type"] as? String else { return Self.missing("type") }
        var messageStatus: String?
        switch type {
        case "text":
            guard let text = Self.value("text.body", in: fields) as? String, !text.isEmpty else { return Self.missing("text['body']") }
            guard text.count <= 4096 else {
                return Self.error(
                    CloudError(status: 400, code: 100, message: "(#100) Invalid parameter", details: "Message text length exceeds 4096 characters."))
            }
            if request.bodyText.contains("\"preview_url\""),
                request.bodyText.range(of: "\"preview_url\"\\s*:\\s*(true|false)", options: .regularExpression) == nil
            {
                return Self.error(CloudError(status: 400, code: 100, message: "(#100) Invalid parameter", details: "preview_url must be a boolean"))
            }
            if let closed = windowClosed(waID) { return Self.error(closed) }
        case "image":
            let link = Self.value("image.link", in: fields) as? String, id = Self.value("image.id", in: fields) as? String
            guard (link == nil) != (id == nil) else {
                return Self.error(
                    CloudError(
                        status: 400, code: 131009, message: "(#131009) Parameter value is not valid",
                        details: "Exactly one of image.link or image.id is required."))
            }
            if let link, !link.hasPrefix("https://") {
                return Self.error(
                    CloudError(
                        status: 400, code: 131009, message: "(#131009) Parameter value is not valid", details: "Media link must be an HTTPS URL."))
            }
            if let id, !state.withLock({ $0.media.contains(id) }) {
                return Self.error(
                    CloudError(
                        status: 400, code: 131009, message: "(#131009) Parameter value is not valid", details: "Invalid media id \(id.prefix(30))"))
            }
            if let caption = Self.value("image.caption", in: fields) as? String, caption.count > 1024 {
                return Self.error(
                    CloudError(
                        status: 400, code: 131009, message: "(#131009) Parameter value is not valid", details: "Caption exceeds 1024 characters."))
            }
            if let closed = windowClosed(waID) { return Self.error(closed) }
        case "template":
            guard let name = Self.value("template.name", in: fields) as? String else { return Self.missing("template['name']") }
            guard let language = Self.value("template.language.code", in: fields) as? String else {
                return Self.missing("template['language']['code']")
            }
            if let error = checkTemplate(
                name: name, language: language, components: Self.value("template.components", in: fields) as? [[String: Any]])
            {
                return Self.error(error)
            }
            messageStatus = "accepted"
        default:
            return Self.error(
                CloudError(
                    status: 400, code: 131009, message: "(#131009) Parameter value is not valid",
                    details: "Unsupported message type \(type.prefix(30))"))
        }
        let wamid = state.withLock { state -> String in
            state.sequence += 1
            let wamid = "wamid.HBgL\(waID)FQIAERgS\(String(format: "%016X", state.sequence))A"
            state.sent.append(Sent(id: wamid, from: phone, bodyText: request.bodyText))
            return wamid
        }
        var message: [String: Any] = ["id": wamid]
        if let messageStatus { message["message_status"] = messageStatus }
        return .json(200, object: ["messaging_product": "whatsapp", "contacts": [["input": to, "wa_id": waID]], "messages": [message]])
    }

    /// 131047 when the customer's last message is more than 24 hours old (or there is none).
    private func windowClosed(_ waID: String) -> CloudError? {
        let last = state.withLock { $0.lastInbound[waID] }
        if let last, Date().timeIntervalSince(last) < 24 * 3600 { return nil }
        return CloudError(
            status: 400, code: 131047, message: "(#131047) Re-engagement message",
            details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
    }

    private func checkTemplate(name: String, language: String, components: [[String: Any]]?) -> CloudError? {
        guard let template = templates.first(where: { $0.name == name && $0.language == language }), template.status != "REJECTED" else {
            return CloudError(
                status: 404, code: 132001, message: "(#132001) Template name does not exist in the translation",
                details: "template name (\(name.prefix(60))) does not exist in \(language.prefix(10))")
        }
        if template.status == "PAUSED" {
            return CloudError(
                status: 400, code: 132015, message: "(#132015) Template is Paused",
                details: "Template is paused due to low quality so it cannot be sent in a template message.")
        }
        var given: [String: Int] = [:]
        for component in components ?? [] {
            guard let type = (component["type"] as? String)?.lowercased() else {
                return CloudError(
                    status: 400, code: 131008, message: "(#131008) Required parameter is missing",
                    details: "The parameter template['components'][]['type'] is required.")
            }
            let parameters = component["parameters"] as? [[String: Any]] ?? []
            for parameter in parameters {
                guard let kind = parameter["type"] as? String else {
                    return CloudError(
                        status: 400, code: 131008, message: "(#131008) Required parameter is missing", details: "The parameter type is required.")
                }
                if kind == "text", !(parameter["text"] is String) {
                    return CloudError(
                        status: 400, code: 131008, message: "(#131008) Required parameter is missing", details: "The parameter text is required.")
                }
            }
            given[type, default: 0] += parameters.count
        }
        for (type, text) in [("header", template.header), ("body", template.body)] {
            let expected = Template.placeholders(text)
            if given[type, default: 0] != expected {
                return CloudError(
                    status: 400, code: 132000, message: "(#132000) Number of parameters does not match the expected number of params",
                    details:
                        "\(type): number of localizable_params (\(given[type, default: 0])) does not match the expected number of params (\(expected))"
                )
            }
        }
        return nil
    }

    // MARK: - Errors

    private static func missing(_ parameter: String) -> Reply {
        error(
            CloudError(
                status: 400, code: 131008, message: "(#131008) Required parameter is missing", details: "The parameter \(parameter) is required."))
    }

    private static func unsupported(_ method: String, _ node: String) -> Reply {
        error(
            CloudError(
                status: 400, code: 100, subcode: 33,
                message:
                    "Unsupported \(method.lowercased()) request. Object with ID '\(node.prefix(40))' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
            ))
    }

    private static func error(_ error: CloudError) -> Reply {
        var body: [String: Any] = ["message": error.message, "type": "OAuthException", "code": error.code, "fbtrace_id": "AwXyZFake\(error.code)"]
        if let subcode = error.subcode { body["error_subcode"] = subcode }
        if let details = error.details { body["error_data"] = ["messaging_product": "whatsapp", "details": details] }
        var headers = HTTPHeaders()
        for (name, value) in error.headers { headers.add(name: name, value: value) }
        if error.code == 190 { headers.add(name: "WWW-Authenticate", value: "OAuth \"Facebook Platform\" \"invalid_token\" \"\(error.message)\"") }
        return .json(error.status, object: ["error": body], headers: headers)
    }
}
