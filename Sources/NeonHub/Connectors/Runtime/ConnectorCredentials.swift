/// What a call authenticates with, opened from the vault just before the request is built
/// and dropped right after: never stored, logged or returned.
enum ConnectorCredentials: Sendable {
    /// `Authorization: Bearer <token>` unless the definition places it elsewhere (OAuth access
    /// tokens, personal and bot tokens, API keys sent as bearer).
    case token(String)
    /// HTTP basic (`user:password` base64), e.g. Twilio, Mailchimp's API key.
    case basic(user: String, password: String)
    /// None (mock mode, or public endpoints).
    case none

    /// The secret values, for redaction.
    var secrets: [String] {
        switch self {
        case .token(let token): [token]
        case .basic(let user, let password): [password, user + ":" + password]
        case .none: []
        }
    }
}
