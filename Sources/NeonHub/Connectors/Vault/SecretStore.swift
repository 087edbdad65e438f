public import Foundation
public import Postgres

/// SQL for `encrypted_secrets`: sealed values only, one per (connection, kind). The vault
/// seals before a write and opens after a read; no plaintext ever reaches this type.
public struct SecretStore: Sendable {
    let pool: PostgresPool
    let vault: TokenVault

    /// A store over the pool, sealing with `vault`.
    public init(pool: PostgresPool, vault: TokenVault) {
        self.pool = pool
        self.vault = vault
    }

    /// Seals and stores (or replaces) `kind` of `connection`.
    public func put(_ plaintext: String, kind: String, connection: UUID) async throws {
        let sealed = try vault.seal(plaintext, connection: connection, kind: kind)
        _ = try await pool.execute(Self.upsert(sealed, kind: kind, connection: connection))
    }

    /// The statement that stores a sealed secret (for callers that write it inside their own transaction).
    static func upsert(_ sealed: TokenVault.Sealed, kind: String, connection: UUID) -> PostgresQuery {
        """
        INSERT INTO encrypted_secrets (connection_id, kind, key_id, iv, ciphertext, auth_tag)
        VALUES (\(connection), \(kind), \(sealed.keyID), \(sealed.iv), \(sealed.ciphertext), \(sealed.tag))
        ON CONFLICT (connection_id, kind) DO UPDATE
        SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext, auth_tag = EXCLUDED.auth_tag,
            rotated_at = now()
        """
    }

    /// Opens `kind` of `connection`, or nil when there is none.
    public func get(kind: String, connection: UUID) async throws -> String? {
        guard
            let row = try await pool.query(
                """
                SELECT key_id, iv, ciphertext, auth_tag FROM encrypted_secrets WHERE connection_id = \(connection) AND kind = \(kind)
                """
            ).first
        else { return nil }
        return try vault.open(try Self.sealed(row), connection: connection, kind: kind)
    }

    /// Opens the secrets of `connection` whose kinds are in `kinds`, in one round trip (a
    /// call needs its credential fields, the access token and an account's token at once).
    public func get(kinds: Set<String>, connection: UUID) async throws -> [String: String] {
        var sealed: [String: TokenVault.Sealed] = [:]
        for row in try await pool.query(
            """
            SELECT kind, key_id, iv, ciphertext, auth_tag FROM encrypted_secrets WHERE connection_id = \(connection)
            """)
        {
            let kind = try row.decode("kind", as: String.self)
            if kinds.contains(kind) { sealed[kind] = try Self.sealed(row) }
        }
        return try open(kinds: kinds, from: sealed, connection: connection)
    }

    /// Opens the secrets in `sealed` whose kinds are in `kinds` (secrets read together with
    /// their connection, see `ConnectionStore.getWithSecrets`).
    public func open(kinds: Set<String>, from sealed: [String: TokenVault.Sealed], connection: UUID) throws -> [String: String] {
        var opened: [String: String] = [:]
        for (kind, value) in sealed where kinds.contains(kind) {
            opened[kind] = try vault.open(value, connection: connection, kind: kind)
        }
        return opened
    }

    /// Deletes every secret of `connection` (disconnect).
    public func deleteAll(connection: UUID) async throws {
        _ = try await pool.execute("DELETE FROM encrypted_secrets WHERE connection_id = \(connection)")
    }

    static func sealed(_ row: PostgresRow) throws -> TokenVault.Sealed {
        TokenVault.Sealed(
            keyID: try row.decode("key_id", as: String.self), iv: try row.decode("iv", as: [UInt8].self),
            ciphertext: try row.decode("ciphertext", as: [UInt8].self), tag: try row.decode("auth_tag", as: [UInt8].self))
    }
}
