import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct TextAnalysisTests {
        let tool = TextAnalysis()

        @Test(arguments: [
            ("a", 1), ("the", 1), ("make", 1), ("makes", 1), ("table", 2), ("tables", 2), ("simple", 2),
            ("people", 2), ("jumped", 1), ("played", 1), ("wanted", 2), ("needed", 2), ("boxes", 2),
            ("changes", 2), ("marketing", 3), ("customer", 3), ("strategy", 3), ("readability", 5),
            ("beyond", 2), ("media", 3), ("social", 2), ("actual", 3), ("radio", 3), ("nation", 2),
            ("conversion", 3), ("optimization", 5), ("analytics", 4), ("lovely", 2), ("campaign", 2),
            ("email", 2), ("headline", 2), ("syllable", 3), ("message", 2), ("don't", 1), ("2026", 1),
        ])
        func syllables(_ word: String, _ expected: Int) {
            #expect(Syllables.count(word) == expected, "\(word)")
        }

        @Test func fleschForAHandCountedParagraph() {
            let paragraph = """
                Good content helps people find your brand. Write short posts with one clear message. \
                Use simple words and test each headline before you publish it.
                """
            // Hand count:
            //   S1 "Good content helps people find your brand."  7 words; syllables 1+2+1+2+1+1+1 = 9
            //   S2 "Write short posts with one clear message."    7 words; syllables 1+1+1+1+1+1+2 = 8
            //   S3 "Use simple words and test each headline before you publish it."
            //                                                  11 words; syllables 1+2+1+1+1+1+2+2+1+2+1 = 15
            //   words = 25, sentences = 3, syllables = 32
            //   Flesch = 206.835 − 1.015 × (25 / 3) − 84.6 × (32 / 25)
            //          = 206.835 − 8.458333… − 108.288
            //          = 90.088667 (to six decimals)
            let report = tool.analyze(paragraph)
            #expect(report.words == 25)
            #expect(report.sentences == 3)
            #expect(report.syllables == 32)
            #expect(abs(report.fleschReadingEase - 90.088667) < 0.000_001)
            #expect(report.paragraphs == 1)
            #expect(report.readingTimeSeconds == 7)  // 25 words at 238 wpm = 6.3 s, rounded up
        }

        @Test func markdownStructureAndKeywords() {
            let text = """
                # Content Marketing Guide

                Content marketing builds trust. Our content-marketing team knows it.

                ## Why content marketing works

                It compounds over time, e.g. old posts still rank. Content marketers agree!

                - First list item
                - Second list item

                ```swift
                let contentMarketing = "not prose"
                ```

                ### Next steps
                """
            let report = tool.analyze(text, keywords: ["content marketing", "CONTENT", "missing phrase"])
            #expect(report.headings.map(\.level) == [1, 2, 3])
            #expect(report.headings.first?.text == "Content Marketing Guide")
            #expect(report.paragraphs == 3)  // two paragraphs and one list; code is skipped
            // Words: 3 (h1) + 9 + 4 (h2) + 12 ("e.g" is one) + 3 + 3 + 2 (h3) = 36
            #expect(report.words == 36)
            // Sentences: h1, 2, h2, 2 ("e.g." does not end one), 1 per list item ×2, h3 = 9
            #expect(report.sentences == 9)
            // "content marketing": h1, paragraph 1, h2 — "content-marketing" is one word and
            // "Content marketers" is another phrase, so neither counts.
            #expect(report.keywords[0].occurrences == 3)
            #expect(abs(report.keywords[0].density - 3.0 / 36 * 100) < 1e-9)
            #expect(report.keywords[1].occurrences == 4)  // content ×4 as a whole word
            #expect(report.keywords[2].occurrences == 0)
        }

        @Test func toolOutputThroughTheToolbox() async throws {
            let toolbox = RecordingToolbox()
            let words = Array(repeating: "word", count: 476).joined(separator: " ") + "."
            let output = try await tool.invoke(.object(["text": .string(words), "keywords": .array([.string("word")])]), toolbox: toolbox)
            #expect(toolbox.toolNames == ["text.analyze"])
            #expect(output["words"] == .number(476))
            #expect(output["readingTimeMinutes"] == .number(2))  // 476 / 238 = 2 minutes exactly
            #expect(output["readingTimeSeconds"] == .number(120))
            #expect(output["keywords"]?.testArray.first?["density"] == .number(100))
            #expect(output["headingCounts"]?["h2"] == .number(0))
            #expect(throws: ToolInputError.self) { try tool.run(.object(["text": .number(1)])) }
        }

        @Test func linkTargetsAreNotWords() {
            let report = tool.analyze("Read [our guide](https://example.com/how-to-grow) and ![a chart](chart.png) today [1].")
            #expect(report.words == 8)  // Read our guide and a chart today 1
            #expect(report.sentences == 1)
        }

        @Test func curlyApostrophesMatchStraightKeywords() {
            #expect(WordTokenizer.normalized("Don’t") == "don't")
            #expect(WordTokenizer.normalized("Café") == "café")
            let report = TextAnalysis().analyze("We don’t guess. Don't you?", keywords: ["don't"])
            #expect(report.keywords.first?.occurrences == 2)
        }

        @Test func emptyTextIsZeroNotNaN() {
            let report = tool.analyze("   \n\n  ")
            #expect(report.words == 0)
            #expect(report.sentences == 0)
            #expect(report.fleschReadingEase == 0)
            #expect(report.readingTimeSeconds == 0)
        }
    }
}
