public import Foundation

/// One row of a result, copied out of libpq (text format), safe to pass between tasks.
public struct PostgresRow: Sendable {
    /// The result's column names and types, shared by all rows of a result.
    public let columns: PostgresColumns
    @usableFromInline let values: [String?]

    init(columns: PostgresColumns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// True when the named column is NULL (or missing).
    public func isNull(_ column: String) -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return values[index] == nil
    }

    /// Decodes the named column. NULL decodes only into an `Optional`; a missing column,
    /// a NULL into a non-optional type or a malformed value throws `PostgresDecodingError`.
    /// Inlinable, as the next one: specialized for each type where a row is read, not looked
    /// up by generic metadata at every column (a claim of queue jobs spent about 4 % of the
    /// worker process's time there).
    @inlinable
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.index(of: column) else {
            throw PostgresDecodingError(reason: .missingColumn, column: column, targetType: "\(T.self)")
        }
        return try decode(index, as: type)
    }

    /// Decodes the column at `index` (zero-based).
    @inlinable
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresDecodingError(reason: .indexOutOfRange, column: "#\(index)", targetType: "\(T.self)")
        }
        let postgresType = columns.types[index]
        guard let text = values[index] else {
            guard let nullValue = T.postgresNullValue else {
                throw PostgresDecodingError(
                    reason: .unexpectedNull, column: columns.names[index], targetType: "\(T.self)",
                    postgresType: postgresType)
            }
            return nullValue
        }
        guard let value = T.decode(postgresText: text, type: postgresType) else {
            throw PostgresDecodingError(
                reason: .typeMismatch, column: columns.names[index], targetType: "\(T.self)",
                postgresType: postgresType)
        }
        return value
    }

    /// Decodes a `json`/`jsonb` column into any `Decodable`. NULL decodes only when `T`
    /// is an `Optional`.
    public func decodeJSON<T: Decodable>(
        _ column: String, as type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()
    ) throws -> T {
        guard let index = columns.index(of: column) else {
            throw PostgresDecodingError(reason: .missingColumn, column: column, targetType: "\(T.self)")
        }
        let postgresType = columns.types[index]
        guard let text = values[index] else {
            if let optional = T.self as? any PostgresNullable.Type, let value = optional.nullValue as? T {
                return value
            }
            throw PostgresDecodingError(
                reason: .unexpectedNull, column: column, targetType: "\(T.self)", postgresType: postgresType)
        }
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw PostgresDecodingError(
                reason: .typeMismatch, column: column, targetType: "\(T.self)", postgresType: postgresType)
        }
    }
}

/// Types with a natural NULL (`Optional`), for JSON decoding of NULL columns.
protocol PostgresNullable {
    static var nullValue: Self { get }
}

extension Optional: PostgresNullable {
    static var nullValue: Wrapped? { nil }
}

/// The column names and types of a result set.
public final class PostgresColumns: Sendable {
    /// Column names, in order.
    public let names: [String]
    /// Column types, in order.
    public let types: [PostgresDataType]
    private let indexByName: [String: Int]

    init(names: [String], types: [PostgresDataType]) {
        self.names = names
        self.types = types
        var indexByName: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexByName[name] == nil {
            indexByName[name] = index
        }
        self.indexByName = indexByName
    }

    /// The index of the first column with that name.
    public func index(of name: String) -> Int? { indexByName[name] }
}
