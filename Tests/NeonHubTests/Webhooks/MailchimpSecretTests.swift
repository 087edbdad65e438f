import Foundation
import Testing

@testable import NeonHub

/// Mailchimp is unsigned: the URL names its connection and carries that connection's own
/// secret, HMAC-SHA256("neonhub-webhook-url-v1:mailchimp:<id>") under `MAILCHIMP_WEBHOOK_KEY`.
/// The vectors were computed outside our code:
/// python3 -c 'import hmac,hashlib;print(hmac.new(b"mailchimp-url-secret-test",
///     b"neonhub-webhook-url-v1:mailchimp:7d3c55a4-0f4e-4d8e-9d0c-1b2a3c4d5e6f",hashlib.sha256).hexdigest())'
@Suite struct MailchimpSecretTests {
    let scheme = MailchimpSecret(secret: "mailchimp-url-secret-test")
    static let first = "7d3c55a4-0f4e-4d8e-9d0c-1b2a3c4d5e6f"
    static let firstToken = "c63190b22e50f193de6d596d4c0df254264bd3696ae40f161dabd0cd566589e7"
    static let second = "0b8e4f2a-9c61-4e0d-8a3b-5f7e6d1c2b3a"
    static let secondToken = "84fd8ca706a93038c4a4a703c26440960251ddda9119ff86930fa1e5ba2c6243"

    func outcome(_ query: String?) -> WebhookError.Code? {
        WebhookVectors.outcome(scheme, WebhookVectors.request(headers: [], query: query))
    }

    @Test func aConnectionsOwnURLIsAcceptedAndNoOther() {
        #expect(outcome("connection=\(Self.first)&secret=\(Self.firstToken)") == nil)
        #expect(outcome("secret=\(Self.secondToken)&connection=\(Self.second)") == nil)
        #expect(outcome("connection=\(Self.first.uppercased())&secret=\(Self.firstToken)") == nil)
        // One connection's secret opens no other connection.
        #expect(outcome("connection=\(Self.second)&secret=\(Self.firstToken)") == .invalidSignature)
        #expect(outcome("connection=\(Self.first)&secret=\(Self.firstToken.dropLast())") == .invalidSignature)
        #expect(outcome("connection=\(Self.first)&secret=") == .missingSignature)
        #expect(outcome("connection=\(Self.first)") == .missingSignature)
        #expect(outcome(nil) == .missingSignature)
    }

    @Test func theServerSecretItselfOrAURLWithoutAConnectionIsRefused() {
        // What earlier versions registered: one secret for every tenant's URL.
        #expect(outcome("secret=mailchimp-url-secret-test") == .invalidSignature)
        #expect(outcome("connection=not-a-uuid&secret=\(Self.firstToken)") == .invalidSignature)
    }

    @Test func theURLATokenBuildsIsTheOneVerified() throws {
        let id = try #require(UUID(uuidString: Self.first))
        #expect(WebhookURLToken.token(secret: "mailchimp-url-secret-test", connector: "mailchimp", connectionID: id) == Self.firstToken)
        let url = WebhookURLToken.url(
            publicURL: "https://hub.example.test/", connector: "mailchimp", connectionID: id, secret: "mailchimp-url-secret-test")
        #expect(url == "https://hub.example.test/webhooks/mailchimp?connection=\(Self.first)&secret=\(Self.firstToken)")
    }
}
