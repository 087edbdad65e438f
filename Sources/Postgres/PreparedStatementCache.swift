import CLibPQ

/// The named prepared statements of one connection, by SQL text and parameter types, so
/// that a statement the server has parsed and planned once is only bound and executed after
/// that (as `pgbench -M prepared` does). Bounded: once `capacity` statements are prepared,
/// further ones run unnamed (parsed each time) rather than evicting the hot ones.
struct PreparedStatementCache {
    /// What identifies a prepared statement: the same text with other parameter types is
    /// another statement.
    struct Key: Hashable {
        var sql: String
        var types: [Oid]

        /// The key of a query: its text and its parameters' types.
        init(_ query: PostgresQuery) {
            sql = query.sql
            types = query.binds.map(\.type.rawValue)
        }
    }

    /// Most statements prepared on one connection.
    static let capacity = 256

    private var names: [Key: String] = [:]
    private var counter = 0

    /// The statement's name if it is prepared on this connection.
    func name(for key: Key) -> String? { names[key] }

    /// A fresh name for a statement about to be prepared, or nil when the cache is full.
    mutating func reserveName() -> String? {
        guard names.count < Self.capacity else { return nil }
        counter += 1
        return "neonhub_\(counter)"
    }

    /// Forgets every statement (the server lost or invalidated them) but not the names used:
    /// inside a transaction the server still holds them until `DEALLOCATE ALL`, so a name is
    /// never given twice on one connection.
    mutating func forgetAll() { names = [:] }

    /// Records a statement the server confirmed as prepared.
    mutating func add(_ key: Key, name: String) { names[key] = name }

    /// Number of prepared statements.
    var count: Int { names.count }
}
