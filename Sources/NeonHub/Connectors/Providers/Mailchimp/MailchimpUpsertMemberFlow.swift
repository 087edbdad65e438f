/// `mailchimp.upsertMember`: adds an address to an audience or updates it when it is already
/// there, with Mailchimp's "Add or update list member"
/// (https://mailchimp.com/developer/marketing/api/list-members/add-or-update-list-member/):
/// `PUT /lists/{list_id}/members/{subscriber_hash}`. A template cannot compute the subscriber
/// hash (MD5 of the lower-cased email), so this flow computes it and runs the `members.put`
/// step with the caller's fields. Repeating it is safe: the same address is the same member.
public struct MailchimpUpsertMemberFlow: ConnectorFlow {
    public let id = "mailchimp.upsertMember"

    /// The flow.
    public init() {}

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        guard case .object(var input) = call.input, let email = JSONPath.text(input["email"]), !email.isEmpty else {
            throw ConnectorError(.invalidInput, "\(call.action): email is required")
        }
        input["subscriberHash"] = .string(MailchimpSubscriberHash.of(email))
        return try await context.perform("members.put", input: .object(input))
    }
}
