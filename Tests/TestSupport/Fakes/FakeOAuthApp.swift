/// The app a provider fake has registered, as an OAuth provider's developer console holds
/// it: what `client_id`, `client_secret` and `redirect_uri` of an authorization must match
/// (RFC 6749 §2, https://www.rfc-editor.org/rfc/rfc6749#section-2).
public struct FakeOAuthApp: Sendable {
    /// `client_id`.
    public var clientID: String
    /// `client_secret`.
    public var clientSecret: String
    /// The one redirect URI the app registered.
    public var redirectURI: String

    /// An app.
    public init(clientID: String, clientSecret: String, redirectURI: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }
}
