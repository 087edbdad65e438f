import Testing

@testable import NeonHub

/// `X-Shopify-Hmac-Sha256: <base64>` over the raw body with the app secret.
@Suite struct ShopifySignatureTests {
    // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"shopify-secret-test",b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).digest()).decode())'
    static let expected = "Kgpg9NHzMkDYD+OjFAl+LUWfkMARQe2VsV6WLrNl5k4="
    let scheme = ShopifySignature(apiSecret: "shopify-secret-test")

    @Test func aValidSignatureIsAccepted() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Shopify-Hmac-Sha256", Self.expected)])) == nil)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: [("X-Shopify-Hmac-Sha256", Self.expected)]))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(ShopifySignature(apiSecret: "other"), WebhookVectors.request(headers: [("X-Shopify-Hmac-Sha256", Self.expected)]))
                == .invalidSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("X-Shopify-Hmac-Sha256", "not base64!")])) == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
    }
}
