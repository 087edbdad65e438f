import Foundation

/// What a call authenticates with, opened from the vault just before the request is built
/// and dropped right after: never stored, logged or returned.
enum ConnectorCredentials: Sendable {
    /// `Authorization: Bearer <token>` unless the definition places it elsewhere (OAuth access
    /// tokens, personal and bot tokens, API keys sent as bearer).
    case token(String)
    /// HTTP basic (`user:password` base64), e.g. Twilio, Mailchimp's API key.
    case basic(user: String, password: String)
    /// A key pair that signs a fresh JWT for every request (Snowflake), sent as a bearer token.
    case keyPair(KeyPairJWT)
    /// None (mock mode, or public endpoints).
    case none

    /// The secret values, for redaction. With a blank password the user name is the secret (a
    /// key sent as the user: Dropbox Sign); otherwise the user may be a public id (Twilio's
    /// Account SID) and only the password is.
    var secrets: [String] {
        switch self {
        case .token(let token): [token]
        case .basic(let user, let password): password.isEmpty ? [user, user + ":"] : [password, user + ":" + password]
        case .keyPair, .none: []
        }
    }

    /// The credential as one request sends it: a key pair signs its JWT now (a bearer token,
    /// whose value `secrets` then lists for redaction); the other kinds are sent as they are.
    func forRequest(at now: Date = Date()) throws -> ConnectorCredentials {
        guard case .keyPair(let signer) = self else { return self }
        do {
            return .token(try signer.token(at: now))
        } catch {
            throw ConnectorError(.vaultUnreadable, "The stored private key could not sign the request")
        }
    }
}
