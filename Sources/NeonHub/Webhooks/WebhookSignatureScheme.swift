public import Foundation

/// One provider's way of signing webhook deliveries. Implementations are small pure values
/// (the secret and the clock are inputs) that compare in constant time over the raw body.
public protocol WebhookSignatureScheme: Sendable {
    /// Returns when `request` carries a valid signature at `now`; throws a `WebhookError`
    /// (`missingSignature`, `invalidSignature` or `staleTimestamp`) otherwise.
    func verify(_ request: WebhookRequest, now: Date) throws(WebhookError)
    /// The header names that carry signatures (never stored with the event).
    var signatureHeaders: [String] { get }
}
