/// An error from the database layer: a server error (with its SQLSTATE), a lost or
/// unavailable connection, or a client-side protocol error.
///
/// `description` is safe to log: it never contains bound parameter values (server
/// `detail` text such as `Key (email)=(…) already exists` only appears in
/// `debugDescription`, and data-exception messages have their quoted values redacted).
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// The broad category of an error.
    public enum Kind: String, Sendable, Hashable {
        /// The server rejected a statement; `code` holds its SQLSTATE.
        case server
        /// The connection broke while in use: the socket closed, or the server said it is
        /// going away (SQLSTATE class `08`, `57P01`–`57P03`). The connection has been
        /// discarded; the database is unavailable for now, not misused. Whatever was not yet
        /// committed was rolled back, except that `isCommitOutcomeUnknown` says when a
        /// commit was in flight and may have happened.
        case connectionLost
        /// No connection could be obtained: the database is unreachable, the pool is
        /// exhausted past its acquire timeout, or the pool is shut down.
        case unavailable
        /// A client-side or protocol error (misuse, unexpected result, encoding failure).
        case `protocol`
    }

    /// The category of the error.
    public var kind: Kind
    /// The five-character SQLSTATE code (e.g. `"23505"`), when the server sent one.
    public var code: String?
    /// The primary, human-readable message.
    public var message: String
    /// The server's detail text; may contain data values, so only `debugDescription` shows it.
    public var detail: String?
    /// The server's hint, if any.
    public var hint: String?
    /// The violated constraint, for integrity errors.
    public var constraintName: String?
    /// The table the error relates to, if the server named one.
    public var tableName: String?
    /// The column the error relates to, if the server named one.
    public var columnName: String?
    /// For a pipeline, the zero-based index of the statement that failed.
    public var failedStatementIndex: Int?
    /// The SQL text of the failing statement (never its bound values).
    public var sql: String?
    /// True when the connection was lost after a commit was sent and before its answer
    /// arrived (a `COMMIT`, or the sync that ends a pipeline outside a transaction): the
    /// work may or may not have been committed. Only set on `.connectionLost` errors. A
    /// lone statement outside a transaction commits on its own too; it is not flagged
    /// (reads are the common case): put writes whose outcome matters in a transaction.
    public var isCommitOutcomeUnknown: Bool

    /// Creates an error.
    public init(
        kind: Kind, code: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
        constraintName: String? = nil, tableName: String? = nil, columnName: String? = nil,
        failedStatementIndex: Int? = nil, sql: String? = nil, isCommitOutcomeUnknown: Bool = false
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraintName = constraintName
        self.tableName = tableName
        self.columnName = columnName
        self.failedStatementIndex = failedStatementIndex
        self.sql = sql
        self.isCommitOutcomeUnknown = isCommitOutcomeUnknown
    }

    /// `23505`: a unique constraint was violated.
    public var isUniqueViolation: Bool { code == "23505" }
    /// `23503`: a foreign key constraint was violated.
    public var isForeignKeyViolation: Bool { code == "23503" }
    /// `23502`: a NOT NULL constraint was violated.
    public var isNotNullViolation: Bool { code == "23502" }
    /// `23514`: a CHECK constraint was violated.
    public var isCheckViolation: Bool { code == "23514" }
    /// `42601`: the SQL text has a syntax error.
    public var isSyntaxError: Bool { code == "42601" }
    /// `40001`: serialization failure; the transaction may be retried.
    public var isSerializationFailure: Bool { code == "40001" }
    /// `40P01`: deadlock detected; the transaction may be retried.
    public var isDeadlock: Bool { code == "40P01" }
    /// `57014`: the statement was cancelled, e.g. by `statement_timeout`.
    public var isQueryCanceled: Bool { code == "57014" }
    /// Class `22`: a data exception (invalid input syntax, out of range, …).
    public var isDataException: Bool { code?.hasPrefix("22") ?? false }

    /// Whether a SQLSTATE means the server is going away or the connection failed, not
    /// that the statement was wrong: class `08` (connection exception), `57P01` (admin
    /// shutdown, also sent when the postmaster died), `57P02` (crash of another server
    /// process), `57P03` (cannot connect now, e.g. starting up or in recovery).
    public static func isConnectionFailure(sqlState code: String) -> Bool {
        code.hasPrefix("08") || code == "57P01" || code == "57P02" || code == "57P03"
    }

    /// A one-line summary without any data values.
    public var description: String {
        var text = "PostgresError(\(kind.rawValue)"
        if let code { text += ", \(code)" }
        text += "): \(isDataException ? Self.redactingQuotedValues(message) : message)"
        if let failedStatementIndex { text += " (pipeline statement \(failedStatementIndex))" }
        if isCommitOutcomeUnknown { text += " (commit outcome unknown)" }
        return text
    }

    /// Everything known about the error, including the server's detail and the SQL text.
    /// May contain data values: do not send it to clients.
    public var debugDescription: String {
        var text = "PostgresError(\(kind.rawValue)"
        if let code { text += ", \(code)" }
        text += "): \(message)"
        if let failedStatementIndex { text += "\n  statement index: \(failedStatementIndex)" }
        if isCommitOutcomeUnknown { text += "\n  commit outcome: unknown (the answer to a commit was lost)" }
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        if let constraintName { text += "\n  constraint: \(constraintName)" }
        if let tableName { text += "\n  table: \(tableName)" }
        if let columnName { text += "\n  column: \(columnName)" }
        if let sql { text += "\n  sql: \(sql)" }
        return text
    }

    /// Replaces every `"…"` segment of `message` by `"…"` so that echoed input values
    /// (`invalid input syntax for type uuid: "secret"`) do not reach logs.
    static func redactingQuotedValues(_ message: String) -> String {
        var result = ""
        var inQuote = false
        for character in message {
            if character == "\"" {
                if inQuote { result += "…\"" } else { result.append(character) }
                inQuote.toggle()
            } else if !inQuote {
                result.append(character)
            }
        }
        if inQuote { result += "…\"" }
        return result
    }
}

extension PostgresError {
    static func unavailable(_ message: String) -> PostgresError {
        PostgresError(kind: .unavailable, message: message)
    }

    static func protocolError(_ message: String, sql: String? = nil) -> PostgresError {
        PostgresError(kind: .protocol, message: message, sql: sql)
    }
}
