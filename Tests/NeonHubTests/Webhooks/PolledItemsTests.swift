import Foundation
import Testing

@testable import NeonHub

/// How a polling trigger tells new items from known ones (`PolledItems`), which triggers the
/// server can run (`ConnectorDefinition.pollBlocker`), the watermark as the action's input, and
/// the trigger file accepting a polling trigger as an event type.
@Suite struct PolledItemsTests {
    typealias Poll = ConnectorDefinition.Trigger.Poll

    static func item(_ id: Int, _ updated: String, _ subject: String = "s") -> JSONValue {
        .object(["id": .number(Double(id)), "updatedAt": .string(updated), "subject": .string(subject)])
    }

    @Test func keysAreIdsOrIdsAtVersionsOrTheItemsHash() {
        let page = JSONValue.object(["items": .array([Self.item(1, "2026-12-01T10:00:00Z"), Self.item(2, "2026-12-02T10:00:00Z")])])
        #expect(PolledItems(page, spec: nil).items.map(\.key) == ["1", "2"], "a paged read's items, by id")
        #expect(PolledItems(page, spec: Poll(version: "updatedAt")).items.map(\.key) == ["1@2026-12-01T10:00:00Z", "2@2026-12-02T10:00:00Z"])
        let whole = PolledItems(page, spec: Poll(version: "*")).items
        #expect(whole[0].key.hasPrefix("1@") && whole[0].key.count == 2 + 64)
        let edited = PolledItems(.array([Self.item(1, "2026-12-01T10:00:00Z", "other")]), spec: Poll(version: "*")).items
        #expect(edited[0].key != whole[0].key, "any change of the item is a new version")

        let report = JSONValue.object(["rows": .array([.number(3)]), "rowCount": .number(1)])
        let one = PolledItems(report, spec: nil).items
        #expect(one.count == 1 && one[0].key == "sha256:" + SHA256Digest.hex(report.jsonBytes) && one[0].payload == report)
        #expect(
            PolledItems(.object(["records": .array([.object(["Id": .string("00Q1")])])]), spec: Poll(items: "records", id: "Id")).items.map(\.key)
                == ["00Q1"])
        #expect(
            PolledItems(.array([Self.item(1, "a"), Self.item(1, "a")]), spec: nil).items.count == 1, "a key repeated within an answer counts once")
        #expect(PolledItems(.null, spec: nil).items.isEmpty)
    }

    @Test func freshItemsTheMemoryAndTheWatermark() {
        let polled = PolledItems(.array([Self.item(3, "300"), Self.item(2, "200"), Self.item(1, "100")]), spec: Poll(version: "updatedAt"))
        #expect(polled.fresh(after: ["2@200", "1@100"]).map(\.key) == ["3@300"])
        #expect(polled.fresh(after: ["2@150"]).map(\.key) == ["3@300", "2@200", "1@100"], "a changed item is new")
        #expect(polled.remembered(after: ["9@900", "2@200"]) == ["3@300", "2@200", "1@100", "9@900"])
        #expect(polled.remembered(after: ["9@900"], limit: 2) == ["3@300", "2@200"], "bounded")
        #expect(polled.watermark(after: nil) == "300")
        #expect(polled.watermark(after: "1000") == "1000", "numbers compare as numbers, not text")
        let dated = PolledItems(.array([Self.item(1, "2026-12-02T10:00:00Z")]), spec: Poll(version: "updatedAt"))
        #expect(dated.watermark(after: "2026-11-30T23:59:59Z") == "2026-12-02T10:00:00Z")
    }

    @Test func theWatermarkIsTheSinceInputTypedAsTheActionWantsIt() throws {
        let schema = JSONValue.object([
            "type": .string("object"),
            "properties": .object(["after": .object(["type": .string("integer")]), "since": .object(["type": .string("string")])]),
        ])
        let action = try JSONValueDecoder.decode(
            ConnectorDefinition.Action.self,
            from: .object(["id": .string("list"), "name": .string("List"), "kind": .string("read"), "inputSchema": schema]))
        func trigger(_ since: String) throws -> ConnectorDefinition.Trigger {
            try JSONValueDecoder.decode(
                ConnectorDefinition.Trigger.self,
                from: .object([
                    "id": .string("t"), "type": .string("polling"), "description": .string("d"), "action": .string("list"),
                    "input": .object(["state": .string("open")]), "poll": .object(["version": .string("v"), "since": .string(since)]),
                ]))
        }
        #expect(TriggerPoller.input(try trigger("after"), action: action, watermark: "1733000000000")["after"] == .number(1_733_000_000_000))
        #expect(TriggerPoller.input(try trigger("since"), action: action, watermark: "2026-12-01")["since"] == .string("2026-12-01"))
        #expect(TriggerPoller.input(try trigger("since"), action: action, watermark: nil) == .object(["state": .string("open")]))
    }

    @Test func triggersNeedingPerSubscriberInputOrAnAccountAreNotRun() throws {
        let catalog = try ConnectorCatalog.load(directory: URL(fileURLWithPath: "configs/connectors"))
        func blocker(_ connector: String, _ trigger: String) throws -> String? {
            let definition = try #require(catalog[connector]?.definition)
            return definition.pollBlocker(try #require(definition.triggers.first { $0.id == trigger }))
        }
        #expect(try blocker("opsgenie", "incidents.open") == nil)
        #expect(try blocker("zendesk", "tickets.updated") == nil)
        #expect(try blocker("discord", "channel.poll")?.contains("channelId") == true)
        #expect(try blocker("trello", "cards.changed") == nil, "read once per board (PerAccountPollTests)")
        let polling = TriggerCatalog.pollingTriggers(catalog)
        #expect(polling["opsgenie"] == ["incidents.open"] && polling["discord"] == nil)

        let agents = TriggerCatalogTests.agents
        func parse(_ connector: String, _ type: String) -> String? {
            let json = JSONValue.object([
                "triggers": .array([
                    .object(["connector": .string(connector), "eventType": .string(type), "agent": .string("support"), "intent": .string("triage")])
                ])
            ])
            do {
                _ = try TriggerCatalog.parse(json, file: "t.json", agents: agents, polling: polling)
                return nil
            } catch { return error.message }
        }
        #expect(parse("opsgenie", "incidents.open") == nil)
        #expect(parse("opsgenie", "alerts.open")?.contains("has no polling trigger alerts.open (it has incidents.open)") == true)
        #expect(parse("discord", "channel.poll")?.contains("does not receive webhooks") == true)
    }
}
