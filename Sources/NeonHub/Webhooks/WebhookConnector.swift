/// The connectors that receive webhooks at `/webhooks/<id>`, each with its signature scheme,
/// its secret's environment variable, and the handshake it answers (DESIGN §10).
public enum WebhookConnector: String, CaseIterable, Sendable {
    case meta, whatsapp, shopify, stripe, slack, tiktok, linkedin, twilio, pagerduty, docusign, mailchimp

    /// The environment variable that holds the connector's secret.
    public var secretVariable: String {
        switch self {
        case .meta, .whatsapp: "META_APP_SECRET"
        case .shopify: "SHOPIFY_API_SECRET"
        case .stripe: "STRIPE_WEBHOOK_SECRET"
        case .slack: "SLACK_SIGNING_SECRET"
        case .tiktok: "TIKTOK_CLIENT_SECRET"
        case .linkedin: "LINKEDIN_CLIENT_SECRET"
        case .twilio: "TWILIO_AUTH_TOKEN"
        case .pagerduty: "PAGERDUTY_WEBHOOK_SECRET"
        case .docusign: "DOCUSIGN_CONNECT_SECRET"
        case .mailchimp: "MAILCHIMP_WEBHOOK_KEY"
        }
    }

    /// The verifier built from the configured secret, or nil when it is not set.
    /// `publicURL` is the server's public base (Twilio signs the full URL).
    public func scheme(secrets: WebhookSecrets, publicURL: String) -> (any WebhookSignatureScheme)? {
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        switch self {
        case .meta, .whatsapp: return nonEmpty(secrets.metaAppSecret).map { MetaSignature(appSecret: $0) }
        case .shopify: return nonEmpty(secrets.shopifyAPISecret).map { ShopifySignature(apiSecret: $0) }
        case .stripe: return secrets.stripeWebhookSecrets.isEmpty ? nil : StripeSignature(secrets: secrets.stripeWebhookSecrets)
        case .slack: return nonEmpty(secrets.slackSigningSecret).map { SlackSignature(signingSecret: $0) }
        case .tiktok: return nonEmpty(secrets.tiktokClientSecret).map { TikTokSignature(clientSecret: $0) }
        case .linkedin: return nonEmpty(secrets.linkedinClientSecret).map { LinkedInSignature(clientSecret: $0) }
        case .twilio: return nonEmpty(secrets.twilioAuthToken).map { TwilioSignature(authToken: $0, publicURL: publicURL) }
        case .pagerduty: return secrets.pagerdutyWebhookSecrets.isEmpty ? nil : PagerDutySignature(secrets: secrets.pagerdutyWebhookSecrets)
        case .docusign: return secrets.docusignConnectSecrets.isEmpty ? nil : DocuSignSignature(secrets: secrets.docusignConnectSecrets)
        case .mailchimp: return nonEmpty(secrets.mailchimpWebhookKey).map { MailchimpSecret(secret: $0) }
        }
    }

    /// Whether the provider does not sign deliveries, so that each connection registers a URL
    /// carrying its own secret (`WebhookURLToken`, checked by `MailchimpSecret`).
    public var urlCarriesSecret: Bool { self == .mailchimp }

    /// Whether deliveries can report on a published post (see `PublishStatusUpdate`).
    var reportsPublishStatus: Bool { self == .meta || self == .linkedin || self == .tiktok }
}
