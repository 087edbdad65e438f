/// The result of `TextAnalysis.analyze`.
public struct TextAnalysisReport: Sendable, Equatable {
    /// One Markdown heading.
    public struct Heading: Sendable, Equatable {
        /// 1 for `#`, 2 for `##`, …
        public var level: Int
        /// The heading text.
        public var text: String
    }

    /// Occurrences of one keyword phrase.
    public struct Keyword: Sendable, Equatable {
        /// The phrase as given.
        public var keyword: String
        /// Whole-phrase, case-insensitive, non-overlapping occurrences.
        public var occurrences: Int
        /// Occurrences per 100 words (percent).
        public var density: Double
    }

    /// Words in headings, paragraphs and lists (fenced code excluded).
    public var words: Int
    /// Sentences (each heading counts as one).
    public var sentences: Int
    /// Estimated syllables (`Syllables.count` per word).
    public var syllables: Int
    /// Letters and digits in the words.
    public var characters: Int
    /// Paragraphs; a list counts as one.
    public var paragraphs: Int
    /// Headings in order.
    public var headings: [Heading]
    /// 206.835 − 1.015 × words/sentences − 84.6 × syllables/words (0 for empty text).
    public var fleschReadingEase: Double
    /// One entry per requested keyword.
    public var keywords: [Keyword]
    /// Reading time, rounded up to whole seconds.
    public var readingTimeSeconds: Int

    /// Headings of `level`.
    public func headingCount(level: Int) -> Int { headings.filter { $0.level == level }.count }

    /// The report as tool output.
    public var json: JSONValue {
        .object([
            "words": JSONOut.int(words),
            "sentences": JSONOut.int(sentences),
            "syllables": JSONOut.int(syllables),
            "characters": JSONOut.int(characters),
            "paragraphs": JSONOut.int(paragraphs),
            "fleschReadingEase": JSONOut.rounded(fleschReadingEase),
            "averageWordsPerSentence": JSONOut.rounded(sentences == 0 ? 0 : Double(words) / Double(sentences)),
            "averageSyllablesPerWord": JSONOut.rounded(words == 0 ? 0 : Double(syllables) / Double(words)),
            "headings": .array(headings.map { .object(["level": JSONOut.int($0.level), "text": .string($0.text)]) }),
            "headingCounts": .object([
                "h1": JSONOut.int(headingCount(level: 1)), "h2": JSONOut.int(headingCount(level: 2)),
                "h3": JSONOut.int(headingCount(level: 3)),
            ]),
            "keywords": .array(
                keywords.map {
                    .object([
                        "keyword": .string($0.keyword), "occurrences": JSONOut.int($0.occurrences),
                        "density": JSONOut.rounded($0.density),
                    ])
                }),
            "readingTimeSeconds": JSONOut.int(readingTimeSeconds),
            "readingTimeMinutes": JSONOut.int(words == 0 ? 0 : max(1, (readingTimeSeconds + 59) / 60)),
        ])
    }
}
