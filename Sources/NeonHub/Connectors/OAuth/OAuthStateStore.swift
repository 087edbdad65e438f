import Foundation
import Postgres

/// SQL for `oauth_states`: one row per authorization in flight, holding who started it, for
/// which connector, the PKCE verifier sealed by the vault (bound to the state), the
/// connection's variables, where the browser goes afterwards, and a ten-minute expiry. A
/// state is consumed once: the first callback that presents it marks it used.
struct OAuthStateStore: Sendable {
    let pool: PostgresPool

    /// An authorization in flight, as stored.
    struct Pending: Sendable {
        var state: String
        var tenantID: String
        var userID: String
        var connector: String
        var verifier: TokenVault.Sealed?
        var variables: [String: String]
        var redirectTo: String?
        /// The connection this authorization renews (reconnecting one in `attention`).
        var connectionID: UUID?
        var expiresAt: Date
    }

    /// Why a presented state is refused.
    enum Refusal: String, Error, Sendable {
        /// No such state was ever issued.
        case unknown = "unknown_state"
        /// The state was already presented once (a replayed callback).
        case used = "state_already_used"
        /// The ten minutes ran out.
        case expired = "state_expired"
        /// The state was issued for another connector.
        case otherConnector = "state_for_another_connector"
    }

    /// How long a user has to finish an authorization.
    static let lifetime: TimeInterval = 600

    /// What the verifier is bound to inside the vault: a sealed verifier moved to another state fails to open.
    static func binding(_ state: String) -> [UInt8] { Array("oauth_state|\(state)".utf8) }

    func insert(_ pending: Pending) async throws {
        let sealed = pending.verifier.map { $0.iv + $0.ciphertext + $0.tag }
        _ = try await pool.execute(
            """
            INSERT INTO oauth_states (state, tenant_id, user_id, connector, verifier_key_id, verifier_sealed, variables, redirect_to,
                                      connection_id, expires_at)
            VALUES (\(pending.state), \(pending.tenantID), \(pending.userID), \(pending.connector), \(pending.verifier?.keyID), \(sealed),
                    \(JSONValue.object(pending.variables.mapValues { .string($0) })), \(pending.redirectTo), \(pending.connectionID),
                    \(pending.expiresAt))
            """)
    }

    /// Marks `state` used and returns it, or says why it cannot be used. The state is
    /// consumed even when it is refused for being late or for another connector: a state is
    /// presented once, whatever happens.
    func consume(state: String, connector: String) async throws -> Result<Pending, Refusal> {
        let rows = try await pool.query(
            """
            UPDATE oauth_states SET used_at = now() WHERE state = \(state) AND used_at IS NULL
            RETURNING state, tenant_id, user_id, connector, verifier_key_id, verifier_sealed, variables, redirect_to, connection_id, expires_at,
                      expires_at < now() AS expired
            """)
        guard let row = rows.first else {
            let known = try await pool.query("SELECT 1 FROM oauth_states WHERE state = \(state)")
            return .failure(known.isEmpty ? .unknown : .used)
        }
        let pending = try Self.pending(row)
        if try row.decode("expired", as: Bool.self) { return .failure(.expired) }
        if pending.connector != connector { return .failure(.otherConnector) }
        return .success(pending)
    }

    /// The state row for a callback that cannot be trusted yet (to know where to send the
    /// browser after a refusal); it does not consume anything.
    func peek(state: String) async throws -> Pending? {
        try await pool.query(
            """
            SELECT state, tenant_id, user_id, connector, verifier_key_id, verifier_sealed, variables, redirect_to, connection_id, expires_at
            FROM oauth_states WHERE state = \(state)
            """
        ).first.map(Self.pending)
    }

    static func pending(_ row: PostgresRow) throws -> Pending {
        var verifier: TokenVault.Sealed?
        if let keyID = try row.decode("verifier_key_id", as: String?.self), let bytes = try row.decode("verifier_sealed", as: [UInt8]?.self),
            bytes.count > 28
        {
            verifier = TokenVault.Sealed(
                keyID: keyID, iv: Array(bytes.prefix(12)), ciphertext: Array(bytes.dropFirst(12).dropLast(16)),
                tag: Array(bytes.suffix(16)))
        }
        let variables = try ConnectionStore.variables(row)
        return Pending(
            state: try row.decode("state", as: String.self), tenantID: try row.decode("tenant_id", as: String.self),
            userID: try row.decode("user_id", as: String.self), connector: try row.decode("connector", as: String.self),
            verifier: verifier, variables: variables, redirectTo: try row.decode("redirect_to", as: String?.self),
            connectionID: try row.decode("connection_id", as: UUID?.self), expiresAt: try row.decode("expires_at", as: Date.self))
    }
}
