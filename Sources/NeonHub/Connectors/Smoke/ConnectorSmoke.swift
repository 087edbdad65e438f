import Foundation
public import Logging
import TimeUnits

/// `neonhub connectors smoke`: for each connector with an entry in the smoke config, its
/// definition's smoke action (what `connectors.testConnection` runs) and one read action,
/// through the real runtime with the entry's credentials — connectors in parallel, each
/// check under its own timeout. Connectors without an entry are skipped. Messages are the
/// runtime's (which never carry a credential), with every configured credential value
/// redacted besides.
public struct ConnectorSmoke: Sendable {
    let catalog: ConnectorCatalog
    let runtime: ConnectorRuntime
    let timeout: Duration
    /// Signs sign-in connectors (Tableau) in and out, through the runtime's outbound client.
    let tokens: OAuthTokenClient

    /// A smoke run over `catalog` through `runtime`, `timeout` per check; `endpoints` are the
    /// deployment's URL overrides (`CONNECTOR_ENDPOINTS_FILE`), for sign-in URLs.
    public init(catalog: ConnectorCatalog, runtime: ConnectorRuntime, timeout: Duration, endpoints: [String: ConnectorEndpoints] = [:]) {
        self.catalog = catalog
        self.runtime = runtime
        self.timeout = timeout
        self.tokens = OAuthTokenClient(client: runtime.client, environment: [:], endpoints: endpoints)
    }

    /// The runtime the server would build from `config` (outbound client, mock transport in
    /// mock mode, app settings, `CONNECTOR_ENDPOINTS_FILE`), without a database.
    public static func runtime(config: AppConfig, catalog: ConnectorCatalog, logger: Logger) throws -> ConnectorRuntime {
        let mock =
            config.useMockConnectors
            ? try MockTransport(
                catalogDirectory: URL(fileURLWithPath: config.connectorsDirectory, isDirectory: true),
                latency: config.mockConnectorLatencyMs.map { .milliseconds($0) })
            : nil
        var outbound = OutboundConfiguration()
        outbound.retry.retryAfterCap = config.retryAfterCap
        let client = OutboundClient(
            configuration: outbound, transport: mock ?? AsyncHTTPClientTransport(additionalTrustRootsFile: config.outboundCAFile), logger: logger)
        let endpoints = try ConnectorAssembly.endpointOverrides(config.connectorEndpointsFile)
        return ConnectorRuntime(
            catalog: catalog, client: client, mock: mock,
            appSettings: ConnectorAssembly.appSettings(catalog, config.connectorEnvironment),
            baseURLOverrides: endpoints.compactMapValues(\.baseUrl), actionBaseURLOverrides: endpoints.compactMapValues(\.baseUrls))
    }

    /// The deployment's connector URL overrides (`CONNECTOR_ENDPOINTS_FILE`).
    public static func endpoints(config: AppConfig) throws -> [String: ConnectorEndpoints] {
        try ConnectorAssembly.endpointOverrides(config.connectorEndpointsFile)
    }

    /// Every connector of the catalog: the checks of the configured ones, a skip for the rest,
    /// sorted by connector (checks in the order they ran).
    public func run(_ config: SmokeConfig) async -> [SmokeResult] {
        var results: [SmokeResult] = []
        for id in config.entries.keys.sorted() where catalog[id] == nil {
            results.append(
                SmokeResult(
                    connector: id, check: "config", action: nil, outcome: .fail, latencyMs: nil,
                    message: "no connector \(id) in the catalog"))
        }
        for definition in catalog.definitions where config.entries[definition.id] == nil {
            results.append(
                SmokeResult(
                    connector: definition.id, check: "testConnection", action: definition.smoke?.action, outcome: .skip,
                    latencyMs: nil, message: "no entry in the smoke config"))
        }
        let configured = catalog.definitions.compactMap { definition in config.entries[definition.id].map { (definition, $0) } }
        await withTaskGroup(of: [SmokeResult].self) { group in
            for (definition, entry) in configured {
                group.addTask { await self.check(definition, entry) }
            }
            for await checks in group { results += checks }
        }
        let order = ["config": 0, "testConnection": 1, "read": 2]
        return results.sorted { ($0.connector, order[$0.check] ?? 9) < ($1.connector, order[$1.check] ?? 9) }
    }

    /// The two checks of one connector, one after the other.
    func check(_ definition: ConnectorDefinition, _ entry: SmokeConfig.Entry) async -> [SmokeResult] {
        let id = definition.id
        var variables = entry.variables
        for field in definition.auth.credentials ?? [] where !field.secret {
            if let value = entry.credentials[field.name] { variables[field.name] = value }
        }
        let prepared: Prepared
        do {
            let credential = try Self.credential(definition, entry)
            for variable in definition.variables ?? []
            where variable.optional != true && variable.fromAccount == nil && (variables[variable.name] ?? "").isEmpty {
                throw ConnectorError(.invalidInput, "missing variable \(variable.name): \(variable.description)")
            }
            prepared = try await prepare(definition, entry, credential: credential, variables: variables)
        } catch {
            return [SmokeResult(connector: id, check: "config", action: nil, outcome: .fail, latencyMs: nil, message: message(error, entry))]
        }
        let results = await checks(definition, entry, prepared: prepared)
        // The session signed in for the checks ends with them (a PAT holds one session at a time).
        if let session = prepared.session { _ = await tokens.signOut(token: session, definition: definition, variables: variables) }
        return results
    }

    /// The smoke action and the read, as the prepared credential and account.
    private func checks(_ definition: ConnectorDefinition, _ entry: SmokeConfig.Entry, prepared: Prepared) async
        -> [SmokeResult]
    {
        let id = definition.id
        let credential = prepared.credential
        var results: [SmokeResult] = []
        if let smoke = definition.smoke {
            results.append(
                await timed(
                    id, "testConnection",
                    prepared.call(definition, smoke.action, smoke.input ?? .object([:])), credential, entry))
        } else {
            results.append(
                SmokeResult(
                    connector: id, check: "testConnection", action: nil, outcome: .skip, latencyMs: nil,
                    message: "the definition declares no smoke action"))
        }
        guard let read = entry.readAction ?? definition.accounts?.action else {
            results.append(
                SmokeResult(
                    connector: id, check: "read", action: nil, outcome: .skip, latencyMs: nil,
                    message: "no read action (set read.action in the smoke config)"))
            return results
        }
        if let action = definition.action(read), action.kind != "read" {
            results.append(
                SmokeResult(
                    connector: id, check: "read", action: read, outcome: .fail, latencyMs: nil,
                    message: "\(read) is a \(action.kind) action; the smoke test runs reads only"))
            return results
        }
        results.append(
            await timed(id, "read", prepared.call(definition, read, entry.readInput), credential, entry))
        return results
    }

    /// Runs one call under the timeout.
    private func timed(
        _ connector: String, _ check: String, _ call: ConnectorCall, _ credential: ConnectorCredentialsValue,
        _ entry: SmokeConfig.Entry
    ) async -> SmokeResult {
        let runtime = runtime
        let started = ContinuousClock.now
        let outcome = await Deadline.run(timeout) { try await runtime.execute(call) { _ in credential } }
        let latency = (ContinuousClock.now - started).inMilliseconds
        switch outcome {
        case .none:
            return SmokeResult(
                connector: connector, check: check, action: call.action, outcome: .fail, latencyMs: latency,
                message: "timed out after \(String(format: "%g", Double(timeout.inMilliseconds) / 1000)) s")
        case .success(let result)?:
            var summary = "ok"
            if case .array(let items)? = result.output["items"] { summary = "ok, \(items.count) item\(items.count == 1 ? "" : "s")" }
            return SmokeResult(connector: connector, check: check, action: call.action, outcome: .pass, latencyMs: latency, message: summary)
        case .failure(let error)?:
            return SmokeResult(
                connector: connector, check: check, action: call.action, outcome: .fail, latencyMs: latency, message: message(error, entry))
        }
    }

    /// The credential of an entry: the access token for OAuth connectors, else the definition's fields.
    static func credential(_ definition: ConnectorDefinition, _ entry: SmokeConfig.Entry) throws -> ConnectorCredentialsValue {
        if definition.auth.type.hasPrefix("oauth2") {
            guard let token = entry.credentials["accessToken"], !token.isEmpty else {
                throw ConnectorError(.invalidInput, "missing credentials.accessToken (\(definition.id) connects through OAuth)")
            }
            // ADP: the entry's client certificate goes with the token.
            return .token(token).presenting(try definition.auth.clientIdentity(entry.credentials))
        }
        let fields = definition.auth.credentials ?? []
        guard !fields.isEmpty else { return .none }
        let missing = fields.filter { $0.optional != true && (entry.credentials[$0.name] ?? "").isEmpty }.map(\.name)
        guard missing.isEmpty else { throw ConnectorError(.invalidInput, "missing credentials: \(missing.joined(separator: ", "))") }
        if definition.auth.signIn != nil { return .none }  // the session signed in for the checks replaces it
        // A key pair also signs with the account variable.
        return try ConnectorService.credential(definition, entry.variables.merging(entry.credentials) { _, given in given }).withoutRefresh
    }

    /// What went wrong, with the provider's code, and no configured credential in it.
    func message(_ error: any Error, _ entry: SmokeConfig.Entry) -> String {
        var text: String
        if let error = error as? ConnectorError {
            text = "\(error.code.rawValue): \(error.message)" + (error.providerCode.map { " (provider code \($0))" } ?? "")
        } else {
            text = "\(error)"
        }
        for secret in entry.credentials.values where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }
}
