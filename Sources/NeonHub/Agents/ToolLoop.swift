import Foundation

/// The tool loop of LLM-driven agents: the model is shown the tools and answers one JSON
/// object per turn — `{"tool": name, "input": {…}}` to call a tool (its result goes back as the
/// next message) or `{"final": …}` to finish. Bounded by `maxIterations` model calls; every
/// model call and tool call is recorded through the toolbox (each tool under its timeout).
public struct ToolLoop: Sendable {
    /// Tools the model may call.
    public let tools: [any AgentTool]
    /// Most model calls in one loop.
    public let maxIterations: Int

    /// The loop ran out of iterations without a final answer.
    public struct Exhausted: Error, CustomStringConvertible, Sendable {
        public let iterations: Int
        public var description: String { "the model did not finish within \(iterations) steps" }
    }

    /// Creates a loop over `tools`.
    public init(tools: [any AgentTool] = LocalTools.all, maxIterations: Int = 6) {
        self.tools = tools
        self.maxIterations = max(1, maxIterations)
    }

    /// Most UTF-8 bytes of one tool result put back into the conversation. A connector read can
    /// answer megabytes, which every later turn would send again: a provider refuses such a
    /// prompt (and the run fails), or bills it up to `maxIterations` times. The model is told
    /// what was cut, so it can ask for less.
    public static let maxToolResultBytes = 16_384

    /// A tool result as the model reads it: its JSON, cut at `maxToolResultBytes`.
    static func forModel(_ result: JSONValue) -> String {
        let bytes = Array(result.encoded())
        guard bytes.count > maxToolResultBytes else { return String(decoding: bytes, as: UTF8.self) }
        var end = maxToolResultBytes
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
        return String(decoding: bytes[..<end], as: UTF8.self)
            + " … [cut: the result is \(bytes.count) bytes; ask for less, e.g. a smaller limit or a narrower filter]"
    }

    /// The system prompt that lists the tools and the answer format.
    public var systemPrompt: String {
        let list = tools.map { "- \($0.name): \($0.description)" }.joined(separator: "\n")
        return """
            You can call tools. Answer with exactly one JSON object per turn: {"tool": "<name>", "input": {…}} \
            to call a tool, or {"final": <your answer>} when done. Tools:
            \(list)
            """
    }

    /// Runs the loop for `task`; returns the final answer and how many model calls it took.
    /// A reply that is not a tool call (including plain text) is taken as the final answer.
    public func run(task: String, toolbox: any AgentToolbox, model: String = "") async throws -> (final: JSONValue, iterations: Int) {
        var messages = [LLMMessage(role: "system", content: systemPrompt), LLMMessage(role: "user", content: task)]
        for iteration in 1...maxIterations {
            let reply = try await toolbox.complete(LLMRequest(model: model, messages: messages, jsonOutput: true))
            messages.append(LLMMessage(role: "assistant", content: reply.content))
            guard let object = try? JSONValue.parse(Array(reply.content.utf8)), case .object = object else {
                return (.string(reply.content), iteration)
            }
            if let final = object["final"] { return (final, iteration) }
            guard case .string(let name)? = object["tool"] else { return (object, iteration) }
            let result: JSONValue
            if let tool = tools.first(where: { $0.name == name }) {
                do {
                    result = try await tool.invoke(object["input"] ?? .object([:]), toolbox: toolbox)
                } catch {
                    result = .object(["error": .string(String(describing: error).prefix(300).description)])
                }
            } else {
                result = .object(["error": .string("unknown tool \(name.prefix(64)); available: \(tools.map(\.name).joined(separator: ", "))")])
            }
            messages.append(LLMMessage(role: "user", content: "Tool \(name) returned: " + Self.forModel(result)))
        }
        throw Exhausted(iterations: maxIterations)
    }
}
