import Foundation

/// Databricks' `statements.execute` (`databricks.executeStatement`): one SQL statement run on a
/// SQL warehouse through the Statement Execution API 2.0
/// (https://docs.databricks.com/api/workspace/statementexecution), from three catalog steps:
///
/// 1. `statements.submit` — `POST /api/2.0/sql/statements` with the statement, the warehouse,
///    catalog, schema and named parameters, `format: JSON_ARRAY`, `disposition: INLINE`,
///    `row_limit` (the caller's `maxRows`), `wait_timeout: 10s` and `on_wait_timeout: CONTINUE`:
///    Databricks answers the final result when the statement ends within 10 s, its id and state
///    otherwise. The submit is not retried: the API has no request id, so a lost answer could
///    run the statement twice.
/// 2. While the state is `PENDING` or `RUNNING`, `statements.get` reads it again after a pause
///    that doubles each time (up to `maxPause`), no thread held, for at most the call's
///    `timeoutSeconds`. Still running then: the statement is cancelled (`statements.cancel`,
///    best effort, so the warehouse does not keep working for nobody) and the call is a
///    `providerTimeout` naming it. The same cancel is sent, from a task of its own, when the
///    caller gives up first (the call's task is cancelled: a tool's time limit, a queue worker
///    stopped past its grace). The
///    call's time limit (`timeLimit(for:)`) is `timeoutSeconds` plus `margin`, so the tool
///    running it never cuts it before its own timeout.
/// 3. `SUCCEEDED` holds chunk 0 inline; the chunks after it are read with `statements.chunk`
///    (`next_chunk_index`) until `maxRows` rows are in hand.
///
/// `FAILED`, `CANCELED` and `CLOSED` are `providerRejected` with Databricks' `error_code` and
/// message. The answer: `{statementId, state, columns, rows, rowCount, returnedRows,
/// chunksRead, truncated}` (`rowCount` is Databricks' `total_row_count`; `truncated` is true
/// when `row_limit` or `maxRows` cut the result).
public struct DatabricksStatementFlow: ConnectorFlow {
    public let id = "databricks.executeStatement"
    /// The first pause before reading a running statement again.
    let firstPause: Duration
    /// The longest pause between two reads.
    let maxPause: Duration

    /// What a call may take beyond its `timeoutSeconds`: the cancel, or the chunks after the end.
    static let margin: Duration = .seconds(60)

    /// The states in which a statement is still on its way.
    static let runningStates: Set<String> = ["PENDING", "RUNNING"]

    /// A flow with production pauses: 0.5 s doubling to 5 s.
    public init(firstPause: Duration = .milliseconds(500), maxPause: Duration = .seconds(5)) {
        self.firstPause = firstPause
        self.maxPause = maxPause
    }

    /// How long the statement may run: the call's `timeoutSeconds` (at least 5, 300 when absent).
    static func budget(_ call: ConnectorCall) -> Duration {
        .seconds(max(5, Int(call.input["timeoutSeconds"]?.numberValue ?? 300)))
    }

    public func timeLimit(for call: ConnectorCall) -> Duration? { Self.budget(call) + Self.margin }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        let maxRows = max(1, Int(input["maxRows"]?.numberValue ?? 1000))
        let budget = Self.budget(call)
        var submit: [String: JSONValue] = [
            "statement": input["statement"] ?? .null, "warehouseId": input["warehouseId"] ?? .null,
            "rowLimit": .number(Double(maxRows)), "waitTimeout": .string("10s"), "onWaitTimeout": .string("CONTINUE"),
        ]
        for name in ["catalog", "schema", "parameters"] { if let value = input[name] { submit[name] = value } }

        let started = ContinuousClock.now
        var answer = try await context.perform("statements.submit", input: .object(submit))
        guard let statementID = JSONPath.text(answer["statementId"]) else {
            throw ConnectorError(.providerRejected, "Databricks answered without a statement_id")
        }
        var pause = firstPause
        while let state = JSONPath.text(answer["state"]), Self.runningStates.contains(state) {
            let waited = ContinuousClock.now - started
            guard waited + pause <= budget else {
                _ = try? await context.perform("statements.cancel", input: .object(["statementId": .string(statementID)]))
                throw ConnectorError(
                    .providerTimeout,
                    "Databricks statement \(statementID) was still \(state) after \(waited.components.seconds) s and was cancelled",
                    providerCode: state)
            }
            answer = try await context.poll(
                "statements.get", input: .object(["statementId": .string(statementID)]), after: pause, cancellingWith: "statements.cancel")
            pause = min(pause * 2, maxPause)
        }
        let state = JSONPath.text(answer["state"]) ?? "UNKNOWN"
        guard state == "SUCCEEDED" else {
            let code = JSONPath.text(answer["errorCode"])
            let reason = JSONPath.text(answer["error"]).map { ": \($0)" } ?? ""
            throw ConnectorError(.providerRejected, "Databricks statement \(statementID) ended \(state)\(reason)", providerCode: code ?? state)
        }

        var rows = answer["rows"]?.arrayItems ?? []
        var next = answer["nextChunkIndex"]?.numberValue.map(Int.init)
        var chunksRead = 1
        while let index = next, rows.count < maxRows {
            let chunk = try await context.perform(
                "statements.chunk", input: .object(["statementId": .string(statementID), "chunkIndex": .number(Double(index))]))
            rows += chunk["rows"]?.arrayItems ?? []
            next = chunk["nextChunkIndex"]?.numberValue.map(Int.init)
            chunksRead += 1
        }
        let truncated = rows.count > maxRows || next != nil || answer["truncated"] == .bool(true)
        let output: [String: JSONValue] = [
            "statementId": .string(statementID),
            "state": .string(state),
            "columns": answer["columns"] ?? .null,
            "rows": .array(Array(rows.prefix(maxRows))),
            "rowCount": answer["rowCount"] ?? .null,
            "returnedRows": .number(Double(min(rows.count, maxRows))),
            "chunksRead": .number(Double(chunksRead)),
            "truncated": .bool(truncated),
        ]
        return .object(output.filter { $0.value != .null })
    }
}
