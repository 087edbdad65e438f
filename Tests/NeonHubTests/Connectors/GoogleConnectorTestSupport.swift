import Foundation
import Logging
import TestSupport

@testable import NeonHub

/// What the GA4 and Search Console runtime tests share: a runtime pointed at the fakes, the
/// Google OAuth fake's refresh grant behind a credential source (as the token lifecycle does),
/// and a `ConnectorActions` over the runtime for agent runs.
enum GoogleConnectorTestSupport {
    /// The real catalog run by a runtime whose hosts are the fakes'.
    static func runtime(_ connector: String, base: String, hosts: [String: String] = [:]) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        var configuration = OutboundConfiguration()
        configuration.retry.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient(configuration: configuration, logger: Logger(label: connector)),
            baseURLOverrides: [connector: base], actionBaseURLOverrides: hosts.isEmpty ? [:] : [connector: hosts])
    }

    /// A credential source holding `tokens`: the access token first, and with `refresh: true`
    /// a new one from the Google OAuth fake's token endpoint through the real OAuth client,
    /// as `TokenRefresher` does for a stored connection.
    static func credentials(_ connector: String, oauth: GoogleOAuthFake, tokens: GoogleOAuthFake.Tokens) throws -> ConnectorRuntime.CredentialSource {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        guard let definition = catalog[connector]?.definition, let refreshToken = tokens.refreshToken else {
            throw ConnectorError(.invalidDefinition, "no \(connector) definition or refresh token")
        }
        let prefix = definition.environmentPrefix
        let client = OAuthTokenClient(
            client: OutboundClient(logger: Logger(label: "oauth")),
            environment: ["\(prefix)_CLIENT_ID": oauth.app.clientID, "\(prefix)_CLIENT_SECRET": oauth.app.clientSecret],
            endpoints: [connector: ConnectorEndpoints(tokenUrl: oauth.tokenURL)])
        let access = tokens.accessToken
        return { refresh in
            guard refresh else { return .token(access, canRefresh: true) }
            let renewed = try await client.refresh(refreshToken: refreshToken, definition: definition, variables: [:])
            return .token(renewed.accessToken)
        }
    }

    /// The items of a paged read's output.
    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }
}

/// `ConnectorActions` over a runtime and one token, for agent runs against a provider fake
/// (the connector service does the same over stored connections).
struct RuntimeConnectorActions: ConnectorActions {
    let runtime: ConnectorRuntime
    let token: String
    let connector: String

    func available(tenant: String) async -> [String] {
        runtime.catalog[connector]?.definition.actions.map { "\(connector).\($0.id)" } ?? []
    }

    func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
        let token = self.token
        return try await runtime.execute(
            ConnectorCall(
                connector: request.connector, action: request.action, input: request.input,
                accountID: request.accountID)
        ) { _ in .token(token) }.output
    }
}
