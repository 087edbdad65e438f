extension ConnectorDefinition {
    /// How a connection's credentials become a session token: a `POST` to `auth.tokenUrl` of
    /// `body` as JSON (Tableau) or of `form` as a form (SuccessFactors), templates over
    /// `credentials.<field>` (each declared field, `""` when not given), `vars.<name>` and, with
    /// `assertion`, `{{assertion}}` (the signed SAML assertion, Base64); the answer holds the
    /// token at `tokenPath`. The session lasts `expiresInPath` seconds when the answer says,
    /// else `lifetime` (an ISO 8601 duration); a refused token signs in again before that.
    /// `revokeStyle: "session"` signs the session out at `auth.revokeUrl` on disconnect.
    public struct SignIn: Codable, Sendable {
        public var body: JSONValue?
        public var form: [String: String]?
        public var assertion: SAMLAssertion?
        public var tokenPath: String
        public var expiresInPath: String?
        public var lifetime: String
    }

    /// A SAML 2.0 bearer assertion a sign-in signs (RFC 7522; SuccessFactors): each text a
    /// template over `credentials` and `vars`; `privateKey` names the secret credential field
    /// holding the PEM RSA key; `lifetime` (ISO 8601, default ten minutes) is how long the
    /// assertion may be presented.
    public struct SAMLAssertion: Codable, Sendable {
        public var issuer: String
        public var subject: String
        public var audience: String
        public var recipient: String
        public var attributes: [String: String]?
        public var privateKey: String
        public var lifetime: String?
    }
}
