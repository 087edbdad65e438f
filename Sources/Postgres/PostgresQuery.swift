/// A SQL statement with bound parameters, written by string interpolation:
/// `"SELECT * FROM t WHERE id = \(id) AND n = \(n)"` becomes
/// `SELECT * FROM t WHERE id = $1 AND n = $2` with two binds.
/// Trusted SQL fragments (identifiers chosen by code) go through `\(unescaped: name)`.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$n` placeholders.
    public var sql: String
    /// The bound parameters, in placeholder order.
    public var binds: [PostgresBind]

    /// Creates a query from SQL text and its parameters. The text must use `$1…$n`
    /// placeholders and must never contain untrusted input.
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// Creates a query without parameters.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// Creates a query from an interpolation.
    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The SQL text only (never the bound values).
    public var description: String { sql }

    /// Builds SQL text and binds from an interpolated literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var binds: [PostgresBind]

        /// Reserves space for the literal.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        /// Appends SQL text.
        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Appends a `$n` placeholder bound to `value`.
        public mutating func appendInterpolation<T: PostgresEncodable>(_ value: T) {
            append(value.postgresBind)
        }

        /// Appends a `$n` placeholder bound to `value`, or to NULL when it is nil.
        public mutating func appendInterpolation<T: PostgresEncodable>(_ value: T?) {
            append(value.postgresBind)
        }

        /// Appends a `$n` placeholder bound to `bind` (enables `\(.json(value))`).
        public mutating func appendInterpolation(_ bind: PostgresBind) {
            append(bind)
        }

        /// Appends trusted SQL text verbatim (identifiers, keywords). Never pass user input.
        public mutating func appendInterpolation(unescaped fragment: String) {
            sql += fragment
        }

        private mutating func append(_ bind: PostgresBind) {
            binds.append(bind)
            sql += "$\(binds.count)"
        }
    }
}
