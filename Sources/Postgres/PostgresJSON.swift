import Foundation

/// A value stored as `jsonb`: binds as JSON text, decodes with `JSONDecoder`.
///
/// `"INSERT INTO t (doc) VALUES (\(PostgresJSON(input)))"` or, equivalently,
/// `"… VALUES (\(.json(input)))"`.
public struct PostgresJSON<Value> {
    /// The wrapped value.
    public var value: Value

    /// Wraps a value.
    public init(_ value: Value) { self.value = value }
}

extension PostgresJSON: Sendable where Value: Sendable {}

extension PostgresJSON: PostgresEncodable where Value: Encodable {
    /// The value encoded as `jsonb`.
    public var postgresBind: PostgresBind { .json(value) }
}

extension PostgresJSON: PostgresDecodable where Value: Decodable {
    /// Decodes `json`/`jsonb` text with `JSONDecoder`.
    public static func decode(postgresText text: String, type: PostgresDataType) -> PostgresJSON<Value>? {
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) else { return nil }
        return PostgresJSON(value)
    }
}
