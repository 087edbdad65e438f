import Foundation
import Synchronization
import Testing

@testable import NeonHub

/// A connector registry double: knows `slack.postMessage`, remembers what it performed, and can
/// be slow. (The real registry comes with the connector service; this is its contract.)
final class FakeConnectorActions: ConnectorActions {
    struct Performed: Sendable, Equatable {
        var connector: String
        var action: String
        var input: JSONValue
        var tenant: String
    }
    struct UnknownAction: Error, CustomStringConvertible {
        let name: String
        var description: String { "unknown action \(name)" }
    }

    private let log = Mutex<[Performed]>([])
    let delay: Duration
    /// The time limits the actions declare, by `connector.action`.
    let limits: [String: Duration]

    init(delay: Duration = .zero, limits: [String: Duration] = [:]) {
        self.delay = delay
        self.limits = limits
    }

    func timeLimit(of request: ConnectorActionRequest) -> Duration? { limits["\(request.connector).\(request.action)"] }

    var performed: [Performed] { log.withLock { $0 } }

    func available(tenant: String) async -> [String] { ["slack.postMessage"] }

    func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
        let connector = request.connector, action = request.action, input = request.input
        if delay > .zero { try await Task.sleep(for: delay) }
        guard connector == "slack", action == "postMessage" else { throw UnknownAction(name: "\(connector).\(action)") }
        log.withLock { $0.append(Performed(connector: connector, action: action, input: input, tenant: tenant)) }
        return .object(["ok": .bool(true), "ts": .string("1700000000.000100"), "access_token": .string("xoxb-123456789012-SECRETSECRET")])
    }
}

extension AgentLogicTests {
    /// `connector.action`: validated input, the run's tenant, recorded under a timeout.
    @Suite struct ConnectorActionToolTests {
        @Test func performsTheActionForTheRunsTenant() async throws {
            let actions = FakeConnectorActions()
            let toolbox = RecordingToolbox(tenantID: "tenant-7")
            let input: JSONValue = .object([
                "connector": .string("slack"), "action": .string("postMessage"),
                "input": .object(["channel": .string("#launch"), "text": .string("We are live")]),
            ])
            let output = try await ConnectorActionTool(actions: actions, timeout: .seconds(5)).invoke(input, toolbox: toolbox)
            #expect(output["ok"] == .bool(true))
            #expect(
                actions.performed == [
                    .init(
                        connector: "slack", action: "postMessage",
                        input: .object(["channel": .string("#launch"), "text": .string("We are live")]), tenant: "tenant-7")
                ])
            #expect(toolbox.calls.map(\.tool) == ["connector.action"])
            #expect(toolbox.calls.first?.timeout == .seconds(5))
            #expect(toolbox.calls.first?.input == input)
        }

        @Test func anActionThatDeclaresALongerLimitGetsItAndNoShorterOne() async throws {
            let actions = FakeConnectorActions(limits: ["slack.postMessage": .seconds(360)])
            let toolbox = RecordingToolbox()
            let call: JSONValue = .object(["connector": .string("slack"), "action": .string("postMessage")])
            _ = try await ConnectorActionTool(actions: actions, timeout: .seconds(30)).invoke(call, toolbox: toolbox)
            _ = try await ConnectorActionTool(actions: actions, timeout: .seconds(900)).invoke(call, toolbox: toolbox)
            _ = try await ConnectorActionTool(actions: FakeConnectorActions(), timeout: .seconds(30)).invoke(call, toolbox: toolbox)
            #expect(toolbox.calls.map(\.timeout) == [.seconds(360), .seconds(900), .seconds(30)])
        }

        @Test func refusesMalformedInputWithoutCallingTheConnector() async throws {
            let actions = FakeConnectorActions()
            let tool = ConnectorActionTool(actions: actions)
            let toolbox = RecordingToolbox()
            let bad: [JSONValue] = [
                .object(["action": .string("postMessage")]),
                .object(["connector": .string("slack")]),
                .object(["connector": .string("slack"), "action": .string("postMessage"), "input": .string("text")]),
                .string("slack.postMessage"),
            ]
            for input in bad {
                await #expect(throws: ToolInputError.self) { _ = try await tool.invoke(input, toolbox: toolbox) }
            }
            #expect(actions.performed.isEmpty)
            #expect(toolbox.calls.isEmpty)
        }

        @Test func theModelCanCallConnectorsThroughTheToolLoop() async throws {
            let actions = FakeConnectorActions()
            let toolbox = RecordingToolbox(answers: [
                #"{"tool":"connector.action","input":{"connector":"slack","action":"postMessage","input":{"text":"hi"}}}"#,
                #"{"tool":"connector.action","input":{"connector":"slack","action":"deleteEverything"}}"#,
                #"{"final":"posted"}"#,
            ])
            let loop = ToolLoop(tools: LocalTools.all + [ConnectorActionTool(actions: actions)])
            #expect(loop.systemPrompt.contains("connector.action"))
            let (final, steps) = try await loop.run(task: "Announce the launch on Slack", toolbox: toolbox)
            #expect(final == .string("posted"))
            #expect(steps == 3)
            #expect(actions.performed.count == 1)
            // The refused action went back to the model as an error, recorded as a failed call.
            #expect(toolbox.calls.filter { $0.tool == "connector.action" }.map { $0.error != nil } == [false, true])
            #expect(toolbox.requests.last?.messages.last?.content.contains("unknown action slack.deleteEverything") == true)
        }

        @Test func theAssistantGetsTheToolOnlyWithARegistry() {
            func assistantTools(_ agents: [any Agent]) -> [String] {
                (agents.first { $0 is AssistantAgent } as? AssistantAgent)?.loop.tools.map(\.name) ?? []
            }
            #expect(!assistantTools(AgentCatalog.agents(connectorActions: nil)).contains("connector.action"))
            #expect(assistantTools(AgentCatalog.agents(connectorActions: FakeConnectorActions())).contains("connector.action"))
            #expect(AgentCatalog.agents(connectorActions: FakeConnectorActions()).map(\.name) == AgentCatalog.all.map(\.name) + ["connector"])
        }
    }
}
