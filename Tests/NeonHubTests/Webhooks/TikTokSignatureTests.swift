import Foundation
import Testing

@testable import NeonHub

/// `TikTok-Signature: t=…,s=<hex>` over `"<t>.<body>"` with the client secret.
@Suite struct TikTokSignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"tiktok-client-test",b"1767225600.{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let expected = "0da5faaa5425ab80146f32c6d1c3cb9fa5fa7b86154c14b01b95a2321127b0d5"
    static let headers = [("TikTok-Signature", "t=\(WebhookVectors.signedAt),s=\(expected)")]
    let scheme = TikTokSignature(clientSecret: "tiktok-client-test")

    @Test func aValidSignatureIsAccepted() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.headers)) == nil)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("Tiktok-Signature", "t=\(WebhookVectors.signedAt),s=\(Self.expected)")]))
                == nil)
    }

    @Test func aStaleTimestampIsRefused() {
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.headers), at: WebhookVectors.signedDate.addingTimeInterval(301))
                == .staleTimestamp)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: Self.headers)) == .invalidSignature)
        #expect(WebhookVectors.outcome(TikTokSignature(clientSecret: "other"), WebhookVectors.request(headers: Self.headers)) == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("TikTok-Signature", "s=\(Self.expected)")])) == .missingSignature)
    }
}
