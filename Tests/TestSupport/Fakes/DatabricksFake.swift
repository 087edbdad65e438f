// A fake of a Databricks workspace's SQL Statement Execution API 2.0 and SQL Warehouses list
// API on loopback, following Databricks' documentation, not what our catalog definition
// (configs/connectors/databricks.json) assumes:
//
// - Statement Execution overview (wait_timeout 0s or 5–50 s, default 10s; on_wait_timeout
//   CONTINUE | CANCEL, ignored with 0s; INLINE only with JSON_ARRAY, EXTERNAL_LINKS with
//   JSON_ARRAY, ARROW_STREAM or CSV; chunks with next_chunk_index / next_chunk_internal_link
//   except on the last; 16 MiB statement text; "cancelation might silently fail"):
//   https://docs.databricks.com/api/workspace/statementexecution
// - Execute (request fields, 200 with status.state FAILED and status.error for an execution
//   failure as opposed to a non-200 for a request that is not accepted; 0s answers PENDING;
//   CANCEL answers CANCELED): https://docs.databricks.com/api/workspace/statementexecution/executestatement
//   (also https://docs.databricks.com/api/statement-execution/v1/execute-statement.md)
// - Get (manifest + first chunk when SUCCEEDED; CANCELED, CLOSED, FAILED answered 200; an
//   unknown statement 404): https://docs.databricks.com/api/workspace/statementexecution/getstatement
// - Result chunk by index (ResultData, identical to `result`; byte_count only with
//   EXTERNAL_LINKS): https://docs.databricks.com/api/workspace/statementexecution/getstatementresultchunkn
// - Cancel (empty 200 body; the documented codes are 400, 401, 403, 429, 500, 503, no 404):
//   https://docs.databricks.com/api/workspace/statementexecution/cancelexecution
// - Tutorial (curl calls, polling, chunk links as paths joined to the workspace host):
//   https://docs.databricks.com/en/dev-tools/sql-execution-tutorial.html
// - Warehouses list (EndpointInfo fields, page_size / page_token / next_page_token):
//   https://docs.databricks.com/api/workspace/warehouses/list
// - Parameter markers (`:name`; an unbound one raises UNBOUND_SQL_PARAMETER at execution, so the
//   statement FAILS rather than being refused; unused parameters are fine):
//   https://docs.databricks.com/sql/language-manual/sql-ref-parameter-marker.html
// - Errors ({error_code, message, details[]}; "some legacy endpoints return the HTTP status code
//   here as an integer"): https://docs.databricks.com/api/account/errors; the code ↔ status
//   mapping (INVALID_PARAMETER_VALUE 400, NOT_FOUND 404, REQUEST_LIMIT_EXCEEDED 429) and
//   Retry-After in seconds on 429 are those of Databricks' SDK:
//   https://github.com/databricks/databricks-sdk-py/blob/main/databricks/sdk/errors/platform.py and
//   https://github.com/databricks/databricks-sdk-py/blob/main/databricks/sdk/errors/customizer.py
// - Personal access tokens are refused with the legacy shape, as the workspace front end
//   answers them: no credential 401 {"error_code": 401, "message": "Credential was not sent or
//   was of an unsupported type for this API. [ReqId: …]"}
//   (https://github.com/PipedreamHQ/pipedream/issues/20701), a wrong or revoked token 403
//   {"error_code": 403, "message": "Invalid access token."} with X-Databricks-Reason-Phrase
//   (https://github.com/databricks/databricks-sdk-go/issues/873).
//
// Where the documentation names no code the fake says so below (unknown warehouse: 404
// NOT_FOUND; a chunk of a statement that has not SUCCEEDED: 400 BAD_REQUEST; a chunk index out
// of range: 400 INVALID_PARAMETER_VALUE; a body that is not JSON: 400 MALFORMED_REQUEST).
// EXTERNAL_LINKS point at this server's own `/fake-cloud-storage/…`, which, like a presigned
// URL, refuses an Authorization header; it serves JSON_ARRAY and CSV chunks, not Arrow IPC.

import Foundation
import HTTPFields
import Synchronization

/// A Databricks workspace on loopback: `GET /api/2.0/sql/warehouses` and the SQL Statement
/// Execution API (execute, get, result chunks, cancel) behind a personal access token.
///
/// Statements are scripted by their exact text (`script(_:_:)`): rows split into chunks, reads
/// that answer RUNNING before the final state, failures. An unscripted statement succeeds with
/// `SELECT 1`'s result. Knobs: `revokeToken()`, `injectRateLimit(count:retryAfter:)`,
/// `closeResults(of:)`.
public final class DatabricksFake: ServedFake {
    /// A personal access token shaped like Databricks' (`dapi` and 32 hex digits).
    public static let defaultToken = "dapi0123456789abcdef0123456789abcdef"
    /// The workspace host the fake stands for (in JDBC/ODBC details of the warehouses).
    public static let workspaceHost = "dbc-a1b2345c-d6e7.cloud.databricks.com"

    /// A column of a result (`manifest.schema.columns[]`).
    public struct Column: Sendable, Equatable {
        /// The column name.
        public var name: String
        /// The full SQL type as Databricks prints it in `type_text` (`BIGINT`, `DECIMAL(10,2)`).
        public var typeText: String

        /// A column named `name` of SQL type `typeText`.
        public init(_ name: String, _ typeText: String) {
            self.name = name
            self.typeText = typeText
        }

        /// The base type (`type_name`, ColumnInfoTypeName): `BIGINT` is `LONG`, `SMALLINT` is
        /// `SHORT`, `TINYINT` is `BYTE`, `DECIMAL(10,2)` is `DECIMAL`, `ARRAY<INT>` is `ARRAY`.
        public var typeName: String {
            let upper = typeText.uppercased()
            let base = String(upper.prefix { $0.isLetter || $0 == "_" })
            switch base {
            case "BIGINT": return "LONG"
            case "INTEGER": return "INT"
            case "SMALLINT": return "SHORT"
            case "TINYINT": return "BYTE"
            case "REAL": return "FLOAT"
            case "DEC", "NUMERIC": return "DECIMAL"
            case "VARCHAR": return "STRING"
            case "TIMESTAMP_NTZ", "TIMESTAMP_LTZ": return "TIMESTAMP"
            case "VOID": return "NULL"
            default: return base
            }
        }
    }

    /// What a statement does when it runs.
    public struct Outcome: Sendable {
        /// An execution failure, as `status.error` and `status.sql_state` carry it.
        public struct Failure: Sendable, Equatable {
            /// `status.error.error_code`; documented values: ABORTED, ALREADY_EXISTS, BAD_REQUEST,
            /// CANCELLED, DEADLINE_EXCEEDED, INTERNAL_ERROR, IO_ERROR, NOT_FOUND,
            /// RESOURCE_EXHAUSTED, SERVICE_UNDER_MAINTENANCE, TEMPORARILY_UNAVAILABLE,
            /// UNAUTHENTICATED, UNKNOWN, WORKSPACE_TEMPORARILY_UNAVAILABLE.
            public var errorCode: String
            /// `status.error.message`.
            public var message: String
            /// `status.sql_state`, if any.
            public var sqlState: String?

            /// A failure.
            public init(errorCode: String, message: String, sqlState: String? = nil) {
                self.errorCode = errorCode
                self.message = message
                self.sqlState = sqlState
            }
        }

        /// The result's columns.
        public var columns: [Column]
        /// The rows, values as JSON_ARRAY prints them (strings, nil for null).
        public var rows: [[String?]]
        /// Rows per result chunk (nil: every row in one chunk).
        public var rowsPerChunk: Int?
        /// How many status reads (GET) answer RUNNING before the final state.
        public var pendingReads: Int
        /// The failure, when the statement fails.
        public var failure: Failure?

        /// An outcome.
        public init(
            columns: [Column] = [], rows: [[String?]] = [], rowsPerChunk: Int? = nil, pendingReads: Int = 0, failure: Failure? = nil
        ) {
            precondition(rowsPerChunk.map { $0 > 0 } ?? true, "rowsPerChunk must be positive")
            precondition(pendingReads >= 0, "pendingReads must not be negative")
            precondition(rows.allSatisfy { $0.count == columns.count }, "every row needs a value (or nil) per column")
            self.columns = columns
            self.rows = rows
            self.rowsPerChunk = rowsPerChunk
            self.pendingReads = pendingReads
            self.failure = failure
        }

        /// Succeeds with `rows`, `rowsPerChunk` rows a chunk, after `pendingReads` RUNNING reads.
        public static func succeeds(_ columns: [Column], _ rows: [[String?]], rowsPerChunk: Int? = nil, pendingReads: Int = 0) -> Outcome {
            Outcome(columns: columns, rows: rows, rowsPerChunk: rowsPerChunk, pendingReads: pendingReads)
        }

        /// Fails (state FAILED, `status.error`) after `pendingReads` RUNNING reads.
        public static func fails(
            _ errorCode: String = "BAD_REQUEST", message: String, sqlState: String? = nil, pendingReads: Int = 0
        ) -> Outcome {
            Outcome(pendingReads: pendingReads, failure: Failure(errorCode: errorCode, message: message, sqlState: sqlState))
        }

        /// `SELECT 1`: one INT column named `1`, one row. What unscripted statements answer.
        public static let selectOne = Outcome.succeeds([Column("1", "INT")], [["1"]])
    }

    /// A SQL warehouse as the list answers it (EndpointInfo).
    public struct Warehouse: Sendable, Equatable {
        /// `id` (16 hex digits).
        public var id: String
        /// `name`.
        public var name: String
        /// `state`: STARTING, RUNNING, STOPPING, STOPPED, DELETING, DELETED.
        public var state: String
        /// `cluster_size` (`2X-Small` … `4X-Large`).
        public var clusterSize: String
        /// `enable_serverless_compute`.
        public var enableServerlessCompute: Bool
        /// `warehouse_type`: PRO or CLASSIC.
        public var warehouseType: String
        /// `auto_stop_mins`.
        public var autoStopMins: Int
        /// `min_num_clusters`.
        public var minNumClusters: Int
        /// `max_num_clusters`.
        public var maxNumClusters: Int
        /// `creator_name`.
        public var creatorName: String

        /// A warehouse.
        public init(
            id: String, name: String, state: String = "RUNNING", clusterSize: String = "2X-Small", enableServerlessCompute: Bool = true,
            warehouseType: String = "PRO", autoStopMins: Int = 10, minNumClusters: Int = 1, maxNumClusters: Int = 1,
            creatorName: String = "admin@example.com"
        ) {
            self.id = id
            self.name = name
            self.state = state
            self.clusterSize = clusterSize
            self.enableServerlessCompute = enableServerlessCompute
            self.warehouseType = warehouseType
            self.autoStopMins = autoStopMins
            self.minNumClusters = minNumClusters
            self.maxNumClusters = maxNumClusters
            self.creatorName = creatorName
        }

        /// A running serverless warehouse (`a7066a8ef796be84`) and a stopped classic one
        /// (`0f1e2d3c4b5a6978`).
        public static let defaults = [
            Warehouse(id: "a7066a8ef796be84", name: "Serverless Starter Warehouse"),
            Warehouse(
                id: "0f1e2d3c4b5a6978", name: "Reporting", state: "STOPPED", clusterSize: "Small", enableServerlessCompute: false,
                warehouseType: "CLASSIC", autoStopMins: 45, maxNumClusters: 2),
        ]
    }

    /// A parameter of an execution (`parameters[]`).
    public struct Parameter: Sendable, Equatable {
        /// `name` (the marker `:name`).
        public var name: String
        /// `value` (nil: SQL NULL).
        public var value: String?
        /// `type` (nil: STRING).
        public var type: String?

        /// A parameter.
        public init(name: String, value: String?, type: String? = nil) {
            self.name = name
            self.value = value
            self.type = type
        }
    }

    /// An accepted `POST /api/2.0/sql/statements`, with the defaults Databricks applies.
    public struct Execution: Sendable {
        /// The statement ID answered.
        public var statementID: String
        /// `statement`.
        public var statement: String
        /// `warehouse_id`.
        public var warehouseID: String
        /// `catalog`.
        public var catalog: String?
        /// `schema`.
        public var schema: String?
        /// `parameters`.
        public var parameters: [Parameter]
        /// `wait_timeout` (default `10s`).
        public var waitTimeout: String
        /// `on_wait_timeout` (default CONTINUE).
        public var onWaitTimeout: String
        /// `disposition` (default INLINE).
        public var disposition: String
        /// `format` (default JSON_ARRAY).
        public var format: String
        /// `row_limit`.
        public var rowLimit: Int?
        /// `byte_limit`.
        public var byteLimit: Int?
    }

    private enum Phase: Sendable {
        case running(remainingReads: Int)
        case succeeded
        case failed(Outcome.Failure)
        case canceled
        case closed
    }

    private struct Statement: Sendable {
        var execution: Execution
        var columns: [Column]
        var rows: [[String?]]
        var chunks: [Range<Int>]
        var truncated: Bool
        var final: Phase
        var phase: Phase
    }

    private struct State: Sendable {
        var token: String
        var revoked = false
        var warehouses: [Warehouse]
        var scripts: [String: Outcome] = [:]
        var statements: [String: Statement] = [:]
        var executions: [Execution] = []
        var cancelled: [String] = []
        var rateLimited = 0
        var retryAfter = 1
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    private let state: Mutex<State>

    /// A workspace whose personal access token is `token`, with `warehouses`.
    public init(token: String = DatabricksFake.defaultToken, warehouses: [Warehouse] = Warehouse.defaults) {
        state = Mutex(State(token: token, warehouses: warehouses))
        server.onEveryRequest { [weak self] request in
            self?.answer(request) ?? .json(503, object: ["error_code": "TEMPORARILY_UNAVAILABLE", "message": "fake gone"])
        }
    }

    /// `http://127.0.0.1:<port>/api`: stands for `https://<workspace-host>/api`.
    public var baseURL: String { server.baseURL + "/api" }

    // MARK: - Knobs

    /// Scripts what `statement` (exact text) does from now on.
    public func script(_ statement: String, _ outcome: Outcome) { state.withLock { $0.scripts[statement] = outcome } }

    /// From now on the token is refused (403 Invalid access token), as after it is revoked.
    public func revokeToken() { state.withLock { $0.revoked = true } }

    /// The next `count` authenticated requests answer 429 REQUEST_LIMIT_EXCEEDED with
    /// `Retry-After: retryAfter` (seconds).
    public func injectRateLimit(count: Int, retryAfter: Int) {
        state.withLock {
            $0.rateLimited = count
            $0.retryAfter = retryAfter
        }
    }

    /// A SUCCEEDED statement becomes CLOSED (its result is no longer available), as one hour
    /// after success.
    public func closeResults(of statementID: String) {
        state.withLock { state in
            guard case .succeeded = state.statements[statementID]?.phase else { return }
            state.statements[statementID]?.phase = .closed
        }
    }

    // MARK: - Readers

    /// The texts of the statements accepted by `POST /api/2.0/sql/statements`, in order.
    public var executedStatements: [String] { state.withLock { $0.executions.map(\.statement) } }

    /// Every accepted execution request, in order.
    public var executions: [Execution] { state.withLock { $0.executions } }

    /// The IDs of the statements that became CANCELED (by a cancel request, or by
    /// `on_wait_timeout=CANCEL`), in order.
    public var cancelled: [String] { state.withLock { $0.cancelled } }

    /// The warehouses as they are now (a stopped one starts when a statement runs on it).
    public var warehouses: [Warehouse] { state.withLock { $0.warehouses } }

    /// A statement's state (`PENDING`/`RUNNING` as RUNNING, SUCCEEDED, FAILED, CANCELED,
    /// CLOSED) without counting as a read; nil when unknown.
    public func status(of statementID: String) -> String? {
        state.withLock { $0.statements[statementID].map { Self.name($0.phase) } }
    }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private struct Refusal: Error {
        var status: Int
        var code: String
        var message: String
        var reply: Reply { DatabricksFake.error(status, code, message) }
        static func invalid(_ message: String) -> Refusal { Refusal(status: 400, code: "INVALID_PARAMETER_VALUE", message: message) }
    }

    /// Databricks' error object: `error_code`, `message` and a RequestInfo detail.
    private static func error(_ status: Int, _ code: String, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
        let details: [[String: Any]] = [
            ["@type": "type.googleapis.com/google.rpc.RequestInfo", "request_id": UUID().uuidString.lowercased(), "serving_data": ""]
        ]
        return .json(status, object: ["error_code": code, "message": message, "details": details], headers: headers)
    }

    private static let storagePrefix = "/fake-cloud-storage/"

    private func answer(_ request: Request) -> Reply {
        if request.path.hasPrefix(Self.storagePrefix) { return download(request) }
        if let refusal = authenticate(request) { return refusal }
        if let limited = takeRateLimit() { return limited }
        let route = request.path.split(separator: "/").map(String.init)
        let statements = ["api", "2.0", "sql", "statements"]
        switch request.method {
        case "GET" where route == ["api", "2.0", "sql", "warehouses"]:
            return listWarehouses(request)
        case "POST" where route == statements:
            return execute(request)
        case "GET" where route.count == 5 && route.starts(with: statements):
            return poll(route[4])
        case "GET" where route.count == 8 && route.starts(with: statements) && route[5] == "result" && route[6] == "chunks":
            return chunk(route[4], route[7])
        case "POST" where route.count == 6 && route.starts(with: statements) && route[5] == "cancel":
            return cancel(route[4])
        default:
            let path = request.path.hasPrefix("/api/") ? String(request.path.dropFirst(4)) : request.path
            return Self.error(404, "ENDPOINT_NOT_FOUND", "No API found for '\(request.method) \(path)'")
        }
    }

    /// The legacy shape the workspace front end answers for credentials (integer error_code).
    private func authenticate(_ request: Request) -> Reply? {
        let header = request.header("Authorization") ?? ""
        guard header.lowercased().hasPrefix("bearer "), header.count > 7 else {
            return .json(
                401,
                object: [
                    "error_code": 401,
                    "message": "Credential was not sent or was of an unsupported type for this API. [ReqId: \(UUID().uuidString.lowercased())]",
                ])
        }
        let presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let valid = state.withLock { !$0.revoked && $0.token == presented }
        guard valid else {
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "X-Databricks-Reason-Phrase", value: "Invalid access token.")
            return .json(403, object: ["error_code": 403, "message": "Invalid access token."], headers: headers)
        }
        return nil
    }

    private func takeRateLimit() -> Reply? {
        let retryAfter = state.withLock { state -> Int? in
            guard state.rateLimited > 0 else { return nil }
            state.rateLimited -= 1
            return state.retryAfter
        }
        guard let retryAfter else { return nil }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
        return Self.error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again.", headers: headers)
    }

    // MARK: - Warehouses

    private func listWarehouses(_ request: Request) -> Reply {
        let query = request.queryItems
        let all = state.withLock { $0.warehouses }
        var start = 0
        if let token = query["page_token"]?.first, !token.isEmpty {
            guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("offset:"),
                let offset = Int(text.dropFirst(7)), (0...all.count).contains(offset)
            else {
                return Refusal.invalid("Invalid page_token: \(token)").reply
            }
            start = offset
        }
        var end = all.count
        if let size = query["page_size"]?.first {
            guard let pageSize = Int32(size), pageSize >= 0 else { return Refusal.invalid("Invalid page_size: \(size)").reply }
            if pageSize > 0 { end = min(start + Int(pageSize), all.count) }
        }
        var body: [String: Any] = [:]
        let page = all[start..<end]
        if !page.isEmpty { body["warehouses"] = page.map { Self.json($0) } }
        if end < all.count { body["next_page_token"] = Data("offset:\(end)".utf8).base64EncodedString() }
        return .json(200, object: body)
    }

    private static func json(_ warehouse: Warehouse) -> [String: Any] {
        let running = warehouse.state == "RUNNING"
        let path = "/sql/1.0/warehouses/\(warehouse.id)"
        var json: [String: Any] = [
            "id": warehouse.id, "name": warehouse.name, "state": warehouse.state, "cluster_size": warehouse.clusterSize,
            "enable_serverless_compute": warehouse.enableServerlessCompute, "warehouse_type": warehouse.warehouseType,
            "auto_stop_mins": warehouse.autoStopMins, "min_num_clusters": warehouse.minNumClusters,
            "max_num_clusters": warehouse.maxNumClusters, "num_clusters": running ? warehouse.minNumClusters : 0, "num_active_sessions": 0,
            "creator_name": warehouse.creatorName, "enable_photon": true, "spot_instance_policy": "COST_OPTIMIZED",
            "channel": ["name": "CHANNEL_NAME_CURRENT"], "tags": [String: Any](),
            "jdbc_url": "jdbc:spark://\(workspaceHost):443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=\(path);",
            "odbc_params": ["hostname": workspaceHost, "path": path, "port": 443, "protocol": "https"],
        ]
        if running { json["health"] = ["status": "HEALTHY"] }
        return json
    }

    // MARK: - Execute

    private func execute(_ request: Request) -> Reply {
        let contentType = request.header("Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            return Self.error(400, "BAD_REQUEST", "Content-Type must be application/json, got '\(contentType)'")
        }
        guard let body = request.json as? [String: Any] else {
            return Self.error(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - expected a map")
        }
        do {
            let fields = try Self.parse(body)
            return try start(fields)
        } catch let refusal as Refusal {
            return refusal.reply
        } catch {
            return Self.error(500, "INTERNAL_ERROR", "\(error)")
        }
    }

    private static func string(_ body: [String: Any], _ name: String, required: Bool = false) throws -> String? {
        guard let value = body[name], !(value is NSNull) else {
            if required { throw Refusal.invalid("\(name) is required") }
            return nil
        }
        guard let text = value as? String else { throw Refusal.invalid("\(name) must be a string") }
        if required, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw Refusal.invalid("\(name) is required") }
        return text
    }

    private static func oneOf(_ body: [String: Any], _ name: String, _ values: [String], default value: String) throws -> String {
        guard let text = try string(body, name) else { return value }
        guard values.contains(text) else { throw Refusal.invalid("\(name) must be one of \(values.joined(separator: ", ")), got '\(text)'") }
        return text
    }

    private static func positive(_ body: [String: Any], _ name: String) throws -> Int? {
        guard let value = body[name], !(value is NSNull) else { return nil }
        let number: Int?
        if let text = value as? String {
            number = Int(text)
        } else if let numeric = value as? NSNumber {
            number = Int(exactly: numeric.doubleValue)
        } else {
            number = nil
        }
        guard let number, number > 0 else { throw Refusal.invalid("\(name) must be a positive integer") }
        return number
    }

    private static func parse(_ body: [String: Any]) throws -> Execution {
        let statement = try string(body, "statement", required: true) ?? ""
        guard statement.utf8.count <= 16 * 1024 * 1024 else { throw Refusal.invalid("statement exceeds the maximum query text size of 16 MiB") }
        let warehouseID = try string(body, "warehouse_id", required: true) ?? ""
        let waitTimeout = try string(body, "wait_timeout") ?? "10s"
        guard waitTimeout.hasSuffix("s"), let seconds = Int(waitTimeout.dropLast()), seconds == 0 || (5...50).contains(seconds) else {
            throw Refusal.invalid("wait_timeout must be 0s or between 5s and 50s, got '\(waitTimeout)'")
        }
        let disposition = try oneOf(body, "disposition", ["INLINE", "EXTERNAL_LINKS"], default: "INLINE")
        let format = try oneOf(body, "format", ["JSON_ARRAY", "ARROW_STREAM", "CSV"], default: "JSON_ARRAY")
        guard disposition == "EXTERNAL_LINKS" || format == "JSON_ARRAY" else {
            throw Refusal.invalid("format \(format) is supported only with EXTERNAL_LINKS disposition")
        }
        var parameters: [Parameter] = []
        if let value = body["parameters"], !(value is NSNull) {
            guard let list = value as? [Any] else { throw Refusal.invalid("parameters must be a list") }
            for item in list {
                guard let object = item as? [String: Any] else { throw Refusal.invalid("parameters must be objects with name, value and type") }
                guard let name = try string(object, "name"), !name.isEmpty else { throw Refusal.invalid("parameters[].name is required") }
                let type = try string(object, "type")
                if let type, ["ARRAY", "MAP", "STRUCT"].contains(where: { type.uppercased().hasPrefix($0) }) {
                    throw Refusal.invalid("parameter \(name): complex type \(type) is not supported")
                }
                let value = try string(object, "value")
                parameters.append(Parameter(name: name, value: value, type: type))
            }
        }
        let catalog = try string(body, "catalog")
        let schema = try string(body, "schema")
        let onWaitTimeout = try oneOf(body, "on_wait_timeout", ["CONTINUE", "CANCEL"], default: "CONTINUE")
        let rowLimit = try positive(body, "row_limit")
        let byteLimit = try positive(body, "byte_limit")
        return Execution(
            statementID: "", statement: statement, warehouseID: warehouseID, catalog: catalog, schema: schema, parameters: parameters,
            waitTimeout: waitTimeout, onWaitTimeout: onWaitTimeout, disposition: disposition, format: format, rowLimit: rowLimit,
            byteLimit: byteLimit)
    }

    private func start(_ fields: Execution) throws -> Reply {
        var execution = fields
        execution.statementID = Self.statementID()
        let statement = try state.withLock { state -> Statement in
            guard let index = state.warehouses.firstIndex(where: { $0.id == execution.warehouseID }) else {
                throw Refusal(status: 404, code: "NOT_FOUND", message: "SQL warehouse \(execution.warehouseID) does not exist.")
            }
            // A stopped warehouse is started by the statement.
            if state.warehouses[index].state == "STOPPED" { state.warehouses[index].state = "RUNNING" }
            let outcome = state.scripts[execution.statement] ?? .selectOne
            var statement = Self.prepare(execution, outcome)
            let seconds = Int(execution.waitTimeout.dropLast()) ?? 10
            let pending = statement.phase
            if seconds > 0, case .running(let reads) = pending {
                if reads == 0 {
                    statement.phase = statement.final
                } else if execution.onWaitTimeout == "CANCEL" {
                    statement.phase = .canceled
                    state.cancelled.append(execution.statementID)
                }
            }
            state.statements[execution.statementID] = statement
            state.executions.append(execution)
            return statement
        }
        return .json(200, object: render(statement, runningAs: "PENDING"))
    }

    /// The statement as execution leaves it: its final state and the rows after the limits.
    private static func prepare(_ execution: Execution, _ outcome: Outcome) -> Statement {
        var final = Phase.succeeded
        var reads = outcome.pendingReads
        let bound = Set(execution.parameters.map(\.name))
        if let unbound = markers(in: execution.statement).first(where: { !bound.contains($0) }) {
            // Found at analysis, before anything runs.
            reads = 0
            final = .failed(
                Outcome.Failure(
                    errorCode: "BAD_REQUEST",
                    message:
                        "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: \(unbound). Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`. SQLSTATE: 42P02",
                    sqlState: "42P02"))
        } else if let bad = execution.parameters.first(where: { !castable($0) }) {
            reads = 0
            final = .failed(
                Outcome.Failure(
                    errorCode: "BAD_REQUEST",
                    message:
                        "[CAST_INVALID_INPUT] The value '\(bad.value ?? "")' of the type \"STRING\" cannot be cast to \"\(bad.type?.uppercased() ?? "STRING")\" because it is malformed. SQLSTATE: 22018",
                    sqlState: "22018"))
        } else if let failure = outcome.failure {
            final = .failed(failure)
        }
        var rows = outcome.rows
        var truncated = false
        if case .succeeded = final {
            if let limit = execution.rowLimit, rows.count > limit {
                rows = Array(rows.prefix(limit))
                truncated = true
            }
            if let limit = execution.byteLimit {
                var total = 0
                var kept = 0
                for row in rows {
                    total += compactJSON([row]).count - 2
                    if total > limit { break }
                    kept += 1
                }
                if kept < rows.count {
                    rows = Array(rows.prefix(kept))
                    truncated = true
                }
            }
        } else {
            rows = []
        }
        let size = outcome.rowsPerChunk ?? max(rows.count, 1)
        let chunks = stride(from: 0, to: rows.count, by: size).map { $0..<min($0 + size, rows.count) }
        return Statement(
            execution: execution, columns: outcome.columns, rows: rows, chunks: chunks, truncated: truncated, final: final,
            phase: .running(remainingReads: reads))
    }

    /// The `:name` parameter markers of `sql`, outside literals, quoted identifiers and comments;
    /// `::` (a cast) and `column:path` (JSON path extraction) are not markers.
    static func markers(in sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        func isStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        func isPart(_ c: Unicode.Scalar) -> Bool { isStart(c) || (48...57).contains(c.value) }
        var names: [String] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "'" || c == "\"" || c == "`" {
                i += 1
                while i < chars.count, chars[i] != c {
                    i += chars[i] == "\\" && c != "`" ? 2 : 1
                }
                i += 1
            } else if c == "-", next == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if c == "/", next == "*" {
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
            } else if c == ":", next == ":" {
                i += 2
            } else if c == ":", let next, isStart(next), i == 0 || !(isPart(chars[i - 1]) || [")", "]", "`"].contains(chars[i - 1])) {
                var end = i + 1
                while end < chars.count, isPart(chars[end]) { end += 1 }
                names.append(String(String.UnicodeScalarView(chars[(i + 1)..<end])))
                i = end
            } else {
                i += 1
            }
        }
        return names
    }

    /// Whether the parameter's value casts to its type (`cast` semantics, for the common types).
    private static func castable(_ parameter: Parameter) -> Bool {
        guard let value = parameter.value?.trimmingCharacters(in: .whitespaces), let type = parameter.type?.uppercased() else { return true }
        let base = String(type.prefix { $0.isLetter || $0 == "_" })
        switch base {
        case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "LONG", "SHORT", "BYTE":
            return Int(value) != nil
        case "DOUBLE", "FLOAT", "REAL", "DECIMAL", "DEC", "NUMERIC":
            return Double(value) != nil
        case "BOOLEAN":
            return ["true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"].contains(value.lowercased())
        case "DATE":
            return value.range(of: #"^\d{4}-\d{1,2}(-\d{1,2})?"#, options: .regularExpression) != nil
        default:
            return true
        }
    }

    private static func statementID() -> String {
        let uuid = UUID().uuidString.lowercased()
        return "01f0" + uuid.dropFirst(4)
    }

    // MARK: - Get, chunks, cancel

    private func poll(_ statementID: String) -> Reply {
        // Each read of a running statement uses up one of its pending reads; the read after the
        // last one finds it in its final state.
        let read = state.withLock { state -> Statement? in
            guard var statement = state.statements[statementID] else { return nil }
            if case .running(let reads) = statement.phase {
                statement.phase = reads > 0 ? .running(remainingReads: reads - 1) : statement.final
                state.statements[statementID] = statement
            }
            return statement
        }
        guard let statement = read else { return Self.notFound(statementID) }
        return .json(200, object: render(statement, runningAs: "RUNNING"))
    }

    private func chunk(_ statementID: String, _ index: String) -> Reply {
        guard let statement = state.withLock({ $0.statements[statementID] }) else { return Self.notFound(statementID) }
        guard case .succeeded = statement.phase else {
            return Self.error(
                400, "BAD_REQUEST", "Statement \(statementID) is in state \(Self.name(statement.phase)); its result is not available.")
        }
        guard let chunkIndex = Int(index), statement.chunks.indices.contains(chunkIndex) else {
            return Refusal.invalid("chunk_index \(index) is out of range: the result has \(statement.chunks.count) chunks").reply
        }
        return .json(200, object: resultData(statement, chunkIndex))
    }

    private func cancel(_ statementID: String) -> Reply {
        state.withLock { state in
            // Documented: a 200 only says the request was received; a finished statement stays as it is.
            guard case .running = state.statements[statementID]?.phase else { return }
            state.statements[statementID]?.phase = .canceled
            state.cancelled.append(statementID)
        }
        return .json(200, object: [String: Any]())
    }

    private static func notFound(_ statementID: String) -> Reply {
        error(404, "NOT_FOUND", "The statement \(statementID) was not found. It may have been removed after reaching a terminal state.")
    }

    private static func name(_ phase: Phase) -> String {
        switch phase {
        case .running: return "RUNNING"
        case .succeeded: return "SUCCEEDED"
        case .failed: return "FAILED"
        case .canceled: return "CANCELED"
        case .closed: return "CLOSED"
        }
    }

    // MARK: - Rendering

    /// A StatementResponse: `statement_id`, `status`, and when SUCCEEDED `manifest` and chunk 0.
    private func render(_ statement: Statement, runningAs running: String) -> [String: Any] {
        var body: [String: Any] = ["statement_id": statement.execution.statementID]
        switch statement.phase {
        case .running:
            body["status"] = ["state": running]
        case .failed(let failure):
            var status: [String: Any] = ["state": "FAILED", "error": ["error_code": failure.errorCode, "message": failure.message]]
            if let sqlState = failure.sqlState { status["sql_state"] = sqlState }
            body["status"] = status
        case .succeeded:
            body["status"] = ["state": "SUCCEEDED"]
            body["manifest"] = manifest(statement)
            if !statement.chunks.isEmpty { body["result"] = resultData(statement, 0) }
        case .canceled, .closed:
            body["status"] = ["state": Self.name(statement.phase)]
        }
        return body
    }

    private func manifest(_ statement: Statement) -> [String: Any] {
        let external = statement.execution.disposition == "EXTERNAL_LINKS"
        var schema: [String: Any] = ["column_count": statement.columns.count]
        if !statement.columns.isEmpty {
            schema["columns"] = statement.columns.enumerated().map { position, column in Self.json(column, position: position) }
        }
        var manifest: [String: Any] = [
            "format": statement.execution.format, "schema": schema, "total_chunk_count": statement.chunks.count,
            "total_row_count": statement.rows.count, "truncated": statement.truncated,
        ]
        if !statement.chunks.isEmpty {
            manifest["chunks"] = statement.chunks.indices.map { index -> [String: Any] in
                var info: [String: Any] = [
                    "chunk_index": index, "row_offset": statement.chunks[index].lowerBound, "row_count": statement.chunks[index].count,
                ]
                if external { info["byte_count"] = Self.content(statement, index).body.count }
                return info
            }
        }
        if external { manifest["total_byte_count"] = statement.chunks.indices.reduce(0) { $0 + Self.content(statement, $1).body.count } }
        return manifest
    }

    private static func json(_ column: Column, position: Int) -> [String: Any] {
        var json: [String: Any] = ["name": column.name, "type_name": column.typeName, "type_text": column.typeText, "position": position]
        if column.typeName == "DECIMAL" {
            let digits = column.typeText.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            json["type_precision"] = digits.first ?? 10
            json["type_scale"] = digits.count > 1 ? digits[1] : 0
        }
        if column.typeName == "INTERVAL" {
            json["type_interval_type"] = column.typeText.dropFirst("INTERVAL".count).trimmingCharacters(in: .whitespaces)
        }
        return json
    }

    /// ResultData for chunk `index`: rows inline, or one external link.
    private func resultData(_ statement: Statement, _ index: Int) -> [String: Any] {
        let id = statement.execution.statementID
        let range = statement.chunks[index]
        var data: [String: Any] = ["chunk_index": index, "row_offset": range.lowerBound, "row_count": range.count]
        if index + 1 < statement.chunks.count {
            data["next_chunk_index"] = index + 1
            data["next_chunk_internal_link"] = "/api/2.0/sql/statements/\(id)/result/chunks/\(index + 1)"
        }
        guard statement.execution.disposition == "EXTERNAL_LINKS" else {
            data["data_array"] = statement.rows[range].map { row in row.map { $0.map { $0 as Any } ?? NSNull() } }
            return data
        }
        data["byte_count"] = Self.content(statement, index).body.count
        data["external_link"] = "\(server.baseURL)\(Self.storagePrefix)\(id)/\(index)?X-Amz-Signature=\(UUID().uuidString.lowercased())"
        data["expiration"] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(15 * 60))
        return ["external_links": [data]]
    }

    private static func compactJSON(_ rows: [[String?]]) -> [UInt8] {
        let array = rows.map { row in row.map { $0.map { $0 as Any } ?? NSNull() } }
        return Array((try? JSONSerialization.data(withJSONObject: array, options: [.withoutEscapingSlashes])) ?? Data())
    }

    /// A chunk as cloud storage serves it: compact JSON, or RFC 4180 CSV (header row in the
    /// first chunk only, null as `null`).
    private static func content(_ statement: Statement, _ index: Int) -> (body: [UInt8], contentType: String) {
        let rows = Array(statement.rows[statement.chunks[index]])
        switch statement.execution.format {
        case "CSV":
            func field(_ value: String?) -> String {
                guard let value else { return "null" }
                guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            var lines = index == 0 ? [statement.columns.map { field($0.name) }.joined(separator: ",")] : []
            lines += rows.map { $0.map(field).joined(separator: ",") }
            return (Array(lines.map { $0 + "\r\n" }.joined().utf8), "text/csv")
        case "ARROW_STREAM":
            return (compactJSON(rows), "application/vnd.apache.arrow.stream")
        default:
            return (compactJSON(rows), "application/json")
        }
    }

    /// `GET /fake-cloud-storage/<statement>/<chunk>`: an external link. Like a presigned URL it
    /// refuses an Authorization header (S3's answer); Arrow IPC is not encoded by this fake.
    private func download(_ request: Request) -> Reply {
        guard request.header("Authorization") == nil else {
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Content-Type", value: "application/xml")
            let xml =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified</Message></Error>"
            return Reply(status: 400, headers: headers, body: Array(xml.utf8))
        }
        let parts = request.path.dropFirst(Self.storagePrefix.count).split(separator: "/").map(String.init)
        guard parts.count == 2, let index = Int(parts[1]), let statement = state.withLock({ $0.statements[parts[0]] }),
            case .succeeded = statement.phase, statement.execution.disposition == "EXTERNAL_LINKS", statement.chunks.indices.contains(index)
        else {
            return Reply(status: 404, body: Array("<Error><Code>NoSuchKey</Code></Error>".utf8))
        }
        guard statement.execution.format != "ARROW_STREAM" else {
            return Reply(status: 501, body: Array("DatabricksFake does not encode Arrow IPC streams".utf8))
        }
        let (body, contentType) = Self.content(statement, index)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        return Reply(status: 200, headers: headers, body: body)
    }
}
