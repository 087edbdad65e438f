import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The registry the connector service stands for, over the real runtime with a fake provider's
/// token: each action runs as the connection's account with its variables.
struct AccountScopedConnectorActions: ConnectorActions {
    let runtime: ConnectorRuntime
    let token: String
    let account: [String: String]
    let variables: [String: [String: String]]

    func available(tenant: String) async -> [String] { ["gmail.messages.send", "whatsapp.messages.sendText"] }

    func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
        let call = ConnectorCall(
            connector: request.connector, action: request.action, input: request.input,
            accountID: request.accountID ?? account[request.connector], variables: variables[request.connector] ?? [:])
        let token = self.token
        return try await runtime.execute(call) { _ in .token(token) }.output
    }
}

/// The support agent's triage of a customer message, then its drafted reply sent back on the
/// customer's channel (email through Gmail, WhatsApp through the Cloud API) with `connector.action`.
struct SupportReplyAgent: Agent {
    let name = "support-reply"
    let description = "triages a customer message and sends the drafted reply"
    let intents = ["reply"]
    let actions: any ConnectorActions

    func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        let triage = try await SupportAgent().run(input, intent: "reply", toolbox: toolbox)
        let reply = triage["reply"] ?? .string("")
        let send: JSONValue
        if input["channel"] == .string("whatsapp") {
            send = .object([
                "connector": .string("whatsapp"), "action": .string("messages.sendText"),
                "input": .object(["to": input["phone"] ?? .null, "text": reply]),
            ])
        } else {
            send = .object([
                "connector": .string("gmail"), "action": .string("messages.send"),
                "input": .object(["to": .array([input["email"] ?? .null]), "subject": .string("Re: your message"), "text": reply]),
            ])
        }
        let sent = try await ConnectorActionTool(actions: actions).invoke(send, toolbox: toolbox)
        return .object(["intent": triage["intent"] ?? .null, "reply": reply, "sent": sent])
    }
}

/// An agent run that calls Gmail and WhatsApp actions through `connector.action`, against the
/// provider fakes, and records the call (the toolbox; the run's `tool_executions` row).
@Suite struct SupportReplyRunTests {
    static let complaint = "Hi, I was charged twice for my order 1042 and I am really upset. Please refund the second charge."

    @Test func theSupportReplyIsSentAsAnEmailThroughGmail() async throws {
        let oauth = GoogleOAuthFake()
        let gmail = GmailFake(oauth: oauth)
        try gmail.start()
        defer { gmail.stop() }
        let token = oauth.issueTokens(scopes: ["https://www.googleapis.com/auth/gmail.send"]).accessToken
        let actions = AccountScopedConnectorActions(
            runtime: try GmailRuntimeTests.runtime(gmail), token: token,
            account: ["gmail": gmail.emailAddress], variables: [:])
        let toolbox = RecordingToolbox(tenantID: "tenant-support")
        let output = try await SupportReplyAgent(actions: actions).run(
            .object(["message": .string(Self.complaint), "customerName": .string("Sam"), "email": .string("sam.buyer@example.com")]),
            intent: "reply", toolbox: toolbox)

        let call = try #require(toolbox.calls.first { $0.tool == "connector.action" })
        #expect(call.input["connector"] == .string("gmail"))
        #expect(call.error == nil)
        let sent = try #require(gmail.sent.last)
        #expect(call.output?["id"] == .string(sent.id))
        #expect(output["intent"] == .string("billing"))
        let reply = try #require(JSONPath.text(output["reply"]))
        #expect(sent.mime.text == reply.replacingOccurrences(of: "\n", with: "\r\n"), "the drafted reply is what Gmail received")
        #expect(sent.mime.addresses("To") == ["sam.buyer@example.com"])
        #expect(sent.mime.addresses("From") == [gmail.emailAddress])
    }

    @Test func aRecordedRunRepliesOnWhatsAppAndKeepsTheTokenOutOfItsRows() async throws {
        let whatsapp = WhatsAppCloudFake()
        try whatsapp.start()
        defer { whatsapp.stop() }
        let token = whatsapp.issueToken()
        whatsapp.customerMessaged(waID: "16505551234")
        let actions = AccountScopedConnectorActions(
            runtime: try WhatsAppRuntimeTests.runtime(whatsapp), token: token,
            account: ["whatsapp": whatsapp.phoneNumbers[0].id], variables: ["whatsapp": ["wabaId": whatsapp.wabaID]])
        try await withDatabaseApp(agents: [SupportReplyAgent(actions: actions)]) { server, client in
            let pool = try #require(server.database?.pool)
            let (_, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "support-reply",
                    "input": [
                        "message": "Where is my order? It was supposed to arrive yesterday.", "channel": "whatsapp", "phone": "16505551234",
                    ],
                ])
            #expect(resultData(envelope)?["status"] as? String == "succeeded")
            let run = try #require((resultData(envelope)?["runId"] as? String).flatMap { UUID(uuidString: $0) })
            let tools = try await pool.query(
                "SELECT tool, status, input->>'connector' AS connector, output::text AS output FROM tool_executions WHERE run_id = \(run) AND tool = 'connector.action'"
            )
            #expect(tools.count == 1)
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("connector", as: String.self) == "whatsapp")
            let stored = try tools.first?.decode("output", as: String.self) ?? ""
            let wamid = try #require(whatsapp.sent.last?.id)
            #expect(stored.contains(wamid))
            #expect(!stored.contains(token))
            #expect(whatsapp.sent.count == 1)
            #expect(whatsapp.sent.last?.body["type"] as? String == "text")
        }
    }
}
