import CLibPQ

/// A libpq connection string (a `postgres://` URI or `key=value` pairs), checked without
/// connecting.
public enum PostgresConnectionString {
    /// Whether libpq can read `text` as a connection string. A plain database name (neither a
    /// URI nor `key=value` pairs, which libpq takes as `dbname`) is valid. libpq's own message
    /// is not kept: it quotes the part it could not read, which may be the password.
    public static func isValid(_ text: String) -> Bool {
        guard text.contains("=") || text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else { return true }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            if let error { PQfreemem(error) }
            return false
        }
        PQconninfoFree(options)
        return true
    }

    /// What is said instead of libpq's message for a string it cannot read.
    public static let invalidMessage =
        "the connection string is not one libpq can read (a postgres:// URI or key=value pairs; a password with %, @, / or : must be percent-encoded); its value is not shown"
}
