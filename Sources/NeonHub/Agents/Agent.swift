public import Foundation

/// An AI agent: a name, the intents it handles, and a run over JSON input that uses tools
/// only through the toolbox (so every call is recorded as a `ToolExecution`).
public protocol Agent: Sendable {
    /// Unique name, e.g. `seo`.
    var name: String { get }
    /// One line for `agents.list`.
    var description: String { get }
    /// Intents it handles (the first is the default), e.g. `["analyze"]`.
    var intents: [String] { get }
    /// Whether its body, given `input`, runs on Swift's shared pool of threads rather than on
    /// the event loop of the request that started it. An agent that computes on its input
    /// (text analysis, composition: an SEO analysis of a long article takes tens of
    /// milliseconds) would hold up every other connection of that loop meanwhile, so the
    /// default is true; an agent that does next to nothing but wait (a provider call), or
    /// next to nothing with this input, says false and saves the thread hop.
    func runsOnTheSharedPool(_ input: JSONValue) -> Bool
    /// Runs once. Throw `AgentInputError` for bad input (answered as BAD_REQUEST).
    func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue
}

extension Agent {
    /// Default: computing agents run on the shared pool (see the requirement).
    public func runsOnTheSharedPool(_ input: JSONValue) -> Bool { true }
}

/// Tools available to an agent during a run. Every call is recorded (input, output,
/// status, duration, attempt) in the run's `tool_executions`.
public protocol AgentToolbox: Sendable {
    /// The tenant the run belongs to.
    var tenantID: String { get }
    /// The run's id, when the run is recorded (work it schedules points back to it).
    var runID: UUID? { get }
    /// Runs a named tool under a timeout, recording it. The body must honour cancellation.
    func call(
        _ tool: String, input: JSONValue, timeout: Duration,
        _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue
    /// Runs a synchronous, CPU-only tool, recording it like `call`. No timeout applies: a
    /// synchronous body cannot be interrupted, so racing it against a timer only costs.
    func callSynchronously(_ tool: String, input: JSONValue, _ body: () throws -> JSONValue) async throws -> JSONValue
    /// Calls the language model (recorded as tool `llm.complete`, with token and cost metrics).
    func complete(_ request: LLMRequest) async throws -> LLMResponse
    /// Records a metric of the run (`agent_run_metrics`).
    func metric(_ name: String, _ value: Double, unit: String)
}

extension AgentToolbox {
    /// Default: not a recorded run.
    public var runID: UUID? { nil }

    /// Default: through `call` with a generous timeout (toolboxes may record it more cheaply).
    public func callSynchronously(_ tool: String, input: JSONValue, _ body: () throws -> JSONValue) async throws -> JSONValue {
        let result = Result { try body() }
        return try await call(tool, input: input, timeout: .seconds(60)) { try result.get() }
    }
}

/// Invalid agent input; the message names the field.
public struct AgentInputError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. `content: required`.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
