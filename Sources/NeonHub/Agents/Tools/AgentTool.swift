/// A tool an agent (or the model, through `ToolLoop`) can call by name. Calls go through the
/// run's toolbox, which records each one as a `ToolExecution`.
public protocol AgentTool: Sendable {
    /// The tool name recorded in `tool_executions`, e.g. `calculator`.
    var name: String { get }
    /// One line for tool listings and LLM tool schemas.
    var description: String { get }
    /// Runs the tool through the toolbox on JSON input and answers JSON output.
    func invoke(_ input: JSONValue, toolbox: any AgentToolbox) async throws -> JSONValue
}
