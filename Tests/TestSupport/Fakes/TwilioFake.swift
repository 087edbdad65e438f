// A fake of Twilio's 2010-04-01 REST API for Programmable Messaging on loopback, following the
// documentation — not what our connector definition assumes:
//
// - Messages resource (create, fetch, read; the parameters and the JSON of a Message):
//   https://www.twilio.com/docs/messaging/api/message-resource
// - Authenticating with HTTP basic auth (Account SID + Auth Token, or API Key SID + secret;
//   the account in the path is the Account SID):
//   https://www.twilio.com/docs/usage/requests-to-twilio and https://www.twilio.com/docs/iam/api-keys
// - Paging (page, page_size, next_page_uri relative to https://api.twilio.com, PageToken):
//   https://www.twilio.com/docs/usage/twilios-response#response-formats-list-paging-information
// - IncomingPhoneNumbers (the account's numbers):
//   https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
// - Accounts: https://www.twilio.com/docs/iam/api/account
// - Error JSON {code, message, more_info, status} and the codes used here:
//   https://www.twilio.com/docs/api/errors/20003 (authenticate), /20404 (not found),
//   /20429 (too many concurrent requests, HTTP 429; "Twilio-Concurrent-Requests" header; no
//   Retry-After documented), /21211 (invalid To), /21481 (invalid PageToken),
//   /21602 (message body required), /21603 (From required), /21604 (To required),
//   /21606 (From not a message-capable number of the account), /21610 (unsubscribed
//   recipient), /21617 (body over 1,600 characters), /21656 (invalid ContentVariables),
//   /21910 (From and To of different channels), /63007 (no WhatsApp sender for From),
//   /63016 (WhatsApp free-form message outside the 24-hour window: the create answers 201 and
//   the message fails afterwards with error_code 63016).
// - WhatsApp through Twilio (whatsapp: addresses, templates by ContentSid / ContentVariables):
//   https://www.twilio.com/docs/whatsapp/api
//
// Where the documentation gives no body for a case (a StatusCallback that is not a URL) the fake
// answers 400 in Twilio's error shape with the code named in its comment.

public import Foundation
import HTTPFields
import Synchronization

/// Twilio Messaging on loopback: `/2010-04-01/Accounts/{AccountSid}.json`,
/// `…/IncomingPhoneNumbers.json`, `…/Messages.json` (create, read) and `…/Messages/{Sid}.json`.
///
/// It keeps state like the real thing: messages it created are listed (newest first) and
/// fetched, recipients who replied STOP are refused, WhatsApp free-form messages outside the
/// 24-hour window fail after they are queued. Knobs: `optOut(_:)`, `openWhatsAppWindow(with:)`,
/// `deleteAPIKey()`, `injectRateLimit(calls:)`, `failNext(status:code:message:)`, `deliver(_:)`.
public final class TwilioFake: ServedFake {
    /// The account the fake serves.
    public static let accountSid = "AC" + String(repeating: "a1", count: 16)
    /// Its Auth Token.
    public static let authToken = "fake-twilio-auth-token-0123456789"
    /// An API Key of the account.
    public static let apiKeySid = "SK" + String(repeating: "b2", count: 16)
    /// The key's secret.
    public static let apiKeySecret = "fake-twilio-api-key-secret"
    /// The account's SMS numbers.
    public static let numbers = ["+14155550100", "+14155550111", "+14155550122"]
    /// The account's WhatsApp sender.
    public static let whatsAppSender = "+14155238886"

    /// A message as the fake stores it.
    public struct Message: Sendable {
        public var sid: String
        public var to: String
        public var from: String
        public var body: String
        public var status: String
        public var direction: String
        public var errorCode: Int?
        public var errorMessage: String?
        public var messagingServiceSid: String?
        public var statusCallback: String?
        public var mediaURL: String?
        public var contentSid: String?
        public var contentVariables: String?
        public var numMedia: Int
        public var numSegments: Int
        public var createdAt: Date
        public var sentAt: Date?
    }

    private struct Fault: Sendable {
        var status: Int
        var code: Int
        var message: String
        var headers: [String: String]
    }

    private struct State: Sendable {
        var messages: [String: Message] = [:]
        var order: [String] = []
        var optedOut: Set<String> = []
        var whatsAppWindows: Set<String> = []
        var apiKeyActive = true
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    private let state = Mutex(State())
    private let faults = ScriptedFaults<Fault>()

    /// A fake account with `TwilioFake.numbers` and one WhatsApp sender.
    public init() {
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["message": "fake gone"])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for `https://api.twilio.com`.
    public var baseURL: String { server.baseURL }

    /// `…/2010-04-01`: what the connector's base URL is overridden with.
    public var apiBaseURL: String { baseURL + "/2010-04-01" }

    // MARK: - Knobs

    /// `number` replied STOP: sending to it answers 21610.
    public func optOut(_ number: String) { _ = state.withLock { $0.optedOut.insert(number) } }

    /// `number` messaged the WhatsApp sender in the last 24 hours: free-form messages to it are delivered.
    public func openWhatsAppWindow(with number: String) { _ = state.withLock { $0.whatsAppWindows.insert(number) } }

    /// The API Key is deleted: its SID and secret answer 20003 from now on.
    public func deleteAPIKey() { state.withLock { $0.apiKeyActive = false } }

    /// The next `calls` requests answer 429 with code 20429 (too many concurrent requests).
    /// Twilio documents no `Retry-After` for it; pass `retryAfter` to add one anyway.
    public func injectRateLimit(calls: Int = 1, retryAfter: Int? = nil) {
        var headers = ["Twilio-Concurrent-Requests": "101"]
        if let retryAfter { headers["Retry-After"] = String(retryAfter) }
        faults.add(Fault(status: 429, code: 20429, message: "Too Many Requests", headers: headers), calls: calls)
    }

    /// The next `calls` requests answer `status` with Twilio's error body for `code`.
    public func failNext(_ calls: Int = 1, status: Int, code: Int, message: String) {
        faults.add(Fault(status: status, code: code, message: message, headers: [:]), calls: calls)
    }

    /// The messages created, newest first.
    public var messages: [Message] { state.withLock { state in state.order.reversed().compactMap { state.messages[$0] } } }

    /// A message by SID.
    public func message(_ sid: String) -> Message? { state.withLock { $0.messages[sid] } }

    /// Moves a queued message on as the carrier would (`delivered`, or `failed` with 63016 for a
    /// WhatsApp free-form message outside the window) and answers the status callback Twilio
    /// would POST: its URL and form parameters (nil without a StatusCallback).
    public func deliver(_ sid: String) -> (url: String, parameters: [(String, String)])? {
        state.withLock { state in
            guard var message = state.messages[sid] else { return nil }
            if message.status != "failed" { message.status = "delivered"; message.sentAt = Date() }
            state.messages[sid] = message
            guard let url = message.statusCallback else { return nil }
            var parameters = [
                ("AccountSid", Self.accountSid), ("ApiVersion", "2010-04-01"), ("From", message.from),
                ("MessageSid", message.sid), ("MessageStatus", message.status), ("SmsSid", message.sid),
                ("SmsStatus", message.status), ("To", message.to),
            ]
            if let code = message.errorCode { parameters.append(("ErrorCode", String(code))) }
            return (url, parameters)
        }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    /// Twilio's error JSON.
    static func error(_ status: Int, _ code: Int, _ message: String, headers: [String: String] = [:]) -> FakeProviderServer.Reply {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.replaceOrAdd(name: name, value: value) }
        return .json(
            status, object: ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status],
            headers: fields)
    }

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard segments.count >= 3, segments[0] == "2010-04-01", segments[1] == "Accounts" else {
            return Self.error(404, 20404, "The requested resource \(request.path) was not found")
        }
        // Basic auth: the Account SID with its Auth Token, or an API Key of the account with its secret.
        guard authenticated(request) else { return Self.error(401, 20003, "Authenticate") }
        let account = segments[2].hasSuffix(".json") ? String(segments[2].dropLast(5)) : segments[2]
        // Credentials of one account do not reach another (20003, "Using subaccount credentials to access master account").
        guard account == Self.accountSid else { return Self.error(401, 20003, "Authenticate") }
        if let fault = faults.take() { return Self.error(fault.status, fault.code, fault.message, headers: fault.headers) }
        let rest = Array(segments.dropFirst(3))
        let method = request.method
        if method == "GET", rest.isEmpty, segments[2].hasSuffix(".json") { return .json(200, object: accountJSON()) }
        if method == "GET", rest == ["IncomingPhoneNumbers.json"] {
            return page(
                request, key: "incoming_phone_numbers", resource: "IncomingPhoneNumbers.json",
                items: Self.numbers.enumerated().map { Self.numberJSON($0.element, index: $0.offset) }, filters: [])
        }
        if method == "POST", rest == ["Messages.json"] { return create(request) }
        if method == "GET", rest == ["Messages.json"] { return list(request) }
        if method == "GET", rest.count == 2, rest[0] == "Messages", rest[1].hasSuffix(".json") {
            guard let message = message(String(rest[1].dropLast(5))) else {
                return Self.error(404, 20404, "The requested resource \(request.path) was not found")
            }
            return .json(200, object: Self.json(message))
        }
        return Self.error(404, 20404, "The requested resource \(request.path) was not found")
    }

    private func authenticated(_ request: Request) -> Bool {
        guard let header = request.header("Authorization"), header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else { return false }
        let user = String(decoded[..<colon]), password = String(decoded[decoded.index(after: colon)...])
        if user == Self.accountSid { return password == Self.authToken }
        if user == Self.apiKeySid { return password == Self.apiKeySecret && state.withLock { $0.apiKeyActive } }
        return false
    }

    // MARK: - Messages

    /// E.164 with a plausible length: 8 to 15 digits, 11 for the North American +1 plan.
    private static func isE164(_ text: String) -> Bool {
        guard text.hasPrefix("+") else { return false }
        let digits = text.dropFirst()
        guard digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }), (8...15).contains(digits.count) else { return false }
        return digits.first != "1" || digits.count == 11
    }

    private func create(_ request: Request) -> Reply {
        // Parameters are form-encoded; a JSON body carries none of them.
        let isForm = request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let form = isForm ? request.formItems : [:]
        func value(_ name: String) -> String? { form[name]?.last.flatMap { $0.isEmpty ? nil : $0 } }
        guard let to = value("To") else { return Self.error(400, 21604, "A 'To' phone number is required.") }
        let from = value("From"), service = value("MessagingServiceSid")
        guard from != nil || service != nil else { return Self.error(400, 21603, "A 'From' phone number is required.") }
        let body = value("Body") ?? "", media = value("MediaUrl"), content = value("ContentSid")
        guard !body.isEmpty || media != nil || content != nil else { return Self.error(400, 21602, "Message body is required.") }
        guard body.count <= 1600 else { return Self.error(400, 21617, "The concatenated message body exceeds the 1600 character limit.") }
        let whatsApp = to.hasPrefix("whatsapp:")
        let address = whatsApp ? String(to.dropFirst(9)) : to
        guard Self.isE164(address) else { return Self.error(400, 21211, "Invalid 'To' Phone Number: \(address)") }
        if let from, from.hasPrefix("whatsapp:") != whatsApp {
            return Self.error(400, 21910, "Invalid From and To pair. From and To should be of the same channel")
        }
        if let from {
            if whatsApp {
                guard from == "whatsapp:" + Self.whatsAppSender else {
                    return Self.error(400, 63007, "Twilio could not find a Channel with the specified From address")
                }
            } else if !Self.numbers.contains(from) {
                return Self.error(
                    400, 21606, "The From phone number \(from) is not a valid, SMS-capable inbound phone number or short code for your account.")
            }
        }
        if let callback = value("StatusCallback") {
            // A URL with a valid host name and no underscores (Message resource: StatusCallback); 21609 answers otherwise.
            guard let url = URL(string: callback), ["http", "https"].contains(url.scheme ?? ""), let host = url.host, !host.isEmpty,
                !callback.contains("_")
            else {
                return Self.error(400, 21609, "Invalid StatusCallback url: \(callback)")
            }
        }
        if let variables = value("ContentVariables") {
            guard (try? JSONSerialization.jsonObject(with: Data(variables.utf8))) is [String: Any] else {
                return Self.error(400, 21656, "The ContentVariables Parameter is invalid.")
            }
        }
        let optedOut = state.withLock { $0.optedOut.contains(address) }
        guard !optedOut else { return Self.error(400, 21610, "Attempt to send to unsubscribed recipient") }
        let windowOpen = state.withLock { $0.whatsAppWindows.contains(address) }
        let message = state.withLock { state -> Message in
            state.sequence += 1
            let sid = (media != nil ? "MM" : "SM") + String(format: "%032x", state.sequence)
            // Outside the 24-hour window a free-form WhatsApp message is accepted, then fails (63016).
            let failsLater = whatsApp && content == nil && !windowOpen
            let segments = body.count <= 160 ? 1 : (body.count + 152) / 153
            let created = Message(
                sid: sid, to: to, from: from ?? "", body: body, status: service != nil && from == nil ? "accepted" : "queued",
                direction: "outbound-api", errorCode: failsLater ? 63016 : nil,
                errorMessage: nil, messagingServiceSid: service, statusCallback: value("StatusCallback"), mediaURL: media,
                contentSid: content, contentVariables: value("ContentVariables"), numMedia: media == nil ? 0 : 1,
                numSegments: whatsApp ? 1 : segments, createdAt: Date(), sentAt: nil)
            var stored = created
            if failsLater {
                stored.status = "failed";
                stored.errorMessage =
                    "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."
            }
            state.messages[sid] = stored
            state.order.append(sid)
            return created
        }
        return .json(201, object: Self.json(message))
    }

    private func list(_ request: Request) -> Reply {
        let query = request.queryItems
        let to = query["To"]?.last, from = query["From"]?.last, after = query["DateSent>"]?.last
        var filters: [(String, String)] = []
        if let to { filters.append(("To", to)) }
        if let from { filters.append(("From", from)) }
        if let after { filters.append(("DateSent>", after)) }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        let threshold = after.flatMap { day.date(from: $0) }
        if after != nil, threshold == nil { return Self.error(400, 20001, "Invalid DateSent> value: \(after ?? "")") }
        let items = messages.filter { message in
            (to == nil || message.to == to) && (from == nil || message.from == from)
                && (threshold == nil || (message.sentAt ?? message.createdAt) >= threshold!)
        }
        return page(request, key: "messages", resource: "Messages.json", items: items.map(Self.json), filters: filters)
    }

    /// One page of `items` as Twilio answers lists: `Page` (0-based), `PageSize` (default 50,
    /// at most 1000), and from the second page on the `PageToken` the previous page handed out.
    private func page(_ request: Request, key: String, resource: String, items: [[String: Any]], filters: [(String, String)]) -> Reply {
        let query = request.queryItems
        let size = query["PageSize"]?.last.flatMap(Int.init) ?? 50
        guard (1...1000).contains(size) else { return Self.error(400, 20001, "PageSize must be between 1 and 1000") }
        let number = query["Page"]?.last.flatMap(Int.init) ?? 0
        let start = number * size
        if number > 0 {
            // The token names the last item of the previous page; a made-up or missing one is 21481.
            let expected = items.indices.contains(start - 1) ? "PA" + (items[start - 1]["sid"] as? String ?? "") : nil
            guard let token = query["PageToken"]?.last, token == expected else {
                return Self.error(400, 21481, "Invalid PageToken")
            }
        }
        let slice = start < items.count ? Array(items[start..<min(items.count, start + size)]) : []
        let base = "/2010-04-01/Accounts/\(Self.accountSid)/\(resource)"
        func uri(_ extra: [(String, String)]) -> String {
            let all = filters + extra
            return base + "?" + all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        let hasNext = start + size < items.count
        let next = Self.orNull(
            hasNext
                ? uri([
                    ("PageSize", String(size)), ("Page", String(number + 1)),
                    ("PageToken", "PA" + (slice.last?["sid"] as? String ?? "")),
                ]) : nil)
        let previous = Self.orNull(number > 0 ? uri([("PageSize", String(size)), ("Page", String(number - 1))]) : nil)
        return .json(
            200,
            object: [
                key: slice, "page": number, "page_size": size, "start": start, "end": start + max(slice.count - 1, 0),
                "uri": uri([("PageSize", String(size)), ("Page", String(number))]),
                "first_page_uri": uri([("PageSize", String(size)), ("Page", "0")]),
                "next_page_uri": next, "previous_page_uri": previous,
            ])
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? text
    }

    // MARK: - JSON

    /// RFC 2822 dates in GMT, as Twilio writes them.
    static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// A value, or JSON null.
    static func orNull<T>(_ value: T?) -> Any { value.map { $0 as Any } ?? NSNull() }

    static func json(_ message: Message) -> [String: Any] {
        let uri = "/2010-04-01/Accounts/\(accountSid)/Messages/\(message.sid)"
        return [
            "account_sid": accountSid, "api_version": "2010-04-01", "body": message.body,
            "date_created": rfc2822(message.createdAt), "date_updated": rfc2822(message.createdAt),
            "date_sent": orNull(message.sentAt.map(rfc2822)), "direction": message.direction,
            "error_code": orNull(message.errorCode), "error_message": orNull(message.errorMessage),
            "from": orNull(message.from.isEmpty ? nil : message.from), "messaging_service_sid": orNull(message.messagingServiceSid),
            "num_media": String(message.numMedia), "num_segments": String(message.numSegments),
            "price": NSNull(), "price_unit": "USD", "sid": message.sid, "status": message.status, "to": message.to,
            "subresource_uris": ["media": uri + "/Media.json", "feedback": uri + "/Feedback.json"], "uri": uri + ".json",
        ]
    }

    private func accountJSON() -> [String: Any] {
        [
            "sid": Self.accountSid, "owner_account_sid": Self.accountSid, "friendly_name": "NeonHub Demo", "status": "active", "type": "Full",
            "date_created": "Thu, 30 Jul 2015 20:00:00 +0000", "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
            "uri": "/2010-04-01/Accounts/\(Self.accountSid).json",
            "subresource_uris": ["messages": "/2010-04-01/Accounts/\(Self.accountSid)/Messages.json"],
        ]
    }

    private static func numberJSON(_ number: String, index: Int) -> [String: Any] {
        let digits = number.dropFirst(2)
        return [
            "sid": "PN" + String(format: "%032x", index + 1), "account_sid": accountSid, "phone_number": number,
            "friendly_name": "(\(digits.prefix(3))) \(digits.dropFirst(3).prefix(3))-\(digits.suffix(4))",
            "capabilities": ["voice": true, "sms": true, "mms": true, "fax": false], "status": "in-use",
        ]
    }
}
