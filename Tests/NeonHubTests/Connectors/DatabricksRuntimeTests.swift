import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Databricks definition and its `databricks.executeStatement` flow run by the real runtime
/// against the Databricks fake (which follows the Statement Execution API reference): what the
/// catalog sends must be what Databricks accepts, field by field, and Databricks' answers —
/// running, chunked, failed, refused — must come back as the documented outcomes.
@Suite struct DatabricksRuntimeTests {
    static let warehouse = DatabricksFake.Warehouse.defaults[0].id
    static let variables = ["workspaceHost": DatabricksFake.workspaceHost]
    static let columns = [DatabricksFake.Column("channel", "STRING"), DatabricksFake.Column("sessions", "BIGINT")]

    /// A runtime pointed at `fake`, with the flow's pauses shortened for tests.
    static func runtime(_ fake: DatabricksFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let flows = ConnectorFlowRegistry([DatabricksStatementFlow(firstPause: .milliseconds(10), maxPause: .milliseconds(40))])
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "databricks"), baseURLOverrides: ["databricks": fake.baseURL],
            flows: flows)
    }

    func withDatabricks(_ body: (DatabricksFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = DatabricksFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(
        _ runtime: ConnectorRuntime, _ input: JSONValue, action: String = "statements.execute", token: String = DatabricksFake.defaultToken
    ) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: "databricks", action: action, input: input, variables: variables)) { _ in
            .token(token)
        }
    }

    static func rows(_ output: JSONValue) -> [[String?]] {
        guard case .array(let rows)? = output["rows"] else { return [] }
        return rows.map { row in
            guard case .array(let values) = row else { return [] }
            return values.map { JSONPath.text($0) }
        }
    }

    @Test func aStatementIsSubmittedAsTheReferenceSaysAndItsRowsComeBack() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT channel, sessions FROM marketing.daily WHERE day = :day"
            fake.script(sql, .succeeds(Self.columns, [["email", "18234"], ["paid_social", nil]]))
            let result = try await Self.execute(
                runtime,
                .object([
                    "statement": .string(sql), "warehouseId": .string(Self.warehouse), "catalog": .string("main"),
                    "schema": .string("marketing"),
                    "parameters": .array([.object(["name": .string("day"), "value": .string("2026-12-01"), "type": .string("DATE")])]),
                ]))
            #expect(Self.rows(result.output) == [["email", "18234"], ["paid_social", nil]])
            #expect(JSONPath.value(at: "columns.1.name", in: result.output) == .string("sessions"))
            #expect(result.output["state"] == .string("SUCCEEDED"))
            #expect(result.output["rowCount"] == .number(2) && result.output["returnedRows"] == .number(2))
            #expect(result.output["chunksRead"] == .number(1) && result.output["truncated"] == .bool(false))

            let sent = try #require(fake.executions.last)
            #expect(sent.statement == sql && sent.warehouseID == Self.warehouse)
            #expect(sent.catalog == "main" && sent.schema == "marketing")
            #expect(sent.parameters == [DatabricksFake.Parameter(name: "day", value: "2026-12-01", type: "DATE")])
            #expect(sent.waitTimeout == "10s" && sent.onWaitTimeout == "CONTINUE")
            #expect(sent.disposition == "INLINE" && sent.format == "JSON_ARRAY" && sent.rowLimit == 1000)
            let post = try #require(fake.requests.last { $0.method == "POST" })
            #expect(post.path == "/api/2.0/sql/statements")
            #expect(post.header("Authorization") == "Bearer \(DatabricksFake.defaultToken)")
        }
    }

    @Test func aRunningStatementIsPolledUntilItSucceedsThenEveryChunkIsRead() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT channel, sessions FROM marketing.daily"
            let all: [[String?]] = [["email", "1"], ["paid", "2"], ["organic", "3"], ["referral", "4"], ["direct", "5"]]
            fake.script(sql, .succeeds(Self.columns, all, rowsPerChunk: 2, pendingReads: 3))
            let result = try await Self.execute(runtime, .object(["statement": .string(sql), "warehouseId": .string(Self.warehouse)]))
            #expect(Self.rows(result.output) == all)
            #expect(result.output["chunksRead"] == .number(3) && result.output["truncated"] == .bool(false))
            let id = try #require(JSONPath.text(result.output["statementId"]))
            #expect(fake.requests.filter { $0.method == "GET" && $0.path == "/api/2.0/sql/statements/\(id)" }.count == 4)
            #expect(
                fake.requests.filter { $0.path.hasPrefix("/api/2.0/sql/statements/\(id)/result/chunks/") }.map(\.path)
                    == ["/api/2.0/sql/statements/\(id)/result/chunks/1", "/api/2.0/sql/statements/\(id)/result/chunks/2"])
        }
    }

    @Test func maxRowsBoundsTheResultAndSaysItWasCut() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT channel, sessions FROM marketing.daily"
            let all: [[String?]] = [["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"], ["e", "5"]]
            fake.script(sql, .succeeds(Self.columns, all, rowsPerChunk: 2))
            let result = try await Self.execute(
                runtime, .object(["statement": .string(sql), "warehouseId": .string(Self.warehouse), "maxRows": .number(3)]))
            #expect(Self.rows(result.output) == Array(all.prefix(3)))
            #expect(result.output["truncated"] == .bool(true))
            #expect(fake.executions.last?.rowLimit == 3)
        }
    }

    @Test func aFailedStatementIsRejectedWithDatabricksCodeAndMessage() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT * FROM nope"
            fake.script(sql, .fails("BAD_REQUEST", message: "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found.", pendingReads: 1))
            let error = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string(sql), "warehouseId": .string(Self.warehouse)]))
            }
            #expect(error?.code == .providerRejected)
            #expect(error?.providerCode == "BAD_REQUEST")
            #expect(error?.message.contains("TABLE_OR_VIEW_NOT_FOUND") == true)
        }
    }

    @Test func aStatementStillRunningAtItsTimeoutIsCancelled() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT count(*) FROM events"
            fake.script(sql, .succeeds([DatabricksFake.Column("n", "BIGINT")], [["1"]], pendingReads: 100_000))
            let error = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, .object(["statement": .string(sql), "warehouseId": .string(Self.warehouse), "timeoutSeconds": .number(5)]))
            }
            #expect(error?.code == .providerTimeout)
            let id = try #require(fake.executions.last?.statementID)
            #expect(error?.message.contains(id) == true)
            #expect(fake.cancelled == [id])
        }
    }

    @Test func aStatementWhoseCallerGivesUpIsCancelledAtTheWarehouse() async throws {
        try await withDatabricks { fake, runtime in
            let sql = "SELECT count(*) FROM clicks"
            fake.script(sql, .succeeds([DatabricksFake.Column("n", "BIGINT")], [["1"]], pendingReads: 100_000))
            let call = Task {
                try await Self.execute(
                    runtime, .object(["statement": .string(sql), "warehouseId": .string(Self.warehouse), "timeoutSeconds": .number(600)]))
            }
            // Once the flow polls the running statement, its caller gives up.
            for _ in 0..<1_000 where !fake.requests.contains(where: { $0.method == "GET" }) { try await Task.sleep(for: .milliseconds(10)) }
            call.cancel()
            if case .success = await call.result { Issue.record("a cancelled call answered") }
            let id = try #require(fake.executions.last?.statementID)
            for _ in 0..<1_000 where fake.cancelled.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(fake.cancelled == [id], "the statement does not run on for nobody")
        }
    }

    @Test func theCallIsGivenItsStatementTimeoutAsItsTimeLimit() throws {
        let runtime = ConnectorRuntime(
            catalog: try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory), client: OutboundClient.quickRetries(label: "limits"))
        func limit(_ connector: String, _ action: String, _ input: [String: JSONValue] = [:]) -> Duration? {
            runtime.timeLimit(for: ConnectorCall(connector: connector, action: action, input: .object(input)))
        }
        #expect(limit("databricks", "statements.execute") == .seconds(360), "300 s by default, and a minute for the cancel or the chunks")
        #expect(limit("databricks", "statements.execute", ["timeoutSeconds": .number(1_800)]) == .seconds(1_860))
        #expect(limit("snowflake", "statements.execute", ["timeout": .number(120)]) == .seconds(185), "its timeout, a 5 s grace, a minute")
        #expect(limit("snowflake", "statements.execute", ["timeout": .number(0)]) == .seconds(960), "no timeout: the 15-minute wait")
        #expect(limit("databricks", "warehouses.list") == nil, "a plain request keeps the caller's limit")
        #expect(limit("slack", "chat.postMessage") == nil)
        #expect(limit("nonexistent", "statements.execute") == nil)
    }

    @Test func warehousesAreListedWithTheirMappedFields() async throws {
        try await withDatabricks { fake, runtime in
            let result = try await Self.execute(runtime, .object([:]), action: "warehouses.list")
            guard case .array(let items) = result.output else {
                Issue.record("expected a list, got \(result.output)")
                return
            }
            #expect(items.compactMap { JSONPath.text($0["id"]) } == DatabricksFake.Warehouse.defaults.map(\.id))
            #expect(items.first?["serverless"] == .bool(DatabricksFake.Warehouse.defaults[0].enableServerlessCompute))
            #expect(JSONPath.text(items.last?["state"]) == "STOPPED")
        }
    }

    @Test func aRevokedTokenIsAnAuthErrorAndARateLimitIsWaitedOut() async throws {
        try await withDatabricks { fake, runtime in
            fake.injectRateLimit(count: 1, retryAfter: 1)
            let listed = try await Self.execute(runtime, .object([:]), action: "warehouses.list")
            #expect(listed.attempts == 2, "the 429 was retried after its Retry-After")

            fake.revokeToken()
            let error = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, .object([:]), action: "warehouses.list") }
            #expect(error?.code == .providerAuth)
            #expect(error?.message.contains(DatabricksFake.defaultToken) == false)
        }
    }

    @Test func inputTheReferenceRefusesIsRefusedBeforeAnythingIsSent() async throws {
        try await withDatabricks { fake, runtime in
            let error = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string("SELECT 1")]))
            }
            #expect(error?.code == .invalidInput)
            let badWait = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime,
                    .object(["statement": .string("SELECT 1"), "warehouseId": .string(Self.warehouse), "waitTimeout": .string("60s")]),
                    action: "statements.submit")
            }
            #expect(badWait?.code == .invalidInput)
            #expect(fake.requests.isEmpty)
        }
    }
}
