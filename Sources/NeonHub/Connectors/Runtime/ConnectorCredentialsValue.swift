import Synchronization

/// A credential for one call, and whether the connection can refresh it.
public struct ConnectorCredentialsValue: Sendable {
    let credentials: ConnectorCredentials
    /// Whether asking again with `refresh: true` can produce a new credential.
    public let canRefresh: Bool
    /// The TLS client certificate every call of the connection presents (ADP), if any.
    public internal(set) var clientIdentity: TLSClientIdentity?

    /// A bearer-style token (OAuth access token, API key, personal or bot token).
    public static func token(_ token: String, canRefresh: Bool = false) -> ConnectorCredentialsValue {
        ConnectorCredentialsValue(credentials: .token(token), canRefresh: canRefresh)
    }

    /// HTTP basic.
    public static func basic(user: String, password: String) -> ConnectorCredentialsValue {
        ConnectorCredentialsValue(credentials: .basic(user: user, password: password), canRefresh: false)
    }

    /// A key pair (Snowflake): each request carries a JWT signed for it, so there is nothing to refresh.
    public static func keyPair(_ signer: KeyPairJWT) -> ConnectorCredentialsValue {
        ConnectorCredentialsValue(credentials: .keyPair(signer), canRefresh: false)
    }

    /// The same credential, which asking again cannot renew.
    public var withoutRefresh: ConnectorCredentialsValue {
        ConnectorCredentialsValue(credentials: credentials, canRefresh: false, clientIdentity: clientIdentity)
    }

    /// The same credential, presented with `identity` on every call.
    func presenting(_ identity: TLSClientIdentity?) -> ConnectorCredentialsValue {
        ConnectorCredentialsValue(credentials: credentials, canRefresh: canRefresh, clientIdentity: identity)
    }

    /// No credential (mock mode).
    public static let none = ConnectorCredentialsValue(credentials: .none, canRefresh: false)
}

/// Counts the attempts the outbound client reports for one request.
final class AttemptCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ number: Int) { value.store(number, ordering: .relaxed) }
    var count: Int { max(1, value.load(ordering: .relaxed)) }
}
