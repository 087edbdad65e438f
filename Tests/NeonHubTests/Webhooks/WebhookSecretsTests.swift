import Testing

@testable import NeonHub

/// The webhook secrets and `TRIGGERS_FILE` come from the environment (DESIGN §6), and
/// describing the configuration never shows a secret.
@Suite struct WebhookSecretsTests {
    @Test func theVariablesAreReadAndListsSplit() throws {
        let c = try AppConfig.load(from: [
            "META_APP_SECRET": "m-secret", "SHOPIFY_API_SECRET": "s-secret", "STRIPE_WEBHOOK_SECRET": "whsec_a,whsec_b",
            "SLACK_SIGNING_SECRET": "sl-secret", "TIKTOK_CLIENT_SECRET": "t-secret", "LINKEDIN_CLIENT_SECRET": "l-secret",
            "TWILIO_AUTH_TOKEN": "tw-token", "PAGERDUTY_WEBHOOK_SECRET": "p1, p2", "DOCUSIGN_CONNECT_SECRET": "d1",
            "MAILCHIMP_WEBHOOK_KEY": "mc-secret", "TRIGGERS_FILE": "/etc/neonhub/triggers.json",
        ])
        let s = c.webhookSecrets
        #expect(s.metaAppSecret == "m-secret" && s.shopifyAPISecret == "s-secret" && s.slackSigningSecret == "sl-secret")
        #expect(s.stripeWebhookSecrets == ["whsec_a", "whsec_b"] && s.pagerdutyWebhookSecrets == ["p1", "p2"] && s.docusignConnectSecrets == ["d1"])
        #expect(s.tiktokClientSecret == "t-secret" && s.linkedinClientSecret == "l-secret" && s.twilioAuthToken == "tw-token")
        #expect(s.mailchimpWebhookKey == "mc-secret")
        // The retired MAILCHIMP_WEBHOOK_SECRET was in every tenant's URL: it keys nothing, and a
        // key equal to it stops start-up.
        let retired = try AppConfig.load(from: ["MAILCHIMP_WEBHOOK_SECRET": "mc-old"]).webhookSecrets
        #expect(retired.mailchimpWebhookKey == nil && WebhookConnector.mailchimp.scheme(secrets: retired, publicURL: "") == nil)
        #expect(throws: (any Error).self) { try AppConfig.load(from: ["MAILCHIMP_WEBHOOK_SECRET": "mc-old", "MAILCHIMP_WEBHOOK_KEY": "mc-old"]) }
        #expect(c.triggersFile == "/etc/neonhub/triggers.json")
        for connector in WebhookConnector.allCases { #expect(connector.scheme(secrets: s, publicURL: "https://x.example") != nil) }
        // What a log line would show: which connectors are configured, never a value.
        let described = "\(s)"
        #expect(described.contains("stripe") && described.contains("whatsapp"))
        for value in ["m-secret", "s-secret", "whsec_a", "whsec_b", "sl-secret", "t-secret", "l-secret", "tw-token", "p1", "p2", "d1", "mc-secret"] {
            #expect(!described.contains(value))
        }
    }

    @Test func defaultsConfigureNothing() throws {
        let c = try AppConfig.load(from: [:])
        #expect(c.triggersFile == nil)  // configs/triggers.json when it exists
        for connector in WebhookConnector.allCases { #expect(connector.scheme(secrets: c.webhookSecrets, publicURL: "") == nil) }
    }
}
