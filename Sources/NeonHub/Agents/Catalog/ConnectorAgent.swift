/// Performs one connector action as a recorded run: what `connectors.executeAction` runs, so
/// every direct action has its `agent_runs` row with the call as its `tool_executions` row
/// (sanitized), exactly like an action an agent takes on its own.
public struct ConnectorAgent: Agent {
    /// The tool that performs the action.
    let tool: ConnectorActionTool

    public var name: String { "connector" }
    public var description: String { "Performs one action on a connected account (connectors.executeAction)" }
    public var intents: [String] { ["execute_action"] }

    /// An agent over the connector registry.
    public init(actions: any ConnectorActions) { tool = ConnectorActionTool(actions: actions) }

    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        try await tool.invoke(input, toolbox: toolbox)
    }
}
