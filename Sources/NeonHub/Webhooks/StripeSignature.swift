public import Foundation

/// Stripe webhook endpoints: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]`, where
/// each `v1` is the hex HMAC-SHA256 of `"<t>.<raw body>"` keyed with the endpoint's signing
/// secret. Any `v1` matching any configured secret is accepted (Stripe sends several while an
/// endpoint's secret is rolled; `STRIPE_WEBHOOK_SECRET` may list several, comma-separated);
/// other schemes (`v0`, test-mode) are ignored; `t` must be within the tolerance (300 s, the
/// default of Stripe's own libraries) of now, either way.
///
/// Reference: https://docs.stripe.com/webhooks#verify-manually
public struct StripeSignature: WebhookSignatureScheme {
    /// The signing secrets (`whsec_…`) in force.
    let secrets: [[UInt8]]
    /// The largest accepted distance between `t` and now.
    let tolerance: TimeInterval

    /// A verifier for one or more secrets.
    public init(secrets: [String], tolerance: TimeInterval = 300) {
        self.secrets = secrets.map { Array($0.utf8) }
        self.tolerance = tolerance
    }

    public var signatureHeaders: [String] { ["Stripe-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("Stripe-Signature") else {
            throw WebhookError(.missingSignature, "Stripe-Signature is missing")
        }
        let items = WebhookEncoding.keyValueList(header)
        let signatures = items.filter { $0.key == "v1" }.compactMap { WebhookEncoding.unhex($0.value) }
        guard let t = items.first(where: { $0.key == "t" })?.value, let timestamp = Int64(t), !signatures.isEmpty else {
            throw WebhookError(.missingSignature, "Stripe-Signature has no t= or no v1= signature")
        }
        let signed = Array("\(t).".utf8) + request.body
        var matched = false
        for secret in secrets {
            let expected = HMACSHA256.authenticate(message: signed, key: secret)
            // Every candidate is compared (no early exit), so timing says nothing about which matched.
            for signature in signatures where constantTimeEquals(signature, expected) { matched = true }
        }
        guard matched else { throw WebhookError(.invalidSignature, "no v1 signature in Stripe-Signature matches the body") }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw WebhookError(.staleTimestamp, "Stripe-Signature timestamp is outside the \(Int(tolerance)) s tolerance")
        }
    }
}
