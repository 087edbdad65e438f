public import Foundation

/// The secret in the webhook URL of one connection, for providers that do not sign their
/// deliveries (Mailchimp): HMAC-SHA256 of the connector and the connection id, keyed with the
/// server's secret (`MAILCHIMP_WEBHOOK_KEY`), in lower-case hex. Each connection registers
/// its own URL (`?connection=<id>&secret=<token>`), so the secret one tenant sees in its URL
/// opens only its own connection: it cannot post events into another tenant's audience, as
/// one secret shared by every URL could. Nothing is stored: the token is derived again to
/// check a delivery, and a new server secret retires every URL at once.
public enum WebhookURLToken {
    /// Domain separation: these MACs mean "a webhook URL of this connection" and nothing else.
    static let context = "neonhub-webhook-url-v1"

    /// The token of `connectionID`'s URL for `connector`.
    public static func token(secret: String, connector: String, connectionID: UUID) -> String {
        let message = "\(context):\(connector):\(connectionID.uuidString.lowercased())"
        return WebhookEncoding.hex(HMACSHA256.authenticate(message: Array(message.utf8), key: Array(secret.utf8)))
    }

    /// The URL a connection registers at the provider: `<publicURL>/webhooks/<connector>`
    /// with the connection id and its token as query parameters.
    public static func url(publicURL: String, connector: String, connectionID: UUID, secret: String) -> String {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let id = connectionID.uuidString.lowercased()
        return "\(base)/webhooks/\(connector)?connection=\(id)&secret=\(token(secret: secret, connector: connector, connectionID: connectionID))"
    }
}
