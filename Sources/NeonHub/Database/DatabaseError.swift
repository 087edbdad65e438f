/// An error of the database room that is not PostgreSQL's own (`PostgresError` covers those):
/// a stable `code` and a description that never carries data.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// A pagination cursor this server did not issue.
        case invalidCursor
    }

    /// The kind of failure.
    public var code: Code
    /// Safe to show: names no value.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
