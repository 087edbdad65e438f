public import Foundation

/// A Swift value that can be bound as a query parameter.
public protocol PostgresEncodable {
    /// The parameter's Postgres representation.
    var postgresBind: PostgresBind { get }
}

extension PostgresBind: PostgresEncodable {
    /// The bind itself.
    public var postgresBind: PostgresBind { self }
}

extension Int: PostgresEncodable {
    /// `bigint`.
    public var postgresBind: PostgresBind { .text(String(self), type: .int8) }
}

extension Int64: PostgresEncodable {
    /// `bigint`.
    public var postgresBind: PostgresBind { .text(String(self), type: .int8) }
}

extension Int32: PostgresEncodable {
    /// `integer`.
    public var postgresBind: PostgresBind { .text(String(self), type: .int4) }
}

extension Double: PostgresEncodable {
    /// `double precision` (`NaN`, `Infinity`, `-Infinity` included).
    public var postgresBind: PostgresBind {
        let text: String
        if isNaN {
            text = "NaN"
        } else if isInfinite {
            text = self < 0 ? "-Infinity" : "Infinity"
        } else {
            text = String(self)
        }
        return .text(text, type: .float8)
    }
}

extension Bool: PostgresEncodable {
    /// `boolean`.
    public var postgresBind: PostgresBind { .text(self ? "t" : "f", type: .bool) }
}

extension String: PostgresEncodable {
    /// Untyped text, so that the server infers the parameter's type from context
    /// (text, varchar, enum, …).
    public var postgresBind: PostgresBind { .text(self) }
}

extension UUID: PostgresEncodable {
    /// `uuid`.
    public var postgresBind: PostgresBind { .text(lowercasedText, type: .uuid) }
}

extension Date: PostgresEncodable {
    /// `timestamptz`, ISO 8601 in UTC with microseconds.
    public var postgresBind: PostgresBind { .text(PostgresTimestamp.format(self), type: .timestamptz) }
}

extension Data: PostgresEncodable {
    /// `bytea`, sent in binary format.
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, storage: .binary([UInt8](self))) }
}

extension Array: PostgresEncodable where Element == UInt8 {
    /// `bytea`, sent in binary format.
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, storage: .binary(self)) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped value, or a NULL of the wrapped type.
    public var postgresBind: PostgresBind {
        switch self {
        case .some(let value): value.postgresBind
        case .none: .null(Self.nullType)
        }
    }

    private static var nullType: PostgresDataType {
        // The type of a NULL is the type the wrapped type binds as. Types whose OID
        // depends on the value (none today) fall back to `unspecified`.
        switch Wrapped.self {
        case is Int.Type, is Int64.Type: .int8
        case is Int32.Type: .int4
        case is Double.Type: .float8
        case is Bool.Type: .bool
        case is UUID.Type: .uuid
        case is Date.Type: .timestamptz
        case is Data.Type, is [UInt8].Type: .bytea
        default: .unspecified
        }
    }
}
