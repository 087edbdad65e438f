public import Foundation

/// One tool call inside a run, as stored in `tool_executions` (already sanitized).
public struct ToolExecutionRecord: Sendable {
    public var id = UUID()
    public var tool: String
    /// `succeeded`, `failed` or `timed_out`.
    public var status: String
    public var input: JSONValue
    public var output: JSONValue?
    public var error: JSONValue?
    public var startedAt: Date
    public var durationMs: Int
    public var attempt: Int
}

/// One metric of a run, as stored in `agent_run_metrics`.
public struct RunMetricRecord: Sendable {
    public var name: String
    public var value: Double
    public var unit: String
}

/// One language-model call, as stored in `llm_usage` (nil cost = unknown model).
public struct LLMUsageRecord: Sendable {
    public var provider: String
    public var model: String
    public var usage: LLMUsage
    public var costUSD: Double?
}

/// A run stopped because it would exceed its tenant's budget for the agent.
public struct BudgetExceededError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A tool did not finish within its timeout.
public struct ToolTimeoutError: Error, Sendable, CustomStringConvertible {
    public var tool: String
    public var timeout: Duration
    public var description: String { "tool \(tool) timed out after \(timeout)" }
}
