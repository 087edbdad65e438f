/// The `text.analyze` tool: word, sentence and syllable counts, Flesch reading ease, Markdown
/// headings and paragraphs, keyword occurrences and density, and reading time.
///
/// Tool input `{"text": String, "keywords"?: [String], "wordsPerMinute"?: Int}`.
public struct TextAnalysis: LocalTool {
    /// The longest text accepted, in characters.
    public static let maxLength = 500_000
    /// The default reading speed (adult silent reading of non-fiction).
    public static let defaultWordsPerMinute = 238

    public var name: String { "text.analyze" }
    public var description: String { "Counts words, sentences and syllables; Flesch reading ease; headings; keyword density; reading time." }

    /// Creates the tool.
    public init() {}

    /// Analyzes `text` (Markdown or plain), counting `keywords` case-insensitively as whole phrases.
    public func analyze(_ text: String, keywords: [String] = [], wordsPerMinute: Int = defaultWordsPerMinute) -> TextAnalysisReport {
        let document = MarkdownDocument(text)
        var words = 0, sentences = 0, syllables = 0, characters = 0
        var keywordCounts = Array(repeating: 0, count: keywords.count)
        let needles = keywords.map(WordTokenizer.normalizedWords)
        for block in document.blocks {
            let blockWords = WordTokenizer.words(block.text)
            words += blockWords.count
            syllables += blockWords.reduce(0) { $0 + Syllables.count($1) }
            characters += blockWords.reduce(0) { $0 + $1.count }
            if case .heading = block.kind {
                sentences += blockWords.isEmpty ? 0 : 1
            } else {
                sentences += Self.sentenceCount(block.text)
            }
            let normalized = blockWords.map(WordTokenizer.normalized)
            for (k, needle) in needles.enumerated() {
                keywordCounts[k] += KeywordMatcher.occurrences(of: needle, inWords: normalized)
            }
        }
        let flesch =
            words == 0 || sentences == 0
            ? 0
            : 206.835 - 1.015 * (Double(words) / Double(sentences)) - 84.6 * (Double(syllables) / Double(words))
        let wpm = Double(max(1, wordsPerMinute))
        return TextAnalysisReport(
            words: words, sentences: sentences, syllables: syllables, characters: characters,
            paragraphs: document.paragraphCount,
            headings: document.headings.map { TextAnalysisReport.Heading(level: $0.level, text: $0.text) },
            fleschReadingEase: flesch,
            keywords: zip(keywords, keywordCounts).map { keyword, count in
                TextAnalysisReport.Keyword(
                    keyword: keyword, occurrences: count,
                    density: words == 0 ? 0 : Double(count) / Double(words) * 100)
            },
            readingTimeSeconds: Int((Double(words) / wpm * 60).rounded(.up)))
    }

    /// Runs the tool on `{"text", "keywords"?, "wordsPerMinute"?}`.
    public func run(_ input: JSONValue) throws -> JSONValue {
        let fields = try InputFields.tool(name, input)
        let text: String
        if case .string(let s)? = fields.members["text"] {
            guard s.count <= Self.maxLength else { throw ToolInputError(tool: name, "text: longer than \(Self.maxLength) characters") }
            text = s
        } else {
            throw ToolInputError(tool: name, "text: required")
        }
        let keywords = try fields.strings("keywords", maxCount: 50) ?? []
        let wpm = try fields.int("wordsPerMinute", in: 50...1_000) ?? Self.defaultWordsPerMinute
        return analyze(text, keywords: keywords, wordsPerMinute: wpm).json
    }

    /// Sentences in one paragraph: runs of words ended by `.`, `!` or `?` (followed by a space
    /// or the end), or by the end of the block. Common abbreviations do not end a sentence.
    static func sentenceCount(_ text: String) -> Int {
        var count = 0
        var wordsInSentence = 0
        for raw in text.split(whereSeparator: CharacterClass.isWhitespace) {
            if WordTokenizer.trim(raw) != nil { wordsInSentence += 1 }
            let core = raw.reversed().drop { "\"')]}*_”’".contains($0) }
            guard let last = core.first, ".!?…".contains(last) else { continue }
            let token = String(raw.lowercased().prefix { !"\"')]}*_”’".contains($0) })
            if last == ".", abbreviations.contains(token) { continue }
            if wordsInSentence > 0 { count += 1 }
            wordsInSentence = 0
        }
        return count + (wordsInSentence > 0 ? 1 : 0)
    }

    private static let abbreviations: Set<String> = ["e.g.", "i.e.", "mr.", "mrs.", "ms.", "dr.", "vs.", "st.", "approx.", "no."]
}
