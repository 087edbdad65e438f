public import Foundation

/// Mailchimp audience webhooks are not signed: the callback URL registered at Mailchimp
/// carries the connection it belongs to and that connection's own unguessable secret
/// (`?connection=<id>&secret=<token>`, `WebhookURLToken` keyed with
/// `MAILCHIMP_WEBHOOK_KEY`), compared here in constant time. The delivery then goes to
/// that connection alone. A URL with the server's secret itself and no connection — what
/// earlier versions registered — is refused: every tenant that registered one saw that secret,
/// and with it could post events into any other tenant's audience. Mailchimp checks a URL with
/// a plain `GET` before saving it, which is answered 200 without the secret.
///
/// Reference: https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/
/// ("Securing your webhooks", "Webhook URL validation").
public struct MailchimpSecret: WebhookSignatureScheme {
    /// `MAILCHIMP_WEBHOOK_KEY`.
    let secret: String

    /// A verifier for the URLs derived from one server secret.
    public init(secret: String) { self.secret = secret }

    public var signatureHeaders: [String] { [] }

    /// The connection a delivery's URL names (checked by `verify`).
    public static func connectionID(_ request: WebhookRequest) -> UUID? {
        request.queryParameters["connection"].flatMap { $0.utf8.count == 36 ? UUID(uuidString: $0) : nil }
    }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let given = request.queryParameters["secret"], !given.isEmpty else {
            throw WebhookError(.missingSignature, "the URL has no secret parameter")
        }
        guard let connection = Self.connectionID(request) else {
            throw WebhookError(
                .invalidSignature, "the URL names no connection: register the connection's own URL again (mailchimp webhooks.create)")
        }
        let expected = WebhookURLToken.token(secret: secret, connector: "mailchimp", connectionID: connection)
        // Hash both sides so that the comparison's length check leaks nothing about the token.
        guard constantTimeEquals(SHA256Digest.digest(Array(given.utf8)), SHA256Digest.digest(Array(expected.utf8))) else {
            throw WebhookError(.invalidSignature, "the URL secret is wrong")
        }
    }
}
