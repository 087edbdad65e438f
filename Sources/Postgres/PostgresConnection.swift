import CLibPQ
import Foundation
import TimeUnits

/// One blocking connection to Postgres (a libpq `PGconn`). Not thread-safe: use it from
/// one thread at a time (`PostgresPool` hands connections to its own threads).
/// The connection is closed by `close()` or when the object is released.
public final class PostgresConnection {
    /// The connection's transaction state (`PQtransactionStatus`).
    public enum TransactionStatus: Sendable, Hashable {
        /// Not in a transaction block.
        case idle
        /// A command is in progress.
        case active
        /// Inside a transaction block.
        case inTransaction
        /// Inside a failed transaction block (only ROLLBACK will work).
        case inFailedTransaction
        /// The connection is broken or closed.
        case unknown
    }

    private var handle: OpaquePointer?
    let options: PostgresConnectionOptions
    /// Statements prepared on this connection (see `PreparedStatementCache`).
    var statements = PreparedStatementCache()
    /// The server still holds statements forgotten inside a transaction: dropped at the next
    /// statement run outside one.
    private var deallocatePending = false

    /// Connects using a libpq connection string (`host=… dbname=…` or `postgres://…`),
    /// then sets the session to `TimeZone=UTC`, `DateStyle=ISO` and the configured
    /// `statement_timeout`. Blocks; throws a `PostgresError` of kind `.unavailable` when
    /// the server cannot be reached.
    public init(connectionString: String, options: PostgresConnectionOptions = PostgresConnectionOptions()) throws {
        self.options = options
        let timeoutSeconds = max(2, Int((options.connectTimeout.inSeconds).rounded(.up)))
        // Defaults first, then the connection string (expanded from `dbname`) overrides
        // them, then an explicit database overrides the string's.
        var parameters: [(String, String)] = [
            ("connect_timeout", String(timeoutSeconds)),
            ("client_encoding", "UTF8"),
            ("fallback_application_name", options.applicationName),
            // Over TCP, a peer that vanished (a host or a failover gone mid-query) is noticed in
            // about a minute, not when the kernel gives up (15 minutes to 2 hours), during which
            // the thread waiting on it and its pool slot would be stuck. Unix sockets ignore these.
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
            ("tcp_user_timeout", "60000"),
            ("dbname", connectionString),
        ]
        if let database = options.database { parameters.append(("dbname", database)) }
        // libpq's message for a string it cannot read quotes the part it could not read: the
        // password, when that is the part (a `%` not percent-encoded).
        guard PostgresConnectionString.isValid(connectionString) else { throw PostgresError.unavailable(PostgresConnectionString.invalidMessage) }
        let connection = Self.connect(parameters)
        guard let connection else {
            throw PostgresError.unavailable("could not allocate a libpq connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PQerrorMessage(connection).map { LibPQ.cleaned(String(cString: $0)) } ?? ""
            PQfinish(connection)
            throw PostgresError.unavailable("could not connect to Postgres: \(message)")
        }
        PQsetNoticeProcessor(connection, { _, _ in }, nil)  // notices are not errors: drop them
        handle = connection
        var setup = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'"
        if let timeout = options.statementTimeout {
            setup += "; SET statement_timeout = \(timeout.inMillisecondsRoundedUp)"
        }
        try executeScript(setup)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// The value libpq uses for connection option `name` (`keepalives_idle`), if set.
    func connectionOption(_ name: String) -> String? {
        guard let handle, let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var index = 0
        while let keyword = options[index].keyword {
            if String(cString: keyword) == name { return options[index].val.map { String(cString: $0) } }
            index += 1
        }
        return nil
    }

    /// Closes the connection; later calls throw `.connectionLost`. Safe to call twice.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// True while the connection is open and not known to be broken.
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The current transaction state.
    public var transactionStatus: TransactionStatus {
        guard let handle else { return .unknown }
        let status = PQtransactionStatus(handle)
        switch status {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .inFailedTransaction
        default: return .unknown
        }
    }

    /// The server's version number, e.g. `150018`.
    public var serverVersion: Int {
        handle.map { Int(PQserverVersion($0)) } ?? 0
    }

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try run(query).rows
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try run(query).affectedRows
    }

    /// Runs a statement (extended protocol, parameters bound separately from the SQL). The
    /// first run of a statement on this connection prepares it (one extra round trip); later
    /// runs only bind and execute it.
    public func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let startedIdle = transactionStatus == .idle
        do {
            return try runPrepared(query)
        } catch let error as PostgresError where forgetStatementsIfStale(error) && startedIdle {
            // The server lost or invalidated its copy (DISCARD ALL, a changed table): once more,
            // prepared afresh. Only outside a transaction: inside one, the failure aborted it.
            return try runPrepared(query)
        }
    }

    private func runPrepared(_ query: PostgresQuery) throws -> PostgresQueryResult {
        if deallocatePending && transactionStatus == .idle {
            deallocatePending = false
            statements.forgetAll()
            try? executeScript("DEALLOCATE ALL")
        }
        let handle = try liveHandle(sql: query.sql)
        return try observed {
            let key = PreparedStatementCache.Key(query)
            var name = statements.name(for: key)
            if name == nil, let fresh = statements.reserveName() {
                let prepared = key.types.withUnsafeBufferPointer { types in
                    PQprepare(handle, fresh, query.sql, Int32(clamping: types.count), types.baseAddress)
                }
                _ = try consume(prepared, sql: query.sql)
                statements.add(key, name: fresh)
                name = fresh
            }
            let result = try LibPQ.withParameters(query.binds, sql: query.sql) { parameters in
                if let name {
                    PQexecPrepared(handle, name, parameters.count, parameters.values, parameters.lengths, parameters.formats, 0)
                } else {
                    PQexecParams(
                        handle, query.sql, parameters.count, parameters.types, parameters.values,
                        parameters.lengths, parameters.formats, 0)
                }
            }
            return try consume(result, sql: query.sql)
        }
    }

    /// After an error saying the server no longer has a prepared statement (26000) or that a
    /// cached plan no longer fits its tables (0A000), forgets every statement of this
    /// connection (and drops the server's copies when no transaction is open), so the next
    /// use prepares afresh. Returns whether it did.
    func forgetStatementsIfStale(_ error: PostgresError) -> Bool {
        guard error.kind == .server, error.code == "26000" || error.code == "0A000", statements.count > 0 else { return false }
        statements.forgetAll()
        if transactionStatus == .idle { try? executeScript("DEALLOCATE ALL") } else { deallocatePending = true }
        return true
    }

    /// Runs trusted SQL text that may hold several statements (simple query protocol,
    /// no parameters), e.g. a migration file. Never pass text containing user input.
    public func executeScript(_ sql: String) throws {
        let handle = try liveHandle(sql: sql)
        try observed {
            _ = try consume(PQexec(handle, sql), sql: sql)
        }
    }

    /// Checks, without blocking, that the server has not closed the connection (reads
    /// anything pending, such as a termination notice). Returns false if it is broken.
    func checkAlive() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK, PQpipelineStatus(handle) == PQ_PIPELINE_OFF else {
            return false
        }
        // A server that went away leaves a termination notice and then EOF; each
        // PQconsumeInput reads what is there, so read until the socket is quiet.
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            guard PQconsumeInput(handle) == 1 else { return false }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    func liveHandle(sql: String?) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .connectionLost, message: "the connection is closed", sql: sql)
        }
        return handle
    }

    /// Clears `result` and returns its rows, or throws its error.
    private func consume(_ result: OpaquePointer?, sql: String) throws -> PostgresQueryResult {
        guard let result else {
            throw LibPQ.makeError(connection: handle, result: nil, sql: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return LibPQ.makeResult(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw LibPQ.makeError(connection: handle, result: result, sql: sql)
        default:
            throw PostgresError.protocolError(
                "unexpected result status \(String(cString: PQresStatus(PQresultStatus(result))))", sql: sql)
        }
    }

    /// Times `body` and reports it to the observer. A lost connection is closed here, so
    /// that nobody sends on it again and a pool discards it.
    func observed<R>(_ body: () throws -> R) throws -> R {
        let start = ContinuousClock.now
        do {
            let value = try body()
            options.observer?((ContinuousClock.now - start).inSeconds, true)
            return value
        } catch {
            options.observer?((ContinuousClock.now - start).inSeconds, false)
            if let error = error as? PostgresError, error.kind == .connectionLost { close() }
            throw error
        }
    }

    private static func connect(_ parameters: [(String, String)]) -> OpaquePointer? {
        let keys = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            for key in keys { free(key) }
            for value in values { free(value) }
        }
        let keyPointers = keys.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        return keyPointers.withUnsafeBufferPointer { keyBuffer in
            valuePointers.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keyBuffer.baseAddress, valueBuffer.baseAddress, 1)
            }
        }
    }
}
