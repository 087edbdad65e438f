import Foundation
public import Postgres

/// SQL for `connector_platforms`: the catalog as the database sees it, synced at start so
/// that connections can reference their connector and the dashboard views can join on it.
public struct CatalogStore: Sendable {
    /// Writes every definition (insert or update when its checksum changed); a connector
    /// that left the catalog stays (connections may reference it) but becomes `disabled`.
    /// Blocking: runs on the start-up connection.
    public static func sync(_ catalog: ConnectorCatalog, on connection: PostgresConnection) throws -> Int {
        var statements: [PostgresQuery] = catalog.entries.map { entry in
            let d = entry.definition
            return """
                INSERT INTO connector_platforms (id, name, category, wave, availability, auth_type, definition, checksum)
                VALUES (\(d.id), \(d.name), \(d.category), \(d.wave), \(d.availability), \(d.auth.type), \(entry.json), \(entry.checksum))
                ON CONFLICT (id) DO UPDATE SET
                    name = EXCLUDED.name, category = EXCLUDED.category, wave = EXCLUDED.wave,
                    availability = EXCLUDED.availability, auth_type = EXCLUDED.auth_type,
                    definition = EXCLUDED.definition, checksum = EXCLUDED.checksum, synced_at = now()
                WHERE connector_platforms.checksum IS DISTINCT FROM EXCLUDED.checksum
                """
        }
        let ids = catalog.entries.map(\.definition.id)  // kebab ids: never a comma
        statements.append(
            """
            UPDATE connector_platforms SET availability = 'disabled', synced_at = now()
            WHERE NOT (id = ANY(string_to_array(\(ids.joined(separator: ",")), ','))) AND availability <> 'disabled'
            """)
        _ = try connection.pipelineTransaction(statements)
        return ids.count
    }
}
