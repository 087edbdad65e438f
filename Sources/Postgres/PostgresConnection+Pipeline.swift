import CLibPQ

extension PostgresConnection {
    /// Sends all statements in one round trip (libpq pipeline mode) and returns one
    /// result per statement.
    ///
    /// The server runs the batch as one implicit transaction: if a statement fails, the
    /// later ones are skipped (`PGRES_PIPELINE_ABORTED`), the earlier ones are rolled back,
    /// and a `PostgresError` with `failedStatementIndex` is thrown. The connection stays
    /// usable. Inside an open transaction the statements join it instead. A connection lost
    /// mid-batch throws `.connectionLost` (with `isCommitOutcomeUnknown` once the sync that
    /// commits the implicit transaction was sent) and is closed.
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresQueryResult] {
        try runPipeline(queries, inTransaction: false)
    }

    /// Like `pipeline(_:)`, but wrapped in an explicit `BEGIN … COMMIT` sent in the same
    /// round trip: either every statement takes effect or none does. A connection lost before
    /// COMMIT's answer throws `.connectionLost` with `isCommitOutcomeUnknown`; one lost after
    /// it (only the final sync missing) still returns the results: the server committed.
    public func pipelineTransaction(_ queries: [PostgresQuery]) throws -> [PostgresQueryResult] {
        guard transactionStatus == .idle else {
            throw PostgresError.protocolError("pipelineTransaction called while a transaction is already open")
        }
        return try runPipeline(queries, inTransaction: true)
    }

    private func runPipeline(_ queries: [PostgresQuery], inTransaction: Bool) throws -> [PostgresQueryResult] {
        guard !queries.isEmpty else { return [] }
        let statements: [PostgresQuery] = inTransaction ? ["BEGIN"] + queries + ["COMMIT"] : queries
        // Maps a position in `statements` to the caller's index (nil for BEGIN/COMMIT).
        func callerIndex(_ position: Int) -> Int? {
            guard inTransaction else { return position }
            return position == 0 || position == statements.count - 1 ? nil : position - 1
        }
        for statement in statements { try LibPQ.validate(statement.binds, sql: statement.sql) }
        let handle = try liveHandle(sql: nil)
        let startedIdle = transactionStatus == .idle
        do {
            let results: [PostgresQueryResult] = try observed {
                guard PQenterPipelineMode(handle) == 1 else {
                    throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
                }
                var progress = PipelineProgress()
                do {
                    try exchange(statements, handle: handle, callerIndex: callerIndex, progress: &progress)
                } catch {
                    // The protocol state is unknown: never use this connection again.
                    close()
                    guard var lost = error as? PostgresError, lost.kind == .connectionLost else { throw error }
                    if inTransaction, progress.firstError == nil, progress.results.count == statements.count,
                        progress.results.last?.commandTag == "COMMIT"
                    {
                        // Only the sync's answer was lost: the server had committed.
                        return progress.results
                    }
                    // Once the commit was sent (the final COMMIT, or the sync that ends an implicit
                    // transaction) and before its answer, it may have happened — unless a statement
                    // had already failed (the batch was rolled back) or the caller's own
                    // transaction is still open (it is lost, uncommitted).
                    lost.isCommitOutcomeUnknown = progress.sent && startedIdle && progress.firstError == nil
                    throw lost
                }
                if let error = progress.firstError { throw error }
                return progress.results
            }
            return inTransaction ? Array(results.dropFirst().dropLast()) : results
        } catch let error as PostgresError where error.kind == .server {
            // The exchange completed; end the transaction the batch left open or failed
            // (but never one the caller opened before the pipeline).
            if startedIdle { rollbackIfNeeded() }
            _ = forgetStatementsIfStale(error)  // the caller's retry will prepare afresh
            throw error
        }
    }

    /// What an exchange got before it ended or failed.
    private struct PipelineProgress {
        /// One result per statement whose answers were read, in order.
        var results: [PostgresQueryResult] = []
        /// The first server error (the batch was rolled back from there).
        var firstError: PostgresError?
        /// Whether every statement and the sync were handed to libpq (so the server may
        /// have run all of them).
        var sent = false
    }

    /// Sends the statements and a sync, then reads every result, the sync, and leaves
    /// pipeline mode. Server errors are recorded in `progress` (the first one), others
    /// thrown; a connection lost at any point, even before the sync, is `.connectionLost`.
    /// A statement not yet prepared on this connection is prepared in the same round trip,
    /// just before its first use.
    private func exchange(
        _ statements: [PostgresQuery], handle: OpaquePointer, callerIndex: (Int) -> Int?, progress: inout PipelineProgress
    ) throws {
        // Statements whose preparation is sent in this pipeline, by position of that send.
        var preparing: [Int: (key: PreparedStatementCache.Key, name: String)] = [:]
        var preparingNames: [PreparedStatementCache.Key: String] = [:]
        for (position, statement) in statements.enumerated() {
            let key = PreparedStatementCache.Key(statement)
            var name = self.statements.name(for: key) ?? preparingNames[key]
            if name == nil, let fresh = self.statements.reserveName() {
                let sent = key.types.withUnsafeBufferPointer { types in
                    PQsendPrepare(handle, fresh, statement.sql, Int32(clamping: types.count), types.baseAddress)
                }
                guard sent == 1 else {
                    throw LibPQ.makeError(
                        connection: handle, result: nil, sql: statement.sql, statementIndex: callerIndex(position))
                }
                preparing[position] = (key, fresh)
                preparingNames[key] = fresh
                name = fresh
            }
            let sent = try LibPQ.withParameters(statement.binds, sql: statement.sql) { parameters in
                if let name {
                    PQsendQueryPrepared(handle, name, parameters.count, parameters.values, parameters.lengths, parameters.formats, 0)
                } else {
                    PQsendQueryParams(
                        handle, statement.sql, parameters.count, parameters.types, parameters.values,
                        parameters.lengths, parameters.formats, 0)
                }
            }
            guard sent == 1 else {
                throw LibPQ.makeError(
                    connection: handle, result: nil, sql: statement.sql, statementIndex: callerIndex(position))
            }
        }
        progress.sent = true
        guard PQpipelineSync(handle) == 1 else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
        }
        progress.results.reserveCapacity(statements.count)
        for (position, statement) in statements.enumerated() {
            if let prepare = preparing[position] {
                // The preparation's own result comes first: remember the statement if the
                // server took it; a failure is reported by the statement's aborted result.
                var prepareStatus: ExecStatusType?
                while let result = PQgetResult(handle) {
                    defer { PQclear(result) }
                    if prepareStatus == nil { prepareStatus = PQresultStatus(result) }
                    if PQresultStatus(result) == PGRES_FATAL_ERROR {
                        let error = LibPQ.makeError(
                            connection: handle, result: result, sql: statement.sql, statementIndex: callerIndex(position))
                        guard error.kind == .server else { throw error }
                        if progress.firstError == nil { progress.firstError = error }
                    }
                }
                if prepareStatus == PGRES_COMMAND_OK { self.statements.add(prepare.key, name: prepare.name) }
                guard prepareStatus != nil, PQstatus(handle) == CONNECTION_OK else {
                    throw LibPQ.makeError(
                        connection: handle, result: nil, sql: statement.sql, statementIndex: callerIndex(position))
                }
            }
            var sawResult = false
            while let result = PQgetResult(handle) {
                defer { PQclear(result) }
                sawResult = true
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    progress.results.append(LibPQ.makeResult(result))
                case PGRES_PIPELINE_ABORTED:
                    progress.results.append(PostgresQueryResult(rows: [], affectedRows: 0, commandTag: ""))
                case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                    let error = LibPQ.makeError(
                        connection: handle, result: result, sql: statement.sql,
                        statementIndex: callerIndex(position))
                    guard error.kind == .server else { throw error }
                    if progress.firstError == nil { progress.firstError = error }
                    progress.results.append(PostgresQueryResult(rows: [], affectedRows: 0, commandTag: ""))
                default:
                    throw PostgresError.protocolError(
                        "unexpected pipeline result \(String(cString: PQresStatus(PQresultStatus(result))))",
                        sql: statement.sql)
                }
            }
            guard sawResult, PQstatus(handle) == CONNECTION_OK else {
                throw LibPQ.makeError(
                    connection: handle, result: nil, sql: statement.sql, statementIndex: callerIndex(position))
            }
        }
        guard let sync = PQgetResult(handle) else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
        }
        defer { PQclear(sync) }
        switch PQresultStatus(sync) {
        case PGRES_PIPELINE_SYNC:
            break
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            // A server going away (57P01 when its postmaster died) or a closed socket in place
            // of the sync is the database leaving, not a protocol violation.
            let error = LibPQ.makeError(connection: handle, result: sync, sql: nil)
            guard error.kind == .connectionLost else {
                throw PostgresError.protocolError("pipeline did not end with a sync: \(error.description)")
            }
            throw error
        default:
            throw PostgresError.protocolError("pipeline did not end with a sync")
        }
        guard PQexitPipelineMode(handle) == 1 else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
        }
    }
}
