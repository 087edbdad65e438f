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
