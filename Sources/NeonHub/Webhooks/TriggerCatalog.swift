import Foundation

/// `configs/triggers.json` (or `TRIGGERS_FILE`): which agent runs, with which intent and
/// input, when an event of a type arrives (DESIGN §10): a webhook's event type, or the id of a
/// connector's polling trigger (`zendesk` `tickets.updated`), whose items are polled events. Loaded and validated at start; an
/// invalid file stops start-up with a message naming the file and the field.
///
/// ```json
/// {"triggers": [{"connector": "stripe", "eventType": "invoice.payment_failed", "agent": "support",
///                "intent": "triage", "when": {"path": "data.object.amount_due", "greaterThan": 0},
///                "input": {"message": "Payment failed for {{data.object.customer_email}}"}}]}
/// ```
/// `input` values are templates: `{{path}}` is replaced by the payload's value at that dotted
/// path (a value that is only `{{path}}` keeps the JSON type). `when` (optional) compares one
/// path with `equals`, `lessThanOrEqual` or `greaterThan`.
public struct TriggerCatalog: Sendable {
    /// One trigger.
    public struct Trigger: Sendable, Equatable {
        public var connector: String
        public var eventType: String
        public var agent: String
        public var intent: String?
        /// The condition on the payload, if any.
        public var when: Condition?
        /// The agent input template.
        public var input: JSONValue
    }

    /// A test of one payload value.
    public struct Condition: Sendable, Equatable {
        public var path: String
        public var equals: JSONValue?
        public var lessThanOrEqual: Double?
        public var greaterThan: Double?

        /// Whether `payload` satisfies it (a missing value never does).
        func holds(for payload: JSONValue) -> Bool {
            guard let value = JSONPath.value(at: path, in: payload), value != .null else { return false }
            if let equals, JSONPath.text(value) != JSONPath.text(equals) { return false }
            let number = JSONPath.text(value).flatMap(Double.init)
            if let limit = lessThanOrEqual, !(number.map { $0 <= limit } ?? false) { return false }
            if let limit = greaterThan, !(number.map { $0 > limit } ?? false) { return false }
            return true
        }
    }

    /// Every trigger, by connector and event type.
    public let triggers: [String: Trigger]

    /// A catalog of `triggers` (later duplicates replace earlier ones).
    public init(_ triggers: [Trigger]) {
        var byKey: [String: Trigger] = [:]
        for trigger in triggers { byKey[Self.key(trigger.connector, trigger.eventType)] = trigger }
        self.triggers = byKey
    }

    /// The trigger for an event type of a connector, if any.
    public func trigger(connector: String, eventType: String) -> Trigger? {
        triggers[Self.key(connector, eventType)]
    }

    static func key(_ connector: String, _ eventType: String) -> String { connector + "\u{0}" + eventType }

    /// The polling trigger ids of each catalog connector (a trigger may name one as its event type).
    public static func pollingTriggers(_ catalog: ConnectorCatalog) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for definition in catalog.definitions {
            let ids = definition.runnablePollingTriggers.map(\.id)
            if !ids.isEmpty { result[definition.id] = Set(ids) }
        }
        return result
    }

    /// Reads and validates the file at `path`. `agents` maps each known agent to its intents;
    /// `polling` names each connector's polling triggers, which are event types too.
    public static func load(path: String, agents: [String: [String]], polling: [String: Set<String>] = [:]) throws(WebhookError)
        -> TriggerCatalog
    {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw WebhookError(.invalidTriggers, "TRIGGERS_FILE \(path) cannot be read")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch {
            throw WebhookError(.invalidTriggers, "TRIGGERS_FILE \(path) is not valid JSON")
        }
        return try parse(json, file: path, agents: agents, polling: polling)
    }

    /// Validates a parsed file; every problem names its place (`triggers[2].agent`).
    static func parse(_ json: JSONValue, file: String, agents: [String: [String]], polling: [String: Set<String>] = [:]) throws(WebhookError)
        -> TriggerCatalog
    {
        guard case .array(let items)? = json["triggers"] else {
            throw WebhookError(.invalidTriggers, "\(file): expected an object with a \"triggers\" array")
        }
        var triggers: [Trigger] = []
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            let place = "\(file): triggers[\(index)]"
            func text(_ key: String) -> String? { if case .string(let s)? = item[key], !s.isEmpty { return s }; return nil }
            guard case .object = item, let connector = text("connector"), let eventType = text("eventType"), let agent = text("agent") else {
                throw WebhookError(.invalidTriggers, "\(place): connector, eventType and agent are required strings")
            }
            guard WebhookConnector(rawValue: connector) != nil || polling[connector]?.contains(eventType) == true else {
                let polled =
                    polling[connector].map { " and has no polling trigger \(eventType) (it has \($0.sorted().joined(separator: ", ")))" } ?? ""
                throw WebhookError(.invalidTriggers, "\(place).connector: \(connector) does not receive webhooks\(polled)")
            }
            guard let intents = agents[agent] else { throw WebhookError(.invalidTriggers, "\(place).agent: no agent named \(agent)") }
            let intent = text("intent")
            if let intent, !intents.contains(intent) {
                throw WebhookError(.invalidTriggers, "\(place).intent: agent \(agent) does not handle \(intent)")
            }
            guard seen.insert(key(connector, eventType)).inserted else {
                throw WebhookError(.invalidTriggers, "\(place): a second trigger for \(connector) \(eventType)")
            }
            let input = item["input"] ?? .object([:])
            guard case .object = input else { throw WebhookError(.invalidTriggers, "\(place).input: expected an object") }
            triggers.append(
                Trigger(
                    connector: connector, eventType: eventType, agent: agent, intent: intent,
                    when: try condition(item["when"], place: place + ".when"), input: input))
        }
        return TriggerCatalog(triggers)
    }

    static func condition(_ value: JSONValue?, place: String) throws(WebhookError) -> Condition? {
        guard let value, value != .null else { return nil }
        guard case .string(let path)? = value["path"], !path.isEmpty else { throw WebhookError(.invalidTriggers, "\(place).path: required") }
        func number(_ key: String) throws(WebhookError) -> Double? {
            switch value[key] {
            case nil: return nil
            case .number(let n)?: return n
            default: throw WebhookError(.invalidTriggers, "\(place).\(key): expected a number")
            }
        }
        let condition = Condition(
            path: path, equals: value["equals"], lessThanOrEqual: try number("lessThanOrEqual"), greaterThan: try number("greaterThan"))
        guard condition.equals != nil || condition.lessThanOrEqual != nil || condition.greaterThan != nil else {
            throw WebhookError(.invalidTriggers, "\(place): give equals, lessThanOrEqual or greaterThan")
        }
        return condition
    }

    /// `template` with every `{{path}}` filled from `payload`.
    static func render(_ template: JSONValue, payload: JSONValue) -> JSONValue {
        switch template {
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.dropFirst(2).dropLast(2).range(of: "{{") == nil {
                let path = trimmed.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
                return JSONPath.value(at: path, in: payload) ?? .null
            }
            var out = ""
            var rest = Substring(text)
            while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
                out += rest[..<open.lowerBound]
                let path = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                out += JSONPath.text(JSONPath.value(at: path, in: payload)) ?? ""
                rest = rest[close.upperBound...]
            }
            return .string(out + rest)
        case .array(let items): return .array(items.map { render($0, payload: payload) })
        case .object(let members): return .object(members.mapValues { render($0, payload: payload) })
        default: return template
        }
    }
}
