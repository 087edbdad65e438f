/// The `seo` agent: analyzes an article for a primary keyword — density and placement (title,
/// first paragraph, subheadings, meta description), Flesch reading ease, length and heading
/// structure — and answers a 0–100 score with concrete suggestions. Deterministic.
///
/// Input `{content (Markdown), primaryKeyword, title?, metaDescription?}`; without `title`
/// the first H1 of the content is the title.
public struct SEOAgent: Agent {
    public var name: String { "seo" }
    public var description: String { "Scores an article for a keyword: density, placement, readability, length, headings; suggests fixes." }
    public var intents: [String] { ["analyze"] }

    /// Creates the agent.
    public init() {}

    /// Analyzes the content (one `text.analyze` call through the toolbox).
    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        _ = try AgentChecks.intent(intent, of: self)
        let fields = try InputFields.agent(input)
        let content = try fields.requiredString("content", maxLength: TextAnalysis.maxLength)
        let keyword = AgentChecks.collapseWhitespace(try fields.requiredString("primaryKeyword", maxLength: 200))
        let givenTitle = try fields.string("title", maxLength: 1_000)
        let meta = try fields.string("metaDescription", maxLength: 5_000).map(AgentChecks.collapseWhitespace)

        let analysis = try await AnalyzedText.analyze(content, keywords: [keyword], toolbox: toolbox)
        let document = MarkdownDocument(content)
        let title = (givenTitle ?? analysis.headings.first { $0.level == 1 }?.text).map(AgentChecks.collapseWhitespace)
        func contains(_ text: String?) -> Bool { text.map { KeywordMatcher.occurrences(of: keyword, in: $0) > 0 } ?? false }

        let facts = SEOFacts(
            keyword: keyword,
            words: analysis.words,
            sentences: analysis.sentences,
            flesch: analysis.fleschReadingEase,
            occurrences: analysis.keywords.first?.occurrences ?? 0,
            density: analysis.keywords.first?.density ?? 0,
            title: title,
            metaDescription: meta,
            inTitle: contains(title),
            inFirstParagraph: contains(document.firstParagraph),
            inHeadings: analysis.headings.contains { (2...3).contains($0.level) && contains($0.text) },
            inMetaDescription: contains(meta),
            h1: analysis.headingCount(level: 1),
            h2: analysis.headingCount(level: 2),
            h3: analysis.headingCount(level: 3))
        return facts.report
    }
}
