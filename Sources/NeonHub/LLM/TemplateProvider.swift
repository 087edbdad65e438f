/// The offline provider (the default with no API key): deterministic text assembled from
/// the request — the same request always gets the same answer, with no network.
///
/// An `.article` task gets a full article (title with the keyword, an introduction that uses
/// it in its first paragraph, H2 sections sized to the word count, a meta description of at
/// most 160 characters, a conclusion with a call to action), as JSON when `jsonOutput` is
/// set and as markdown otherwise. A `.text` task gets a short reply to the last user message.
/// Token usage is estimated as ⌈characters / 4⌉.
public struct TemplateProvider: LLMProvider {
    /// `template`.
    public let name = "template"
    /// `template-v1`.
    public let defaultModel = "template-v1"

    /// Creates the provider.
    public init() {}

    /// Answers `request` offline. The reported model is the requested one when it names a
    /// template model (`template-…`), otherwise `template-v1`, so costs are never booked
    /// against a paid model this provider did not call.
    public func complete(_ request: LLMRequest) async throws -> LLMResponse {
        try Task.checkCancellation()
        let content: String
        switch request.task {
        case .article(let brief):
            let article = ArticleComposer(brief: brief).compose()
            content = request.jsonOutput ? article.jsonText() : article.markdown()
        case .text:
            content = reply(to: request)
        }
        let model = request.model.lowercased().hasPrefix("template") ? request.model : defaultModel
        let inputCharacters = request.messages.reduce(0) { $0 + $1.content.count }
        let usage = LLMUsage(
            inputTokens: Self.estimatedTokens(characters: inputCharacters),
            outputTokens: Self.estimatedTokens(characters: content.count))
        return LLMResponse(content: content, model: model, usage: usage, finishReason: "stop")
    }

    /// ⌈characters / 4⌉.
    public static func estimatedTokens(characters: Int) -> Int {
        (max(0, characters) + 3) / 4
    }

    /// A short reply built from the last user message (JSON `{"text": …}` when asked).
    func reply(to request: LLMRequest) -> String {
        let message = request.messages.last { $0.role == "user" }?.content ?? request.messages.last?.content ?? ""
        let cleaned = ArticleSlots.clean(message)
        var rng = SeededGenerator(seed: StableHash.fnv1a([cleaned]))
        let subjectWords = cleaned.split(separator: " ").prefix(12)
        let subject =
            subjectWords.isEmpty
            ? "your question"
            : "“" + subjectWords.joined(separator: " ")
                + (cleaned.split(separator: " ").count > 12 ? "…”" : "”")
        let advice = rng.shuffled(ArticlePhrases.replyAdvice).prefix(2).joined(separator: " ")
        let text = "\(rng.pick(ArticlePhrases.replyOpeners)) \(subject): \(advice)"
        guard request.jsonOutput else { return text }
        return TemplateArticle.jsonObject(["text": text])
    }
}
