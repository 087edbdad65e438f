import CLibPQ

extension PostgresConnection {
    /// Sends all statements in one round trip (libpq pipeline mode) and returns one
    /// result per statement.
    ///
    /// The server runs the batch as one implicit transaction: if a statement fails, the
    /// later ones are skipped (`PGRES_PIPELINE_ABORTED`), the earlier ones are rolled back,
    /// and a `PostgresError` with `failedStatementIndex` is thrown. The connection stays
    /// usable. Inside an open transaction the statements join it instead.
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresQueryResult] {
        try runPipeline(queries, inTransaction: false)
    }

    /// Like `pipeline(_:)`, but wrapped in an explicit `BEGIN … COMMIT` sent in the same
    /// round trip: either every statement takes effect or none does.
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
                let outcome: (results: [PostgresQueryResult], error: PostgresError?)
                do {
                    outcome = try exchange(statements, handle: handle, callerIndex: callerIndex)
                } catch {
                    // The protocol state is unknown: never use this connection again.
                    close()
                    throw error
                }
                if let error = outcome.error { throw error }
                return outcome.results
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

    /// Sends the statements and a sync, then reads every result, the sync, and leaves
    /// pipeline mode. Server errors are returned (the first one), others thrown. A statement
    /// not yet prepared on this connection is prepared in the same round trip, just before
    /// its first use.
    private func exchange(
        _ statements: [PostgresQuery], handle: OpaquePointer, callerIndex: (Int) -> Int?
    ) throws -> (results: [PostgresQueryResult], error: PostgresError?) {
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
        guard PQpipelineSync(handle) == 1 else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
        }
        var results: [PostgresQueryResult] = []
        results.reserveCapacity(statements.count)
        var firstError: PostgresError?
        for (position, statement) in statements.enumerated() {
            if let prepare = preparing[position] {
                // The preparation's own result comes first: remember the statement if the
                // server took it; a failure is reported by the statement's aborted result.
                var prepareStatus: ExecStatusType?
                while let result = PQgetResult(handle) {
                    if prepareStatus == nil { prepareStatus = PQresultStatus(result) }
                    if prepareStatus == PGRES_FATAL_ERROR, firstError == nil {
                        firstError = LibPQ.makeError(
                            connection: handle, result: result, sql: statement.sql, statementIndex: callerIndex(position))
                    }
                    PQclear(result)
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
                    results.append(LibPQ.makeResult(result))
                case PGRES_PIPELINE_ABORTED:
                    results.append(PostgresQueryResult(rows: [], affectedRows: 0, commandTag: ""))
                case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                    let error = LibPQ.makeError(
                        connection: handle, result: result, sql: statement.sql,
                        statementIndex: callerIndex(position))
                    guard error.kind == .server else { throw error }
                    if firstError == nil { firstError = error }
                    results.append(PostgresQueryResult(rows: [], affectedRows: 0, commandTag: ""))
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
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC else {
            throw PostgresError.protocolError("pipeline did not end with a sync")
        }
        guard PQexitPipelineMode(handle) == 1 else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: nil)
        }
        return (results, firstError)
    }
}
