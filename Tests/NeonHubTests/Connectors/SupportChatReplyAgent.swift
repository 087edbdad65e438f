import Foundation
import Testing

@testable import NeonHub

/// The agents' connector registry over the real runtime with one fixed credential: what the
/// connector service does for a stored connection, without the database row (the runtime
/// tests point the runtime at a provider fake).
struct FixedTokenConnectorActions: ConnectorActions {
    let runtime: ConnectorRuntime
    let token: String

    func available(tenant: String) async -> [String] { [] }

    func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
        let call = ConnectorCall(
            connector: request.connector, action: request.action, input: request.input, accountID: request.accountID,
            idempotencyKey: request.idempotencyKey)
        let token = self.token
        return try await runtime.execute(call) { _ in .token(token) }.output
    }
}

/// The support agent's triage, then its drafted reply sent through `connector.action`: how a
/// support inbox answers on a chat channel. Input `{message, customerName?, connector, action,
/// input}`; the reply goes into `input[replyField]`.
struct SupportChatReplyAgent: Agent {
    let name = "support-reply"
    let description = "triages a support message and posts the drafted reply through a connector"
    let intents = ["reply"]
    let actions: any ConnectorActions
    let replyField: String

    func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        var triage: [String: JSONValue] = ["message": input["message"] ?? .null, "channel": .string("chat")]
        if let name = input["customerName"] { triage["customerName"] = name }
        let drafted = try await SupportAgent().run(.object(triage), intent: "reply", toolbox: toolbox)
        guard case .object(var parameters)? = input["input"] else { return drafted }
        parameters[replyField] = drafted["reply"] ?? .null
        let sent = try await ConnectorActionTool(actions: actions).invoke(
            .object(["connector": input["connector"] ?? .null, "action": input["action"] ?? .null, "input": .object(parameters)]), toolbox: toolbox)
        return .object(["intent": drafted["intent"] ?? .null, "reply": drafted["reply"] ?? .null, "sent": sent])
    }
}
