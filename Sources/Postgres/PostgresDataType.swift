/// A Postgres type, identified by its OID (`pg_type.oid`).
public struct PostgresDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type's OID.
    public var rawValue: UInt32

    /// Creates a type from its OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Unknown / let the server infer the type (OID 0).
    public static let unspecified = PostgresDataType(rawValue: 0)
    /// `boolean`
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea`
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `bigint`
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `smallint`
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `integer`
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text`
    public static let text = PostgresDataType(rawValue: 25)
    /// `oid`
    public static let oid = PostgresDataType(rawValue: 26)
    /// `json`
    public static let json = PostgresDataType(rawValue: 114)
    /// `real`
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `double precision`
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `character varying`
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `timestamp without time zone`
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamp with time zone`
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `numeric`
    public static let numeric = PostgresDataType(rawValue: 1700)
    /// `uuid`
    public static let uuid = PostgresDataType(rawValue: 2950)
    /// `jsonb`
    public static let jsonb = PostgresDataType(rawValue: 3802)

    /// The type name for well-known OIDs, else `oid <n>`.
    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .bool: "boolean"
        case .bytea: "bytea"
        case .int8: "bigint"
        case .int2: "smallint"
        case .int4: "integer"
        case .text: "text"
        case .oid: "oid"
        case .json: "json"
        case .float4: "real"
        case .float8: "double precision"
        case .varchar: "character varying"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .numeric: "numeric"
        case .uuid: "uuid"
        case .jsonb: "jsonb"
        default: "oid \(rawValue)"
        }
    }
}
