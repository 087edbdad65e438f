/// What the connector registry offers agents: named actions on a tenant's connected accounts
/// (e.g. `slack` / `postMessage`). The connector service implements it; agents reach it only
/// through `ConnectorActionTool`, so every action is a recorded, time-limited tool call.
public protocol ConnectorActions: Sendable {
    /// The actions `tenant` can use, as `connector.action` names (for the model's tool list).
    func available(tenant: String) async -> [String]
    /// Performs one action for `tenant`; throws when the connector or action is unknown, not
    /// connected, or the provider refuses.
    func perform(connector: String, action: String, input: JSONValue, tenant: String) async throws -> JSONValue
}

/// The `connector.action` tool: input `{"connector": String, "action": String, "input"?: {…}}`,
/// output whatever the action answers. Recorded through the toolbox under its timeout (the
/// first such call of a run writes the run's `running` row: it waits on a provider).
public struct ConnectorActionTool: AgentTool {
    /// Where actions are performed.
    public let actions: any ConnectorActions
    /// The time limit of one action (providers can be slow; retries belong to the connector).
    public let timeout: Duration

    public var name: String { "connector.action" }
    public var description: String {
        #"Performs an action on a connected third-party account: {"connector": "slack", "action": "postMessage", "input": {…}}"#
    }

    /// Creates the tool over a connector registry.
    public init(actions: any ConnectorActions, timeout: Duration = .seconds(30)) {
        self.actions = actions
        self.timeout = timeout
    }

    public func invoke(_ input: JSONValue, toolbox: any AgentToolbox) async throws -> JSONValue {
        let fields = try InputFields.tool(name, input)
        let connector = try fields.requiredString("connector", maxLength: 64)
        let action = try fields.requiredString("action", maxLength: 64)
        let parameters: JSONValue
        switch fields.members["input"] {
        case nil, .null?: parameters = .object([:])
        case .object?: parameters = fields.members["input"]!
        default: throw ToolInputError(tool: name, "input: expected an object")
        }
        let actions = self.actions, tenant = toolbox.tenantID
        return try await toolbox.call(name, input: input, timeout: timeout) {
            try await actions.perform(connector: connector, action: action, input: parameters, tenant: tenant)
        }
    }
}
