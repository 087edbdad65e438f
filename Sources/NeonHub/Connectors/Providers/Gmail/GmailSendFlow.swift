import Foundation

/// `gmail.send` (`messages.send`): the input becomes an RFC 5322 / MIME message
/// (`GmailComposer`, `MIMEMessage`) sent through the plain step `messages.sendRaw`
/// (POST `/users/me/messages/send` with `{raw, threadId}`,
/// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send).
/// The answer is Gmail's Message (`id`, `threadId`, `labelIds`).
public struct GmailSendFlow: ConnectorFlow {
    public let id = "gmail.send"
    /// The largest message (attachments included, before base64url) sent in one JSON request.
    public var maxMessageBytes: Int

    /// A flow that sends messages of at most `maxMessageBytes` (default 5 MiB).
    public init(maxMessageBytes: Int = GmailSendFlow.defaultMaxMessageBytes) { self.maxMessageBytes = maxMessageBytes }

    /// 5 MiB: the JSON `raw` path; Gmail's media upload URI (up to 35 MB) is not used.
    public static let defaultMaxMessageBytes = 5 * 1024 * 1024

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let raw = try GmailComposer.raw(call.input, account: call.accountID, maxBytes: maxMessageBytes)
        var step: [String: JSONValue] = ["raw": .string(raw)]
        if let thread = call.input["threadId"] { step["threadId"] = thread }
        return try await context.perform("messages.sendRaw", input: .object(step))
    }
}

/// `gmail.draft` (`drafts.create`): the same message as `gmail.send`, stored as a draft through
/// the plain step `drafts.createRaw` (POST `/users/me/drafts` with `{message: {raw, threadId}}`,
/// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.drafts/create);
/// `drafts.send` sends it later. The answer is the Draft's id and its message's ids.
public struct GmailDraftFlow: ConnectorFlow {
    public let id = "gmail.draft"
    /// The largest message stored in one JSON request.
    public var maxMessageBytes: Int

    /// A flow that stores drafts of at most `maxMessageBytes`.
    public init(maxMessageBytes: Int = GmailSendFlow.defaultMaxMessageBytes) { self.maxMessageBytes = maxMessageBytes }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let raw = try GmailComposer.raw(call.input, account: call.accountID, maxBytes: maxMessageBytes)
        var step: [String: JSONValue] = ["raw": .string(raw)]
        if let thread = call.input["threadId"] { step["threadId"] = thread }
        return try await context.perform("drafts.createRaw", input: .object(step))
    }
}
