public import Foundation
public import Logging
import TimeUnits

/// Applies `NNNN_name.sql` files from a directory, in version order, each once and in
/// its own transaction, recording `(version, name, checksum, applied_at)` in
/// `schema_migrations`. Runs under a session advisory lock, so several processes may
/// migrate the same database at once: one applies, the others then find nothing to do.
/// An applied migration whose file changed fails with `MigrationError.checksumMismatch`.
/// Files must not contain their own `BEGIN`/`COMMIT` (nor `CREATE INDEX CONCURRENTLY`).
/// A database that goes away while migrating surfaces as the `PostgresError` itself
/// (`.connectionLost`/`.unavailable`), never as `MigrationError`, so callers can retry.
public struct Migrator: Sendable {
    /// The advisory lock key held while migrating ("NeonHub" in ASCII).
    public static let advisoryLockKey: Int64 = 0x004E_656F_6E48_7562

    /// The directory holding the migration files.
    public let directory: URL
    private let logger: Logger

    /// Creates a migrator for the `.sql` files in `directory`.
    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// Reads and validates the migration files, sorted by version. Files not ending in
    /// `.sql` and hidden files are ignored.
    public func loadMigrations() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError.unreadableDirectory(path: directory.path, reason: "\(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") && !fileName.hasPrefix(".") {
            guard let (version, name) = Migration.parseFileName(fileName) else {
                throw MigrationError.invalidFileName(fileName)
            }
            let contents: Data
            do {
                contents = try Data(contentsOf: directory.appendingPathComponent(fileName))
            } catch {
                throw MigrationError.unreadableDirectory(
                    path: directory.appendingPathComponent(fileName).path, reason: error.localizedDescription)
            }
            migrations.append(Migration(version: version, name: name, fileContents: contents))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }

    /// Applies the pending migrations on `connection` (blocking) and returns those it applied.
    @discardableResult
    public func migrate(on connection: PostgresConnection) throws -> [Migration] {
        try migrate(loadMigrations(), on: connection)
    }

    /// Applies the pending migrations using one connection of `pool`.
    @discardableResult
    public func migrate(using pool: PostgresPool) async throws -> [Migration] {
        let migrations = try loadMigrations()
        return try await pool.withConnection { connection in
            try self.migrate(migrations, on: connection)
        }
    }

    /// Applies the pending ones among `migrations` (already loaded) on `connection`.
    @discardableResult
    public func migrate(_ migrations: [Migration], on connection: PostgresConnection) throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
        defer {
            if connection.isConnected {
                _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
            }
        }
        try connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.query("SELECT version, name, checksum FROM schema_migrations") {
            applied[try row.decode("version")] = (try row.decode("name"), try row.decode("checksum"))
        }
        let known = Set(migrations.map(\.version))
        for version in applied.keys.sorted() where !known.contains(version) {
            logger.warning(
                "an applied migration has no file", metadata: ["version": "\(version)", "name": "\(applied[version]?.name ?? "")"])
        }
        var newlyApplied: [Migration] = []
        for migration in migrations {
            if let record = applied[migration.version] {
                guard record.checksum == migration.checksum else {
                    throw MigrationError.checksumMismatch(version: migration.version, name: migration.name)
                }
                continue
            }
            let start = ContinuousClock.now
            do {
                try connection.withTransaction { connection in
                    try connection.executeScript(migration.sql)
                    try connection.execute(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """)
                }
            } catch let error as PostgresError where error.kind == .server || error.kind == .protocol {
                // A lost or unavailable database is rethrown as is: the caller retries later.
                throw MigrationError.migrationFailed(
                    version: migration.version, name: migration.name, error: error.description)
            }
            logger.info(
                "applied migration",
                metadata: [
                    "version": "\(migration.version)", "name": "\(migration.name)",
                    "duration_ms": "\((ContinuousClock.now - start).inMillisecondsRoundedUp)",
                ])
            newlyApplied.append(migration)
        }
        return newlyApplied
    }
}
