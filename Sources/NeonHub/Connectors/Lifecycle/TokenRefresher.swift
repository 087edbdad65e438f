public import Foundation
import Logging
import Postgres
import Synchronization

/// Refreshes connection tokens, once however many callers and processes ask at the same time.
///
/// Within a process, concurrent requests for one connection share one task. Across
/// processes, the refresh runs inside a transaction holding the connection's advisory lock
/// (`pg_advisory_xact_lock`), and writes with a compare-and-swap on `refresh_version`: a
/// caller that saw version *n* and finds *n + 1* under the lock knows another process has
/// refreshed already and uses that token instead of spending the refresh token again (which
/// would kill a rotated one). The new tokens, the bumped version, the expiry and the next
/// scheduled refresh are written in the same transaction. A refused refresh puts the
/// connection in `attention` with the provider's reason; a later successful one (scheduled,
/// or after reconnecting) returns it to `active`.
///
/// That transaction holds a pooled connection for as long as the provider takes to answer, so
/// at most a quarter of the pool's connections refresh at once (`permits`): a token endpoint
/// that hangs while many connections are due cannot take the database from every request.
public final class TokenRefresher: Sendable {
    let pool: PostgresPool
    let vault: TokenVault
    let tokens: OAuthTokenClient
    let catalog: ConnectorCatalog
    let metrics: NeonHubMetrics?
    let logger: Logger
    private let inFlight = Mutex<[UUID: Task<Outcome, any Error>]>([:])
    /// Refreshes of different connections running at once in this process.
    let permits: AsyncPermits

    /// What a refresh request came to.
    public enum Outcome: Sendable, Equatable {
        /// This call refreshed the token; the connection is at `version` now.
        case refreshed(version: Int64)
        /// Another caller or process had refreshed it since the caller's version.
        case alreadyRefreshed(version: Int64)

        /// The connection's version after the request.
        public var version: Int64 {
            switch self {
            case .refreshed(let version), .alreadyRefreshed(let version): version
            }
        }
    }

    init(pool: PostgresPool, vault: TokenVault, tokens: OAuthTokenClient, catalog: ConnectorCatalog, metrics: NeonHubMetrics?, logger: Logger) {
        self.pool = pool
        self.vault = vault
        self.tokens = tokens
        self.catalog = catalog
        self.metrics = metrics
        self.logger = logger
        permits = AsyncPermits(pool.configuration.size / 4)
    }

    /// Whether connections of `definition` can be refreshed without a person.
    static func canRefresh(_ definition: ConnectorDefinition) -> Bool {
        ["refresh_token", "long_lived_exchange", "client_credentials", "sign_in"].contains(definition.auth.refresh?.strategy ?? "none")
    }

    /// Refreshes the connection's token unless it changed since `seenVersion` (nil: refresh
    /// regardless). Concurrent calls for one connection in this process share one refresh.
    public func refresh(connectionID: UUID, seenVersion: Int64?) async throws -> Outcome {
        let (task, owner) = inFlight.withLock { running -> (Task<Outcome, any Error>, Bool) in
            if let task = running[connectionID] { return (task, false) }
            let task = Task { try await self.permits.withPermit { try await self.perform(connectionID: connectionID, seenVersion: seenVersion) } }
            running[connectionID] = task
            return (task, true)
        }
        defer { if owner { _ = inFlight.withLock { $0.removeValue(forKey: connectionID) } } }
        return try await task.value
    }

    /// The state of a connection under its lock.
    private struct Locked: Sendable {
        var connector: String
        var tenantID: String
        var status: String
        var variables: [String: String]
        var version: Int64
        var expiresAt: Date?
        var failures: Int
    }

    private func perform(connectionID: UUID, seenVersion: Int64?) async throws -> Outcome {
        let vault = self.vault, catalog = self.catalog, tokens = self.tokens
        let trace = TraceContext.current  // the connection's thread below has no task-locals
        do {
            let (outcome, connector): (Outcome, String) = try await pool.withConnection { connection in
                try connection.withTransaction { connection -> (Outcome, String) in
                    _ = try connection.query("SELECT pg_advisory_xact_lock(\(Self.lockNamespace), hashtext(\(connectionID.uuidString.lowercased())))")
                    guard
                        let row = try connection.query(
                            """
                            SELECT connector, tenant_id, status, variables, refresh_version, token_expires_at, refresh_failures
                            FROM connections WHERE id = \(connectionID)
                            """
                        ).first
                    else { throw ConnectorError(.connectionNotFound, "Connection not found") }
                    let locked = try Self.locked(row)
                    do {
                        if let seenVersion, locked.version != seenVersion { return (.alreadyRefreshed(version: locked.version), locked.connector) }
                        guard locked.status != "revoked" else { throw ConnectorError(.connectionRevoked, "This connection was disconnected") }
                        guard let definition = catalog[locked.connector]?.definition, Self.canRefresh(definition) else {
                            throw ConnectorError(.providerAuth, "\(locked.connector) tokens cannot be refreshed: reconnect the account")
                        }
                        func secret(_ kind: String) throws -> String? {
                            guard
                                let row = try connection.query(
                                    """
                                    SELECT key_id, iv, ciphertext, auth_tag FROM encrypted_secrets WHERE connection_id = \(connectionID) AND kind = \(kind)
                                    """
                                ).first
                            else { return nil }
                            return try vault.open(try SecretStore.sealed(row), connection: connectionID, kind: kind)
                        }
                        let strategy = definition.auth.refresh?.strategy ?? "none"
                        let variables = locked.variables
                        let fresh: OAuthTokenSet
                        switch strategy {
                        case "refresh_token":
                            guard let refreshToken = try secret("refresh_token") else {
                                throw ConnectorError(.providerAuth, "This connection has no refresh token: reconnect the account")
                            }
                            fresh = try waitForAsync(trace: trace) {
                                try await tokens.refresh(refreshToken: refreshToken, definition: definition, variables: variables)
                            }
                        case "long_lived_exchange":
                            guard let accessToken = try secret("access_token") else {
                                throw ConnectorError(.providerAuth, "This connection has no token to renew: reconnect the account")
                            }
                            fresh = try waitForAsync(trace: trace) {
                                try await tokens.exchangeLongLived(accessToken: accessToken, definition: definition, variables: variables)
                            }
                        case "sign_in":
                            // A new session from the stored credentials (Tableau: one per PAT, so the
                            // lock above is what keeps two processes from ending each other's).
                            var credentials = variables
                            for field in definition.auth.credentials ?? [] where field.secret {
                                guard let value = try secret(field.name) else {
                                    throw ConnectorError(.vaultUnreadable, "This connection has no stored \(field.name): reconnect it")
                                }
                                credentials[field.name] = value
                            }
                            let given = credentials
                            fresh = try waitForAsync(trace: trace) {
                                try await tokens.signIn(definition: definition, variables: variables, credentials: given)
                            }
                        default:
                            var customer: (id: String, secret: String)?
                            if definition.auth.takesCustomerClient {
                                guard let clientID = variables["clientId"], let clientSecret = try secret("clientSecret") else {
                                    throw ConnectorError(.providerAuth, "This connection has no client credential: reconnect the account")
                                }
                                customer = (clientID, clientSecret)
                            }
                            var identity: TLSClientIdentity?
                            if let fields = definition.auth.clientCertificate {
                                // ADP: the token request presents the connection's certificate too.
                                var values = variables
                                values[fields.privateKey] = try secret(fields.privateKey)
                                identity = try definition.auth.clientIdentity(values)
                            }
                            let client = customer, presented = identity
                            fresh = try waitForAsync(trace: trace) {
                                try await tokens.clientCredentials(definition: definition, variables: variables, client: client, identity: presented)
                            }
                        }
                        let now = Date()
                        let expiresAt = fresh.expiresAt(from: now)
                        let next = RefreshSchedule(refresh: definition.auth.refresh).next(expiresAt: expiresAt, refreshedAt: now, now: now)
                        _ = try connection.execute(
                            SecretStore.upsert(
                                try vault.seal(fresh.accessToken, connection: connectionID, kind: "access_token"),
                                kind: "access_token", connection: connectionID))
                        if let rotated = fresh.refreshToken {
                            _ = try connection.execute(
                                SecretStore.upsert(
                                    try vault.seal(rotated, connection: connectionID, kind: "refresh_token"),
                                    kind: "refresh_token", connection: connectionID))
                        }
                        let updated = try connection.execute(
                            """
                            UPDATE connections
                            SET refresh_version = refresh_version + 1, token_expires_at = \(expiresAt), next_refresh_at = \(next),
                                last_refresh_at = now(), refresh_failures = 0, last_error = NULL, updated_at = now(),
                                status = CASE WHEN status = 'attention' THEN 'active' ELSE status END
                            WHERE id = \(connectionID) AND refresh_version = \(locked.version)
                            """)
                        guard updated == 1 else { throw RefreshRaced() }
                        return (.refreshed(version: locked.version + 1), locked.connector)
                    } catch let error as ConnectorError {
                        throw FailedUnderLock(error: error, version: locked.version)
                    }
                }
            }
            switch outcome {
            case .refreshed: metrics?.recordTokenRefresh(connector: connector, outcome: "success")
            case .alreadyRefreshed: metrics?.recordTokenRefresh(connector: connector, outcome: "skipped")
            }
            return outcome
        } catch is RefreshRaced {
            let row = try await pool.query("SELECT connector, refresh_version FROM connections WHERE id = \(connectionID)").first
            metrics?.recordTokenRefresh(connector: try row?.decode("connector", as: String.self) ?? "unknown", outcome: "skipped")
            return .alreadyRefreshed(version: try row?.decode("refresh_version", as: Int64.self) ?? 0)
        } catch let failed as FailedUnderLock {
            return try await failure(failed.error, connectionID: connectionID, version: failed.version)
        } catch let error as ConnectorError {
            return try await failure(error, connectionID: connectionID, version: nil)
        }
    }

    /// A refresh that failed with `error` (`version`: the connection's version it started from,
    /// under the lock), recorded and thrown — unless the connection is gone (thrown as is), or
    /// another process refreshed it or the user reconnected it after the lock was let go: then
    /// the failure is about a credential no longer in use, and the caller gets the new one.
    private func failure(_ error: ConnectorError, connectionID: UUID, version: Int64?) async throws -> Outcome {
        guard error.code != .connectionNotFound && error.code != .connectionRevoked else { throw error }
        var error = error
        // A refresh refused for good (LinkedIn answers a dead refresh token with 400
        // `invalid_request`) is the user's grant gone, not a bad request of ours: a person
        // must reconnect. A refused app (`invalid_client`) stays the operator's problem.
        if error.code == .providerRejected && error.providerCode != "invalid_client" {
            error = ConnectorError(.providerAuth, "\(error.message); reconnect the account", providerCode: error.providerCode)
        }
        let recorded = try? await recordFailure(connectionID: connectionID, error: error, version: version)
        if case .superseded(let connector, let current) = recorded {
            metrics?.recordTokenRefresh(connector: connector, outcome: "skipped")
            return .alreadyRefreshed(version: current)
        }
        if case .recorded(let connector) = recorded {
            metrics?.recordTokenRefresh(connector: connector, outcome: "failure")
        } else {
            metrics?.recordTokenRefresh(connector: "unknown", outcome: "failure")
        }
        throw error
    }

    /// What became of a failed refresh's record.
    private enum FailureRecord {
        /// The back-off and reason are stored.
        case recorded(connector: String)
        /// The connection moved on to `version` since the refresh began: nothing stored.
        case superseded(connector: String, version: Int64)
    }

    /// After a failed refresh: the back-off, the reason, and `attention` when a person must act —
    /// if the connection is still at `version` (nil: whatever its version).
    private func recordFailure(connectionID: UUID, error: ConnectorError, version: Int64?) async throws -> FailureRecord? {
        let needsPerson = [.providerAuth, .providerRejected, .missingAppCredentials, .vaultUnreadable].contains(error.code)
        guard
            let row = try await pool.query(
                """
                SELECT connector, tenant_id, status, variables, refresh_version, token_expires_at, refresh_failures FROM connections WHERE id = \(connectionID)
                """
            ).first
        else { return nil }
        let locked = try Self.locked(row)
        if let version, locked.version != version { return .superseded(connector: locked.connector, version: locked.version) }
        let schedule = RefreshSchedule(refresh: catalog[locked.connector]?.definition.auth.refresh)
        let retry = schedule.retry(failures: locked.failures + 1, expiresAt: locked.expiresAt)
        let reason = "Token refresh failed: \(error.message)"
        let updated = try await pool.execute(
            """
            UPDATE connections
            SET refresh_failures = refresh_failures + 1, next_refresh_at = \(retry), last_error = \(reason), updated_at = now(),
                status = CASE WHEN \(needsPerson) AND status = 'active' THEN 'attention' ELSE status END
            WHERE id = \(connectionID) AND refresh_version = \(locked.version)
            """)
        guard updated == 1 else {
            let current = try await pool.query("SELECT refresh_version FROM connections WHERE id = \(connectionID)").first
            return .superseded(connector: locked.connector, version: try current?.decode("refresh_version", as: Int64.self) ?? locked.version)
        }
        logger.warning(
            "token refresh failed",
            metadata: [
                "connector": "\(locked.connector)", "connectionId": "\(connectionID)", "code": "\(error.code.rawValue)",
                "attention": "\(needsPerson)", "nextAttempt": "\(retry)",
            ])
        return .recorded(connector: locked.connector)
    }

    /// The first key of the two-key advisory lock, naming "token refresh" among the server's locks.
    static let lockNamespace: Int32 = 7_346

    private struct RefreshRaced: Error {}

    /// A refresh that failed after the lock was taken, with the version it started from.
    private struct FailedUnderLock: Error {
        var error: ConnectorError
        var version: Int64
    }

    private static func locked(_ row: PostgresRow) throws -> Locked {
        let variables = try ConnectionStore.variables(row)
        return Locked(
            connector: try row.decode("connector", as: String.self), tenantID: try row.decode("tenant_id", as: String.self),
            status: try row.decode("status", as: String.self), variables: variables,
            version: try row.decode("refresh_version", as: Int64.self), expiresAt: try row.decode("token_expires_at", as: Date?.self),
            failures: try row.decode("refresh_failures", as: Int.self))
    }
}
