/// A column value could not be decoded into the requested Swift type. The description
/// names the column and the types, never the value.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Why decoding failed.
    public enum Reason: String, Sendable, Equatable {
        /// The value is NULL and the target type is not optional.
        case unexpectedNull = "unexpected NULL"
        /// The value is not a valid representation of the target type.
        case typeMismatch = "type mismatch"
        /// The result has no column with that name.
        case missingColumn = "no such column"
        /// The column index is out of range.
        case indexOutOfRange = "column index out of range"
    }

    /// Why decoding failed.
    public var reason: Reason
    /// The column's name (or `#index` when unknown).
    public var column: String
    /// The Swift type that was requested.
    public var targetType: String
    /// The column's Postgres type, when the column exists.
    public var postgresType: PostgresDataType?

    /// Creates an error.
    public init(reason: Reason, column: String, targetType: String, postgresType: PostgresDataType? = nil) {
        self.reason = reason
        self.column = column
        self.targetType = targetType
        self.postgresType = postgresType
    }

    /// `cannot decode column "x" (integer) as Bool: type mismatch`.
    public var description: String {
        var text = "cannot decode column \"\(column)\""
        if let postgresType { text += " (\(postgresType))" }
        return text + " as \(targetType): \(reason.rawValue)"
    }
}
