/// Why migrations could not be applied.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An already-applied migration's file has changed since it was applied.
    case checksumMismatch(version: Int, name: String)
    /// A `.sql` file in the migrations directory is not named `NNNN_name.sql`.
    case invalidFileName(String)
    /// Two files share a version number.
    case duplicateVersion(Int)
    /// The migrations directory could not be read.
    case unreadableDirectory(path: String, reason: String)
    /// A migration's SQL failed; nothing of it was applied.
    case migrationFailed(version: Int, name: String, error: String)

    /// One line for logs and operators.
    public var description: String {
        switch self {
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied: restore the file or add a new migration"
        case .invalidFileName(let file):
            "migration file name \"\(file)\" does not match NNNN_name.sql (four digits, then [a-z0-9_])"
        case .duplicateVersion(let version):
            "two migration files have version \(version)"
        case .unreadableDirectory(let path, let reason):
            "cannot read the migrations directory \(path): \(reason)"
        case .migrationFailed(let version, let name, let error):
            "migration \(version) (\(name)) failed: \(error)"
        }
    }
}
