/// A connector's URLs as a deployment overrides them in `CONNECTOR_ENDPOINTS_FILE`
/// (provider sandboxes, regional or self-hosted hosts, local fakes). A nil field keeps the
/// definition's URL.
public struct ConnectorEndpoints: Sendable, Equatable {
    /// Replaces the definition's `baseUrl`.
    public var baseUrl: String?
    /// Replaces `auth.authorizeUrl`.
    public var authorizeUrl: String?
    /// Replaces `auth.tokenUrl`.
    public var tokenUrl: String?
    /// Replaces `auth.revokeUrl`.
    public var revokeUrl: String?

    /// Overrides, each optional.
    public init(baseUrl: String? = nil, authorizeUrl: String? = nil, tokenUrl: String? = nil, revokeUrl: String? = nil) {
        self.baseUrl = baseUrl
        self.authorizeUrl = authorizeUrl
        self.tokenUrl = tokenUrl
        self.revokeUrl = revokeUrl
    }
}
