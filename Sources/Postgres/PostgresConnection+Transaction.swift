extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`; rolls back and rethrows if `body` throws.
    /// Throws if the commit turns into a rollback (a statement failed and the error was
    /// swallowed inside `body`). Must not be called inside another transaction. A connection
    /// lost during the COMMIT throws `.connectionLost` with `isCommitOutcomeUnknown`.
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard transactionStatus == .idle else {
            throw PostgresError.protocolError("withTransaction called while a transaction is already open")
        }
        try execute("BEGIN")
        do {
            let value = try body(self)
            let commit: PostgresQueryResult
            do {
                commit = try run("COMMIT")
            } catch var error as PostgresError where error.kind == .connectionLost {
                // The server may have committed before the answer was lost.
                error.isCommitOutcomeUnknown = true
                throw error
            }
            if commit.commandTag == "ROLLBACK" {
                throw PostgresError(
                    kind: .server, code: "25P02",
                    message: "the transaction was rolled back because one of its statements failed")
            }
            return value
        } catch {
            rollbackIfNeeded()
            throw error
        }
    }

    /// Ends any open (or failed) transaction with ROLLBACK; returns false if the
    /// connection could not be brought back to idle.
    @discardableResult
    func rollbackIfNeeded() -> Bool {
        switch transactionStatus {
        case .idle:
            return true
        case .inTransaction, .inFailedTransaction:
            do {
                try execute("ROLLBACK")
                return transactionStatus == .idle
            } catch {
                return false
            }
        case .active, .unknown:
            return false
        }
    }
}
