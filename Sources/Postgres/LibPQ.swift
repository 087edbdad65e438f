import CLibPQ
import Foundation

/// Helpers that turn Swift values into libpq arguments and libpq results into Swift
/// values. Nothing here lets a C pointer escape the call that produced it.
enum LibPQ {
    typealias Parameters = (
        types: UnsafePointer<Oid>?, values: UnsafePointer<UnsafePointer<CChar>?>?,
        lengths: UnsafePointer<Int32>?, formats: UnsafePointer<Int32>?, count: Int32
    )

    /// Calls `body` with the C arrays `PQexecParams`/`PQsendQueryParams` expect; the
    /// pointers are valid only during the call.
    static func withParameters<R>(_ binds: [PostgresBind], sql: String, _ body: (Parameters) throws -> R) throws -> R {
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var offsets: [Int?] = []
        var buffer: [UInt8] = []
        types.reserveCapacity(binds.count)
        for (index, bind) in binds.enumerated() {
            types.append(bind.type.rawValue)
            switch bind.storage {
            case .null:
                offsets.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                guard !hasNUL(text) else {
                    throw PostgresError.protocolError("parameter $\(index + 1) contains a NUL character", sql: sql)
                }
                offsets.append(buffer.count)
                buffer.append(contentsOf: text.utf8)
                buffer.append(0)
                lengths.append(Int32(clamping: text.utf8.count))
                formats.append(0)
            case .binary(let bytes):
                offsets.append(buffer.count)
                buffer.append(contentsOf: bytes)
                lengths.append(Int32(clamping: bytes.count))
                formats.append(1)
            case .invalid(let message):
                throw PostgresError.protocolError("parameter $\(index + 1): \(message)", sql: sql)
            }
        }
        buffer.append(0)
        return try buffer.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else {
                throw PostgresError.protocolError("could not allocate parameters", sql: sql)
            }
            let raw = UnsafeRawPointer(base)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset.map { (raw + $0).assumingMemoryBound(to: CChar.self) }
            }
            return try pointers.withUnsafeBufferPointer { values in
                try types.withUnsafeBufferPointer { types in
                    try lengths.withUnsafeBufferPointer { lengths in
                        try formats.withUnsafeBufferPointer { formats in
                            try body(
                                (
                                    types.baseAddress, values.baseAddress, lengths.baseAddress,
                                    formats.baseAddress, Int32(clamping: binds.count)
                                ))
                        }
                    }
                }
            }
        }
    }

    /// Whether text holds a NUL byte (which C strings cannot carry); memchr over contiguous UTF-8.
    static func hasNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.isEmpty ? false : memchr(bytes.baseAddress!, 0, bytes.count) != nil }
            ?? text.utf8.contains(0)
    }

    /// Throws if a parameter cannot be sent (failed JSON encoding, NUL in text).
    static func validate(_ binds: [PostgresBind], sql: String) throws {
        for (index, bind) in binds.enumerated() {
            switch bind.storage {
            case .invalid(let message):
                throw PostgresError.protocolError("parameter $\(index + 1): \(message)", sql: sql)
            case .text(let text) where hasNUL(text):
                throw PostgresError.protocolError("parameter $\(index + 1) contains a NUL character", sql: sql)
            default:
                continue
            }
        }
    }

    /// Copies a `PGRES_TUPLES_OK`/`PGRES_COMMAND_OK` result into Swift values.
    static func makeResult(_ result: OpaquePointer) -> PostgresQueryResult {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var names: [String] = []
        var types: [PostgresDataType] = []
        names.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount {
            names.append(PQfname(result, column).map { String(cString: $0) } ?? "?column?")
            types.append(PostgresDataType(rawValue: PQftype(result, column)))
        }
        let columns = PostgresColumns(names: names, types: types)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else if let pointer = PQgetvalue(result, row, column) {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
                    values.append(String(decoding: bytes, as: UTF8.self))
                } else {
                    values.append(nil)
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let commandTag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).map { String(cString: $0) }.flatMap { Int($0) } ?? 0
        return PostgresQueryResult(rows: rows, affectedRows: affected, commandTag: commandTag)
    }

    /// Reads one diagnostic field of an error result.
    static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let pointer = PQresultErrorField(result, Int32(ascii)) else { return nil }
        return String(cString: pointer)
    }

    /// Builds an error from a failed result (or from the connection when there is none): a
    /// broken connection or a "going away" SQLSTATE is `.connectionLost`, any other
    /// SQLSTATE `.server`, anything else `.protocol`.
    static func makeError(
        connection: OpaquePointer?, result: OpaquePointer?, sql: String?, statementIndex: Int? = nil
    ) -> PostgresError {
        let connectionBad = connection.map { PQstatus($0) == CONNECTION_BAD } ?? true
        if let result, let code = field(result, "C") {
            // A server going away says so (57P01…) before libpq has seen the socket close.
            let lost = connectionBad || PostgresError.isConnectionFailure(sqlState: code)
            return PostgresError(
                kind: lost ? .connectionLost : .server, code: code,
                message: field(result, "M") ?? "unknown server error",
                detail: field(result, "D"), hint: field(result, "H"),
                constraintName: field(result, "n"), tableName: field(result, "t"), columnName: field(result, "c"),
                failedStatementIndex: statementIndex, sql: sql)
        }
        var message = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
        if message.isEmpty, let connection, let pointer = PQerrorMessage(connection) {
            message = String(cString: pointer)
        }
        message = cleaned(message)
        if message.isEmpty { message = connectionBad ? "connection to the server was lost" : "unknown libpq error" }
        return PostgresError(
            kind: connectionBad ? .connectionLost : .protocol, message: message,
            failedStatementIndex: statementIndex, sql: sql)
    }

    /// libpq messages end with newlines and may start with `ERROR:  `; keep one clean line.
    static func cleaned(_ message: String) -> String {
        let lines = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
