public import Foundation
import Postgres

/// Why a stored run failed, as recorded in its `error` column (`{code, message}`), and the
/// error a service throws when a run it started on a caller's behalf failed.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    /// The stable codes stored with failed runs (the wire form is the raw value).
    public enum Code: String, Sendable, CaseIterable {
        /// The agent refused its input (the message names the field).
        case badInput = "BAD_INPUT"
        /// The tenant's daily budget for the agent is spent.
        case budgetExceeded = "BUDGET_EXCEEDED"
        /// A tool did not finish within its timeout.
        case toolTimeout = "TOOL_TIMEOUT"
        /// The LLM tool loop reached its iteration limit.
        case maxIterations = "MAX_ITERATIONS"
        /// A connector action failed; the stored error carries the connector's own code.
        case connectorError = "CONNECTOR_ERROR"
        /// Anything else the agent threw.
        case agentError = "AGENT_ERROR"
    }

    /// The kind of failure.
    public var code: Code
    /// Sanitized, at most 500 characters.
    public var message: String
    /// The failed run.
    public var runID: UUID
    /// What the caller asked for, for messages ("Article generation"); nil says "The run".
    public var activity: String?
    /// The failure may pass by itself (the model or a provider rate limiting, unavailable or
    /// timing out): the caller should try again later rather than give up.
    public var transient = false
    /// When to try again, as the model or provider said (a rate limit's `Retry-After`).
    public var retryAfterSeconds: Int?

    /// Creates a failure.
    public init(_ code: Code, message: String, runID: UUID) {
        self.code = code
        self.message = message
        self.runID = runID
    }

    /// The failure recorded in a finished run's `error` value (unknown codes read as `agentError`).
    public init(runID: UUID, error: JSONValue?, activity: String? = nil) {
        var code = Code.agentError
        if case .string(let raw)? = error?["code"], let known = Code(rawValue: raw) { code = known }
        var message = "the agent failed"
        if case .string(let text)? = error?["message"] { message = text }
        self.init(code, message: message, runID: runID)
        self.activity = activity
        transient = error?["transient"] == .bool(true)
        if case .number(let seconds)? = error?["retryAfterSeconds"], seconds >= 0, seconds < 86_400 { retryAfterSeconds = Int(seconds.rounded(.up)) }
    }

    public var description: String { "\(code.rawValue): \(message) (run \(runID))" }

    /// The code for an error an agent threw.
    public static func classify(_ error: any Error) -> Code {
        switch error {
        case is AgentInputError: .badInput
        case is BudgetExceededError: .budgetExceeded
        case is ToolTimeoutError: .toolTimeout
        case is ToolLoop.Exhausted: .maxIterations
        case is ConnectorError: .connectorError
        default: .agentError
        }
    }

    /// Whether `error` may pass by itself: a provider or the model unavailable, timing out or
    /// rate limiting, a tool timing out, the database unreachable. Stored as `transient: true`
    /// so that work started by an event is tried again rather than lost.
    public static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case is ToolTimeoutError: return true
        case let connector as ConnectorError:
            return [.providerUnavailable, .providerTimeout, .providerRateLimited].contains(connector.code)
        case let llm as LLMError:
            switch llm {
            case .timeout, .rateLimited, .transport: return true
            case .http(let status, _): return status >= 500 || status == 429 || status == 408
            case .malformedResponse, .invalidConfiguration: return false
            }
        case let database as PostgresError: return database.kind == .unavailable || database.kind == .connectionLost
        default: return false
        }
    }

    /// The value stored in the run's `error` column: the code and a sanitized message.
    public static func stored(_ error: any Error) -> JSONValue {
        let value = storedValue(error)
        guard isTransient(error), case .object(var members) = value else { return value }
        members["transient"] = .bool(true)
        return .object(members)
    }

    private static func storedValue(_ error: any Error) -> JSONValue {
        if let connector = error as? ConnectorError {
            var value: [String: JSONValue] = [
                "code": .string(Code.connectorError.rawValue), "connectorCode": .string(connector.code.rawValue),
                "message": .string(Sanitizer.sanitize(String(connector.message.prefix(500)))),
            ]
            if let seconds = connector.retryAfterSeconds { value["retryAfterSeconds"] = .number(Double(seconds)) }
            if let provider = connector.providerCode { value["providerCode"] = .string(Sanitizer.sanitize(String(provider.prefix(64)))) }
            return .object(value)
        }
        // A database's words (its host, its user, the pool's size) are the operator's, not the
        // run's reader's: they go to the log, and the run says what happened.
        let text = error is PostgresError || error is DatabaseError ? "a database error interrupted the run" : String(describing: error)
        var value: [String: JSONValue] = [
            "code": .string(classify(error).rawValue),
            "message": .string(Sanitizer.sanitize(String(text.prefix(500)))),
        ]
        if case .rateLimited(let retryAfter?)? = error as? LLMError {
            value["retryAfterSeconds"] = .number(Double(retryAfter.components.seconds) + (retryAfter.components.attoseconds > 0 ? 1 : 0))
        }
        return .object(value)
    }

    /// The connector error a stored `CONNECTOR_ERROR` describes (what the caller of a direct
    /// action should see: its class, message and retry time), or nil.
    public static func connectorError(in stored: JSONValue?) -> ConnectorError? {
        guard case .string(let raw)? = stored?["connectorCode"], let code = ConnectorError.Code(rawValue: raw) else { return nil }
        var retryAfter: Int?
        if case .number(let seconds)? = stored?["retryAfterSeconds"] { retryAfter = Int(seconds) }
        return ConnectorError(
            code, JSONPath.text(stored?["message"]) ?? code.rawValue, retryAfterSeconds: retryAfter,
            providerCode: JSONPath.text(stored?["providerCode"]))
    }
}
