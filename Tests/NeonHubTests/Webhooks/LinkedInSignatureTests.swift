import Testing

@testable import NeonHub

/// `X-LI-Signature: hmacsha256=<hex>` over the body, and the `challengeCode` answer.
@Suite struct LinkedInSignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"linkedin-client-test",b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let expected = "fee890ab604e2c54eec6577b6e52d5e9539acdf826774e0a200484c27535adb5"
    let scheme = LinkedInSignature(clientSecret: "linkedin-client-test")

    @Test func aValidSignatureIsAcceptedWithOrWithoutThePrefix() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-LI-Signature", "hmacsha256=" + Self.expected)])) == nil)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-LI-Signature", Self.expected)])) == nil)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: [("X-LI-Signature", "hmacsha256=" + Self.expected)]))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(
                LinkedInSignature(clientSecret: "other"), WebhookVectors.request(headers: [("X-LI-Signature", "hmacsha256=" + Self.expected)]))
                == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
    }

    @Test func theChallengeResponseIsTheHexHMACOfTheCode() {
        // The code is the example of LinkedIn's webhook-validation page.
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"linkedin-client-test",b"890e4665-4dfe-4ab1-b689-ed553bceeed0",hashlib.sha256).hexdigest())'
        #expect(
            scheme.challengeResponse("890e4665-4dfe-4ab1-b689-ed553bceeed0") == "e27031cc6ad6c11ebc1239553fd339dfc7f841a5e0f35c6a9c92421c96dab838")
    }
}
