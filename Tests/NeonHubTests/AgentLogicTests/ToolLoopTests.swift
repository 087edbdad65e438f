import Testing

@testable import NeonHub

extension AgentLogicTests {
    /// The LLM tool loop: tool requests run real tools, results go back, the loop is bounded.
    @Suite struct ToolLoopTests {
        @Test func modelCallsToolsThenAnswers() async throws {
            let toolbox = RecordingToolbox(answers: [
                #"{"tool":"calculator","input":{"expression":"1200/238*60"}}"#,
                #"{"tool":"nope","input":{}}"#,
                #"{"final":{"seconds":302.5}}"#,
            ])
            let (final, steps) = try await ToolLoop().run(task: "How many seconds to read 1,200 words?", toolbox: toolbox)
            #expect(final == .object(["seconds": .number(302.5)]))
            #expect(steps == 3)
            #expect(toolbox.toolNames.filter { $0 == "calculator" }.count == 1)
            #expect(toolbox.toolNames.filter { $0 == "llm.complete" }.count == 3)
        }

        @Test func plainTextIsTheFinalAnswer() async throws {
            let toolbox = RecordingToolbox(answers: ["Just publish on Tuesday mornings."])
            let (final, steps) = try await ToolLoop().run(task: "When should we post?", toolbox: toolbox)
            #expect(final == .string("Just publish on Tuesday mornings."))
            #expect(steps == 1)
        }

        @Test func loopIsBoundedByMaxIterations() async throws {
            let toolbox = RecordingToolbox(answers: [#"{"tool":"calculator","input":{"expression":"1+1"}}"#])
            await #expect(throws: ToolLoop.Exhausted.self) {
                _ = try await ToolLoop(maxIterations: 4).run(task: "loop forever", toolbox: toolbox)
            }
            #expect(toolbox.toolNames.filter { $0 == "llm.complete" }.count == 4)
            #expect(toolbox.toolNames.filter { $0 == "calculator" }.count == 4)
        }

        /// A tool that answers a megabyte (a connector read of a whole mailbox).
        struct HugeTool: AgentTool {
            let name = "huge"
            let description = "answers a lot"
            func invoke(_ input: JSONValue, toolbox: any AgentToolbox) async throws -> JSONValue {
                .object(["items": .array((0..<20_000).map { .string("row \($0) ünïcode padding padding padding") })])
            }
        }

        /// Found by a review: every tool result went back into the prompt whole and was sent
        /// again at every later turn; a large read made a prompt the provider refuses.
        @Test func aHugeToolResultIsCutBeforeItReachesTheModel() async throws {
            let toolbox = RecordingToolbox(answers: [#"{"tool":"huge","input":{}}"#, #"{"tool":"huge","input":{}}"#, #"{"final":"ok"}"#])
            let (final, steps) = try await ToolLoop(tools: [HugeTool()]).run(task: "read everything", toolbox: toolbox)
            #expect(final == .string("ok") && steps == 3)
            let last = try #require(toolbox.requests.last)
            let size = last.messages.reduce(0) { $0 + $1.content.utf8.count }
            #expect(size < 3 * ToolLoop.maxToolResultBytes, "the last prompt is \(size) bytes")
            let result = try #require(last.messages.last { $0.content.hasPrefix("Tool huge returned: ") })
            #expect(result.content.contains("row 0 ") && result.content.contains("[cut: the result is"))
            #expect(!result.content.contains("\u{FFFD}"))
            // Small results go back whole.
            #expect(ToolLoop.forModel(.object(["n": .number(1)])) == #"{"n":1}"#)
        }

        @Test func assistantAgentReportsSteps() async throws {
            let toolbox = RecordingToolbox(answers: [
                #"{"tool":"datetime","input":{"operation":"addBusinessDays","date":"2026-11-20","days":1}}"#, #"{"final":"Monday"}"#,
            ])
            let output = try await AssistantAgent().run(
                .object(["question": .string("Next business day after Friday 2026-11-20?")]), intent: "ask", toolbox: toolbox)
            #expect(output["answer"] == .string("Monday"))
            #expect(output["steps"] == .number(2))
            #expect(toolbox.toolNames.contains("datetime"))
            await #expect(throws: AgentInputError.self) { _ = try await AssistantAgent().run(.object([:]), intent: "ask", toolbox: toolbox) }
        }
    }
}
