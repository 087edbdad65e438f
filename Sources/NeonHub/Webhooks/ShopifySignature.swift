public import Foundation

/// Shopify webhooks: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body keyed with
/// the app's client secret>`.
///
/// Reference: https://shopify.dev/docs/apps/build/webhooks/subscribe/https ("Verify the webhook").
public struct ShopifySignature: WebhookSignatureScheme {
    /// `SHOPIFY_API_SECRET`.
    let apiSecret: [UInt8]

    /// A verifier for one app secret.
    public init(apiSecret: String) { self.apiSecret = Array(apiSecret.utf8) }

    public var signatureHeaders: [String] { ["X-Shopify-Hmac-Sha256"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("X-Shopify-Hmac-Sha256"), !header.isEmpty else {
            throw WebhookError(.missingSignature, "X-Shopify-Hmac-Sha256 is missing")
        }
        let expected = HMACSHA256.authenticate(message: request.body, key: apiSecret)
        guard WebhookEncoding.matches(WebhookEncoding.unbase64(header), expected) else {
            throw WebhookError(.invalidSignature, "X-Shopify-Hmac-Sha256 does not match the body")
        }
    }
}
