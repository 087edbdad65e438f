public import Foundation

/// LinkedIn webhooks: `X-LI-Signature: hmacsha256=<hex HMAC-SHA256 of the raw body keyed with
/// the app's client secret>`, and the endpoint-validation handshake
/// `GET ?challengeCode=<uuid>` answered with
/// `{"challengeCode": …, "challengeResponse": hex(HMAC-SHA256(challengeCode, clientSecret))}`.
/// (The prefix is in the docs' text: "the HMACSHA256 hash … prefixed by `hmacsha256=`"; a
/// bare hex value is accepted too.)
///
/// Reference: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation
public struct LinkedInSignature: WebhookSignatureScheme {
    /// `LINKEDIN_CLIENT_SECRET`.
    let clientSecret: [UInt8]

    /// A verifier for one client secret.
    public init(clientSecret: String) { self.clientSecret = Array(clientSecret.utf8) }

    public var signatureHeaders: [String] { ["X-LI-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard var value = request.header("X-LI-Signature"), !value.isEmpty else {
            throw WebhookError(.missingSignature, "X-LI-Signature is missing")
        }
        if value.hasPrefix("hmacsha256=") { value = String(value.dropFirst("hmacsha256=".count)) }
        let expected = HMACSHA256.authenticate(message: request.body, key: clientSecret)
        guard WebhookEncoding.matches(WebhookEncoding.unhex(value), expected) else {
            throw WebhookError(.invalidSignature, "X-LI-Signature does not match the body")
        }
    }

    /// The `challengeResponse` for a `challengeCode`: hex HMAC-SHA256 of the code under the secret.
    public func challengeResponse(_ challengeCode: String) -> String {
        WebhookEncoding.hex(HMACSHA256.authenticate(message: Array(challengeCode.utf8), key: clientSecret))
    }
}
