/// One delivery to `/webhooks/<connector>` as the webhooks room sees it: no HTTP types, only
/// the raw body bytes (signatures are computed over them, never over a re-encoding), the
/// header fields, the path and the raw query.
public struct WebhookRequest: Sendable {
    /// The connector id from the URL (`stripe`, `shopify`…).
    public var connector: String
    /// `GET` (handshakes) or `POST` (deliveries).
    public var method: String
    /// The body exactly as received.
    public var body: [UInt8]
    /// The header fields in arrival order.
    public var headers: [(name: String, value: String)]
    /// The request path (`/webhooks/twilio`).
    public var path: String
    /// The raw query string without `?` (nil when there is none).
    public var query: String?

    /// A delivery.
    public init(connector: String, method: String, body: [UInt8], headers: [(name: String, value: String)], path: String, query: String?) {
        self.connector = connector
        self.method = method
        self.body = body
        self.headers = headers
        self.path = path
        self.query = query
    }

    /// The first header field named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of the fields named `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// The query parameters (form-decoded; the first of a repeated name wins).
    public var queryParameters: [String: String] { QueryString.parameters(query) }
}

extension String {
    /// ASCII case-insensitive equality (header names are ASCII tokens).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
