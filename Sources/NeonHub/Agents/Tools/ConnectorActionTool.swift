public import Foundation

/// What the connector registry offers agents: named actions on a tenant's connected accounts
/// (e.g. `slack` / `postMessage`). The connector service implements it; agents reach it only
/// through `ConnectorActionTool`, so every action is a recorded, time-limited tool call.
public protocol ConnectorActions: Sendable {
    /// The actions `tenant` can use, as `connector.action` names (for the model's tool list).
    func available(tenant: String) async -> [String]
    /// Performs one action for `tenant`; throws when the connector or action is unknown, not
    /// connected, or the provider refuses.
    func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue
    /// The longest `request` may take, when the action bounds itself by its input (a SQL
    /// statement's own timeout) beyond the tool's default limit; nil keeps the default.
    func timeLimit(of request: ConnectorActionRequest) -> Duration?
}

extension ConnectorActions {
    /// Actions that declare no limit of their own keep the tool's.
    public func timeLimit(of request: ConnectorActionRequest) -> Duration? { nil }
}

/// One action an agent (or `connectors.executeAction`) asks for.
public struct ConnectorActionRequest: Sendable {
    /// The connector id (`slack`).
    public var connector: String
    /// The action id (`chat.postMessage`).
    public var action: String
    /// The action's input.
    public var input: JSONValue
    /// The connection to use; nil picks the tenant's active connection to the connector.
    public var connectionID: UUID?
    /// The account to act as, if the connection has several.
    public var accountID: String?
    /// The provider-side idempotency key, where the action takes one.
    public var idempotencyKey: String?

    /// Creates a request.
    public init(
        connector: String, action: String, input: JSONValue = .object([:]), connectionID: UUID? = nil,
        accountID: String? = nil, idempotencyKey: String? = nil
    ) {
        self.connector = connector
        self.action = action
        self.input = input
        self.connectionID = connectionID
        self.accountID = accountID
        self.idempotencyKey = idempotencyKey
    }
}

/// The `connector.action` tool: input `{"connector": String, "action": String, "input"?: {…}}`,
/// output whatever the action answers. Recorded through the toolbox under its timeout (the
/// first such call of a run writes the run's `running` row: it waits on a provider). An action
/// that bounds itself by its input (a statement's `timeoutSeconds`) gets that limit instead,
/// when it is longer.
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
        let connectionID = try fields.string("connectionId", maxLength: 36).map { text in
            guard let id = UUID(uuidString: text) else { throw ToolInputError(tool: name, "connectionId: expected a UUID") }
            return id
        }
        let accountID = try fields.string("accountId", maxLength: 256)
        let idempotencyKey = try fields.string("idempotencyKey", maxLength: 200)
        let parameters: JSONValue
        switch fields.members["input"] {
        case nil, .null?: parameters = .object([:])
        case .object?: parameters = fields.members["input"]!
        default: throw ToolInputError(tool: name, "input: expected an object")
        }
        let actions = self.actions, tenant = toolbox.tenantID
        let request = ConnectorActionRequest(
            connector: connector, action: action, input: parameters, connectionID: connectionID, accountID: accountID,
            idempotencyKey: idempotencyKey)
        let limit = max(timeout, actions.timeLimit(of: request) ?? timeout)
        return try await toolbox.call(name, input: input, timeout: limit) { try await actions.perform(request, tenant: tenant) }
    }
}
