public import Foundation

/// PagerDuty v3 webhook subscriptions: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, each the
/// hex HMAC-SHA256 of the raw body keyed with the subscription's secret; one match is enough
/// (several appear while a secret is rotated). `PAGERDUTY_WEBHOOK_SECRET` may list several
/// secrets, comma-separated.
///
/// Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/ ("Verifying Signatures").
public struct PagerDutySignature: WebhookSignatureScheme {
    /// The subscription secrets in force.
    let secrets: [[UInt8]]

    /// A verifier for one or more secrets.
    public init(secrets: [String]) { self.secrets = secrets.map { Array($0.utf8) } }

    public var signatureHeaders: [String] { ["X-PagerDuty-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        let signatures = request.headerValues("X-PagerDuty-Signature")
            .flatMap { WebhookEncoding.keyValueList($0) }
            .filter { $0.key == "v1" }.compactMap { WebhookEncoding.unhex($0.value) }
        guard !signatures.isEmpty else { throw WebhookError(.missingSignature, "X-PagerDuty-Signature has no v1= signature") }
        var matched = false
        for secret in secrets {
            let expected = HMACSHA256.authenticate(message: request.body, key: secret)
            for signature in signatures where constantTimeEquals(signature, expected) { matched = true }
        }
        guard matched else { throw WebhookError(.invalidSignature, "no v1 signature in X-PagerDuty-Signature matches the body") }
    }
}
