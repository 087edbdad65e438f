import Foundation
import Testing

@testable import NeonHub

extension LLMTests {
    /// The offline template provider: structure, sizing, keyword placement, determinism,
    /// variety across topics and tones, and usage estimates.
    @Suite struct TemplateProviderTests {
        /// The JSON contract of an article answer (decoding fails on a missing key).
        struct ArticleJSON: Decodable {
            struct Section: Decodable { var heading: String; var body: String }
            var title: String
            var metaDescription: String
            var outline: [String]
            var sections: [Section]

            var bodyText: String { sections.map(\.body).joined(separator: "\n\n") }
            var bodyWords: Int { bodyText.split(whereSeparator: \.isWhitespace).count }
        }

        static let tones = ["friendly", "professional", "authoritative", "playful", "informative"]

        func brief(
            _ words: Int = 800, tone: String = "professional", topic: String = "Growing a B2B newsletter audience",
            keyword: String = "newsletter growth", audience: String = "B2B marketers"
        ) -> ArticleBrief {
            ArticleBrief(topic: topic, primaryKeyword: keyword, tone: tone, audience: audience, wordCount: words)
        }

        func article(_ brief: ArticleBrief) async throws -> (ArticleJSON, LLMResponse) {
            let request = LLMRequest(
                model: "template-v1", messages: [LLMMessage(role: "user", content: "Write about \(brief.topic)")],
                jsonOutput: true, task: .article(brief))
            let response = try await TemplateProvider().complete(request)
            return (try JSONDecoder().decode(ArticleJSON.self, from: Data(response.content.utf8)), response)
        }

        @Test(arguments: [300, 800, 1500, 2000], tones)
        func articlesHitTheWordCountAndPlaceTheKeyword(words: Int, tone: String) async throws {
            let keyword = "newsletter growth"
            let (article, _) = try await article(brief(words, tone: tone, keyword: keyword))
            let ratio = Double(article.bodyWords) / Double(words)
            #expect(ratio >= 0.85 && ratio <= 1.15, "\(article.bodyWords) words for \(words)")
            #expect(article.title.lowercased().contains(keyword))
            let firstParagraph = article.sections[0].body.components(separatedBy: "\n\n")[0]
            #expect(firstParagraph.lowercased().contains(keyword))
            #expect(article.metaDescription.count <= 160)
            #expect(article.metaDescription.lowercased().contains(keyword))
            #expect(article.outline == article.sections.map(\.heading))
            #expect((4...6).contains(article.sections.count))
            #expect(article.title.count <= 60)
            #expect(article.metaDescription.count >= 120)
            // Keyword density over the whole text stays in the 0.5–2.5 % the content agent asks for.
            let text = ([article.title] + article.sections.flatMap { [$0.heading, $0.body] }).joined(separator: " ").lowercased()
            let uses = text.components(separatedBy: keyword).count - 1
            let density = Double(uses) / Double(text.split(whereSeparator: \.isWhitespace).count) * 100
            #expect(density >= 0.5 && density <= 2.5, "density \(density)")
            #expect(article.sections.dropFirst().dropLast().allSatisfy { $0.heading.lowercased().contains(keyword) })
            #expect(Set(article.outline).count == article.outline.count)
            let lower = article.bodyText.lowercased()
            #expect(!lower.contains("lorem") && !lower.contains("{"))
        }

        @Test(arguments: tones)
        func theConclusionEndsWithACallToAction(tone: String) async throws {
            let keyword = "webinar funnels"
            let (article, _) = try await article(brief(900, tone: tone, keyword: keyword))
            let lastParagraph = article.sections.last!.body.components(separatedBy: "\n\n").last!
            let ctas = ToneVoice.named(tone).callsToAction.map { $0.replacingOccurrences(of: "{kw}", with: keyword) }
            #expect(ctas.contains(lastParagraph))
        }

        @Test func sentencesAreNotRepeatedWithinAnArticle() async throws {
            for words in [300, 800, 1500, 2000] {
                let (article, _) = try await article(brief(words, tone: "friendly"))
                let sentences = article.bodyText.components(separatedBy: CharacterSet(charactersIn: ".?!\n"))
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count > 20 }
                #expect(Set(sentences).count == sentences.count, "\(words) words")
            }
        }

        @Test func theSameRequestGivesTheSameAnswer() async throws {
            let (a, ra) = try await article(brief(1200, tone: "playful"))
            let (b, rb) = try await article(brief(1200, tone: "playful"))
            #expect(ra == rb)
            #expect(a.title == b.title)
        }

        @Test func differentTopicsReadDifferently() async throws {
            let (a, _) = try await article(brief(800, topic: "Launching a podcast for a SaaS brand", keyword: "podcast marketing"))
            let (b, _) = try await article(brief(800, topic: "Winning local customers with Google reviews", keyword: "review management"))
            #expect(a.bodyText.contains("podcast marketing") && !a.bodyText.contains("review management"))
            // Not just the keyword swapped: with the names masked the texts still differ.
            let maskedA = a.bodyText.replacingOccurrences(of: "podcast marketing", with: "X")
            let maskedB = b.bodyText.replacingOccurrences(of: "review management", with: "X")
            #expect(maskedA != maskedB)
            #expect(
                a.outline.map { $0.replacingOccurrences(of: "Podcast Marketing", with: "X") }
                    != b.outline.map { $0.replacingOccurrences(of: "Review Management", with: "X") })
        }

        @Test func toneChangesTheWording() async throws {
            let (friendly, _) = try await article(brief(1000, tone: "friendly"))
            let (authoritative, _) = try await article(brief(1000, tone: "authoritative"))
            #expect(friendly.bodyText != authoritative.bodyText)
            #expect(friendly.title != authoritative.title)
            func uses(_ voice: ToneVoice, _ text: String) -> Bool { voice.asides.contains { text.contains($0) } }
            #expect(uses(.friendly, friendly.bodyText) && !uses(.authoritative, friendly.bodyText))
            #expect(uses(.authoritative, authoritative.bodyText) && !uses(.friendly, authoritative.bodyText))
            #expect(ToneVoice.named("Warm and casual").name == "friendly")
            #expect(ToneVoice.named("witty").name == "playful")
            #expect(ToneVoice.named("neutral").name == "informative")
        }

        @Test func longKeywordsAndAudiencesStillFitTheMetaDescription() async throws {
            let keyword = "account-based marketing for enterprise cybersecurity vendors"
            let (article, response) = try await article(
                brief(
                    600, tone: "friendly", keyword: keyword,
                    audience: "demand generation leaders at mid-market and enterprise \"security\" companies"))
            #expect(article.metaDescription.count <= 160)
            #expect(article.metaDescription.lowercased().contains(keyword))
            #expect(article.title.lowercased().contains(keyword))
            #expect(response.content.contains(#"\"security\""#))
        }

        @Test func theAudienceShowsInTheText() async throws {
            let (article, _) = try await article(brief(800, audience: "dental clinic owners"))
            #expect(article.bodyText.contains("dental clinic owners"))
        }

        @Test func withoutJSONTheArticleIsMarkdown() async throws {
            let b = brief(500)
            let request = LLMRequest(model: "template-v1", messages: [], task: .article(b))
            let content = try await TemplateProvider().complete(request).content
            let (json, _) = try await article(b)
            #expect(content.hasPrefix("# \(json.title)\n"))
            for heading in json.outline { #expect(content.contains("\n## \(heading)\n")) }
        }

        @Test func textTasksGetAShortDeterministicReply() async throws {
            let provider = TemplateProvider()
            func ask(_ text: String, json: Bool = false) async throws -> String {
                try await provider.complete(
                    LLMRequest(
                        model: "template-v1",
                        messages: [
                            LLMMessage(role: "system", content: "You are helpful."), LLMMessage(role: "user", content: text),
                        ], jsonOutput: json)
                ).content
            }
            let a = try await ask("How should we price our webinar sponsorships?")
            #expect(a == (try await ask("How should we price our webinar sponsorships?")))
            #expect(a.contains("How should we price our webinar sponsorships"))
            #expect(a != (try await ask("What is a good cadence for social posts?")))
            #expect(a.split(separator: " ").count < 80)
            let json = try await ask("Summarise our Q3 results", json: true)
            let object = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
            #expect(object["text"]?.contains("Summarise our Q3 results") == true)
        }

        @Test func usageIsEstimatedAtFourCharactersPerToken() async throws {
            let messages = [LLMMessage(role: "system", content: "12345"), LLMMessage(role: "user", content: "abcd")]  // 9 chars
            let response = try await TemplateProvider().complete(LLMRequest(model: "gpt-4o-mini", messages: messages))
            #expect(response.usage.inputTokens == 3)
            #expect(response.usage.outputTokens == (response.content.count + 3) / 4)
            #expect(response.usage.cachedTokens == 0)
            #expect(response.model == "template-v1")
            #expect(response.finishReason == "stop")
            #expect(TemplateProvider.estimatedTokens(characters: 8) == 2)
            #expect(TemplateProvider.estimatedTokens(characters: 9) == 3)
        }
    }
}
