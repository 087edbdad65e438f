extension PostgresPool {
    /// Applies the pending migrations of `migrator` on one pooled connection and returns
    /// those it applied (see `Migrator`).
    @discardableResult
    public func migrate(with migrator: Migrator) async throws -> [Migration] {
        try await migrator.migrate(using: self)
    }
}
