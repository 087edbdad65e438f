import Dispatch
import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// `neonhub vault rotate`'s engine against a real database: secrets and OAuth verifiers
/// sealed under key A end up under key B, still opening to the same plaintext, with no
/// plaintext anywhere; an interrupted run resumes; unreadable rows are reported, not fatal.
@Suite struct VaultRotatorTests {
    static let keyA = try! VaultKeyring.Key([UInt8](repeating: 0xA1, count: 32))
    static let keyB = try! VaultKeyring.Key([UInt8](repeating: 0xB2, count: 32))
    static let keyC = try! VaultKeyring.Key([UInt8](repeating: 0xC3, count: 32))
    static let underA = TokenVault(keyring: VaultKeyring(current: keyA))
    /// After the operator's restart: B encrypts, A (and C) still decrypt.
    static let rotating = TokenVault(keyring: VaultKeyring(current: keyB, previous: [keyA, keyC]))

    /// A migrated throwaway database with `connections` connections of `meta`, each holding an
    /// access and a refresh token sealed under A, and one OAuth state with a verifier under A.
    struct Fixture {
        let url: String
        let pool: PostgresPool
        /// (connection, kind) → plaintext.
        var secrets: [UUID: [String: String]] = [:]
        let state = "st-" + UUID().uuidString
        let verifier = "pkce-verifier-PLANTED-" + UUID().uuidString

        init(connections: Int) async throws {
            url = try await blocking { try ThrowawayPostgres.freshDatabase() }
            try await blocking { [url] in
                let connection = try PostgresConnection(connectionString: url)
                defer { connection.close() }
                _ = try Migrator(directory: ThrowawayPostgres.migrationsDirectory, logger: ThrowawayPostgres.logger).migrate(on: connection)
            }
            pool = PostgresPool(connectionString: url, configuration: .init(size: 3), logger: ThrowawayPostgres.logger)
            _ = try await pool.execute(
                """
                INSERT INTO connector_platforms (id, name, category, wave, availability, auth_type, definition, checksum)
                VALUES ('meta', 'Meta', 'social', 'marketing', 'experimental', 'oauth2', '{}', 'x')
                """)
            let store = SecretStore(pool: pool, vault: VaultRotatorTests.underA)
            for index in 0..<connections {
                let id = try #require(
                    try await pool.query(
                        """
                        INSERT INTO connections (tenant_id, connector, name) VALUES ('t', 'meta', \("Page \(index)")) RETURNING id
                        """
                    ).first
                ).decode("id", as: UUID.self)
                let planted = ["access_token": "EAAPLANTED-access-\(index)-\(UUID().uuidString)", "refresh_token": "PLANTED-refresh-\(index)"]
                for (kind, secret) in planted { try await store.put(secret, kind: kind, connection: id) }
                secrets[id] = planted
            }
            let sealed = try VaultRotatorTests.underA.seal(verifier, boundTo: OAuthStateStore.binding(state))
            try await OAuthStateStore(pool: pool).insert(
                .init(
                    state: state, tenantID: "t", userID: "u", connector: "meta", verifier: sealed, variables: [:], redirectTo: nil,
                    connectionID: nil, expiresAt: Date().addingTimeInterval(600)))
        }

        var rowCount: Int { secrets.values.reduce(0) { $0 + $1.count } + 1 }

        func keyIDs() async throws -> [String: Int] {
            let rows = try await pool.query(
                """
                SELECT key_id, count(*)::int AS n FROM (SELECT key_id FROM encrypted_secrets
                UNION ALL SELECT verifier_key_id FROM oauth_states WHERE verifier_key_id IS NOT NULL) k GROUP BY key_id
                """)
            return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("key_id", as: String.self), try $0.decode("n", as: Int.self)) })
        }

        /// Every secret and the verifier open, under the rotating vault, to what was planted.
        func expectAllOpen(_ vault: TokenVault = VaultRotatorTests.rotating) async throws {
            let store = SecretStore(pool: pool, vault: vault)
            for (connection, planted) in secrets {
                for (kind, secret) in planted { #expect(try await store.get(kind: kind, connection: connection) == secret) }
            }
            let pending = try #require(try await OAuthStateStore(pool: pool).peek(state: state))
            #expect(try vault.open(try #require(pending.verifier), boundTo: OAuthStateStore.binding(state), kind: "pkce_verifier") == verifier)
        }

        func close() { pool.shutdown() }
    }

    @Test func everyRowMovesToTheCurrentKeyAndStillOpensToTheSamePlaintext() async throws {
        let fixture = try await Fixture(connections: 5)
        defer { fixture.close() }
        #expect(try await fixture.keyIDs() == [Self.keyA.id: 11])
        let rotator = VaultRotator(pool: fixture.pool, vault: Self.rotating, batchSize: 3)
        #expect(try await rotator.census() == [VaultRotator.Census(keyID: Self.keyA.id, secrets: 10, verifiers: 1)])

        let reports = Mutex<[String]>([])
        let outcome = try await rotator.rotate { done, total in reports.withLock { $0.append("\(done)/\(total)") } }
        #expect(outcome.rotated == 11 && outcome.problems.isEmpty && outcome.isComplete)
        // Batches of 3: the secrets in four transactions (3, 6, 9, 10), the verifier in one.
        #expect(reports.withLock { $0 } == ["3/11", "6/11", "9/11", "10/11", "11/11"])
        #expect(try await fixture.keyIDs() == [Self.keyB.id: 11])
        #expect(try await fixture.pool.query("SELECT 1 FROM encrypted_secrets WHERE rotated_at IS NULL").isEmpty)
        try await fixture.expectAllOpen()
        // Key A is no longer needed: B alone opens everything.
        try await fixture.expectAllOpen(TokenVault(keyring: VaultKeyring(current: Self.keyB)))

        // No plaintext anywhere, in any column of any table.
        let planted = fixture.secrets.values.flatMap(\.values) + [fixture.verifier]
        #expect(try await plaintextFindings(of: planted, in: fixture.pool) == [])
        // A second run finds nothing to do.
        let again = try await rotator.rotate()
        #expect(again.rotated == 0 && again.isComplete)
    }

    @Test func anInterruptedRunResumesWhereItStopped() async throws {
        let fixture = try await Fixture(connections: 4)
        defer { fixture.close() }
        let rotator = VaultRotator(pool: fixture.pool, vault: Self.rotating, batchSize: 2)
        // Stopped after 3 rows (as a crash after the second batch's commit would leave it, give or take a batch).
        let first = try await rotator.rotate(limit: 3)
        #expect(first.rotated == 3 && first.remaining == 6 && !first.isComplete)
        #expect(try await fixture.keyIDs() == [Self.keyA.id: 6, Self.keyB.id: 3])
        try await fixture.expectAllOpen()  // half-rotated: both keys open their rows

        let second = try await rotator.rotate()
        #expect(second.rotated == 6 && second.isComplete)
        #expect(try await fixture.keyIDs() == [Self.keyB.id: 9])
        try await fixture.expectAllOpen()
    }

    @Test func rowsUnderAnUnknownKeyOrTamperedAreReportedAndSkipped() async throws {
        var fixture = try await Fixture(connections: 6)
        defer { fixture.close() }
        let connections = Array(fixture.secrets.keys).sorted { $0.uuidString < $1.uuidString }
        // One secret under a key that is not configured (sealed for real with it).
        let unknown = try VaultKeyring.Key([UInt8](repeating: 0xD4, count: 32))
        let underUnknown = try TokenVault(keyring: VaultKeyring(current: unknown)).seal(
            "sealed-under-D", connection: connections[0], kind: "access_token")
        _ = try await fixture.pool.execute(SecretStore.upsert(underUnknown, kind: "access_token", connection: connections[0]))
        _ = try await fixture.pool.execute(
            "UPDATE encrypted_secrets SET rotated_at = NULL WHERE connection_id = \(connections[0]) AND kind = 'access_token'")
        // Tampered rows: a flipped bit in the ciphertext, the IV, the tag; a key id changed to another configured key.
        let tampers: [(UUID, PostgresQuery)] = [
            (
                connections[1],
                "UPDATE encrypted_secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE connection_id = \(connections[1]) AND kind = 'access_token'"
            ),
            (
                connections[2],
                "UPDATE encrypted_secrets SET iv = set_byte(iv, 5, get_byte(iv, 5) # 128) WHERE connection_id = \(connections[2]) AND kind = 'access_token'"
            ),
            (
                connections[3],
                "UPDATE encrypted_secrets SET auth_tag = set_byte(auth_tag, 15, get_byte(auth_tag, 15) # 1) WHERE connection_id = \(connections[3]) AND kind = 'access_token'"
            ),
            (
                connections[4],
                "UPDATE encrypted_secrets SET key_id = \(Self.keyC.id) WHERE connection_id = \(connections[4]) AND kind = 'access_token'"
            ),
        ]
        for (_, tamper) in tampers { #expect(try await fixture.pool.execute(tamper) == 1) }
        // A tampered verifier.
        _ = try await fixture.pool.execute(
            "UPDATE oauth_states SET verifier_sealed = set_byte(verifier_sealed, 13, get_byte(verifier_sealed, 13) # 1)")

        let outcome = try await VaultRotator(pool: fixture.pool, vault: Self.rotating, batchSize: 2).rotate()
        #expect(outcome.rotated == 12 - 5)
        #expect(outcome.problems.count == 6)
        #expect(outcome.remaining == 6 && !outcome.isComplete)
        let byConnection = Dictionary(grouping: outcome.problems.filter { $0.connectionID != nil }, by: { $0.connectionID! })
        #expect(byConnection[connections[0]]?.first?.reason.contains("key \(unknown.id) is not configured") == true)
        for (connection, _) in tampers {
            let problem = try #require(byConnection[connection]?.first)
            #expect(problem.kind == "access_token")
            #expect(problem.reason.contains("integrity check"))
        }
        #expect(byConnection[connections[4]]?.first?.keyID == Self.keyC.id)
        let verifierProblem = try #require(outcome.problems.first { $0.connectionID == nil })
        #expect(verifierProblem.kind == "pkce_verifier" && verifierProblem.description.contains(String(fixture.state.prefix(8))))
        // No report names a secret.
        let planted = fixture.secrets.values.flatMap(\.values) + [fixture.verifier, "sealed-under-D"]
        for problem in outcome.problems { for secret in planted { #expect(!problem.description.contains(secret)) } }
        // The untouched connection rotated; the reported rows are unchanged, still under their keys.
        fixture.secrets = fixture.secrets.filter { $0.key == connections[5] }
        #expect(
            try await SecretStore(pool: fixture.pool, vault: TokenVault(keyring: VaultKeyring(current: Self.keyB)))
                .get(kind: "access_token", connection: connections[5]) == fixture.secrets[connections[5]]?["access_token"])
        #expect(try await fixture.pool.query("SELECT 1 FROM encrypted_secrets WHERE key_id = \(unknown.id)").count == 1)
        // Running again reports the same rows once each and rotates nothing more.
        let again = try await VaultRotator(pool: fixture.pool, vault: Self.rotating, batchSize: 2).rotate()
        #expect(again.rotated == 0 && again.problems.count == 6 && again.remaining == 6)
    }

    @Test func rowsLockedByAnotherTransactionAreLeftForTheNextRun() async throws {
        let fixture = try await Fixture(connections: 2)
        defer { fixture.close() }
        let locked = try #require(fixture.secrets.keys.first)
        // Another transaction (a server refreshing that connection) holds its rows, on its own pool's thread.
        let holder = PostgresPool(connectionString: fixture.url, configuration: .init(size: 1), logger: ThrowawayPostgres.logger)
        defer { holder.shutdown() }
        let acquired = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holding = Task {
            try await holder.withTransaction { connection in
                _ = try connection.query("SELECT 1 FROM encrypted_secrets WHERE connection_id = \(locked) FOR UPDATE")
                acquired.signal()
                release.wait()
            }
        }
        try await blocking { acquired.wait() }
        let outcome = try await VaultRotator(pool: fixture.pool, vault: Self.rotating).rotate()
        release.signal()
        try await holding.value
        #expect(outcome.rotated == 3 && outcome.problems.isEmpty && outcome.remaining == 2)
        let resumed = try await VaultRotator(pool: fixture.pool, vault: Self.rotating).rotate()
        #expect(resumed.rotated == 2 && resumed.isComplete)
        try await fixture.expectAllOpen()
    }

    @Test func arrayLiteralsQuoteEveryElement() {
        #expect(VaultRotator.arrayLiteral([]) == "{}")
        #expect(VaultRotator.arrayLiteral(["a,b", #"c"d"#, #"e\f"#]) == #"{"a,b","c\"d","e\\f"}"#)
    }
}
