import Foundation
import Testing

@testable import NeonHub

/// `configs/triggers.json`: the shipped file is valid against the built-in agents, an invalid
/// file is refused with its place named, and templates and conditions read the payload.
@Suite struct TriggerCatalogTests {
    static let agents = Dictionary(AgentCatalog.all.map { ($0.name, $0.intents) }, uniquingKeysWith: { $1 })

    @Test func theShippedFileLoads() throws {
        let connectors = try ConnectorCatalog.load(directory: URL(fileURLWithPath: "configs/connectors"))
        let catalog = try TriggerCatalog.load(
            path: "configs/triggers.json", agents: Self.agents, polling: TriggerCatalog.pollingTriggers(connectors))
        for (connector, type) in [
            ("shopify", "inventory_levels/update"), ("shopify", "orders/create"), ("stripe", "payment_intent.succeeded"),
            ("stripe", "invoice.payment_failed"), ("stripe", "charge.refunded"), ("meta", "feed"), ("zendesk", "tickets.updated"),
        ] {
            #expect(catalog.trigger(connector: connector, eventType: type) != nil, "\(connector) \(type)")
        }
    }

    @Test func invalidFilesNameTheProblem() {
        func problem(_ json: String) -> String? {
            guard let parsed = try? JSONValue.parse(Array(json.utf8)) else { return "test JSON is invalid" }
            do {
                _ = try TriggerCatalog.parse(parsed, file: "t.json", agents: Self.agents)
                return nil
            } catch {
                return error.code == .invalidTriggers ? error.message : "wrong code"
            }
        }
        #expect(
            problem(#"{"triggers": [{"connector": "stripe", "eventType": "x", "agent": "nobody"}]}"#)
                == "t.json: triggers[0].agent: no agent named nobody")
        #expect(
            problem(#"{"triggers": [{"connector": "stripe", "eventType": "x", "agent": "support", "intent": "dance"}]}"#)?.contains(
                "does not handle dance") == true)
        #expect(
            problem(#"{"triggers": [{"connector": "myspace", "eventType": "x", "agent": "support"}]}"#)?.contains("triggers[0].connector") == true)
        #expect(
            problem(
                #"{"triggers": [{"connector": "stripe", "eventType": "x", "agent": "support"}, {"connector": "stripe", "eventType": "x", "agent": "email"}]}"#
            )?.contains("triggers[1]") == true)
        #expect(
            problem(#"{"triggers": [{"connector": "stripe", "eventType": "x", "agent": "support", "when": {"path": "a"}}]}"#)?.contains("when")
                == true)
        #expect(problem(#"{"rules": []}"#)?.contains("\"triggers\" array") == true)
        #expect(problem(#"{"triggers": []}"#) == nil)
    }

    @Test func anUnreadableOrInvalidFileStopsStartUp() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("triggers-\(UUID()).json")
        try Data("{not json".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: WebhookError.self) { try TriggerCatalog.load(path: file.path, agents: Self.agents) }
        #expect(throws: WebhookError.self) { try TriggerCatalog.load(path: "/nonexistent/triggers.json", agents: Self.agents) }
        await #expect(throws: WebhookError.self) {
            try await withTestApp({ $0.triggersFile = file.path }) { _, _ in }
        }
    }

    @Test func templatesAndConditionsReadThePayload() {
        let payload: JSONValue = .object(["available": .number(3), "name": .string("#1001"), "data": .object(["items": .array([.string("a")])])])
        let rendered = TriggerCatalog.render(
            .object([
                "text": .string("Order {{name}} has {{ available }} left, {{missing}}."),
                "items": .string("{{data.items}}"), "fixed": .number(1),
            ]), payload: payload)
        #expect(rendered == .object(["text": .string("Order #1001 has 3 left, ."), "items": .array([.string("a")]), "fixed": .number(1)]))
        #expect(TriggerCatalog.Condition(path: "available", lessThanOrEqual: 5).holds(for: payload))
        #expect(!TriggerCatalog.Condition(path: "available", lessThanOrEqual: 2).holds(for: payload))
        #expect(TriggerCatalog.Condition(path: "name", equals: .string("#1001")).holds(for: payload))
        #expect(!TriggerCatalog.Condition(path: "absent", greaterThan: 0).holds(for: payload))
    }
}
