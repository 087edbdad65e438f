public import Foundation

/// TikTok for Developers webhooks: `TikTok-Signature: t=<unix>,s=<hex>`, where `s` is the hex
/// HMAC-SHA256 of `"<t>.<raw body>"` keyed with the app's client secret. TikTok leaves the
/// replay window to the receiver; 300 s, as for Stripe and Slack.
///
/// Reference: https://developers.tiktok.com/doc/webhooks-verification
public struct TikTokSignature: WebhookSignatureScheme {
    /// `TIKTOK_CLIENT_SECRET`.
    let clientSecret: [UInt8]
    /// The replay window.
    let tolerance: TimeInterval

    /// A verifier for one client secret.
    public init(clientSecret: String, tolerance: TimeInterval = 300) {
        self.clientSecret = Array(clientSecret.utf8)
        self.tolerance = tolerance
    }

    public var signatureHeaders: [String] { ["TikTok-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("TikTok-Signature") else {
            throw WebhookError(.missingSignature, "TikTok-Signature is missing")
        }
        let items = WebhookEncoding.keyValueList(header)
        guard let t = items.first(where: { $0.key == "t" })?.value, let timestamp = Int64(t),
            let s = items.first(where: { $0.key == "s" })?.value
        else {
            throw WebhookError(.missingSignature, "TikTok-Signature has no t= or no s=")
        }
        let expected = HMACSHA256.authenticate(message: Array("\(t).".utf8) + request.body, key: clientSecret)
        guard WebhookEncoding.matches(WebhookEncoding.unhex(s), expected) else {
            throw WebhookError(.invalidSignature, "TikTok-Signature does not match the body")
        }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw WebhookError(.staleTimestamp, "TikTok-Signature timestamp is outside the \(Int(tolerance)) s tolerance")
        }
    }
}
