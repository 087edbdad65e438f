public import Foundation
import Logging

/// The OAuth 2.0 authorization-code flow of a connection (RFC 6749 §4.1, PKCE per RFC 7636):
/// `authorize` issues the provider's consent URL with a one-time state (and a PKCE verifier,
/// sealed, where the connector uses PKCE) stored for ten minutes with the tenant; `complete`
/// takes the provider's redirect to `/oauth/callback/<connector>`, consumes the state once
/// and only for its connector, exchanges the code (Meta's short-lived token then for a
/// long-lived one), lists the accounts, vaults every token, creates the connection (or
/// renews the one being reconnected), and says where to send the browser — to `APP_URL`
/// with the outcome, provider errors such as `access_denied` included.
///
/// In mock mode the consent URL is the server's own `/oauth/mock/<connector>` page and the
/// code exchange is simulated, so the whole flow works without a provider or secrets.
public final class OAuthFlow: Sendable {
    let catalog: ConnectorCatalog
    let states: OAuthStateStore
    let tokens: OAuthTokenClient
    let service: ConnectorService
    let isMock: Bool
    /// The server's public base URL (`PUBLIC_URL`), read when needed (the port is known only once listening).
    let publicURL: @Sendable () -> String
    /// The UI (`APP_URL`); nil answers the callback with a page of its own.
    let appURL: String?
    let logger: Logger

    init(
        catalog: ConnectorCatalog, states: OAuthStateStore, tokens: OAuthTokenClient, service: ConnectorService, isMock: Bool,
        publicURL: @escaping @Sendable () -> String, appURL: String?, logger: Logger
    ) {
        self.catalog = catalog
        self.states = states
        self.tokens = tokens
        self.service = service
        self.isMock = isMock
        self.publicURL = publicURL
        self.appURL = appURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.logger = logger
    }

    /// A consent URL and the state that will bring the user back.
    public struct Authorization: Sendable {
        /// Where to send the browser.
        public var url: String
        /// The one-time state in that URL.
        public var state: String
        /// When the state stops being accepted.
        public var expiresAt: Date
    }

    /// Where `/oauth/callback/<connector>` sends the browser.
    public func redirectURI(for connector: String) -> String { "\(publicURL())/oauth/callback/\(connector)" }

    /// Starts an authorization of `connector` for the tenant (renewing `connectionID` when given).
    public func authorize(
        tenant: String, user: String, connector: String, redirectTo: String?, variables: [String: String],
        connectionID: UUID?
    ) async throws -> Authorization {
        guard let definition = catalog[connector]?.definition else {
            throw ConnectorError(.unknownConnector, "No connector named \(connector.prefix(64))")
        }
        guard definition.availability != "disabled" else { throw ConnectorError(.connectorDisabled, "The \(connector) connector is disabled") }
        guard definition.auth.type == "oauth2" else {
            throw ConnectorError(.invalidInput, "\(connector) connects through \(definition.auth.type); use connectors.connect")
        }
        try service.checkVariables(definition, variables, beforeAuthorization: true)
        if let redirectTo { try checkRedirect(redirectTo) }
        if let connectionID {
            let existing = try await service.connection(tenant: tenant, id: connectionID)
            guard existing.connector == connector else {
                throw ConnectorError(.invalidInput, "The connection belongs to \(existing.connector), not \(connector)")
            }
        }
        let app: (id: String, secret: String)
        if isMock {
            app = ("mock-client", "")
        } else {
            app = try tokens.app(definition)
            guard service.vault != nil else {
                throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set: OAuth tokens cannot be stored")
            }
        }
        let state = Base64URL.encode(SecureRandom.bytes(32))
        var verifier: String?
        var sealed: TokenVault.Sealed?
        if definition.auth.pkce == true, !isMock, let vault = service.vault {
            let made = PKCE.makeVerifier()
            verifier = made
            sealed = try vault.seal(made, boundTo: OAuthStateStore.binding(state))
        }
        let expiresAt = Date().addingTimeInterval(OAuthStateStore.lifetime)
        try await states.insert(
            OAuthStateStore.Pending(
                state: state, tenantID: tenant, userID: user, connector: connector, verifier: sealed,
                variables: variables, redirectTo: redirectTo, connectionID: connectionID, expiresAt: expiresAt))
        var query: [(String, String)] = [
            ("response_type", "code"), (definition.auth.clientIdParam ?? "client_id", app.id),
            ("redirect_uri", redirectURI(for: connector)),
        ]
        if let scopes = definition.auth.scopes, !scopes.isEmpty {
            query.append(("scope", scopes.joined(separator: definition.auth.scopeSeparator ?? " ")))
        }
        query.append(("state", state))
        if let verifier {
            query.append(("code_challenge", PKCE.challenge(of: verifier)))
            query.append(("code_challenge_method", "S256"))
        }
        for (name, value) in (definition.auth.extraAuthorizeParams ?? [:]).sorted(by: { $0.key < $1.key })
        where !query.contains(where: { $0.0 == name }) {
            query.append((name, value))
        }
        let base = isMock ? "\(publicURL())/oauth/mock/\(connector)" : try tokens.authorizeURL(definition, variables: variables).absoluteString
        let url = base + (base.contains("?") ? "&" : "?") + OAuthTokenClient.formEncode(query)
        return Authorization(url: url, state: state, expiresAt: expiresAt)
    }

    /// Why the callback's signature (`auth.callbackSignature`) is refused, if it is; nil when
    /// the definition asks for none, in mock mode, and when it is valid.
    func signatureRefusal(connector: String, query: [String: String]) -> OAuthCallbackCheck.Refusal? {
        guard !isMock, let definition = catalog[connector]?.definition, let signature = definition.auth.callbackSignature else { return nil }
        guard let app = try? tokens.app(definition), OAuthCallbackCheck.signatureIsValid(signature, query: query, secret: app.secret) else {
            return .invalidSignature
        }
        return nil
    }

    /// `redirectTo` must stay inside the UI: an open redirect would hand a phishing page our origin.
    func checkRedirect(_ redirectTo: String) throws {
        guard let appURL, OAuthRedirectTarget.isInside(redirectTo, appURL: appURL) else {
            throw ConnectorError(.invalidInput, "redirectTo must be a page of APP_URL" + (appURL.map { " (\($0))" } ?? " (APP_URL is not set)"))
        }
    }

    /// Where the browser goes after the callback, and what to show when there is no UI to go to.
    public struct Completion: Sendable, Equatable {
        /// `connected` or `error`.
        public var status: String
        /// Why it failed (`access_denied`, `state_already_used`, `token_exchange_failed`…).
        public var reason: String?
        /// A sentence for the user.
        public var message: String
        /// The new or renewed connection.
        public var connectionID: UUID?
        /// The redirect target, when the UI is known.
        public var location: String?
    }

    /// Finishes an authorization from the callback's query. Never throws: every outcome is
    /// something to show the user.
    public func complete(connector: String, query: [String: String]) async -> Completion {
        guard let state = query["state"], !state.isEmpty else {
            return finish(
                connector: connector, pending: nil, status: "error", reason: "missing_state",
                message: "The provider's answer carried no state; start connecting again.")
        }
        if let refusal = signatureRefusal(connector: connector, query: query) {
            // A forged or altered redirect: refused before its state is spent.
            logger.warning("oauth callback refused", metadata: ["connector": "\(connector)", "reason": "\(refusal.rawValue)"])
            return finish(
                connector: connector, pending: nil, status: "error", reason: refusal.rawValue,
                message: "The provider's answer is not signed as it should be; start connecting again.")
        }
        var pending: OAuthStateStore.Pending
        do {
            switch try await states.consume(state: state, connector: connector) {
            case .success(let found): pending = found
            case .failure(let refusal):
                logger.warning("oauth callback refused", metadata: ["connector": "\(connector)", "reason": "\(refusal.rawValue)"])
                return finish(connector: connector, pending: nil, status: "error", reason: refusal.rawValue, message: Self.explain(refusal))
            }
        } catch {
            return finish(
                connector: connector, pending: nil, status: "error", reason: "unavailable",
                message: "The connection could not be completed right now; try again.")
        }
        if let error = query["error"], !error.isEmpty {
            let description = query["error_description"].map { String($0.prefix(300)) }
            return finish(
                connector: connector, pending: pending, status: "error", reason: String(error.prefix(64)),
                message: description ?? (error == "access_denied" ? "Access was not granted." : "The provider refused: \(error.prefix(64))"))
        }
        if isMock, let definition = catalog[connector]?.definition {
            // The mock consent "picks" the variable's example (QuickBooks' company) when the user gave none.
            let fromCallback = (definition.variables ?? []).filter { $0.fromCallback != nil }.map(\.name)
            for name in (definition.auth.callbackVariables ?? []) + fromCallback where (pending.variables[name] ?? "").isEmpty {
                if let example = definition.variables?.first(where: { $0.name == name })?.example { pending.variables[name] = example }
            }
        } else if let definition = catalog[connector]?.definition {
            do throws(OAuthCallbackCheck.Refusal) {
                pending.variables = try OAuthCallbackCheck.variables(definition, query: query, started: pending.variables)
            } catch {
                return finish(
                    connector: connector, pending: pending, status: "error", reason: error.rawValue,
                    message: "The provider's answer names another account than the one this connection was started for.")
            }
        }
        guard let code = query["code"], !code.isEmpty else {
            return finish(
                connector: connector, pending: pending, status: "error", reason: "missing_code", message: "The provider's answer carried no code.")
        }
        do {
            let connection = try await connect(code: code, pending: pending)
            logger.info("oauth connection completed", metadata: ["connector": "\(connector)", "connectionId": "\(connection)"])
            return finish(connector: connector, pending: pending, status: "connected", reason: nil, message: "Connected.", connectionID: connection)
        } catch let error as ConnectorError {
            logger.warning("oauth code exchange failed", metadata: ["connector": "\(connector)", "code": "\(error.code.rawValue)"])
            return finish(connector: connector, pending: pending, status: "error", reason: Self.reason(error), message: error.message)
        } catch {
            logger.error("oauth completion failed", metadata: ["connector": "\(connector)", "error": "\(type(of: error))"])
            return finish(
                connector: connector, pending: pending, status: "error", reason: "unavailable",
                message: "The connection could not be stored; try again.")
        }
    }

    /// Exchanges the code, lists the accounts and stores the connection; its id.
    private func connect(code: String, pending: OAuthStateStore.Pending) async throws -> UUID {
        guard let definition = catalog[pending.connector]?.definition else {
            throw ConnectorError(.unknownConnector, "No connector named \(pending.connector)")
        }
        var set: OAuthTokenSet
        if isMock {
            guard code.hasPrefix("mock-") else {
                throw ConnectorError(.providerAuth, "The mock provider did not issue this code", providerCode: "invalid_grant")
            }
            set = OAuthTokenSet(
                accessToken: "mock-access-" + Base64URL.encode(SecureRandom.bytes(12)),
                refreshToken: "mock-refresh-" + Base64URL.encode(SecureRandom.bytes(12)), expiresIn: 3600,
                scopes: definition.auth.scopes, extras: [:])
        } else {
            guard let vault = service.vault else { throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_KEY is not set") }
            let verifier = try pending.verifier.map { try vault.open($0, boundTo: OAuthStateStore.binding(pending.state), kind: "PKCE verifier") }
            set = try await tokens.exchange(
                code: code, verifier: verifier, redirectURI: redirectURI(for: pending.connector),
                definition: definition, variables: pending.variables)
            if definition.auth.refresh?.strategy == "long_lived_exchange" {
                let longLived = try await tokens.exchangeLongLived(accessToken: set.accessToken, definition: definition, variables: pending.variables)
                set = OAuthTokenSet(
                    accessToken: longLived.accessToken, refreshToken: longLived.refreshToken ?? set.refreshToken,
                    expiresIn: longLived.expiresIn, scopes: set.scopes, extras: set.extras.merging(longLived.extras) { $1 })
            }
        }
        return try await service.storeAuthorized(set, pending: pending, definition: definition)
    }

    private func finish(
        connector: String, pending: OAuthStateStore.Pending?, status: String, reason: String?, message: String,
        connectionID: UUID? = nil
    ) -> Completion {
        var location: String?
        if let base = pending?.redirectTo ?? appURL.map({ "\($0)/connections" }) {
            var items = [("connector", connector), ("status", status)]
            if let reason { items.append(("reason", reason)) }
            if status == "error" { items.append(("message", message)) }
            if let connectionID { items.append(("connectionId", connectionID.uuidString.lowercased())) }
            location = OAuthRedirectTarget.appending(OAuthTokenClient.formEncode(items), to: base)
        }
        return Completion(status: status, reason: reason, message: message, connectionID: connectionID, location: location)
    }

    static func explain(_ refusal: OAuthStateStore.Refusal) -> String {
        switch refusal {
        case .unknown: "This sign-in link is not one we issued; start connecting again."
        case .used: "This sign-in was already completed or refused; start connecting again."
        case .expired: "This sign-in took longer than ten minutes; start connecting again."
        case .otherConnector: "This sign-in was started for another connector; start connecting again."
        }
    }

    static func reason(_ error: ConnectorError) -> String {
        switch error.code {
        case .providerAuth: "authorization_refused"
        case .missingAppCredentials: "app_not_configured"
        case .providerUnavailable, .providerTimeout: "provider_unavailable"
        case .providerRateLimited: "rate_limited"
        default: "token_exchange_failed"
        }
    }
}
