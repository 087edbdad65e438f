/// Splits prose into words: whitespace and dashes separate; edge punctuation is trimmed;
/// inner apostrophes, hyphens and dots stay (`don't`, `well-known`, `3.5`).
public enum WordTokenizer {
    /// The words of `text`, as written.
    public static func words(_ text: String) -> [String] {
        var result: [String] = []
        for raw in text.split(whereSeparator: { CharacterClass.isWhitespace($0) || $0 == "—" || $0 == "–" || $0 == "/" }) {
            if let word = trim(raw) { result.append(String(word)) }
        }
        return result
    }

    /// The words of `text` lower-cased with curly apostrophes straightened, for matching.
    public static func normalizedWords(_ text: String) -> [String] {
        words(text).map(normalized)
    }

    /// One word lower-cased with curly apostrophes straightened (no Foundation: this runs per word).
    public static func normalized(_ word: String) -> String {
        let lower = word.lowercased()
        guard lower.utf8.contains(0xE2) else { return lower }  // no multi-byte punctuation, no `’`
        return String(lower.map { $0 == "’" ? "'" : $0 })
    }

    /// A raw token without leading/trailing punctuation, or nil when nothing is left.
    static func trim(_ raw: Substring) -> Substring? {
        guard let start = raw.firstIndex(where: isWordCharacter),
            let end = raw.lastIndex(where: isWordCharacter)
        else { return nil }
        return raw[start...end]
    }

    /// Letters and digits (any script), plus `&` inside words like `R&D` is not a boundary.
    static func isWordCharacter(_ c: Character) -> Bool { CharacterClass.isLetterOrNumber(c) }
}

/// Case-insensitive, whole-phrase keyword matching over word tokens.
public enum KeywordMatcher {
    /// Non-overlapping occurrences of `phrase` (as whole words) in `text`.
    public static func occurrences(of phrase: String, in text: String) -> Int {
        occurrences(of: WordTokenizer.normalizedWords(phrase), inWords: WordTokenizer.normalizedWords(text))
    }

    /// Non-overlapping occurrences of the word sequence `needle` in `words` (both normalised).
    static func occurrences(of needle: [String], inWords words: [String]) -> Int {
        guard !needle.isEmpty, words.count >= needle.count else { return 0 }
        var count = 0, i = 0
        while i <= words.count - needle.count {
            if words[i] == needle[0], Array(words[i..<i + needle.count]) == needle {
                count += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return count
    }
}
