public import Foundation
public import Postgres

/// Re-encrypts every sealed value that is not under the vault's current key: the secrets of
/// `encrypted_secrets` (bound to connection id + kind) and the PKCE verifiers of
/// `oauth_states` (bound to their state). Work goes in batches, each one transaction over
/// rows taken `FOR UPDATE SKIP LOCKED` in id order, so a crash loses at most one batch and a
/// running server is never blocked for long. A row that cannot be opened (its key is not
/// configured, it fails its integrity check) is reported and left as it is; the plaintext of
/// a row exists only in memory between opening and resealing it.
public struct VaultRotator: Sendable {
    /// How many sealed values one key id holds (`--dry-run`).
    public struct Census: Sendable, Equatable {
        /// The key id as stored.
        public var keyID: String
        /// Rows of `encrypted_secrets` under it.
        public var secrets: Int
        /// Sealed PKCE verifiers of `oauth_states` under it.
        public var verifiers: Int
    }

    /// A row that could not be rotated. Names the row, never its content.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The connection whose secret it is (nil for an OAuth state's verifier).
        public var connectionID: UUID?
        /// The first characters of the OAuth state (for a verifier).
        public var statePrefix: String?
        /// The secret kind (`access_token`, …) or `pkce_verifier`.
        public var kind: String
        /// The key id the row claims.
        public var keyID: String
        /// Why it could not be opened.
        public var reason: String
        /// The row's key (`encrypted_secrets.id` or the state), to skip it in later batches.
        var rowKey: String

        init(connectionID: UUID?, statePrefix: String? = nil, rowKey: String, kind: String, keyID: String, reason: String) {
            self.connectionID = connectionID
            self.statePrefix = statePrefix
            self.rowKey = rowKey
            self.kind = kind
            self.keyID = keyID
            self.reason = reason
        }

        /// `connection <id> <kind> (key <id>): <reason>`.
        public var description: String {
            let row = connectionID.map { "connection \($0.uuidString.lowercased())" } ?? "oauth state \(statePrefix ?? "")…"
            return "\(row) \(kind) (key \(keyID)): \(reason)"
        }
    }

    /// What a run did.
    public struct Outcome: Sendable {
        /// Rows resealed under the current key.
        public var rotated = 0
        /// Rows that could not be opened, each once.
        public var problems: [Problem] = []
        /// Rows still under another key after the run (problems, rows locked by another
        /// transaction, rows beyond `limit`).
        public var remaining = 0
        /// True when nothing is left under an old key.
        public var isComplete: Bool { remaining == 0 }
    }

    let pool: PostgresPool
    let vault: TokenVault
    let batchSize: Int

    /// A rotator over the pool, resealing with `vault`'s current key, `batchSize` rows per transaction.
    public init(pool: PostgresPool, vault: TokenVault, batchSize: Int = 200) {
        self.pool = pool
        self.vault = vault
        self.batchSize = max(1, batchSize)
    }

    /// The key id of every stored sealed value, with counts, current key first.
    public func census() async throws -> [Census] {
        let rows = try await pool.query(
            """
            SELECT key_id, sum(secrets)::int AS secrets, sum(verifiers)::int AS verifiers FROM (
                SELECT key_id, count(*) AS secrets, 0 AS verifiers FROM encrypted_secrets GROUP BY key_id
                UNION ALL
                SELECT verifier_key_id, 0, count(*) FROM oauth_states WHERE verifier_key_id IS NOT NULL GROUP BY verifier_key_id
            ) counts GROUP BY key_id ORDER BY key_id <> \(vault.keyring.current.id), key_id
            """)
        return try rows.map {
            Census(
                keyID: try $0.decode("key_id", as: String.self), secrets: try $0.decode("secrets", as: Int.self),
                verifiers: try $0.decode("verifiers", as: Int.self))
        }
    }

    /// Rows under any key other than the current one.
    public func remaining() async throws -> Int {
        let current = vault.keyring.current.id
        let rows = try await pool.query(
            """
            SELECT (SELECT count(*) FROM encrypted_secrets WHERE key_id <> \(current))::int
                 + (SELECT count(*) FROM oauth_states WHERE verifier_key_id IS NOT NULL AND verifier_key_id <> \(current))::int AS n
            """)
        return try rows.first?.decode("n", as: Int.self) ?? 0
    }

    /// Reseals every row under an old key, at most `limit` rows when given; `progress`
    /// receives (rows done, rows under old keys at the start) after each committed batch.
    public func rotate(limit: Int? = nil, progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> Outcome {
        let total = try await remaining()
        var outcome = Outcome()
        var budget = limit ?? Int.max
        for table in [Table.secrets, .verifiers] {
            var skipped: [String] = []
            while budget > 0 {
                let batch = try await rotateBatch(table, skipping: skipped, size: min(batchSize, budget))
                if batch.selected == 0 { break }
                outcome.rotated += batch.rotated
                outcome.problems += batch.problems
                skipped += batch.problems.map(\.rowKey)
                budget -= batch.rotated
                progress(outcome.rotated + outcome.problems.count, total)
            }
        }
        outcome.remaining = try await remaining()
        return outcome
    }

    // MARK: - One batch

    enum Table { case secrets, verifiers }

    private struct Batch: Sendable {
        var selected = 0
        var rotated = 0
        var problems: [Problem] = []
    }

    private func rotateBatch(_ table: Table, skipping skipped: [String], size: Int) async throws -> Batch {
        let vault = vault
        return try await pool.withTransaction { connection in
            switch table {
            case .secrets: try Self.rotateSecrets(connection, vault: vault, skipping: skipped, size: size)
            case .verifiers: try Self.rotateVerifiers(connection, vault: vault, skipping: skipped, size: size)
            }
        }
    }

    private static func rotateSecrets(_ connection: PostgresConnection, vault: TokenVault, skipping skipped: [String], size: Int) throws -> Batch {
        let rows = try connection.query(
            """
            SELECT id, connection_id, kind, key_id, iv, ciphertext, auth_tag FROM encrypted_secrets
            WHERE key_id <> \(vault.keyring.current.id) AND NOT (id = ANY(\(arrayLiteral(skipped))::uuid[]))
            ORDER BY id LIMIT \(size) FOR UPDATE SKIP LOCKED
            """)
        var batch = Batch(selected: rows.count)
        for row in rows {
            let id = try row.decode("id", as: UUID.self)
            let owner = try row.decode("connection_id", as: UUID.self)
            let kind = try row.decode("kind", as: String.self)
            let old = try SecretStore.sealed(row)
            do {
                let plaintext = try vault.open(old, connection: owner, kind: kind)
                let new = try vault.seal(plaintext, connection: owner, kind: kind)
                _ = try connection.execute(
                    """
                    UPDATE encrypted_secrets SET key_id = \(new.keyID), iv = \(new.iv), ciphertext = \(new.ciphertext), auth_tag = \(new.tag),
                           rotated_at = now()
                    WHERE id = \(id)
                    """)
                batch.rotated += 1
            } catch {
                batch.problems.append(
                    Problem(
                        connectionID: owner, rowKey: id.uuidString.lowercased(), kind: kind, keyID: old.keyID,
                        reason: reason(error, keyID: old.keyID, vault: vault)))
            }
        }
        return batch
    }

    private static func rotateVerifiers(_ connection: PostgresConnection, vault: TokenVault, skipping skipped: [String], size: Int) throws -> Batch {
        let rows = try connection.query(
            """
            SELECT state, verifier_key_id, verifier_sealed FROM oauth_states
            WHERE verifier_key_id IS NOT NULL AND verifier_key_id <> \(vault.keyring.current.id)
              AND NOT (state = ANY(\(arrayLiteral(skipped))::text[]))
            ORDER BY state LIMIT \(size) FOR UPDATE SKIP LOCKED
            """)
        var batch = Batch(selected: rows.count)
        for row in rows {
            let state = try row.decode("state", as: String.self)
            let keyID = try row.decode("verifier_key_id", as: String.self)
            let bytes = try row.decode("verifier_sealed", as: [UInt8]?.self) ?? []
            let binding = OAuthStateStore.binding(state)
            do {
                guard bytes.count > AESGCM.nonceSize + AESGCM.tagSize else {
                    throw ConnectorError(.vaultUnreadable, "the sealed verifier is truncated")
                }
                let old = TokenVault.Sealed(
                    keyID: keyID, iv: Array(bytes.prefix(AESGCM.nonceSize)),
                    ciphertext: Array(bytes.dropFirst(AESGCM.nonceSize).dropLast(AESGCM.tagSize)),
                    tag: Array(bytes.suffix(AESGCM.tagSize)))
                let new = try vault.seal(try vault.open(old, boundTo: binding, kind: "pkce_verifier"), boundTo: binding)
                _ = try connection.execute(
                    """
                    UPDATE oauth_states SET verifier_key_id = \(new.keyID), verifier_sealed = \(new.iv + new.ciphertext + new.tag)
                    WHERE state = \(state)
                    """)
                batch.rotated += 1
            } catch {
                batch.problems.append(
                    Problem(
                        connectionID: nil, statePrefix: String(state.prefix(8)), rowKey: state, kind: "pkce_verifier",
                        keyID: keyID, reason: reason(error, keyID: keyID, vault: vault)))
            }
        }
        return batch
    }

    /// A short reason that names the key or the check, never the content.
    private static func reason(_ error: any Error, keyID: String, vault: TokenVault) -> String {
        if vault.keyring.key(id: keyID) == nil {
            return "key \(keyID.prefix(16)) is not configured (add it to TOKEN_VAULT_PREVIOUS_KEYS)"
        }
        if let error = error as? ConnectorError, error.message.contains("not text") { return "the decrypted value is not text" }
        return "failed its integrity check (tampered or moved row)"
    }

    /// A PostgreSQL array literal of `values`, every element quoted.
    static func arrayLiteral(_ values: [String]) -> String {
        "{"
            + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
