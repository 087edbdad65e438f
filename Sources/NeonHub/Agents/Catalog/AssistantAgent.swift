/// A general marketing assistant driven by the language model through the tool loop
/// (calculator, date-time, text analysis): `{question}` → `{answer, steps}`.
public struct AssistantAgent: Agent {
    public var name: String { "assistant" }
    public var description: String { "Answers marketing questions, calling tools (calculator, dates, text analysis) as the model asks" }
    public var intents: [String] { ["ask"] }
    let loop: ToolLoop

    /// Creates the agent with a bounded tool loop.
    public init(loop: ToolLoop = ToolLoop()) {
        self.loop = loop
    }

    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        guard case .string(let question)? = input["question"], !question.isEmpty else {
            throw AgentInputError("question: required (a non-empty string)")
        }
        guard question.count <= 4000 else { throw AgentInputError("question: at most 4000 characters") }
        let (answer, steps) = try await loop.run(task: question, toolbox: toolbox)
        toolbox.metric("tool_loop_steps", Double(steps), unit: "count")
        return .object(["answer": answer, "steps": .number(Double(steps))])
    }
}
