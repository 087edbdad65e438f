import Foundation

/// `mailchimp.registerWebhook`: registers the connection's own webhook URL on an audience with
/// Mailchimp's "Add webhook" (https://mailchimp.com/developer/marketing/api/list-webhooks/add-webhook/,
/// `POST /lists/{list_id}/webhooks`, its `webhooks.post` step). Mailchimp does not sign
/// deliveries, so the URL carries a secret of this connection alone (`WebhookURLToken`); the
/// caller never sees or chooses it, and the answer shows the URL with that secret redacted.
/// Needs `PUBLIC_URL` and `MAILCHIMP_WEBHOOK_KEY`; mock mode without them registers a
/// placeholder URL (nothing is sent anywhere).
public struct MailchimpRegisterWebhookFlow: ConnectorFlow {
    public let id = "mailchimp.registerWebhook"

    /// What mock mode registers when the server has no webhook URL to give.
    static let mockURL = "http://localhost:4100/webhooks/mailchimp?connection=00000000-0000-0000-0000-000000000000&secret=mock"

    /// The flow.
    public init() {}

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        guard case .object(var input) = call.input else { throw ConnectorError(.invalidInput, "\(call.action): an object is required") }
        guard let url = context.webhookURL ?? (context.isMock ? Self.mockURL : nil) else {
            throw ConnectorError(
                .missingAppCredentials,
                "Registering a Mailchimp webhook needs PUBLIC_URL and MAILCHIMP_WEBHOOK_KEY set on the server (and a connection to register it for)"
            )
        }
        input["url"] = .string(url)
        var output = try await context.perform("webhooks.post", input: .object(input))
        if case .object(var fields) = output, let registered = JSONPath.text(fields["url"]) {
            fields["url"] = .string(SecretRedactor(secrets: [], maxLength: nil).clean(registered))
            output = .object(fields)
        }
        return output
    }
}
