public import Foundation

/// One bound parameter of a query: its declared type and its value (text or binary
/// format), or NULL. Values never appear in SQL text or in error descriptions.
public struct PostgresBind: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case null
        case text(String)
        case binary([UInt8])
        /// Encoding the value failed; executing the query throws this message.
        case invalid(String)
    }

    /// The parameter's type as sent to the server (`.unspecified` lets the server infer it).
    public var type: PostgresDataType
    var storage: Storage

    init(type: PostgresDataType, storage: Storage) {
        self.type = type
        self.storage = storage
    }

    /// A NULL of the given type.
    public static func null(_ type: PostgresDataType = .unspecified) -> PostgresBind {
        PostgresBind(type: type, storage: .null)
    }

    /// A value in Postgres text format, e.g. `"42"` for `.int8`.
    public static func text(_ value: String, type: PostgresDataType = .unspecified) -> PostgresBind {
        PostgresBind(type: type, storage: .text(value))
    }

    /// A `jsonb` value encoded with `JSONEncoder`; an encoding failure surfaces when the
    /// query runs, as a `PostgresError` of kind `.protocol`.
    public static func json<T: Encodable>(_ value: T, encoder: JSONEncoder = JSONEncoder()) -> PostgresBind {
        do {
            let data = try encoder.encode(value)
            return PostgresBind(type: .jsonb, storage: .text(String(decoding: data, as: UTF8.self)))
        } catch {
            return PostgresBind(type: .jsonb, storage: .invalid("could not encode \(T.self) as JSON"))
        }
    }

    /// True for SQL NULL.
    public var isNull: Bool { storage == .null }
}
