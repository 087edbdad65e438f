/// The answer the webhooks room gives a delivery or handshake, without HTTP types: the
/// route adapter turns it into a response.
public struct WebhookReply: Sendable, Equatable {
    /// The HTTP status to answer.
    public var status: Int
    /// The media type of `body`.
    public var contentType: String
    /// The body bytes.
    public var body: [UInt8]

    /// A reply.
    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// 200 with a JSON body.
    static func json(_ value: JSONValue, status: Int = 200) -> WebhookReply {
        WebhookReply(status: status, contentType: "application/json", body: Array(value.jsonText.utf8))
    }

    /// 200 with a plain-text body.
    static func text(_ text: String, status: Int = 200) -> WebhookReply {
        WebhookReply(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// Twilio's empty TwiML answer: acknowledged, no reply message.
    static let emptyTwiML = WebhookReply(
        status: 200, contentType: "text/xml",
        body: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".utf8))
}
