import Foundation

/// `connectors.authorizeUrl` (DESIGN §4): starts an OAuth 2.0 authorization of a connector
/// and answers the provider's consent URL; the provider sends the browser back to
/// `/oauth/callback/<connector>` (see `OAuthRoutes`).
enum OAuthProcedures {
    struct AuthorizeInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("connector", .string(minLength: 1, maxLength: 64)), ("redirectTo", .string(minLength: 1, maxLength: 2048)),
                ("variables", .anyObject), ("connectionId", .uuid),
            ], required: ["connector"])
        let connector: String
        let redirectTo: String?
        let variables: JSONValue?
        /// Re-authorizes this connection (one in `attention`) instead of creating a new one.
        let connectionId: UUID?
    }

    struct AuthorizeOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [("url", .string()), ("state", .string()), ("expiresAt", .dateTime)],
            required: ["url", "state", "expiresAt"])
        let url: String
        let state: String
        let expiresAt: Date
    }

    static func register(in registry: ProcedureRegistry, flow: OAuthFlow) {
        registry.mutation(
            "connectors.authorizeUrl", auth: .user,
            summary: "Starts an OAuth authorization (state and PKCE S256, 10 minutes); answers the provider's consent URL"
        ) { (input: AuthorizeInput, context) in
            let identity = try context.requireIdentity()
            let authorization = try await flow.authorize(
                tenant: identity.tenantID, user: identity.subject, connector: input.connector,
                redirectTo: input.redirectTo, variables: ConnectionProcedures.strings(input.variables),
                connectionID: input.connectionId)
            return AuthorizeOutput(url: authorization.url, state: authorization.state, expiresAt: authorization.expiresAt)
        }
    }
}
