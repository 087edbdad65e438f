import Foundation
import Logging
import Postgres

/// Builds the connector registry from the configuration: the vault from the keys, the
/// outbound client (on the mock transport in mock mode), the endpoint overrides of
/// `CONNECTOR_ENDPOINTS_FILE`, the app settings, and the service over the stores.
enum ConnectorAssembly {
    /// What the registry is made of, for the routes and the server's lifecycle.
    struct Parts: Sendable {
        var service: ConnectorService
        var oauth: OAuthFlow
        var scheduler: TokenRefreshScheduler
    }

    static func parts(
        config: AppConfig, catalog: ConnectorCatalog, pool: PostgresPool, metrics: NeonHubMetrics, logger: Logger,
        publicURL: @escaping @Sendable () -> String
    ) throws -> Parts {
        var vault: TokenVault?
        if let key = config.tokenVaultKey {
            let previous = try config.tokenVaultPreviousKeys.map { try VaultKeyring.Key($0) }
            vault = TokenVault(keyring: VaultKeyring(current: try VaultKeyring.Key(key), previous: previous))
        }
        let directory = URL(fileURLWithPath: config.connectorsDirectory, isDirectory: true)
        let mock =
            config.useMockConnectors
            ? try MockTransport(catalogDirectory: directory, latency: config.mockConnectorLatencyMs.map { .milliseconds($0) })
            : nil
        var outbound = OutboundConfiguration()
        outbound.retry.retryAfterCap = config.retryAfterCap
        outbound.attemptTimeout = config.connectorTimeout
        let client = OutboundClient(
            configuration: outbound, transport: mock ?? AsyncHTTPClientTransport(additionalTrustRootsFile: config.outboundCAFile), logger: logger,
            hook: metrics.outboundHook(mock: config.useMockConnectors))
        let endpoints = try endpointOverrides(config.connectorEndpointsFile)
        let runtime = ConnectorRuntime(
            catalog: catalog, client: client, mock: mock,
            appSettings: appSettings(catalog, config.connectorEnvironment),
            baseURLOverrides: endpoints.compactMapValues(\.baseUrl),
            actionBaseURLOverrides: endpoints.compactMapValues(\.baseUrls), flows: config.connectorFlows,
            allowPrivateMediaHosts: config.connectorMediaFromPrivateHosts, publicURL: config.publicURL,
            connectionWebhookSecrets: config.webhookSecrets.mailchimpWebhookKey.map { ["mailchimp": $0] } ?? [:])
        if !config.useMockConnectors { warnAboutMissingAppCredentials(catalog, config.connectorEnvironment, logger: logger) }
        // Token endpoints are reached through the real transport: mock mode simulates the exchange itself.
        let tokenClient = OAuthTokenClient(
            client: OutboundClient(
                configuration: outbound, transport: AsyncHTTPClientTransport(additionalTrustRootsFile: config.outboundCAFile), logger: logger,
                hook: metrics.outboundHook(mock: false)),
            environment: config.connectorEnvironment, endpoints: endpoints)
        let refresher = vault.flatMap { vault in
            config.useMockConnectors
                ? nil : TokenRefresher(pool: pool, vault: vault, tokens: tokenClient, catalog: catalog, metrics: metrics, logger: logger)
        }
        let connections = ConnectionStore(pool: pool)
        let service = ConnectorService(
            catalog: catalog, runtime: runtime, connections: connections, vault: vault,
            secrets: vault.map { SecretStore(pool: pool, vault: $0) }, isMock: config.useMockConnectors, logger: logger,
            refresher: refresher, tokens: config.useMockConnectors ? nil : tokenClient)
        let states = OAuthStateStore(pool: pool)
        let oauth = OAuthFlow(
            catalog: catalog, states: states, tokens: tokenClient, service: service, isMock: config.useMockConnectors,
            publicURL: publicURL, appURL: config.appURL, logger: logger)
        let scheduler = TokenRefreshScheduler(refresher: refresher, connections: connections, metrics: metrics, logger: logger)
        return Parts(service: service, oauth: oauth, scheduler: scheduler)
    }

    /// `{{app.x}}` values per connector: `GOOGLE_ADS_DEVELOPER_TOKEN` → `developerToken` for `google-ads`.
    static func appSettings(_ catalog: ConnectorCatalog, _ environment: [String: String]) -> [String: [String: String]] {
        var settings: [String: [String: String]] = [:]
        for definition in catalog.definitions {
            let prefix = definition.environmentPrefix + "_"
            for (name, value) in environment where name.hasPrefix(prefix) {
                settings[definition.id, default: [:]][camelCase(String(name.dropFirst(prefix.count)))] = value
            }
        }
        return settings
    }

    static func camelCase(_ snake: String) -> String {
        let words = snake.lowercased().split(separator: "_")
        return (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `CONNECTOR_ENDPOINTS_FILE`: `{"<connector>": {"baseUrl": …, "authorizeUrl": …, "tokenUrl": …, "revokeUrl": …, "refreshUrl": …,
    /// "baseUrls": {"<an action's declared baseUrl>": …}}}`.
    static func endpointOverrides(_ path: String?) throws -> [String: ConnectorEndpoints] {
        guard let path else { return [:] }
        let json: JSONValue
        do {
            json = try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            throw ConnectorError(.invalidDefinition, "CONNECTOR_ENDPOINTS_FILE \(path) is not a readable JSON file")
        }
        guard case .object(let connectors) = json else {
            throw ConnectorError(.invalidDefinition, "CONNECTOR_ENDPOINTS_FILE must hold an object of connectors")
        }
        return connectors.mapValues { entry in
            var hosts: [String: String]?
            if case .object(let members)? = entry["baseUrls"] { hosts = members.compactMapValues { JSONPath.text($0) } }
            return ConnectorEndpoints(
                baseUrl: JSONPath.text(entry["baseUrl"]), authorizeUrl: JSONPath.text(entry["authorizeUrl"]),
                tokenUrl: JSONPath.text(entry["tokenUrl"]), revokeUrl: JSONPath.text(entry["revokeUrl"]),
                refreshUrl: JSONPath.text(entry["refreshUrl"]), baseUrls: hosts)
        }
    }

    /// One warning at start naming, per OAuth connector, the app variables that are not set.
    static func warnAboutMissingAppCredentials(_ catalog: ConnectorCatalog, _ environment: [String: String], logger: Logger) {
        var missing: [String] = []
        for definition in catalog.definitions where definition.availability != "disabled" {
            var names = (definition.appSettings ?? [])
            if ["oauth2", "oauth2_client_credentials"].contains(definition.auth.type) && !definition.auth.takesCustomerClient {
                names = ["\(definition.environmentPrefix)_CLIENT_ID", "\(definition.environmentPrefix)_CLIENT_SECRET"] + names
            }
            let absent = names.filter { (environment[$0] ?? "").isEmpty }
            if !absent.isEmpty { missing.append("\(definition.id) (\(absent.joined(separator: ", ")))") }
        }
        guard !missing.isEmpty else { return }
        logger.warning("connectors without app credentials cannot connect until these are set: \(missing.joined(separator: "; "))")
    }
}
