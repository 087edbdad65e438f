/// A diagnostic agent: returns its input after two recorded tool calls (a text analysis and
/// a date-time lookup). Used by smoke tests and by the `agents.run` benchmark, where its run
/// costs exactly 2 tool rows and 3 metric rows.
public struct EchoAgent: Agent {
    public var name: String { "echo" }
    public var description: String { "Echoes its input after two recorded tool calls (diagnostics and benchmarks)" }
    public var intents: [String] { ["echo"] }

    /// Creates the agent.
    public init() {}

    /// A short text's two tool calls are cheaper on the request's loop than a thread hop; a
    /// long one's analysis is not.
    public func runsOnTheSharedPool(_ input: JSONValue) -> Bool {
        guard case .string(let text)? = input["text"] else { return false }
        return text.utf8.count > 4_096
    }

    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        let text: String
        if case .string(let t)? = input["text"] { text = t } else { text = "" }
        let analysis = try await TextAnalysis().invoke(.object(["text": .string(text)]), toolbox: toolbox)
        let now = try await DateTimeTool().invoke(.object(["operation": .string("now"), "timeZone": .string("UTC")]), toolbox: toolbox)
        return .object(["echo": input, "words": analysis["words"] ?? .null, "at": now["utc"] ?? now["local"] ?? .null])
    }
}
