import Foundation

/// Snowflake's `statements.execute` (`snowflake.executeStatement`): one SQL statement run
/// through the SQL API v2 (https://docs.snowflake.com/en/developer-guide/sql-api/reference,
/// …/submitting-requests, …/handling-responses), from three catalog steps:
///
/// 1. `statements.submit` — `POST /api/v2/statements?requestId=<uuid>` with the statement, its
///    timeout, database, schema, bindings, and the warehouse and role (the connection's own
///    when the call names none). A 5xx, timeout or network failure is resubmitted once with
///    the same `requestId` and `retry=true`, which Snowflake documents as never running the
///    statement twice.
/// 2. While the answer is a QueryStatus with code `333334` (HTTP 202: still running),
///    `statements.get` reads it again after a pause that doubles each time (up to
///    `maxPause`), no thread held, until it answers a ResultSet — for at most the statement's
///    own timeout (plus a grace for Snowflake's answer), and never more than `maxWait`. Still
///    running then: `providerTimeout` naming the statement handle (read it later with
///    `statements.get`, or stop it with `statements.cancel`). When the caller gives up first
///    (the call's task is cancelled: a tool's time limit, a queue worker stopped past its
///    grace), nobody learns the handle, so the statement is cancelled (`statements.cancel`,
///    from a task of its own). The call's time limit (`timeLimit(for:)`) is that wait plus
///    `margin`, so the tool running it never cuts it before Snowflake's own timeout.
/// 3. The ResultSet holds partition 0; partitions 1… of `resultSetMetaData.partitionInfo` are
///    read with `statements.get ?partition=n` until `maxRows` rows are in hand.
///
/// A failed statement (422, QueryFailureStatus) is the step's `providerRejected` error with
/// Snowflake's code and message. The answer: `{statementHandle, requestId, numRows, rowType,
/// rows, returnedRows, partitionsRead, truncated, code, message}` (`statementHandles` for a
/// multi-statement request, `stats` for DML).
public struct SnowflakeStatementFlow: ConnectorFlow {
    public let id = "snowflake.executeStatement"
    /// The first pause before reading a running statement again.
    let firstPause: Duration
    /// The longest pause between two reads.
    let maxPause: Duration
    /// The longest the flow waits for a statement, whatever its timeout.
    let maxWait: Duration
    /// Added to the statement's timeout so that Snowflake's own timeout answer is seen.
    let grace: Duration

    /// What a call may take beyond its wait: the submit's retry, the partitions after the end.
    static let margin: Duration = .seconds(60)

    /// The code of a QueryStatus for a statement still running.
    static let runningCode = "333334"

    /// A flow with production pauses: 0.5 s doubling to 8 s, for at most 15 minutes.
    public init(
        firstPause: Duration = .milliseconds(500), maxPause: Duration = .seconds(8), maxWait: Duration = .seconds(900),
        grace: Duration = .seconds(5)
    ) {
        self.firstPause = firstPause
        self.maxPause = maxPause
        self.maxWait = maxWait
        self.grace = grace
    }

    /// The statement's own timeout in seconds (`timeout`, 60 when absent; 0 is none).
    static func statementTimeout(_ call: ConnectorCall) -> Int { Int(call.input["timeout"]?.numberValue ?? 60) }

    /// How long the flow waits for a statement: its timeout and a grace, never more than `maxWait`.
    func wait(for timeout: Int) -> Duration {
        let statementBudget: Duration = timeout == 0 ? .seconds(604_800) : .seconds(timeout)
        return min(statementBudget + grace, maxWait)
    }

    public func timeLimit(for call: ConnectorCall) -> Duration? { wait(for: Self.statementTimeout(call)) + Self.margin }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        let timeout = Self.statementTimeout(call)
        let maxRows = max(1, Int(input["maxRows"]?.numberValue ?? 1000))
        // The caller's idempotency key is the request id when it is a UUID, so a queued retry
        // of the whole call is recognised by Snowflake too.
        let requestID = call.idempotencyKey.flatMap(UUID.init(uuidString:))?.uuidString.lowercased() ?? UUID().uuidString.lowercased()
        var submit: [String: JSONValue] = [
            "statement": input["statement"] ?? .null, "requestId": .string(requestID), "timeout": .number(Double(timeout)),
        ]
        for name in ["database", "schema", "bindings"] { if let value = input[name] { submit[name] = value } }
        for name in ["warehouse", "role"] {
            if let value = input[name] {
                submit[name] = value
            } else if let value = call.variables[name], !value.isEmpty {
                submit[name] = .string(value)
            }
        }

        let started = ContinuousClock.now
        var answer: JSONValue
        do {
            answer = try await context.perform("statements.submit", input: .object(submit))
        } catch let error as ConnectorError where [.providerUnavailable, .providerTimeout].contains(error.code) {
            // The statement may or may not have run: the documented resubmission never runs it twice.
            submit["retry"] = .bool(true)
            try await context.sleep(for: firstPause)
            answer = try await context.perform("statements.submit", input: .object(submit))
        }
        guard let handle = JSONPath.text(answer["statementHandle"]) else {
            throw ConnectorError(.providerRejected, "snowflake answered without a statement handle")
        }

        let budget = wait(for: timeout)
        var pause = firstPause
        while JSONPath.text(answer["code"]) == Self.runningCode {
            let waited = ContinuousClock.now - started
            guard waited + pause <= budget else {
                throw ConnectorError(
                    .providerTimeout,
                    "Snowflake statement \(handle) is still running after \(waited.components.seconds) s: "
                        + "read it later with statements.get or stop it with statements.cancel", providerCode: Self.runningCode)
            }
            answer = try await context.poll(
                "statements.get", input: .object(["statementHandle": .string(handle)]), after: pause, cancellingWith: "statements.cancel")
            pause = min(pause * 2, maxPause)
        }

        // The submit step answers the raw ResultSet, a get step its mapped fields.
        let metadata = answer["resultSetMetaData"]
        let partitions = (answer["partitions"] ?? metadata?["partitionInfo"])?.arrayItems ?? []
        var rows = (answer["rows"] ?? answer["data"])?.arrayItems ?? []
        var next = 1
        while next < partitions.count, rows.count < maxRows {
            let page = try await context.perform(
                "statements.get", input: .object(["statementHandle": .string(handle), "partition": .number(Double(next))]))
            rows += page["rows"]?.arrayItems ?? []
            next += 1
        }
        let truncated = rows.count > maxRows || next < partitions.count
        var output: [String: JSONValue] = [
            "statementHandle": .string(handle),
            "requestId": .string(requestID),
            "rows": .array(Array(rows.prefix(maxRows))),
            "returnedRows": .number(Double(min(rows.count, maxRows))),
            "partitionsRead": .number(Double(max(1, min(next, max(partitions.count, 1))))),
            "truncated": .bool(truncated),
        ]
        output["numRows"] = answer["numRows"] ?? metadata?["numRows"]
        output["rowType"] = answer["rowType"] ?? metadata?["rowType"]
        for name in ["code", "message", "statementHandles", "stats"] { if let value = answer[name] { output[name] = value } }
        return .object(output.filter { $0.value != .null })
    }
}
