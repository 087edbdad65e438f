/// Writes a `TemplateArticle` from a brief, deterministically: every choice (title pattern,
/// themes, headings, sentence order, vocabulary) is drawn from a generator seeded with a
/// stable hash of the brief, and sections are filled sentence by sentence until the body
/// reaches the requested word count.
struct ArticleComposer {
    /// Share of the words given to the introduction and the conclusion.
    static let introShare = 0.12
    static let conclusionShare = 0.10
    /// Requested word counts are clamped to this range.
    static let wordRange = 100...5000

    let brief: ArticleBrief

    /// The article for `brief`.
    func compose() -> TemplateArticle {
        let voice = ToneVoice.named(brief.tone)
        let slots = ArticleSlots(brief: brief, voice: voice)
        var rng = SeededGenerator(
            seed: StableHash.fnv1a([
                brief.topic, brief.primaryKeyword, brief.tone, brief.audience, String(brief.wordCount),
            ]))
        let target = min(max(brief.wordCount, Self.wordRange.lowerBound), Self.wordRange.upperBound)
        // 4–6 sections in all (what the content agent's prompt asks real models for).
        let middleCount = min(max(Int((Double(target) / 350).rounded()), 2), 4)
        let shuffledThemes = rng.shuffled(ArticleTheme.all)
        let themes = shuffledThemes.prefix(middleCount).sorted { $0.order < $1.order }
        let spareSentences = shuffledThemes.dropFirst(middleCount).flatMap(\.sentences)
        var writer = SectionWriter(slots: slots, filler: rng.shuffled(ArticlePhrases.general) + spareSentences)
        let middleShare = (1 - Self.introShare - Self.conclusionShare) / Double(middleCount)
        var asides = rng.shuffled(voice.asides)

        var sections: [TemplateArticle.Section] = []
        var plannedShare = Self.introShare
        // Introduction: the hook (with the keyword) opens the first paragraph.
        let introBody = writer.write(
            opening: [rng.pick(voice.hooks)], own: ArticlePhrases.introduction, closing: nil,
            budget: Int((Double(target) * plannedShare).rounded()), rng: &rng)
        sections.append(.init(heading: rng.pick(voice.introHeadings), body: introBody))
        for theme in themes {
            plannedShare += middleShare
            var own = rng.shuffled(theme.sentences)
            if !asides.isEmpty {
                own.insert(asides.removeFirst(), at: min(2, own.count))
            }
            let body = writer.write(
                opening: [], own: own, closing: nil,
                budget: Int((Double(target) * plannedShare).rounded()) - writer.written, rng: &rng)
            sections.append(.init(heading: slots.fill(rng.pick(theme.headings), rng: &rng), body: body))
        }
        let callToAction = rng.pick(voice.callsToAction)
        let conclusionBody = writer.write(
            opening: [], own: rng.shuffled(ArticlePhrases.conclusion), closing: callToAction,
            budget: target - writer.written, rng: &rng)
        sections.append(.init(heading: rng.pick(voice.conclusionHeadings), body: conclusionBody))

        return TemplateArticle(
            title: title(slots: slots, voice: voice, rng: &rng),
            metaDescription: metaDescription(slots: slots, voice: voice, rng: &rng),
            outline: sections.map(\.heading),
            sections: sections)
    }

    /// The first title pattern (starting at a random one) that fits 60 characters, else the
    /// shortest.
    private func title(slots: ArticleSlots, voice: ToneVoice, rng: inout SeededGenerator) -> String {
        let start = rng.index(voice.titles.count)
        let candidates = (voice.titles[start...] + voice.titles[..<start]).map { slots.fill($0, rng: &rng) }
        let fallback = slots.fill("{KW}: A Practical Guide", rng: &rng)
        return candidates.first { $0.count <= 60 } ?? (fallback.count <= 60 ? fallback : candidates.min { $0.count < $1.count }!)
    }

    /// A meta description of at most 160 characters, 120 or more when possible: the first
    /// pattern (starting at a random one) that fits, extended by a closing phrase when short.
    private func metaDescription(slots: ArticleSlots, voice: ToneVoice, rng: inout SeededGenerator) -> String {
        let start = rng.index(voice.metaDescriptions.count)
        let rotated = voice.metaDescriptions[start...] + voice.metaDescriptions[..<start]
        let fitting = rotated.map { slots.fill($0, rng: &rng) }.filter { $0.count <= 160 }
        let tails = rng.shuffled(ArticlePhrases.metaTails)
        for text in fitting {
            if text.count >= 120 { return text }
            if let tail = tails.first(where: { (120...160).contains(text.count + $0.count + 1) }) {
                return text + " " + tail
            }
        }
        if let text = fitting.first { return text }
        let fallback = ArticleSlots.capitalizeFirst(slots.keyword) + ": a practical guide."
        return fallback.count <= 160 ? fallback : String(slots.keyword.prefix(160))
    }
}

/// Fills sections sentence by sentence to a word budget, drawing from a shared filler
/// pool once a section's own sentences run out. Keeps the running total so that the next
/// budget corrects any overshoot.
struct SectionWriter {
    let slots: ArticleSlots
    /// Shared elaboration sentences, used in order and recycled when exhausted.
    let filler: [String]
    private var fillerIndex = 0
    /// Body words written so far across sections.
    private(set) var written = 0
    /// Sentences with the keyword written so far.
    private var keywordUses = 0
    /// Sections' unused sentences, drawn once the filler runs out (before it repeats).
    private var leftovers: [String] = []

    /// Creates a writer.
    init(slots: ArticleSlots, filler: [String]) {
        self.slots = slots
        self.filler = filler
    }

    /// A section body of about `budget` words: `opening`, then `own` sentences and filler,
    /// then `closing` (always kept, as its own paragraph). Paragraphs hold 2–4 sentences.
    mutating func write(opening: [String], own: [String], closing: String?, budget: Int, rng: inout SeededGenerator) -> String {
        var sentences = opening.map { slots.fill($0, rng: &rng) }
        keywordUses += opening.filter(Self.usesKeyword).count
        var count = sentences.reduce(0) { $0 + TemplateArticle.wordCount($1) }
        let closingText = closing.map { slots.fill($0, rng: &rng) }
        let closingWords = closingText.map(TemplateArticle.wordCount) ?? 0
        var own = own
        var lastDecorated = false
        while true {
            let pattern: String
            // Past ~0.8 % keyword density (in the body), sentences without the keyword go first.
            let saturated = keywordUses >= 1 + (written + count) * 8 / 1000
            if let index = saturated ? own.firstIndex(where: { !Self.usesKeyword($0) }) : own.indices.first {
                pattern = own.remove(at: index)
            } else if !own.isEmpty && filler.isEmpty {
                pattern = own.removeFirst()
            } else {
                guard !filler.isEmpty else { break }
                if fillerIndex >= filler.count, !leftovers.isEmpty {
                    pattern = leftovers.removeFirst()
                } else {
                    pattern = filler[fillerIndex % filler.count]
                    fillerIndex += 1
                }
            }
            let decorated = lastDecorated ? pattern : decorate(pattern, position: sentences.count, rng: &rng)
            lastDecorated = decorated != pattern
            let sentence = slots.fill(decorated, rng: &rng)
            let words = TemplateArticle.wordCount(sentence)
            let remaining = budget - closingWords - count
            if words > remaining && words - remaining >= remaining { break }
            sentences.append(sentence)
            count += words
            if Self.usesKeyword(pattern) { keywordUses += 1 }
            if words >= remaining { break }
        }
        written += count + closingWords
        leftovers += own
        var paragraphs: [String] = []
        var index = 0
        while index < sentences.count {
            var size = 2 + rng.index(3)
            if sentences.count - (index + size) == 1 { size += 1 }  // no one-sentence tail
            paragraphs.append(sentences[index..<min(index + size, sentences.count)].joined(separator: " "))
            index += size
        }
        if let closingText { paragraphs.append(closingText) }
        return paragraphs.joined(separator: "\n\n")
    }

    /// Whether a pattern mentions the keyword.
    static func usesKeyword(_ pattern: String) -> Bool {
        pattern.contains("{kw}") || pattern.contains("{Kw}") || pattern.contains("{KW}")
    }

    /// Sometimes prefixes a tone connector (`Honestly, …`), never on a section's first
    /// sentence or on one that already opens with a transition or a slot.
    private func decorate(_ pattern: String, position: Int, rng: inout SeededGenerator) -> String {
        guard position > 0, rng.index(6) == 0, let firstWord = pattern.split(separator: " ").first,
            !pattern.hasPrefix("{"), !firstWord.hasSuffix(","), !firstWord.hasSuffix(":"),
            !["Finally", "Next", "Once", "Another", "Most", "Over"].contains(String(firstWord)),
            !slots.voice.asides.contains(pattern)
        else { return pattern }
        return rng.pick(slots.voice.connectors) + ArticleSlots.lowercaseFirst(pattern)
    }
}
