import Foundation
import Testing

@testable import NeonHub

/// `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`, five-minute window.
@Suite struct SlackSignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"slack-signing-test",b"v0:1767225600:{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let expected = "v0=4f1e4b3f7bcfddfccdb8d3c016f9736cf9a707fd3252079e7e68b147fe44b2d8"
    static let headers = [("X-Slack-Signature", expected), ("X-Slack-Request-Timestamp", "\(WebhookVectors.signedAt)")]
    let scheme = SlackSignature(signingSecret: "slack-signing-test")

    @Test func aValidSignatureIsAccepted() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.headers)) == nil)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.headers), at: WebhookVectors.signedDate.addingTimeInterval(299))
                == nil)
    }

    @Test func aStaleTimestampIsRefused() {
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.headers), at: WebhookVectors.signedDate.addingTimeInterval(301))
                == .staleTimestamp)
    }

    @Test func aTamperedBodyAnotherSecretOrAnotherTimestampIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: Self.headers)) == .invalidSignature)
        #expect(WebhookVectors.outcome(SlackSignature(signingSecret: "other"), WebhookVectors.request(headers: Self.headers)) == .invalidSignature)
        let moved = [("X-Slack-Signature", Self.expected), ("X-Slack-Request-Timestamp", "\(WebhookVectors.signedAt + 1)")]
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: moved)) == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Slack-Signature", Self.expected)])) == .missingSignature)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Slack-Request-Timestamp", "\(WebhookVectors.signedAt)")]))
                == .missingSignature)
    }
}
