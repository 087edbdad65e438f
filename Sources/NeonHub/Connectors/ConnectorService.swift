public import Foundation
import Logging
import Synchronization
import TimeUnits

/// The connector registry as the product uses it: connections (connect with credentials,
/// list, test, disconnect), and actions performed through the runtime with the connection's
/// credentials opened from the vault just for the call. It is also what agents act through
/// (`ConnectorActions`), so an agent run reaches every connected action.
public final class ConnectorService: ConnectorActions, Sendable {
    let catalog: ConnectorCatalog
    let runtime: ConnectorRuntime
    let connections: ConnectionStore
    /// Nil without `TOKEN_VAULT_KEY`: connections that need secrets cannot be made then.
    let vault: TokenVault?
    let secrets: SecretStore?
    let isMock: Bool
    let logger: Logger
    /// Refreshes OAuth tokens (nil without a vault, or in mock mode).
    let refresher: TokenRefresher?
    /// Revokes tokens at the provider on disconnect (nil in mock mode).
    let tokens: OAuthTokenClient?

    /// The service over its parts.
    init(
        catalog: ConnectorCatalog, runtime: ConnectorRuntime, connections: ConnectionStore, vault: TokenVault?,
        secrets: SecretStore?, isMock: Bool, logger: Logger, refresher: TokenRefresher? = nil, tokens: OAuthTokenClient? = nil
    ) {
        self.catalog = catalog
        self.runtime = runtime
        self.connections = connections
        self.vault = vault
        self.secrets = secrets
        self.isMock = isMock
        self.logger = logger
        self.refresher = refresher
        self.tokens = tokens
    }

    /// Seconds before expiry at which a call refreshes the token first instead of sending one about to die.
    static let expirySkew: TimeInterval = 60

    /// The secret kind of an account's own token (a Facebook Page token).
    static func accountTokenKind(_ accountID: String) -> String { "account_token:\(accountID)" }

    // MARK: - Connections

    /// Connects a connector that needs no user consent — API key, basic, personal or bot token,
    /// or the app's own client-credentials grant (`oauth2_client_credentials`): the credentials
    /// are tested with the connector's smoke action before anything is stored, the accounts
    /// they reach are listed (the definition's `accounts` action; a listing that fails leaves
    /// none and says why in `last_error`), then everything is stored sealed with the connection
    /// in one transaction. In mock mode nothing secret is needed.
    public func connect(
        tenant: String, connector: String, credentials: [String: String], variables: [String: String],
        name: String?
    ) async throws -> ConnectionStore.Connection {
        guard let entry = catalog[connector] else { throw ConnectorError(.unknownConnector, "No connector named \(connector.prefix(64))") }
        let definition = entry.definition
        guard definition.availability != "disabled" else { throw ConnectorError(.connectorDisabled, "The \(connector) connector is disabled") }
        let variables = Self.derivingVariables(definition, variables, credentials: credentials)
        try checkVariables(definition, variables)
        let id = UUID()
        var sealed: [(kind: String, sealed: TokenVault.Sealed)] = []
        var credential = ConnectorCredentialsValue.none
        var tokenExpiresAt: Date?
        var nextRefreshAt: Date?
        /// A token obtained now (a client-credentials grant, a sign-in): requests carry it, sealed, renewed on schedule.
        func adopt(_ set: OAuthTokenSet, vault: TokenVault) throws {
            let now = Date()
            tokenExpiresAt = set.expiresAt(from: now)
            nextRefreshAt = RefreshSchedule(refresh: definition.auth.refresh).next(expiresAt: tokenExpiresAt, refreshedAt: now, now: now)
            credential = .token(set.accessToken)
            sealed.append(("access_token", try vault.seal(set.accessToken, connection: id, kind: "access_token")))
        }
        if !isMock, definition.auth.type == "oauth2_client_credentials" {
            // The app's own grant (Azure AD for Dynamics 365 and Power BI): the token is fetched
            // now, tested, sealed, and renewed on the connector's schedule.
            guard definition.auth.credentials == nil || definition.auth.takesCustomerClient else {
                throw ConnectorError(.invalidDefinition, "\(connector) takes credentials a client-credentials grant cannot use")
            }
            try Self.requireCredentials(definition, credentials)
            let customer = try definition.auth.customerClient(credentials)  // its secret is vaulted below
            let identity = try definition.auth.clientIdentity(credentials)  // ADP: the certificate every call presents
            guard let tokens else { throw ConnectorError(.invalidDefinition, "No token client is configured") }
            guard let vault else {
                throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set: connections with secrets cannot be stored")
            }
            try adopt(
                try await tokens.clientCredentials(definition: definition, variables: variables, client: customer, identity: identity), vault: vault)
            credential = credential.presenting(identity)
            // The customer's client secret (Greenhouse, ADP) and the certificate's key (ADP).
            for field in definition.auth.credentials ?? [] where field.secret {
                sealed.append((field.name, try vault.seal(credentials[field.name] ?? "", connection: id, kind: field.name)))
            }
        } else if !isMock {
            let keyPair = definition.auth.type == "key_pair" && definition.auth.keyPair != nil
            let signsIn = definition.auth.signIn != nil
            guard ["api_key", "basic", "personal_token", "bot_token"].contains(definition.auth.type) || keyPair || signsIn else {
                throw ConnectorError(.invalidInput, "\(connector) connects through \(definition.auth.type); use connectors.authorizeUrl")
            }
            let fields = definition.auth.credentials ?? []
            try Self.requireCredentials(definition, credentials)
            guard let vault else {
                throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set: connections with secrets cannot be stored")
            }
            // A key pair also needs the account variable; a malformed key is refused here, before anything is sent.
            if definition.auth.signIn == nil {
                credential = try Self.credential(definition, keyPair ? variables.merging(credentials) { _, given in given } : credentials)
            }
            for field in fields where field.secret {
                sealed.append((field.name, try vault.seal(credentials[field.name] ?? "", connection: id, kind: field.name)))
            }
            if definition.auth.signIn != nil {
                // The credentials open a session (Tableau); requests carry the session's token.
                guard let tokens else { throw ConnectorError(.invalidDefinition, "No token client is configured") }
                try adopt(try await tokens.signIn(definition: definition, variables: variables, credentials: credentials), vault: vault)
            }
        }
        var allVariables = variables
        for field in definition.auth.credentials ?? [] where !field.secret {
            if let value = credentials[field.name] { allVariables[field.name] = value }
        }
        // The credentials are tested before they are stored.
        if let smoke = definition.smoke {
            let call = ConnectorCall(connector: connector, action: smoke.action, input: smoke.input ?? .object([:]), variables: allVariables)
            let tested = credential
            _ = try await runtime.execute(call) { _ in tested }
        }
        // The accounts the credentials reach (Slack's channels, Stripe's account, Trello's boards).
        let listing = try await listAccounts(definition, variables: allVariables, credential: credential)
        if let vault, !isMock {
            for (account, token) in listing.tokens {
                let kind = Self.accountTokenKind(account)
                sealed.append((kind, try vault.seal(token, connection: id, kind: kind)))
            }
        }
        let stored = try await connections.insert(
            id: id, tenant: tenant, connector: connector, name: name ?? definition.name, variables: allVariables,
            scopes: definition.auth.scopes ?? [], accounts: .array(listing.accounts), tokenExpiresAt: tokenExpiresAt,
            nextRefreshAt: nextRefreshAt, secrets: sealed)
        guard let error = listing.error else { return stored }
        try? await connections.setStatus(tenant: tenant, id: id, status: "active", error: error)
        return (try? await connections.get(tenant: tenant, id: id)) ?? stored
    }

    /// A connection of the tenant, or `connectionNotFound`.
    public func connection(tenant: String, id: UUID) async throws -> ConnectionStore.Connection {
        guard let connection = try await connections.get(tenant: tenant, id: id) else {
            throw ConnectorError(.connectionNotFound, "Connection not found")
        }
        return connection
    }

    /// Runs the connector's smoke action and records the outcome in `connection_health_log`.
    public func test(tenant: String, id: UUID) async throws -> (ok: Bool, latencyMs: Int, error: String?) {
        let connection = try await connection(tenant: tenant, id: id)
        guard let smoke = catalog[connection.connector]?.definition.smoke else {
            throw ConnectorError(.unknownAction, "\(connection.connector) declares no action to test a connection with")
        }
        let started = ContinuousClock.now
        var failure: String?
        do {
            _ = try await perform(
                ConnectorCall(connector: connection.connector, action: smoke.action, input: smoke.input ?? .object([:])),
                connection: connection)
        } catch let error as ConnectorError {
            failure = error.message
        }
        let latency = (ContinuousClock.now - started).inMilliseconds
        try await connections.recordHealth(tenant: tenant, id: id, ok: failure == nil, latencyMs: latency, error: failure)
        return (failure == nil, latency, failure)
    }

    /// Revokes the grant at the provider where its API allows (the refresh token where there
    /// is one, which ends the whole grant, else the access token; best effort: a provider
    /// that is down does not keep a user connected), then marks the connection revoked and
    /// deletes its secrets; its history stays. Whether the provider confirmed is the result.
    @discardableResult
    public func disconnect(tenant: String, id: UUID) async throws -> Bool {
        let connection = try await connection(tenant: tenant, id: id)
        var revokedAtProvider = false
        if !isMock, let tokens, let secrets, let definition = catalog[connection.connector]?.definition, definition.auth.revokeUrl != nil {
            var token = try? await secrets.get(kind: "refresh_token", connection: id)
            if token == nil { token = try? await secrets.get(kind: "access_token", connection: id) }
            if let token { revokedAtProvider = await tokens.revoke(token: token, definition: definition, variables: connection.variables) }
        }
        guard try await connections.revoke(tenant: tenant, id: id) else { throw ConnectorError(.connectionNotFound, "Connection not found") }
        logger.info(
            "connection disconnected",
            metadata: [
                "connector": "\(connection.connector)", "connectionId": "\(id)",
                "revokedAtProvider": "\(revokedAtProvider)",
            ])
        return revokedAtProvider
    }

    // MARK: - Actions

    /// Performs `call` on `connection` (which must be active), with its credentials.
    public func perform(_ call: ConnectorCall, connection: ConnectionStore.Connection) async throws -> ConnectorResult {
        try await perform(call, connection: connection, sealed: nil)
    }

    /// `perform(_:connection:)` with the connection's sealed secrets already read (`sealed`),
    /// used unless the token is refreshed first (then the new one is read).
    func perform(_ call: ConnectorCall, connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed]?) async throws
        -> ConnectorResult
    {
        switch connection.status {
        case "revoked": throw ConnectorError(.connectionRevoked, "This connection was disconnected")
        case "attention":
            throw ConnectorError(.connectionNeedsAttention, "This connection needs attention: \(connection.lastError ?? "reconnect it")")
        default: break
        }
        guard connection.connector == call.connector else {
            throw ConnectorError(.invalidInput, "The connection belongs to \(connection.connector), not \(call.connector)")
        }
        var call = call
        call.variables = connection.variables.merging(call.variables) { _, explicit in explicit }
        call.connectionID = connection.id
        let definition = catalog[connection.connector]?.definition
        if let definition { call = try Self.bindingAccount(call, definition: definition, accounts: connection.accounts, isMock: isMock) }
        let secrets = self.secrets, isMock = self.isMock, refresher = definition.flatMap { TokenRefresher.canRefresh($0) ? self.refresher : nil }
        let accountID = call.accountID
        let seen = SeenVersion(connection.refreshVersion)
        do {
            return try await runtime.execute(call) { refresh in
                guard !isMock, let definition else { return .none }
                guard let secrets else { throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set") }
                // A refused token is refreshed once; one about to expire is refreshed before it is sent.
                let expiring = connection.tokenExpiresAt.map { $0.timeIntervalSinceNow < Self.expirySkew } ?? false
                var refreshed = false
                if let refresher, refresh || expiring {
                    refreshed = true
                    do {
                        // Against the version read: a refusal after this call's own refresh
                        // finds it done (`alreadyRefreshed`) rather than refreshing again.
                        seen.update(try await refresher.refresh(connectionID: connection.id, seenVersion: connection.refreshVersion).version)
                    } catch let error as ConnectorError where !refresh && error.code != .providerAuth {
                        // A provider hiccup before expiry: the current token may still be good.
                    }
                }
                var values: [String: String] = connection.variables
                let secretFields = (definition.auth.credentials ?? []).filter(\.secret).map(\.name)
                let accountKind = accountID.map(Self.accountTokenKind)
                let kinds = Set(secretFields + ["access_token"] + (accountKind.map { [$0] } ?? []))
                let opened: [String: String]
                if let sealed, !refreshed {
                    opened = try secrets.open(kinds: kinds, from: sealed, connection: connection.id)
                } else {
                    opened = try await secrets.get(kinds: kinds, connection: connection.id)
                }
                for name in secretFields { values[name] = opened[name] }
                if let token = opened["access_token"] { values["accessToken"] = token }
                if let accountKind, let token = opened[accountKind] { values["accessToken"] = token }
                var credential = try Self.credential(definition, values)
                if refresher == nil { credential = credential.withoutRefresh }
                return credential
            }
        } catch let error as ConnectorError where error.code == .providerAuth || error.code == .vaultUnreadable {
            // A refused or unreadable credential needs a person: the connection says so — unless
            // it changed since this call read it (a reconnect, another process's refresh), whose
            // new credential this call never tried.
            try? await connections.markNeedsAttention(tenant: connection.tenantID, id: connection.id, reason: error.message, version: seen.value)
            throw error
        }
    }

    // MARK: - OAuth

    /// Lists the accounts an authorization reaches (the definition's `accounts` action, with
    /// the new token) and stores the connection with every token sealed: the user token,
    /// the refresh token, and each account's own token (Facebook Pages), which is removed from
    /// the stored account list. An account listing that fails leaves the connection with no
    /// accounts and the reason in `last_error`, rather than losing the authorization.
    func storeAuthorized(_ set: OAuthTokenSet, pending: OAuthStateStore.Pending, definition: ConnectorDefinition) async throws -> UUID {
        // What the token answer names (Slack's workspace, TikTok's user) routes webhook events to
        // this connection: only the provider may say it, never the caller's `variables` — or a
        // tenant could claim another's workspace and receive its events.
        let declared = Set((definition.variables ?? []).map(\.name))
        let given = pending.variables.filter { !Self.keptTokenExtras.contains($0.key) || declared.contains($0.key) }
        let variables = try tokenVariables(given, from: set, definition: definition)
        let listing = try await listAccounts(definition, variables: variables, credential: isMock ? .none : .token(set.accessToken))
        let (accounts, accountTokens, listingError) = (listing.accounts, listing.tokens, listing.error)
        let id = pending.connectionID ?? UUID()
        var sealed: [(kind: String, sealed: TokenVault.Sealed)] = []
        if !isMock {
            guard let vault else { throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set") }
            sealed.append(("access_token", try vault.seal(set.accessToken, connection: id, kind: "access_token")))
            if let refreshToken = set.refreshToken {
                sealed.append(("refresh_token", try vault.seal(refreshToken, connection: id, kind: "refresh_token")))
            }
            for (account, token) in accountTokens {
                let kind = Self.accountTokenKind(account)
                sealed.append((kind, try vault.seal(token, connection: id, kind: kind)))
            }
        }
        let now = Date()
        let expiresAt = set.expiresAt(from: now)
        let next = isMock ? nil : RefreshSchedule(refresh: definition.auth.refresh).next(expiresAt: expiresAt, refreshedAt: now, now: now)
        let stored = try await connections.storeAuthorized(
            id: id, renewing: pending.connectionID != nil, tenant: pending.tenantID, connector: definition.id, name: definition.name,
            variables: variables.merging(set.extras.filter { Self.keptTokenExtras.contains($0.key) }) { old, _ in old },
            scopes: set.scopes ?? definition.auth.scopes ?? [], accounts: .array(accounts), tokenExpiresAt: expiresAt, nextRefreshAt: next,
            secrets: sealed)
        if let listingError { try? await connections.setStatus(tenant: stored.tenantID, id: id, status: "active", error: listingError) }
        return id
    }

    /// `variables` with those the definition takes from the token answer (`fromToken`): the
    /// member's host when it is a URL, else its text, checked against the variable's pattern.
    /// A missing or unexpected value refuses the connection: the credential would be sent to
    /// the host it names. In mock mode a missing value is the variable's example.
    func tokenVariables(_ variables: [String: String], from set: OAuthTokenSet, definition: ConnectorDefinition) throws -> [String: String] {
        var variables = variables
        for variable in definition.variables ?? [] {
            guard let member = variable.fromToken else { continue }
            guard let text = set.extras[member] ?? (isMock ? variable.example : nil), !text.isEmpty else {
                throw ConnectorError(.providerUnavailable, "\(definition.name) answered no \(member) with the token")
            }
            guard let value = variable.valueFromAnswer(text) else {
                throw ConnectorError(
                    .providerUnavailable,
                    "\(definition.name) answered a \(member) whose host does not match \(variable.pattern ?? "its pattern"): nothing was stored")
            }
            variables[variable.name] = value
        }
        return variables
    }

    /// Token-answer fields that are per-connection variables (Salesforce's instance, TikTok's user id).
    static let keptTokenExtras: Set<String> = ["instance_url", "open_id", "realmId", "team_id", "shop"]

    public func available(tenant: String) async -> [String] {
        let connectors = (try? await connections.activeConnectors(tenant: tenant)) ?? []
        return connectors.flatMap { id in catalog[id]?.definition.actions.map { "\(id).\($0.id)" } ?? [] }
    }

    public func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
        let connection: ConnectionStore.Connection
        var sealed: [String: TokenVault.Sealed]?
        if let id = request.connectionID, let read = PrefetchedConnection.current?.take(tenant: tenant, id: id) {
            (connection, sealed) = (read.connection, read.sealed)
        } else if let id = request.connectionID {
            connection = try await self.connection(tenant: tenant, id: id)
        } else if let found = try await connections.firstActive(tenant: tenant, connector: request.connector) {
            connection = found
        } else {
            throw ConnectorError(.connectionNotFound, "No active \(request.connector.prefix(64)) connection")
        }
        let call = ConnectorCall(
            connector: request.connector.isEmpty ? connection.connector : request.connector, action: request.action,
            input: request.input, accountID: request.accountID, idempotencyKey: request.idempotencyKey)
        return try await perform(call, connection: connection, sealed: sealed).output
    }
}

/// The connection version an action's credentials came from: the one it read, or the one its
/// own refresh left.
private final class SeenVersion: Sendable {
    private let version: Mutex<Int64>

    init(_ version: Int64) { self.version = Mutex(version) }

    var value: Int64 { version.withLock { $0 } }

    func update(_ newer: Int64) { version.withLock { $0 = max($0, newer) } }
}
