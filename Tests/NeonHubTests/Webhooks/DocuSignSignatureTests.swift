import Testing

@testable import NeonHub

/// `X-DocuSign-Signature-1` (and `-2`… per Connect key): base64 HMAC-SHA256 of the body.
@Suite struct DocuSignSignatureTests {
    // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"docusign-secret-test",b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).digest()).decode())'
    static let expected = "iiocw+NtRZ6Oia3Zkyq+zcoNdMy0E1uclTESJdRIDio="
    let scheme = DocuSignSignature(secrets: ["docusign-secret-test"])

    @Test func aValidSignatureIsAcceptedInAnyNumberedHeader() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-DocuSign-Signature-1", Self.expected)])) == nil)
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(headers: [("X-DocuSign-Signature-1", "AAAA"), ("X-DocuSign-Signature-2", Self.expected)])) == nil)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: [("X-DocuSign-Signature-1", Self.expected)]))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(
                DocuSignSignature(secrets: ["other"]), WebhookVectors.request(headers: [("X-DocuSign-Signature-1", Self.expected)]))
                == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
    }
}
