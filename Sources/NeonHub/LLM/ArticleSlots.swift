/// Fills the slots of the template provider's phrase patterns:
/// `{kw}` keyword as given, `{Kw}` with a capital first letter, `{KW}` in title case;
/// `{aud}`, `{Aud}`, `{AUD}` likewise for the audience; `{topic}` the topic mid-sentence;
/// `{adj}` a tone adjective; `{metric}`, `{channel}`, `{period}` varied vocabulary.
struct ArticleSlots {
    let keyword: String
    let topic: String
    let audience: String
    let voice: ToneVoice

    /// Slots for a brief (blank fields fall back to neutral words).
    init(brief: ArticleBrief, voice: ToneVoice) {
        let keyword = Self.clean(brief.primaryKeyword)
        self.keyword = keyword.isEmpty ? "content marketing" : keyword
        let topic = Self.clean(brief.topic)
        self.topic = topic.isEmpty ? self.keyword : topic
        let audience = Self.clean(brief.audience)
        self.audience = audience.isEmpty ? "marketing teams" : audience
        self.voice = voice
    }

    /// `pattern` with every slot replaced, drawing varied words from `rng`.
    func fill(_ pattern: String, rng: inout SeededGenerator) -> String {
        var out = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = rest[rest.index(after: open)..<close]
            out += value(for: name, rng: &rng) ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return Self.fixArticles(out)
    }

    private func value(for slot: Substring, rng: inout SeededGenerator) -> String? {
        switch slot {
        case "kw": return keyword
        case "Kw": return Self.capitalizeFirst(keyword)
        case "KW": return Self.titleCase(keyword)
        case "aud": return audience
        case "Aud": return Self.capitalizeFirst(audience)
        case "AUD": return Self.titleCase(audience)
        case "topic": return Self.lowercaseFirst(topic)
        case "adj": return rng.pick(voice.adjectives)
        case "metric": return rng.pick(ArticlePhrases.metrics)
        case "channel": return rng.pick(ArticlePhrases.channels)
        case "period": return rng.pick(ArticlePhrases.periods)
        default: return nil
        }
    }

    /// Trims, collapses whitespace and drops a trailing full stop.
    static func clean(_ text: String) -> String {
        var words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while let last = words.last, ".!?".contains(last) { words.removeLast() }
        return words
    }

    /// First letter upper-cased, the rest untouched (`SEO tips` stays, `email` → `Email`).
    static func capitalizeFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// First letter lower-cased unless the first word looks like an acronym or a name
    /// with inner capitals (`SEO`, `HubSpot`).
    static func lowercaseFirst(_ text: String) -> String {
        let firstWord = text.prefix { !$0.isWhitespace }
        guard let first = firstWord.first, firstWord.dropFirst().allSatisfy({ !$0.isUppercase }) else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// Title case: significant words get a capital first letter; small words stay lower
    /// case except at the start; inner capitals are kept.
    static func titleCase(_ text: String) -> String {
        let small: Set<String> = ["a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with"]
        return text.split(separator: " ").enumerated().map { index, word in
            let w = String(word)
            if index > 0 && small.contains(w.lowercased()) { return w.lowercased() }
            return capitalizeFirst(w)
        }.joined(separator: " ")
    }

    /// `a` → `an` before a word starting with a vowel letter (after slot filling).
    static func fixArticles(_ text: String) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for i in words.indices.dropLast() where words[i] == "a" || words[i] == "A" {
            guard let next = words[i + 1].first?.lowercased(), "aeio".contains(next) else { continue }
            words[i] += "n"
        }
        return words.joined(separator: " ")
    }
}
