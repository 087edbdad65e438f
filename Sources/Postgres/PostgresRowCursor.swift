/// Reads a row's columns in the order its statement selected them: no lookup by name for each
/// column, for rows read on hot paths (a claim of queue jobs reads 31 columns a job). Each read
/// still names the column it expects, and in debug builds (the tests) a column out of order
/// stops the program, so a statement and its reader cannot drift apart unnoticed.
public struct PostgresRowCursor {
    /// The row being read.
    public let row: PostgresRow
    @usableFromInline var index = 0

    /// A cursor at `row`'s first column.
    public init(_ row: PostgresRow) { self.row = row }

    /// Decodes the next column, which must be `column`, and moves past it.
    @inlinable
    public mutating func next<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        // Past the last column, `decode` throws as for a missing column.
        assert(
            !row.columns.names.indices.contains(index) || row.columns.names[index] == column,
            "column #\(index) of the row is not \(column)")
        defer { index += 1 }
        return try row.decode(index, as: type)
    }
}
