/// The outcome of one statement: its rows (possibly none), the number of rows it
/// affected or returned, and its command tag (`INSERT 0 1`, `SELECT 3`, …).
public struct PostgresQueryResult: Sendable {
    /// The returned rows.
    public var rows: [PostgresRow]
    /// Rows inserted, updated, deleted, selected, …; 0 for other commands.
    public var affectedRows: Int
    /// The command tag reported by the server.
    public var commandTag: String

    /// Creates a result.
    public init(rows: [PostgresRow], affectedRows: Int, commandTag: String) {
        self.rows = rows
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }
}
