import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The connector registry against a real database: the catalog synced at start and served
/// by `connectors.catalog`, and secrets that exist only sealed.
@Suite struct ConnectorDatabaseTests {
    @Test func theCatalogIsSyncedAtStartAndServedWithFilters() async throws {
        try await withDatabaseApp { server, client in
            let pool = try #require(server.database?.pool)
            let rows = try await pool.query("SELECT id, availability, checksum, definition->>'name' AS name FROM connector_platforms ORDER BY id")
            #expect(rows.count == server.connectorCatalog.entries.count)
            #expect(
                try rows.first { try $0.decode("id", as: String.self) == "meta" }?.decode("checksum", as: String.self)
                    == server.connectorCatalog["meta"]?.checksum)

            let (status, envelope) = try await client.query("connectors.catalog", ["wave": "marketing"])
            #expect(status == 200)
            let items = try #require((envelope["result"] as? [String: Any])?["data"] as? [[String: Any]])
            #expect(
                Set(items.compactMap { $0["id"] as? String }) == Set(server.connectorCatalog.definitions.filter { $0.wave == "marketing" }.map(\.id)))
            let meta = try #require(items.first { $0["id"] as? String == "meta" })
            #expect((meta["auth"] as? [String: Any])?["type"] as? String == "oauth2")
            #expect(((meta["actions"] as? [[String: Any]])?.first?["inputSchema"]) is [String: Any])

            let (_, stable) = try await client.query("connectors.catalog", ["availability": "stable"])
            let stableIDs = ((stable["result"] as? [String: Any])?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(Set(stableIDs ?? []) == Set(server.connectorCatalog.definitions.filter { $0.availability == "stable" }.map(\.id)))
            #expect(Set(stableIDs ?? []).isSuperset(of: ["meta", "linkedin"]))
            let (bad, _) = try await client.query("connectors.catalog", ["availability": "beta"])
            #expect(bad == 400)
        }
    }

    @Test func plantedSecretsAppearInNoColumnOfAnyTable() async throws {
        try await withDatabaseApp { server, _ in
            let pool = try #require(server.database?.pool)
            let rows = try await pool.query(
                """
                INSERT INTO connections (tenant_id, connector, name) VALUES ('tenant-a', 'meta', 'Acme Page') RETURNING id
                """)
            let connection = try #require(rows.first).decode("id", as: UUID.self)
            let key = try VaultKeyring.Key(SecureRandom.bytes(32))
            let store = SecretStore(pool: pool, vault: TokenVault(keyring: VaultKeyring(current: key)))
            let planted = [
                "access_token": "EAAPLANTEDaccess7c1f9d2e", "refresh_token": "PLANTEDrefresh-0a9b8c7d", "api_key": "sk_live_PLANTED51f0c3",
            ]
            for (kind, secret) in planted { try await store.put(secret, kind: kind, connection: connection) }
            for (kind, secret) in planted { #expect(try await store.get(kind: kind, connection: connection) == secret) }

            #expect(try await plaintextFindings(of: Array(planted.values), in: pool) == [])
            // The search does find what is stored in plaintext (the connection's name).
            #expect(try await plaintextFindings(of: ["Acme Page"], in: pool) == ["connections holds Acme P…"])
            // Disconnecting deletes them.
            try await store.deleteAll(connection: connection)
            #expect(try await store.get(kind: "access_token", connection: connection) == nil)
        }
    }
}
