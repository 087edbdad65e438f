import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct SEOAgentTests {
        static let article = """
            # Email Marketing for Small Businesses

            Email marketing is still the best way for a small business to talk to its customers. \
            It costs little, you own the list, and every message can be measured. This guide shows \
            you how to start, what to send, and how to grow a list that buys.

            ## Why email marketing works

            Social feeds change every week, but your list stays yours. People who join your list \
            asked to hear from you, so they open, read and click more than any other audience. \
            A simple plan with one clear goal per message beats a busy newsletter. Keep each email \
            short, friendly and useful. Tell readers what to do next and make the button easy to find.

            ## Build a list people want to join

            Offer something of real value in return for an address. A short checklist, a discount \
            on the first order, or early access to a new product all work well. Put the sign-up form \
            on your home page, on every blog post, and at checkout. Ask only for an email address at \
            first; you can learn more later. Send a warm welcome message the same day, while the \
            reader still remembers you.

            ## Plan a simple schedule

            Pick a pace you can keep. For most small shops, one email a week is plenty. Plan your \
            topics a month ahead: a tip, a story from a customer, a product in use, and an offer. \
            Write subject lines that are clear rather than clever, and test two versions when you can. \
            Look at opens and clicks each month, drop what does not work, and do more of what does.

            ## Measure what matters

            Track the number of people who click and the number who buy. Opens are a rough signal, \
            but sales tell the real story. Clean your list every few months and remove people who \
            never open, so your messages keep reaching the inbox. Good email marketing grows slowly, \
            then all at once, so be patient and keep sending useful mail.
            """

        static let meta =
            "Learn email marketing for small businesses: build a list, plan a simple schedule and measure what matters, with tips you can use this week."

        func run(_ fields: [String: JSONValue]) async throws -> (JSONValue, RecordingToolbox) {
            let toolbox = RecordingToolbox()
            let output = try await SEOAgent().run(.object(fields), intent: "analyze", toolbox: toolbox)
            return (output, toolbox)
        }

        @Test func realisticArticleScoresWell() async throws {
            let (out, toolbox) = try await run([
                "content": .string(Self.article), "primaryKeyword": .string("email marketing"),
                "metaDescription": .string(Self.meta),
            ])
            #expect(toolbox.toolNames == ["text.analyze"])
            let keyword = try #require(out["keyword"])
            #expect(keyword["inTitle"] == .bool(true))  // title taken from the H1
            #expect(keyword["inFirstParagraph"] == .bool(true))
            #expect(keyword["inHeadings"] == .bool(true))
            #expect(keyword["inMetaDescription"] == .bool(true))
            #expect(keyword["occurrences"] == .number(4))  // H1, first paragraph, H2, last paragraph
            let words = try #require(out["wordCount"]?.testInt)
            #expect(words > 300)
            let density = try #require(keyword["density"]?.testNumber)
            #expect(abs(density - (4.0 / Double(words) * 100)) < 0.01)
            #expect((0.5...2.5).contains(density))
            #expect(out["headings"] == .object(["h1": .number(1), "h2": .number(4), "h3": .number(0)]))
            #expect(out["titleLength"] == .number(36))
            #expect(out["metaDescriptionLength"]?.testInt == Self.meta.count)
            let flesch = try #require(out["fleschReadingEase"]?.testNumber)
            #expect(flesch > 60)
            #expect(out["readingLevel"]?.testString == SEOFacts.readingLevel(flesch))
            #expect(out["suggestions"]?.testStrings == [])
            #expect(out["score"] == .number(100))
        }

        @Test func removingTheKeywordFromTheTitleProducesSuggestions() async throws {
            let (out, _) = try await run([
                "content": .string(Self.article), "primaryKeyword": .string("email marketing"),
                "title": .string("A Practical Guide to Growing Your Small Business Audience Online Fast"),
            ])
            #expect(out["keyword"]?["inTitle"] == .bool(false))
            let suggestions = out["suggestions"]?.testStrings ?? []
            #expect(suggestions.contains("Add the primary keyword \"email marketing\" to the title."))
            #expect(suggestions.contains { $0.hasPrefix("Shorten the title to 60 characters or fewer (it has 69)") })
            #expect(suggestions.contains { $0.hasPrefix("Write a meta description") })
            #expect(try #require(out["score"]?.testInt) <= 70)  // −15 title keyword, −5 title length, −15 meta
        }

        @Test func thinStuffedContentGetsEveryRelevantSuggestion() async throws {
            let content = """
                Buy shoes. Shoes shoes shoes. Our shoes are shoes for shoes lovers.

                More text about running here without the word.
                """
            let (out, _) = try await run([
                "content": .string(content), "primaryKeyword": .string("Shoes"),
                "title": .string("Shoes"), "metaDescription": .string("Shoes."),
            ])
            let suggestions = out["suggestions"]?.testStrings ?? []
            #expect(suggestions.contains { $0.hasPrefix("Keyword density is") && $0.contains("above 2.5%") })
            #expect(suggestions.contains { $0.hasPrefix("Add H2 subheadings") })
            #expect(suggestions.contains("Expand the content to at least 300 words (it has 20)."))
            #expect(suggestions.contains { $0.hasPrefix("Lengthen the title") })
            #expect(suggestions.contains { $0.hasPrefix("Lengthen the meta description") })
            #expect(out["keyword"]?["occurrences"] == .number(7))
        }

        @Test func lowDensityAndHardReadingAreFlagged() async throws {
            let sentence =
                "Organizational transformation initiatives necessitate comprehensive stakeholder communication, "
                + "cross-functional alignment, and continuous measurement of quantifiable performance indicators throughout implementation."
            let content = "# Marketing analytics\n\n" + Array(repeating: sentence, count: 30).joined(separator: " ")
            let (out, _) = try await run(["content": .string(content), "primaryKeyword": .string("marketing analytics")])
            let suggestions = out["suggestions"]?.testStrings ?? []
            #expect(suggestions.contains { $0.hasPrefix("Keyword density is 0.2%") && $0.contains("below 0.5%") })
            #expect(suggestions.contains { $0.hasPrefix("Use \"marketing analytics\" in the first paragraph") })
            #expect(suggestions.contains { $0.hasPrefix("Improve readability") })
            #expect(out["readingLevel"] == .string("very difficult"))
        }

        @Test func missingFieldsAreBadInput() async {
            await #expect(throws: AgentInputError.self) { _ = try await run(["content": .string("Hello")]) }
            await #expect(throws: AgentInputError.self) { _ = try await run(["primaryKeyword": .string("x")]) }
            await #expect(throws: AgentInputError.self) {
                _ = try await SEOAgent().run(
                    .object(["content": .string("x"), "primaryKeyword": .string("x")]),
                    intent: "compose", toolbox: RecordingToolbox())
            }
        }
    }
}
