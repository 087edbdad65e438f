public import Foundation
public import Postgres

/// SQL for `connections` and `connection_health_log`, always scoped by tenant. Secrets are
/// written with the connection in one transaction, sealed (see `SecretStore`).
public struct ConnectionStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    /// A tenant's connection to one connector account.
    public struct Connection: Sendable {
        public var id: UUID
        public var tenantID: String
        public var connector: String
        public var name: String
        /// `active`, `attention` or `revoked`.
        public var status: String
        public var variables: [String: String]
        public var scopes: [String]
        /// `[{id, name, kind}]`.
        public var accounts: JSONValue
        public var tokenExpiresAt: Date?
        /// Bumped by every token refresh and re-authorization (the compare-and-swap of `TokenRefresher`).
        public var refreshVersion: Int64
        public var lastError: String?
        public var healthStatus: String?
        public var lastHealthCheck: Date?
        public var lastHealthLatencyMs: Int?
        public var lastHealthError: String?
        public var createdAt: Date
    }

    static let columns = """
        c.id, c.tenant_id, c.connector, c.name, c.status, c.variables, array_to_string(c.scopes, ' ') AS scopes, c.accounts,
        c.token_expires_at, c.refresh_version, c.last_error, c.health_status, c.last_health_check, c.created_at, c.created_at::text AS created_text,
        h.latency_ms AS health_latency_ms, h.error AS health_error
        """
    /// `columns` without the last health check's latency and error (an action does not need
    /// them, and they cost a lookup in `connection_health_log`): read `FROM connections c`.
    static let actionColumns = """
        c.id, c.tenant_id, c.connector, c.name, c.status, c.variables, array_to_string(c.scopes, ' ') AS scopes, c.accounts,
        c.token_expires_at, c.refresh_version, c.last_error, c.health_status, c.last_health_check, c.created_at, c.created_at::text AS created_text,
        NULL::integer AS health_latency_ms, NULL::text AS health_error
        """
    static let from = """
        connections c LEFT JOIN LATERAL (
            SELECT latency_ms, error FROM connection_health_log l WHERE l.connection_id = c.id ORDER BY checked_at DESC LIMIT 1
        ) h ON true
        """

    /// Inserts a connection and its sealed secrets in one transaction.
    func insert(
        id: UUID, tenant: String, connector: String, name: String, variables: [String: String], scopes: [String],
        accounts: JSONValue, tokenExpiresAt: Date?, nextRefreshAt: Date? = nil,
        secrets: [(kind: String, sealed: TokenVault.Sealed)]
    ) async throws -> Connection {
        var statements: [PostgresQuery] = [
            """
            INSERT INTO connections (id, tenant_id, connector, name, variables, scopes, accounts, token_expires_at, next_refresh_at)
            VALUES (\(id), \(tenant), \(connector), \(name), \(JSONValue.object(variables.mapValues { .string($0) })),
                    string_to_array(\(scopes.joined(separator: " ")), ' '), \(accounts), \(tokenExpiresAt), \(nextRefreshAt))
            """
        ]
        statements += secrets.map { SecretStore.upsert($0.sealed, kind: $0.kind, connection: id) }
        _ = try await pool.pipelineTransaction(statements)
        guard let connection = try await get(tenant: tenant, id: id) else {
            throw ConnectorError(.connectionNotFound, "Connection not found")
        }
        return connection
    }

    /// Stores an OAuth-authorized connection: a new one, or — when `renewing` — the same
    /// connection with its tokens, accounts and scopes replaced, back to `active`, its version
    /// bumped (so a refresh racing the re-authorization cannot overwrite it). The secrets are
    /// written in the same transaction; account tokens left from before are deleted.
    func storeAuthorized(
        id: UUID, renewing: Bool, tenant: String, connector: String, name: String, variables: [String: String],
        scopes: [String], accounts: JSONValue, tokenExpiresAt: Date?, nextRefreshAt: Date?,
        secrets: [(kind: String, sealed: TokenVault.Sealed)]
    ) async throws -> Connection {
        var statements: [PostgresQuery]
        let variablesJSON = JSONValue.object(variables.mapValues { .string($0) })
        if renewing {
            statements = [
                // The refresher's lock first, as the refresher takes it: a reconnect and a refresh
                // of one connection then queue instead of deadlocking (each held a row the
                // other wanted: this update's connection, the refresher's secrets).
                "SELECT pg_advisory_xact_lock(\(TokenRefresher.lockNamespace), hashtext(\(id.uuidString.lowercased())))",
                """
                UPDATE connections
                SET status = 'active', variables = \(variablesJSON), scopes = string_to_array(\(scopes.joined(separator: " ")), ' '),
                    accounts = \(accounts), token_expires_at = \(tokenExpiresAt), next_refresh_at = \(nextRefreshAt),
                    refresh_version = refresh_version + 1, last_refresh_at = now(), refresh_failures = 0, last_error = NULL, updated_at = now()
                WHERE id = \(id) AND tenant_id = \(tenant)
                """,
                "DELETE FROM encrypted_secrets WHERE connection_id = \(id)",
            ]
        } else {
            statements = [
                """
                INSERT INTO connections (id, tenant_id, connector, name, variables, scopes, accounts, token_expires_at, next_refresh_at, last_refresh_at)
                VALUES (\(id), \(tenant), \(connector), \(name), \(variablesJSON), string_to_array(\(scopes.joined(separator: " ")), ' '),
                        \(accounts), \(tokenExpiresAt), \(nextRefreshAt), now())
                """
            ]
        }
        statements += secrets.map { SecretStore.upsert($0.sealed, kind: $0.kind, connection: id) }
        _ = try await pool.pipelineTransaction(statements)
        guard let connection = try await get(tenant: tenant, id: id) else {
            throw ConnectorError(.connectionNotFound, "Connection not found")
        }
        return connection
    }

    /// Connections by connector and status, for the `neonhub_connections` gauge.
    func counts() async throws -> [(connector: String, status: String, count: Int)] {
        try await pool.query("SELECT connector, status, count(*)::int AS n FROM connections GROUP BY connector, status ORDER BY 1, 2").map {
            (try $0.decode("connector", as: String.self), try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self))
        }
    }

    /// Connections whose scheduled refresh is due, oldest first, with the version seen.
    func dueForRefresh(limit: Int) async throws -> [(id: UUID, version: Int64)] {
        try await pool.query(
            """
            SELECT id, refresh_version FROM connections
            WHERE status <> 'revoked' AND next_refresh_at IS NOT NULL AND next_refresh_at <= now()
            ORDER BY next_refresh_at LIMIT \(limit)
            """
        ).map { (try $0.decode("id", as: UUID.self), try $0.decode("refresh_version", as: Int64.self)) }
    }

    /// One connection, or nil (also for other tenants' connections).
    public func get(tenant: String, id: UUID) async throws -> Connection? {
        try await pool.query("SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.from) WHERE c.id = \(id) AND c.tenant_id = \(tenant)")
            .first.map(Self.connection)
    }

    /// A connection with its sealed secrets by kind, in one round trip (what performing an
    /// action needs: the last health check's latency and error are not read); nil when the
    /// tenant has no such connection. Two statements in one
    /// pipeline, not a join: a Meta connection holds a token per Page, and a join would repeat
    /// the whole connection row (its account list included) for each of them.
    ///
    /// With `run`, the same round trip writes that run's `running` row, in one transaction with
    /// the reads, and only if the connection exists (`AgentRunStore.runningRowInsert`).
    func getWithSecrets(
        tenant: String, id: UUID, startingRun run: AgentRunStore.RunningRow? = nil
    ) async throws -> (connection: Connection, sealed: [String: TokenVault.Sealed])? {
        var statements: [PostgresQuery] = [
            "SELECT \(unescaped: Self.actionColumns) FROM connections c WHERE c.id = \(id) AND c.tenant_id = \(tenant)",
            """
            SELECT s.kind, s.key_id, s.iv, s.ciphertext, s.auth_tag FROM encrypted_secrets s JOIN connections c ON c.id = s.connection_id
            WHERE s.connection_id = \(id) AND c.tenant_id = \(tenant)
            """,
        ]
        let results: [PostgresQueryResult]
        if let run {
            assert(run.tenant == tenant, "a run is started on a connection of its own tenant")
            statements += AgentRunStore.runningRowInsert(run, ifConnection: id)
            results = try await pool.pipelineTransaction(statements)
        } else {
            results = try await pool.pipeline(statements)
        }
        guard let row = results[0].rows.first else { return nil }
        var sealed: [String: TokenVault.Sealed] = [:]
        for secret in results[1].rows { sealed[try secret.decode("kind", as: String.self)] = try SecretStore.sealed(secret) }
        return (try Self.connection(row), sealed)
    }

    /// The non-revoked Twilio connections that authenticate as account `accountSid` itself
    /// (user name = the Account SID, so their password is its Auth Token), newest first.
    func twilioAccountConnections(_ accountSid: String, limit: Int = 20) async throws -> [UUID] {
        try await pool.query(
            """
            SELECT id FROM connections
            WHERE connector = 'twilio' AND status <> 'revoked' AND variables->>'accountSid' = \(accountSid)
              AND variables->>'username' = \(accountSid)
            ORDER BY created_at DESC LIMIT \(limit)
            """
        ).map { try $0.decode("id", as: UUID.self) }
    }

    /// A page of a tenant's connections, newest first.
    public func list(tenant: String, connector: String?, status: String?, limit: Int, cursor: String?) async throws -> Page<Connection> {
        let after = try cursor.map(PageCursor.decode)
        let rows = try await pool.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.from)
            WHERE c.tenant_id = \(tenant) AND (\(connector)::text IS NULL OR c.connector = \(connector))
              AND (\(status)::text IS NULL OR c.status = \(status))
              AND (\(after?.key)::timestamptz IS NULL OR (c.created_at, c.id) < (\(after?.key)::timestamptz, \(after?.id)))
            ORDER BY c.created_at DESC, c.id DESC LIMIT \(limit + 1)
            """)
        return Page(items: try rows.prefix(limit).map(Self.connection), nextCursor: try PageCursor.next(after: rows, limit: limit))
    }

    /// The tenant's newest active connection to `connector` (what an agent's action uses).
    func firstActive(tenant: String, connector: String) async throws -> Connection? {
        try await pool.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.from)
            WHERE c.tenant_id = \(tenant) AND c.connector = \(connector) AND c.status = 'active'
            ORDER BY c.created_at DESC, c.id DESC LIMIT 1
            """
        ).first.map(Self.connection)
    }

    /// The connectors the tenant has active connections to.
    func activeConnectors(tenant: String) async throws -> [String] {
        try await pool.query("SELECT DISTINCT connector FROM connections WHERE tenant_id = \(tenant) AND status = 'active' ORDER BY connector")
            .map { try $0.decode("connector", as: String.self) }
    }

    /// Records a health check and the connection's health columns together.
    func recordHealth(tenant: String, id: UUID, ok: Bool, latencyMs: Int, error: String?) async throws {
        _ = try await pool.pipelineTransaction([
            """
            INSERT INTO connection_health_log (connection_id, tenant_id, status, latency_ms, error)
            VALUES (\(id), \(tenant), \(ok ? "ok" : "error"), \(latencyMs), \(error))
            """,
            """
            UPDATE connections SET health_status = \(ok ? "ok" : "error"), last_health_check = now(), updated_at = now(),
                   last_error = CASE WHEN \(ok) THEN last_error ELSE \(error) END
            WHERE id = \(id) AND tenant_id = \(tenant)
            """,
        ])
    }

    /// Marks a connection revoked and deletes its secrets (the history stays).
    func revoke(tenant: String, id: UUID) async throws -> Bool {
        let results = try await pool.pipelineTransaction([
            // The refresher's lock, and a new version: a refresh in flight neither deadlocks with
            // this nor stores tokens for the revoked connection after its secrets are deleted
            // (its compare-and-swap on the version fails).
            "SELECT pg_advisory_xact_lock(\(TokenRefresher.lockNamespace), hashtext(\(id.uuidString.lowercased())))",
            "UPDATE connections SET status = 'revoked', refresh_version = refresh_version + 1, updated_at = now() WHERE id = \(id) AND tenant_id = \(tenant)",
            "DELETE FROM encrypted_secrets s USING connections c WHERE s.connection_id = c.id AND c.id = \(id) AND c.tenant_id = \(tenant)",
        ])
        return (results[1].affectedRows) > 0
    }

    /// Marks the connection `attention` with the reason its credential failed, if it is still at
    /// `version` (a reconnect or a refresh since then brought a credential the failure says
    /// nothing about) and not revoked.
    func markNeedsAttention(tenant: String, id: UUID, reason: String, version: Int64) async throws {
        _ = try await pool.execute(
            """
            UPDATE connections SET status = 'attention', last_error = \(reason), updated_at = now()
            WHERE id = \(id) AND tenant_id = \(tenant) AND refresh_version = \(version) AND status <> 'revoked'
            """)
    }

    /// Sets the connection's status and last error (`attention` when its credential failed).
    func setStatus(tenant: String, id: UUID, status: String, error: String?) async throws {
        _ = try await pool.execute(
            """
            UPDATE connections SET status = \(status), last_error = \(error), updated_at = now() WHERE id = \(id) AND tenant_id = \(tenant)
            """)
    }

    /// A row's `variables` column (jsonb object) as text values: one reading for connections,
    /// OAuth states and the refresher.
    static func variables(_ row: PostgresRow) throws -> [String: String] {
        guard case .object(let members) = try row.decode("variables", as: JSONValue.self) else { return [:] }
        return members.mapValues { JSONPath.text($0) ?? "" }
    }

    static func connection(_ row: PostgresRow) throws -> Connection {
        let variables = try ConnectionStore.variables(row)
        let scopes = try row.decode("scopes", as: String.self).split(separator: " ").map(String.init)
        return Connection(
            id: try row.decode("id", as: UUID.self), tenantID: try row.decode("tenant_id", as: String.self),
            connector: try row.decode("connector", as: String.self), name: try row.decode("name", as: String.self),
            status: try row.decode("status", as: String.self), variables: variables, scopes: scopes,
            accounts: try row.decode("accounts", as: JSONValue.self), tokenExpiresAt: try row.decode("token_expires_at", as: Date?.self),
            refreshVersion: try row.decode("refresh_version", as: Int64.self),
            lastError: try row.decode("last_error", as: String?.self), healthStatus: try row.decode("health_status", as: String?.self),
            lastHealthCheck: try row.decode("last_health_check", as: Date?.self),
            lastHealthLatencyMs: try row.decode("health_latency_ms", as: Int?.self),
            lastHealthError: try row.decode("health_error", as: String?.self),
            createdAt: try row.decode("created_at", as: Date.self))
    }
}
