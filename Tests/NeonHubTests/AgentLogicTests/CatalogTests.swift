import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct CatalogTests {
        @Test func catalogListsAndFindsTheAgents() {
            #expect(AgentCatalog.all.map(\.name) == ["content", "seo", "social", "email", "support", "assistant", "echo"])
            #expect(AgentCatalog.agent(named: "seo") is SEOAgent)
            #expect(AgentCatalog.agent(named: "nope") == nil)
            #expect(AgentCatalog.agent(forIntent: "triage")?.name == "support")
            #expect(AgentCatalog.agent(forIntent: "subject_lines")?.name == "email")
            #expect(AgentCatalog.agent(forIntent: "posts")?.name == "social")
            #expect(AgentCatalog.agent(forIntent: "post")?.name == "content")
            #expect(AgentCatalog.agent(forIntent: "dance") == nil)
            let intents = AgentCatalog.all.flatMap(\.intents)
            #expect(Set(intents).count == intents.count)  // no intent is ambiguous
            #expect(AgentCatalog.all.allSatisfy { !$0.description.isEmpty })
        }

        @Test func everyAgentRecordsAToolCallWithItsDefaultIntent() async throws {
            let inputs: [String: JSONValue] = [
                "content": .object(["topic": .string("Spring sale"), "primaryKeyword": .string("spring sale")]),
                "seo": .object(["content": .string("# Spring sale\n\nOur spring sale starts now."), "primaryKeyword": .string("spring sale")]),
                "social": .object(["brief": .string("Our spring sale starts Monday.")]),
                "email": .object(["campaign": .string("Announce our spring sale to loyal customers.")]),
                "support": .object(["message": .string("Where is my invoice?")]),
                "echo": .object(["text": .string("Spring sale starts now.")]),
                "assistant": .object(["question": .string("How long is a 1,200-word post to read?")]),
            ]
            for agent in AgentCatalog.all {
                let toolbox = RecordingToolbox(answers: ["# Spring sale\n\nIt starts now."])
                let output = try await agent.run(try #require(inputs[agent.name]), intent: "", toolbox: toolbox)
                #expect(toolbox.toolNames.contains(agent.name == "assistant" ? "llm.complete" : "text.analyze"), "\(agent.name)")
                #expect(output != .null)
            }
            // The echo agent's run is exactly two tool calls (the agents.run benchmark relies on it).
            let echo = RecordingToolbox(answers: [])
            let output = try await EchoAgent().run(.object(["text": .string("one two three")]), intent: "", toolbox: echo)
            #expect(echo.toolNames == ["text.analyze", "datetime"])
            #expect(output["words"] == .number(3))
        }
    }
}
