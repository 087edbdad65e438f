/// A failure to set up, start or stop an `EmbeddedCluster`; `description` is one line.
public struct EmbeddedClusterError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in one line.
    public var message: String
    /// The failing command's standard error, if any (for logs).
    public var output: String?

    /// Creates an error.
    public init(_ message: String, output: String? = nil) {
        self.message = message
        self.output = output
    }

    /// The message.
    public var description: String { message }

    /// `initdb`/`pg_ctl` could not be found.
    static let binariesNotFound = EmbeddedClusterError(
        "PostgreSQL server binaries not found (initdb, pg_ctl): install them with 'apt-get install -y postgresql'")
}
