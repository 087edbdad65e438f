import Testing

@testable import NeonHub

/// Mailchimp is unsigned: the URL's `?secret=` must equal `MAILCHIMP_WEBHOOK_SECRET`.
@Suite struct MailchimpSecretTests {
    let scheme = MailchimpSecret(secret: "mailchimp-url-secret-test")

    @Test func theRightURLSecretIsAcceptedAndNoOtherIs() {
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [], query: "secret=mailchimp-url-secret-test")) == nil)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [], query: "secret=mailchimp-url-secret-tes")) == .invalidSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [], query: "secret=")) == .missingSignature)
        #expect(WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [])) == .missingSignature)
    }
}
