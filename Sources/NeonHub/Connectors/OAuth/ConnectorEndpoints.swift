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
    /// Replaces `auth.refreshUrl` where the definition declares one (else refreshes follow `tokenUrl`).
    public var refreshUrl: String?
    /// Replaces an action's own `request.baseUrl`, keyed by the URL the definition declares
    /// (`{"https://analyticsadmin.googleapis.com": "http://127.0.0.1:4010"}`).
    public var baseUrls: [String: String]?

    /// Overrides, each optional.
    public init(
        baseUrl: String? = nil, authorizeUrl: String? = nil, tokenUrl: String? = nil, revokeUrl: String? = nil,
        refreshUrl: String? = nil, baseUrls: [String: String]? = nil
    ) {
        self.refreshUrl = refreshUrl
        self.baseUrl = baseUrl
        self.baseUrls = baseUrls
        self.authorizeUrl = authorizeUrl
        self.tokenUrl = tokenUrl
        self.revokeUrl = revokeUrl
    }
}
