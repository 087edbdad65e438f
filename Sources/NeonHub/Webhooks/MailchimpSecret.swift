public import Foundation

/// Mailchimp audience webhooks are not signed: the callback URL registered at Mailchimp
/// carries an unguessable `?secret=…`, compared here in constant time with
/// `MAILCHIMP_WEBHOOK_SECRET`. Mailchimp checks a URL with a plain `GET` before saving it,
/// which is answered 200 without the secret.
///
/// Reference: https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/
/// ("Securing your webhooks", "Webhook URL validation").
public struct MailchimpSecret: WebhookSignatureScheme {
    /// `MAILCHIMP_WEBHOOK_SECRET`.
    let secret: [UInt8]

    /// A verifier for one URL secret.
    public init(secret: String) { self.secret = Array(secret.utf8) }

    public var signatureHeaders: [String] { [] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let given = request.queryParameters["secret"], !given.isEmpty else {
            throw WebhookError(.missingSignature, "the URL has no secret parameter")
        }
        // Hash both sides so that the comparison's length check leaks nothing about the secret.
        guard constantTimeEquals(SHA256Digest.digest(Array(given.utf8)), SHA256Digest.digest(secret)) else {
            throw WebhookError(.invalidSignature, "the URL secret is wrong")
        }
    }
}
