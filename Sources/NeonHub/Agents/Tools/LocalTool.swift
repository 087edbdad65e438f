/// A deterministic tool that runs in-process (no network, no code evaluation). Agents call it
/// through `invoke(_:toolbox:)` so that the toolbox records the execution.
public protocol LocalTool: AgentTool {
    /// The time limit the toolbox enforces for one call.
    var timeout: Duration { get }
    /// Runs the tool on JSON input and answers JSON output (throws on invalid input).
    func run(_ input: JSONValue) throws -> JSONValue
}

extension LocalTool {
    /// The default time limit: local tools are fast, so two seconds is generous.
    public var timeout: Duration { .seconds(2) }

    /// Runs the tool through the toolbox, which records input, output, status and duration.
    public func invoke(_ input: JSONValue, toolbox: any AgentToolbox) async throws -> JSONValue {
        try Task.checkCancellation()
        return try await toolbox.callSynchronously(name, input: input) { try self.run(input) }
    }
}

/// The registry of local tools, for the orchestrator's tool loop and `agents.list`.
public enum LocalTools {
    /// Every local tool: calculator, date-time and text analysis.
    public static let all: [any LocalTool] = [Calculator(), DateTimeTool(), TextAnalysis()]

    /// The local tool with this name, if any.
    public static func tool(named name: String) -> (any LocalTool)? {
        all.first { $0.name == name }
    }
}

/// Invalid input to a local tool; the message names the field.
public struct ToolInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The tool that rejected its input.
    public var tool: String
    /// What is wrong, e.g. `timeZone: unknown time zone "Mars/Base"`.
    public var message: String

    /// Creates an error.
    public init(tool: String, _ message: String) {
        self.tool = tool
        self.message = message
    }

    public var description: String { "\(tool): \(message)" }
}
