import Foundation

/// Turns the input of `messages.send` / `drafts.create` into Gmail's `raw`: an RFC 5322
/// message built by `MIMEMessage`, base64url-encoded (RFC 4648 §5) as the Gmail API asks
/// (https://developers.google.com/workspace/gmail/api/guides/sending). The sender is the
/// connection's account (its address, from `users/me/profile`) with the input's `fromName`.
enum GmailComposer {
    /// The message from `input`, sent as `account` (an address; nil leaves From to Gmail).
    static func message(_ input: JSONValue, account: String?, date: Date = Date()) throws -> MIMEMessage {
        guard let subject = JSONPath.text(input["subject"]) else { throw ConnectorError(.invalidInput, "the message needs a subject") }
        var message = MIMEMessage(
            to: try addresses(input["to"], field: "to"), subject: subject,
            text: JSONPath.text(input["text"]), html: JSONPath.text(input["html"]), date: date)
        message.cc = try addresses(input["cc"], field: "cc")
        message.bcc = try addresses(input["bcc"], field: "bcc")
        if let account, account.contains("@") {
            message.from = try MailAddress(account, name: JSONPath.text(input["fromName"]), field: "from")
        }
        if let replyTo = JSONPath.text(input["replyTo"]) { message.replyTo = try MailAddress(replyTo, field: "replyTo") }
        message.inReplyTo = JSONPath.text(input["inReplyTo"])
        if case .array(let references)? = input["references"] { message.references = references.compactMap { JSONPath.text($0) } }
        if case .array(let files)? = input["attachments"] {
            message.attachments = try files.enumerated().map { index, file in
                guard let filename = JSONPath.text(file["filename"]), let type = JSONPath.text(file["contentType"]),
                    let encoded = JSONPath.text(file["contentBase64"])
                else {
                    throw ConnectorError(.invalidInput, "attachments[\(index)] needs filename, contentType and contentBase64")
                }
                guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) ?? Data(base64URL: encoded) else {
                    throw ConnectorError(.invalidInput, "attachments[\(index)].contentBase64 is not base64")
                }
                return MIMEMessage.Attachment(filename: filename, contentType: type, data: data)
            }
        }
        return message
    }

    /// `raw` for the message of `input`; throws `invalidInput` past `maxBytes` (the message, before encoding).
    static func raw(_ input: JSONValue, account: String?, maxBytes: Int, date: Date = Date()) throws -> String {
        let bytes = try message(input, account: account, date: date).render()
        guard bytes.count <= maxBytes else {
            throw ConnectorError(
                .invalidInput, "the message is \(bytes.count) bytes with its attachments, more than the \(maxBytes) sent in one request")
        }
        return base64URL(bytes)
    }

    /// Base64url with padding, as Google's own samples produce it (`urlsafe_b64encode`).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// Recipients: each an address string or `{address, name}`.
    static func addresses(_ value: JSONValue?, field: String) throws -> [MailAddress] {
        guard case .array(let items)? = value else { return [] }
        return try items.enumerated().map { index, item in
            if case .string(let address) = item { return try MailAddress(address, field: "\(field)[\(index)]") }
            guard let address = JSONPath.text(item["address"]) else { throw ConnectorError(.invalidInput, "\(field)[\(index)] needs an address") }
            return try MailAddress(address, name: JSONPath.text(item["name"]), field: "\(field)[\(index)]")
        }
    }
}

extension Data {
    /// Decodes base64url (RFC 4648 §5), padded or not.
    init?(base64URL text: String) {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        self.init(base64Encoded: standard)
    }
}
