import Foundation
import Testing

@testable import NeonHub

/// `Stripe-Signature: t=…,v1=…` over `"<t>.<body>"`, 300 s tolerance, several v1 values and
/// several secrets.
@Suite struct StripeSignatureTests {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_a",b"1767225600.{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let signedWithA = "cf21cd11927c09db3c7d8c1ca8bc82d1d3578f6c660ecaf9948a43b8b2c9ba49"
    // the same command with b"whsec_test_b"
    static let signedWithB = "be50f3bf8139fe466584e1860fba4cafdaaa62428dffd09af49301ef57daab3a"

    static func header(_ signatures: String...) -> [(String, String)] {
        [("Stripe-Signature", "t=\(WebhookVectors.signedAt)," + signatures.map { "v1=\($0)" }.joined(separator: ","))]
    }

    @Test func aValidSignatureIsAcceptedWithinTheTolerance() {
        let scheme = StripeSignature(secrets: ["whsec_test_a"])
        let request = WebhookVectors.request(headers: Self.header(Self.signedWithA))
        #expect(WebhookVectors.outcome(scheme, request) == nil)
        #expect(WebhookVectors.outcome(scheme, request, at: WebhookVectors.signedDate.addingTimeInterval(300)) == nil)
        #expect(WebhookVectors.outcome(scheme, request, at: WebhookVectors.signedDate.addingTimeInterval(-300)) == nil)
    }

    @Test func aStaleOrFutureTimestampIsRefused() {
        let scheme = StripeSignature(secrets: ["whsec_test_a"])
        let request = WebhookVectors.request(headers: Self.header(Self.signedWithA))
        #expect(WebhookVectors.outcome(scheme, request, at: WebhookVectors.signedDate.addingTimeInterval(301)) == .staleTimestamp)
        #expect(WebhookVectors.outcome(scheme, request, at: WebhookVectors.signedDate.addingTimeInterval(-301)) == .staleTimestamp)
    }

    @Test func aTamperedBodyOrAnotherSecretIsRefused() {
        let scheme = StripeSignature(secrets: ["whsec_test_a"])
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(body: WebhookVectors.tampered, headers: Self.header(Self.signedWithA)))
                == .invalidSignature)
        #expect(
            WebhookVectors.outcome(StripeSignature(secrets: ["whsec_other"]), WebhookVectors.request(headers: Self.header(Self.signedWithA)))
                == .invalidSignature)
        // The timestamp is signed too: changing it breaks the signature.
        let moved = [("Stripe-Signature", "t=\(WebhookVectors.signedAt + 1),v1=\(Self.signedWithA)")]
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: moved)) == .invalidSignature)
    }

    @Test func anyOfSeveralV1ValuesMayMatch() {
        let scheme = StripeSignature(secrets: ["whsec_test_a"])
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: Self.header(Self.signedWithB, Self.signedWithA))) == nil)
        // v0 (and other schemes) are ignored: a v0 equal to the right value does not count.
        let v0Only = [("Stripe-Signature", "t=\(WebhookVectors.signedAt),v0=\(Self.signedWithA)")]
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: v0Only)) == .missingSignature)
    }

    @Test func rotatedSecretsAreAllAccepted() {
        let rotated = StripeSignature(secrets: ["whsec_test_a", "whsec_test_b"])
        #expect(WebhookVectors.outcome(rotated, WebhookVectors.request(headers: Self.header(Self.signedWithA))) == nil)
        #expect(WebhookVectors.outcome(rotated, WebhookVectors.request(headers: Self.header(Self.signedWithB))) == nil)
        // STRIPE_WEBHOOK_SECRET lists them comma-separated.
        let secrets = WebhookSecrets.load { $0 == "STRIPE_WEBHOOK_SECRET" ? "whsec_test_a, whsec_test_b" : nil }
        #expect(secrets.stripeWebhookSecrets == ["whsec_test_a", "whsec_test_b"])
    }

    @Test func aMissingOrIncompleteHeaderIsRefused() {
        let scheme = StripeSignature(secrets: ["whsec_test_a"])
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("Stripe-Signature", "v1=\(Self.signedWithA)")])) == .missingSignature)
        #expect(
            WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [("Stripe-Signature", "t=\(WebhookVectors.signedAt)")]))
                == .missingSignature)
    }
}
