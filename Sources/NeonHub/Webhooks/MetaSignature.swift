public import Foundation

/// Meta (Facebook Pages, Instagram, WhatsApp Cloud API) event notifications:
/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`.
///
/// Reference: https://developers.facebook.com/docs/graph-api/webhooks/getting-started
/// ("Event Notifications" → "Validate Payloads"); WhatsApp uses the same header:
/// https://developers.facebook.com/docs/whatsapp/cloud-api/guides/set-up-webhooks
public struct MetaSignature: WebhookSignatureScheme {
    /// `META_APP_SECRET`.
    let appSecret: [UInt8]

    /// A verifier for one app secret.
    public init(appSecret: String) { self.appSecret = Array(appSecret.utf8) }

    public var signatureHeaders: [String] { ["X-Hub-Signature-256", "X-Hub-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("X-Hub-Signature-256"), header.hasPrefix("sha256=") else {
            throw WebhookError(.missingSignature, "X-Hub-Signature-256 is missing or not sha256=<hex>")
        }
        let expected = HMACSHA256.authenticate(message: request.body, key: appSecret)
        guard WebhookEncoding.matches(WebhookEncoding.unhex(header.dropFirst("sha256=".count)), expected) else {
            throw WebhookError(.invalidSignature, "X-Hub-Signature-256 does not match the body")
        }
    }
}
