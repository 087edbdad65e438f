public import Foundation

/// An email as RFC 5322 / MIME (RFC 2045–2047, 2231) text with CRLF line endings, built by us
/// for Gmail's `raw` field: From, To, Cc, Bcc (Gmail delivers to it and removes it), Reply-To,
/// Subject (RFC 2047 when not ASCII), In-Reply-To and References for replies, Date and
/// MIME-Version; the body is `text/plain`, `text/html`, or both as `multipart/alternative`
/// (plain first, as RFC 2046 §5.1.4 orders them), wrapped with attachments in
/// `multipart/mixed`. Text parts are 7bit when they are ASCII with short lines, base64
/// otherwise; attachments are always base64. Every header value is checked for line breaks.
public struct MIMEMessage: Sendable {
    /// A file sent with the message.
    public struct Attachment: Sendable, Equatable {
        /// The file name shown to the recipient.
        public var filename: String
        /// Its media type (`application/pdf`).
        public var contentType: String
        /// Its bytes.
        public var data: Data

        /// An attachment.
        public init(filename: String, contentType: String, data: Data) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public var from: MailAddress?
    public var to: [MailAddress]
    public var cc: [MailAddress] = []
    public var bcc: [MailAddress] = []
    public var replyTo: MailAddress?
    public var subject: String
    public var text: String?
    public var html: String?
    public var attachments: [Attachment] = []
    /// The `Message-ID` of the message answered (`<…@…>`), for In-Reply-To and References.
    public var inReplyTo: String?
    /// The thread's earlier Message-IDs, oldest first (In-Reply-To is appended when missing).
    public var references: [String] = []
    public var date: Date

    /// A message to `to` with `subject`; set the rest before `render`.
    public init(to: [MailAddress], subject: String, text: String? = nil, html: String? = nil, date: Date = Date()) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
    }

    /// The message as bytes. `boundary` makes each multipart boundary (random by default; a
    /// boundary that occurs in a part is never used). Throws `invalidInput` for a header value
    /// with a line break, a malformed media type or Message-ID, or a message with no recipient or no body.
    public func render(boundary: () -> String = MIMEMessage.randomBoundary) throws -> Data {
        guard !to.isEmpty || !cc.isEmpty || !bcc.isEmpty else { throw ConnectorError(.invalidInput, "the message needs at least one recipient") }
        guard text != nil || html != nil else { throw ConnectorError(.invalidInput, "the message needs a text or an HTML body") }
        try MIMEHeader.refuseLineBreaks(subject, field: "subject")
        var headers: [(String, String)] = []
        if let from { headers.append(("From", from.headerValue)) }
        for (name, list) in [("To", to), ("Cc", cc), ("Bcc", bcc)] where !list.isEmpty {
            headers.append((name, list.map(\.headerValue).joined(separator: "," + MIMEHeader.crlf + " ")))
        }
        if let replyTo { headers.append(("Reply-To", replyTo.headerValue)) }
        headers.append(("Subject", MIMEHeader.unstructured(subject)))
        if let inReplyTo {
            let id = try Self.messageID(inReplyTo, field: "inReplyTo")
            var chain = try references.map { try Self.messageID($0, field: "references") }
            if chain.last != id { chain.append(id) }
            headers.append(("In-Reply-To", id))
            headers.append(("References", chain.joined(separator: MIMEHeader.crlf + " ")))
        }
        headers.append(("Date", Self.dateTime(date)))
        headers.append(("MIME-Version", "1.0"))

        var body = try bodyPart(boundary: boundary)
        if !attachments.isEmpty {
            var parts = [body]
            for attachment in attachments { parts.append(try Self.attachmentPart(attachment)) }
            body = Self.multipart("mixed", parts, boundary: boundary)
        }
        let head = (headers + body.headers).map { "\($0.0): \($0.1)" }.joined(separator: MIMEHeader.crlf)
        return Data((head + MIMEHeader.crlf + MIMEHeader.crlf + body.content).utf8)
    }

    /// A random boundary: 24 hex digits after a prefix that cannot occur in base64 text.
    public static func randomBoundary() -> String {
        "=_neonhub_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased()
    }

    /// One part: its own header fields and its content.
    struct Part {
        var headers: [(String, String)]
        var content: String
    }

    private func bodyPart(boundary: () -> String) throws -> Part {
        switch (text, html) {
        case (let text?, let html?):
            return Self.multipart("alternative", [Self.textPart(text, subtype: "plain"), Self.textPart(html, subtype: "html")], boundary: boundary)
        case (let text?, nil): return Self.textPart(text, subtype: "plain")
        case (nil, let html?): return Self.textPart(html, subtype: "html")
        case (nil, nil): throw ConnectorError(.invalidInput, "the message needs a text or an HTML body")
        }
    }

    static func textPart(_ text: String, subtype: String) -> Part {
        let normalized = MIMEHeader.crlfLines(text)
        let sevenBit =
            normalized.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\0" }
            && normalized.components(separatedBy: MIMEHeader.crlf).allSatisfy { $0.utf8.count <= 998 }
        let type = ("Content-Type", "text/\(subtype); charset=UTF-8")
        if sevenBit { return Part(headers: [type, ("Content-Transfer-Encoding", "7bit")], content: normalized) }
        return Part(headers: [type, ("Content-Transfer-Encoding", "base64")], content: MIMEHeader.base64Lines(Data(normalized.utf8)))
    }

    static func attachmentPart(_ attachment: Attachment) throws -> Part {
        try MIMEHeader.refuseLineBreaks(attachment.filename, field: "attachment filename")
        let token = "[A-Za-z0-9!#$&^_.+-]+"
        guard attachment.contentType.range(of: "^\(token)/\(token)$", options: .regularExpression) != nil else {
            throw ConnectorError(
                .invalidInput,
                "attachment \(MIMEHeader.preview(attachment.filename)): \(MIMEHeader.preview(attachment.contentType)) is not a media type (type/subtype)"
            )
        }
        let name =
            MIMEHeader.isPrintableASCII(attachment.filename)
            ? MIMEHeader.parameter("name", attachment.filename)
            : "name=" + MIMEHeader.quoted(MIMEHeader.encodedWords(attachment.filename).joined(separator: " "))
        return Part(
            headers: [
                ("Content-Type", "\(attachment.contentType.lowercased()); \(name)"),
                ("Content-Disposition", "attachment; " + MIMEHeader.parameter("filename", attachment.filename)),
                ("Content-Transfer-Encoding", "base64"),
            ], content: MIMEHeader.base64Lines(attachment.data))
    }

    /// A `multipart/<subtype>` part of `parts`, with a boundary that occurs in none of them.
    static func multipart(_ subtype: String, _ parts: [Part], boundary make: () -> String) -> Part {
        let rendered = parts.map { part in
            part.headers.map { "\($0.0): \($0.1)" }.joined(separator: MIMEHeader.crlf) + MIMEHeader.crlf + MIMEHeader.crlf + part.content
        }
        var boundary = make()
        var tries = 0
        while rendered.contains(where: { $0.contains(boundary) }) && tries < 8 { boundary = make(); tries += 1 }
        if rendered.contains(where: { $0.contains(boundary) }) { boundary = randomBoundary() }
        let delimiter = MIMEHeader.crlf + "--" + boundary
        let content = rendered.map { delimiter + MIMEHeader.crlf + $0 }.joined() + delimiter + "--" + MIMEHeader.crlf
        return Part(
            headers: [("Content-Type", "multipart/\(subtype); boundary=\"\(boundary)\"")],
            content: "This is a multi-part message in MIME format." + content)
    }

    /// A Message-ID as `<id-left@id-right>` (angle brackets added when missing).
    static func messageID(_ value: String, field: String) throws -> String {
        try MIMEHeader.refuseLineBreaks(value, field: field)
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let bare = trimmed.hasPrefix("<") && trimmed.hasSuffix(">") ? String(trimmed.dropFirst().dropLast()) : trimmed
        guard bare.contains("@"), MIMEHeader.isPrintableASCII(bare), !bare.contains(where: { " <>".contains($0) }) else {
            throw ConnectorError(.invalidInput, "\(field): \(MIMEHeader.preview(value)) is not a Message-ID (<id@host>)")
        }
        return "<\(bare)>"
    }

    /// RFC 5322 §3.3 date-time in UTC (`Tue, 01 Dec 2026 10:00:00 +0000`).
    static func dateTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(days[((c.weekday ?? 1) - 1) % 7]), \(two(c.day)) \(months[((c.month ?? 1) - 1) % 12]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
