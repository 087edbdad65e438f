/// One event found in a verified delivery (a body may hold several: Meta's `entry[]`).
public struct ParsedWebhookEvent: Sendable, Equatable {
    /// The provider's event id, or a SHA-256 that stands in for one (what deduplicates).
    public var eventID: String
    /// The provider's event type (`orders/create`, `payment_intent.succeeded`, `feed`…).
    public var eventType: String?
    /// The provider account that routes it to a connection (shop domain, page id, team id…).
    public var accountID: String?
    /// The event as stored in `webhook_events.payload`.
    public var payload: JSONValue

    /// An event.
    public init(eventID: String, eventType: String?, accountID: String?, payload: JSONValue) {
        self.eventID = eventID
        self.eventType = eventType
        self.accountID = accountID
        self.payload = payload
    }
}
