import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct ContentAgentTests {
        static let jsonAnswer = """
            {"title": "Email Marketing Basics for Busy Teams",
             "metaDescription": "A short guide to email marketing for busy teams.",
             "outline": ["Why it works", "Getting started"],
             "sections": [
               {"heading": "Why it works", "body": "Email marketing reaches people who asked to hear from you. It is cheap and easy to measure."},
               {"heading": "## Getting started", "body": ["Pick one goal.", "Write one clear message a week."]}
             ]}
            """

        func run(_ answer: String, fields: [String: JSONValue]? = nil, intent: String = "article") async throws -> (JSONValue, RecordingToolbox) {
            let toolbox = RecordingToolbox(model: "gpt-test", answers: [answer])
            let input =
                fields ?? [
                    "topic": .string("Email marketing for small teams"), "primaryKeyword": .string("email marketing"),
                    "tone": .string("friendly"), "audience": .string("founders"), "wordCount": .number(600),
                ]
            let output = try await ContentAgent().run(.object(input), intent: intent, toolbox: toolbox)
            return (output, toolbox)
        }

        @Test func assemblesAJSONAnswer() async throws {
            let (out, toolbox) = try await run(Self.jsonAnswer)
            #expect(toolbox.toolNames == ["llm.complete", "text.analyze"])
            let request = try #require(toolbox.requests.first)
            #expect(request.jsonOutput)
            #expect(request.model == "")
            #expect(request.messages.map(\.role) == ["system", "user"])
            #expect(request.messages[1].content.contains("Primary keyword: email marketing"))
            #expect(
                request.task
                    == .article(
                        ArticleBrief(
                            topic: "Email marketing for small teams", primaryKeyword: "email marketing",
                            tone: "friendly", audience: "founders", wordCount: 600)))

            #expect(out["title"] == .string("Email Marketing Basics for Busy Teams"))
            #expect(out["metaDescription"] == .string("A short guide to email marketing for busy teams."))
            #expect(out["outline"]?.testStrings == ["Why it works", "Getting started"])
            #expect(out["model"] == .string("gpt-test"))
            #expect(out["format"] == .string("json"))
            let content = try #require(out["content"]?.testString)
            #expect(
                content == """
                    # Email Marketing Basics for Busy Teams

                    ## Why it works

                    Email marketing reaches people who asked to hear from you. It is cheap and easy to measure.

                    ## Getting started

                    Pick one goal.

                    Write one clear message a week.
                    """)
            // 6 (title) + 3 + 17 + 2 + 3 + 6 = 37 words
            #expect(out["wordCount"] == .number(37))
            #expect(toolbox.metrics == [RecordingToolbox.Metric(name: "words", value: 37, unit: "count")])
            #expect(out["keyword"]?["occurrences"] == .number(2))
        }

        @Test func readsANonJSONAnswerAsMarkdown() async throws {
            let markdown = """
                Sure! Here is your article.

                # Five Email Marketing Wins

                Email marketing still pays. Start with a welcome series.

                ## Segment your list

                Send the right message to the right people.
                """
            let (out, toolbox) = try await run(markdown, intent: "post")
            #expect(toolbox.toolNames == ["llm.complete", "text.analyze"])
            #expect(out["format"] == .string("markdown"))
            #expect(out["title"] == .string("Five Email Marketing Wins"))
            #expect(out["outline"]?.testStrings == ["Segment your list"])
            #expect(out["metaDescription"] == .string("Sure! Here is your article."))
            #expect(out["content"]?.testString == markdown)
            // 5 + 4 (title) + 9 + 3 + 8 = 29 words
            #expect(out["wordCount"] == .number(29))
            #expect(toolbox.metrics.first?.value == 29)
        }

        @Test func plainTextWithoutHeadingGetsTheTopicAsTitle() async throws {
            let (out, _) = try await run("Just a paragraph about email marketing, with no structure at all.")
            #expect(out["title"] == .string("Email marketing for small teams"))
            #expect(out["content"]?.testString?.hasPrefix("# Email marketing for small teams\n\n") == true)
        }

        @Test func fencedJSONIsStillJSON() async throws {
            let (out, _) = try await run("```json\n" + Self.jsonAnswer + "\n```")
            #expect(out["format"] == .string("json"))
            #expect(out["title"] == .string("Email Marketing Basics for Busy Teams"))
        }

        @Test func defaultsAndValidation() async throws {
            let (_, toolbox) = try await run(Self.jsonAnswer, fields: ["topic": .string("T"), "primaryKeyword": .string("k")])
            #expect(toolbox.requests.first?.task == .article(ArticleBrief(topic: "T", primaryKeyword: "k")))
            await #expect(throws: AgentInputError.self) {
                _ = try await run(Self.jsonAnswer, fields: ["topic": .string("T"), "primaryKeyword": .string("k"), "wordCount": .number(100)])
            }
            await #expect(throws: AgentInputError.self) { _ = try await run(Self.jsonAnswer, fields: ["topic": .string("T")]) }
            await #expect(throws: ContentAgent.EmptyDraftError.self) { _ = try await run("  \n") }
        }
    }
}
