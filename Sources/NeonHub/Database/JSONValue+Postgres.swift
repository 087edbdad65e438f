public import Postgres

/// A `JSONValue` binds as `jsonb` text written by `jsonText`.
extension JSONValue: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(jsonText, type: .jsonb) }
}
