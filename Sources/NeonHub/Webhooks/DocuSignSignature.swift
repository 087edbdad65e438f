public import Foundation

/// DocuSign Connect with HMAC security: `X-DocuSign-Signature-1: <base64 HMAC-SHA256 of the
/// raw body keyed with a Connect HMAC key>`; with several keys active DocuSign sends
/// `X-DocuSign-Signature-2`, `-3`… (one per key) and one match is enough.
/// `DOCUSIGN_CONNECT_SECRET` may list several keys, comma-separated.
///
/// Reference: https://developers.docusign.com/platform/webhooks/connect/validate
/// (and …/connect/hmac for the numbered headers).
public struct DocuSignSignature: WebhookSignatureScheme {
    /// The Connect HMAC keys in force.
    let secrets: [[UInt8]]

    /// A verifier for one or more keys.
    public init(secrets: [String]) { self.secrets = secrets.map { Array($0.utf8) } }

    public var signatureHeaders: [String] { (1...100).map { "X-DocuSign-Signature-\($0)" } }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        let signatures = request.headers
            .filter { $0.name.lowercased().hasPrefix("x-docusign-signature-") }
            .compactMap { WebhookEncoding.unbase64($0.value) }
        guard !signatures.isEmpty else { throw WebhookError(.missingSignature, "X-DocuSign-Signature-1 is missing") }
        var matched = false
        for secret in secrets {
            let expected = HMACSHA256.authenticate(message: request.body, key: secret)
            for signature in signatures where constantTimeEquals(signature, expected) { matched = true }
        }
        guard matched else { throw WebhookError(.invalidSignature, "no X-DocuSign-Signature header matches the body") }
    }
}
