public import Foundation

/// What `schema_migrations` says against the files on disk: per version, whether it is
/// applied, pending, applied with a different checksum (drift), or applied without a file.
public struct MigrationStatus: Sendable, Equatable {
    /// The state of one migration version.
    public enum State: String, Sendable, Equatable {
        /// Applied, and the file's checksum matches the recorded one.
        case applied
        /// A file with no `schema_migrations` row: the next `migrate` applies it.
        case pending
        /// Applied, but the file changed since (`migrate` refuses to run).
        case drifted
        /// Recorded as applied, but no file has its version (a file was deleted or renamed,
        /// or the database is ahead of this build).
        case missingFile = "missing_file"
    }

    /// One version: its file (when there is one) and its `schema_migrations` row (when applied).
    public struct Entry: Sendable, Equatable {
        /// The migration's version number.
        public var version: Int
        /// The name from the file, or from the row when the file is missing.
        public var name: String
        /// Its state.
        public var state: State
        /// The SHA-256 of the file on disk; nil when there is no file.
        public var fileChecksum: String?
        /// The checksum recorded when it was applied; nil when pending.
        public var appliedChecksum: String?
        /// When it was applied; nil when pending.
        public var appliedAt: Date?
    }

    /// Every version known to the files or the database, in version order.
    public var entries: [Entry]

    /// Creates a status from its entries (sorted by version).
    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.version < $1.version }
    }

    /// The entries in `state`.
    public func entries(in state: State) -> [Entry] { entries.filter { $0.state == state } }

    /// True when every file is applied unchanged and every applied version has its file.
    public var isClean: Bool { entries.allSatisfy { $0.state == .applied } }

    /// Compares the files (`migrations`) with the recorded rows.
    public init(files migrations: [Migration], applied rows: [(version: Int, name: String, checksum: String, appliedAt: Date?)]) {
        var recorded: [Int: (name: String, checksum: String, appliedAt: Date?)] = [:]
        for row in rows { recorded[row.version] = (row.name, row.checksum, row.appliedAt) }
        var entries: [Entry] = migrations.map { file in
            guard let row = recorded[file.version] else {
                return Entry(version: file.version, name: file.name, state: .pending, fileChecksum: file.checksum)
            }
            return Entry(
                version: file.version, name: file.name, state: row.checksum == file.checksum ? .applied : .drifted,
                fileChecksum: file.checksum, appliedChecksum: row.checksum, appliedAt: row.appliedAt)
        }
        let known = Set(migrations.map(\.version))
        for (version, row) in recorded where !known.contains(version) {
            entries.append(Entry(version: version, name: row.name, state: .missingFile, appliedChecksum: row.checksum, appliedAt: row.appliedAt))
        }
        self.init(entries: entries)
    }
}

extension Migrator {
    /// Compares the migration files with `schema_migrations` on `connection` without changing
    /// anything (no lock, no table created: a database never migrated has every file pending).
    public func status(on connection: PostgresConnection) throws -> MigrationStatus {
        let files = try loadMigrations()
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode("present", as: Bool.self) == true else {
            return MigrationStatus(files: files, applied: [])
        }
        var rows: [(version: Int, name: String, checksum: String, appliedAt: Date?)] = []
        for row in try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") {
            rows.append((try row.decode("version"), try row.decode("name"), try row.decode("checksum"), try row.decode("applied_at", as: Date?.self)))
        }
        return MigrationStatus(files: files, applied: rows)
    }
}
