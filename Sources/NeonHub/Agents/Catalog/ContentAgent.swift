/// The `content` agent: asks the language model for an article (or a shorter post) as JSON
/// `{title, metaDescription, outline, sections}`, assembles Markdown, analyzes it with
/// `text.analyze` and records the metric `words`. Non-JSON answers are read as Markdown.
///
/// Input `{topic, primaryKeyword, tone?, audience?, wordCount? (300–3000; default 800, 400 for posts)}`.
public struct ContentAgent: Agent {
    public var name: String { "content" }
    public var description: String { "Writes articles and posts with the language model, then analyzes them." }
    public var intents: [String] { ["article", "post"] }

    /// The model answered nothing usable.
    public struct EmptyDraftError: Error, Sendable, CustomStringConvertible {
        public var description: String { "content: the model returned an empty answer" }
    }

    /// Creates the agent.
    public init() {}

    /// Writes the piece (one `llm.complete`, one `text.analyze`, metric `words`).
    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        let intent = try AgentChecks.intent(intent, of: self)
        let fields = try InputFields.agent(input)
        let brief = ArticleBrief(
            topic: AgentChecks.collapseWhitespace(try fields.requiredString("topic", maxLength: 500)),
            primaryKeyword: AgentChecks.collapseWhitespace(try fields.requiredString("primaryKeyword", maxLength: 200)),
            tone: try fields.string("tone", maxLength: 40) ?? "informative",
            audience: try fields.string("audience", maxLength: 200) ?? "marketing teams",
            wordCount: try fields.int("wordCount", in: 300...3_000) ?? (intent == "post" ? 400 : 800))

        let response = try await toolbox.complete(Self.request(for: brief, kind: intent))
        guard !response.content.allSatisfy(\.isWhitespace) else { throw EmptyDraftError() }
        let draft = ArticleDraft.read(response.content, fallbackTitle: brief.topic)

        let analysis = try await AnalyzedText.analyze(draft.markdown, keywords: [brief.primaryKeyword], toolbox: toolbox)
        toolbox.metric("words", Double(analysis.words), unit: "count")
        return .object([
            "title": .string(draft.title),
            "metaDescription": .string(draft.metaDescription),
            "content": .string(draft.markdown),
            "outline": JSONOut.strings(draft.outline),
            "wordCount": JSONOut.int(analysis.words),
            "model": .string(response.model),
            "format": .string(draft.format),
            "fleschReadingEase": JSONOut.rounded(analysis.fleschReadingEase, places: 1),
            "keyword": .object([
                "keyword": .string(brief.primaryKeyword),
                "occurrences": JSONOut.int(analysis.keywords.first?.occurrences ?? 0),
                "density": JSONOut.rounded(analysis.keywords.first?.density ?? 0),
            ]),
        ])
    }

    /// The completion request for `brief`: system and user prompts, JSON output, the
    /// structured `.article` task (what the offline template provider builds from).
    public static func request(for brief: ArticleBrief, kind: String = "article") -> LLMRequest {
        let system = """
            You are NeonHub's senior content writer. Write original, accurate, well-structured \
            marketing content. Answer with one JSON object only: {"title": string (at most 60 \
            characters, containing the primary keyword), "metaDescription": string (120–160 \
            characters, containing the primary keyword), "outline": [string], "sections": \
            [{"heading": string, "body": string (Markdown paragraphs)}]}.
            """
        let user = """
            Write a \(kind == "post" ? "blog post" : "long-form article") of about \(brief.wordCount) words.
            Topic: \(brief.topic)
            Primary keyword: \(brief.primaryKeyword) (use it in the title, the first paragraph, at least one section heading, and at a density of 0.5–2.5%)
            Tone: \(brief.tone)
            Audience: \(brief.audience)
            Use 3–6 sections with short paragraphs and plain words.
            """
        return LLMRequest(
            model: "",
            messages: [LLMMessage(role: "system", content: system), LLMMessage(role: "user", content: user)],
            temperature: 0.7, maxTokens: brief.wordCount * 2 + 500, jsonOutput: true,
            task: .article(brief))
    }
}
