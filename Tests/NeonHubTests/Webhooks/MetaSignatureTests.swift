import Testing

@testable import NeonHub

/// `X-Hub-Signature-256: sha256=<hex>` over the raw body with the app secret.
@Suite struct MetaSignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"meta-app-secret-test",b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let expected = "sha256=3ae56d86a04c4e0b6ff8d56d31bc342acbb93fcbd5acfa3065f58fe4abe5f921"
    let scheme = MetaSignature(appSecret: "meta-app-secret-test")

    @Test func aValidSignatureIsAccepted() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Hub-Signature-256", Self.expected)])) == nil)
        // Header names are case-insensitive; hex digits may be upper-case.
        #expect(
            WebhookVectors.outcome(
                scheme, WebhookVectors.request(headers: [("x-hub-signature-256", "sha256=" + Self.expected.dropFirst(7).uppercased())])) == nil)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: [("X-Hub-Signature-256", Self.expected)]))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(
                MetaSignature(appSecret: "another-secret"), WebhookVectors.request(headers: [("X-Hub-Signature-256", Self.expected)]))
                == .invalidSignature)
    }

    @Test func aMissingOrMalformedHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Hub-Signature-256", String(Self.expected.dropFirst(7)))]))
                == .missingSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Hub-Signature-256", "sha256=zz")])) == .invalidSignature)
    }
}
