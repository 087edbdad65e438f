import Foundation

/// The provider secrets that authenticate webhook deliveries (DESIGN §6), read from the
/// environment by `AppConfig`. Never logged: `description` names only which are set.
public struct WebhookSecrets: Sendable, CustomStringConvertible {
    /// `META_APP_SECRET` (Meta and WhatsApp `X-Hub-Signature-256`).
    public var metaAppSecret: String?
    /// `SHOPIFY_API_SECRET`.
    public var shopifyAPISecret: String?
    /// `STRIPE_WEBHOOK_SECRET`, comma-separated for rotation.
    public var stripeWebhookSecrets: [String] = []
    /// `SLACK_SIGNING_SECRET`.
    public var slackSigningSecret: String?
    /// `TIKTOK_CLIENT_SECRET`.
    public var tiktokClientSecret: String?
    /// `LINKEDIN_CLIENT_SECRET`.
    public var linkedinClientSecret: String?
    /// `TWILIO_AUTH_TOKEN`.
    public var twilioAuthToken: String?
    /// `PAGERDUTY_WEBHOOK_SECRET`, comma-separated for rotation.
    public var pagerdutyWebhookSecrets: [String] = []
    /// `DOCUSIGN_CONNECT_SECRET`, comma-separated (one per active Connect HMAC key).
    public var docusignConnectSecrets: [String] = []
    /// `MAILCHIMP_WEBHOOK_KEY`: the key of each Mailchimp connection's URL token
    /// (`WebhookURLToken`). A new name, not `MAILCHIMP_WEBHOOK_SECRET`: that one was the
    /// `?secret=` of every tenant's URL before URLs were per connection, so every tenant that
    /// registered one knows it, and tokens keyed with it could be forged.
    public var mailchimpWebhookKey: String?

    /// No secrets: every signed connector answers "not configured".
    public init() {}

    /// The environment variable behind each single-valued and list-valued secret.
    static let variables: [(name: String, list: Bool)] = [
        ("META_APP_SECRET", false), ("SHOPIFY_API_SECRET", false), ("STRIPE_WEBHOOK_SECRET", true),
        ("SLACK_SIGNING_SECRET", false), ("TIKTOK_CLIENT_SECRET", false), ("LINKEDIN_CLIENT_SECRET", false),
        ("TWILIO_AUTH_TOKEN", false), ("PAGERDUTY_WEBHOOK_SECRET", true), ("DOCUSIGN_CONNECT_SECRET", true),
        ("MAILCHIMP_WEBHOOK_KEY", false),
    ]

    /// Reads the variables from `value` (which answers nil for unset or blank ones).
    static func load(_ value: (String) -> String?) -> WebhookSecrets {
        func list(_ name: String) -> [String] {
            (value(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var s = WebhookSecrets()
        s.metaAppSecret = value("META_APP_SECRET")
        s.shopifyAPISecret = value("SHOPIFY_API_SECRET")
        s.stripeWebhookSecrets = list("STRIPE_WEBHOOK_SECRET")
        s.slackSigningSecret = value("SLACK_SIGNING_SECRET")
        s.tiktokClientSecret = value("TIKTOK_CLIENT_SECRET")
        s.linkedinClientSecret = value("LINKEDIN_CLIENT_SECRET")
        s.twilioAuthToken = value("TWILIO_AUTH_TOKEN")
        s.pagerdutyWebhookSecrets = list("PAGERDUTY_WEBHOOK_SECRET")
        s.docusignConnectSecrets = list("DOCUSIGN_CONNECT_SECRET")
        s.mailchimpWebhookKey = value("MAILCHIMP_WEBHOOK_KEY")
        return s
    }

    /// Which connectors have a secret (never the secrets).
    public var description: String {
        let set = WebhookConnector.allCases.filter { $0.scheme(secrets: self, publicURL: "") != nil }.map(\.rawValue)
        return "WebhookSecrets(configured: \(set.joined(separator: ", ")))"
    }
}
