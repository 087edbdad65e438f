import Testing

@testable import NeonHub

/// `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]` over the body.
@Suite struct PagerDutySignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"pagerduty-secret-test",b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let expected = "606dc02c55a463e181596424334765b21f4868ac1b156fa772c2b7db58ecc48a"
    let scheme = PagerDutySignature(secrets: ["pagerduty-secret-test"])

    @Test func aValidSignatureIsAcceptedAlsoAmongOthers() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-PagerDuty-Signature", "v1=\(Self.expected)")])) == nil)
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(headers: [("X-PagerDuty-Signature", "v1=\(String(repeating: "0", count: 64)),v1=\(Self.expected)")]))
                == nil)
        #expect(
            WebhookVectors.outcome(
                PagerDutySignature(secrets: ["old", "pagerduty-secret-test"]),
                WebhookVectors.request(headers: [("X-PagerDuty-Signature", "v1=\(Self.expected)")])) == nil)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: [("X-PagerDuty-Signature", "v1=\(Self.expected)")]))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(
                PagerDutySignature(secrets: ["other"]), WebhookVectors.request(headers: [("X-PagerDuty-Signature", "v1=\(Self.expected)")]))
                == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-PagerDuty-Signature", Self.expected)])) == .missingSignature)
    }
}
