/// Hashtag normalisation and derivation from a brief.
enum Hashtags {
    /// `#CamelCase` form of a tag or phrase (`email marketing` → `#EmailMarketing`); nil when
    /// nothing usable is left.
    static func normalize(_ raw: String) -> String? {
        let parts = raw.split { !($0.isLetter || $0.isNumber || $0 == "_") }
        let camel = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard camel.contains(where: \.isLetter) else { return nil }
        return "#" + String(camel.prefix(100))
    }

    /// Normalised tags without case-insensitive duplicates, in order.
    static func dedup(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.compactMap(normalize).filter { seen.insert($0.lowercased()).inserted }
    }

    /// Up to `limit` tags derived from `brief`: repeated two-word names ("NeonHub Analytics" →
    /// `#NeonHubAnalytics`) and significant words (acronyms, capitalised names, frequent words),
    /// ranked by frequency then first use; a word inside a chosen name is not repeated alone.
    static func derive(from brief: String, limit: Int = 30) -> [String] {
        var candidates: [String: (score: Int, first: Int, text: String)] = [:]
        func add(_ key: String, _ text: String, _ score: Int, _ position: Int) {
            if let old = candidates[key] {
                candidates[key] = (old.score + score, old.first, old.text)
            } else {
                candidates[key] = (score, position, text)
            }
        }
        var position = 0
        for sentence in brief.split(whereSeparator: { ".!?\n".contains($0) }) {
            // Raw tokens keep their punctuation, so that a phrase never spans a comma.
            let tokens = sentence.split(whereSeparator: \.isWhitespace).compactMap { raw -> (word: String, breaks: Bool)? in
                guard let word = WordTokenizer.trim(raw) else { return nil }
                return (String(word), raw.last.map { !($0.isLetter || $0.isNumber) } ?? false)
            }
            for (i, token) in tokens.enumerated() {
                position += 1
                let word = token.word
                guard isSignificant(word) else { continue }
                let capitalized = word.first?.isUppercase == true
                let acronym = word.count >= 2 && word.allSatisfy { $0.isUppercase || $0.isNumber }
                add(word.lowercased(), word, 2 + (acronym || (i > 0 && capitalized) ? 1 : 0), position)
                // Two-word names: both capitalised, nothing between them ("NeonHub Analytics").
                if i + 1 < tokens.count, !token.breaks, capitalized, tokens[i + 1].word.first?.isUppercase == true,
                    isSignificant(tokens[i + 1].word)
                {
                    let next = tokens[i + 1].word
                    add(word.lowercased() + " " + next.lowercased(), word + " " + next, 1, position)
                }
            }
        }
        // A two-word phrase counts only when it repeats; it then outranks its words.
        let ranked = candidates.values
            .filter { !$0.text.contains(" ") || $0.score >= 2 }
            .map { ($0.text.contains(" ") ? $0.score * 3 : $0.score, $0.first, $0.text) }
            .sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        // A word already inside a chosen phrase adds nothing (#NeonHubAnalytics, not also #Analytics).
        var covered = Set<String>()
        var chosen: [String] = []
        for (_, _, text) in ranked {
            let parts = text.lowercased().split(separator: " ").map(String.init)
            if parts.count == 1, covered.contains(parts[0]) { continue }
            if parts.count > 1 { covered.formUnion(parts) }
            chosen.append(text)
        }
        return Array(dedup(chosen).prefix(limit))
    }

    private static func isSignificant(_ word: String) -> Bool {
        guard word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "'" }),
            word.contains(where: \.isLetter)
        else { return false }
        let acronym = word.count >= 2 && word.allSatisfy { $0.isUppercase || $0.isNumber }
        return acronym || (word.count >= 4 && !stopWords.contains(word.lowercased()))
    }

    private static let stopWords: Set<String> = [
        "about", "above", "after", "again", "against", "also", "among", "because", "been", "before",
        "being", "below", "between", "both", "but", "can't", "cannot", "could", "does", "doing",
        "down", "during", "each", "every", "few", "from", "further", "have", "having", "here",
        "into", "its", "just", "like", "more", "most", "much", "must", "need", "only", "other",
        "ought", "ours", "over", "same", "should", "some", "such", "than", "that", "their", "them",
        "then", "there", "these", "they", "this", "those", "through", "under", "until", "very",
        "want", "were", "what", "when", "where", "which", "while", "will", "with", "within",
        "without", "would", "your", "yours", "make", "makes", "made", "help", "helps", "today",
        "new", "now", "get", "gets", "our", "you", "we", "the", "and", "for", "are", "all", "any",
        "it's", "we're", "you're", "let's", "don't", "many", "even", "still", "well", "really",
        "next", "week", "weeks", "year", "years", "time", "using", "used", "uses", "use",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
        "february", "march", "april", "june", "july", "august", "september", "october", "november",
        "december", "morning", "mornings", "tomorrow", "tonight",
    ]
}
