/// Spam-trigger detection for email copy: trigger words and phrases (whole words,
/// case-insensitive), symbol runs (`$$$`, `100%`, `!!!`) and ALL CAPS words.
public enum SpamCheck {
    /// Trigger words and phrases matched as whole words.
    public static let phrases = [
        "free", "guarantee", "guaranteed", "act now", "urgent", "winner", "click here", "buy now",
        "order now", "call now", "limited time", "risk-free", "no obligation", "cash", "cheap",
        "earn money", "make money", "double your", "congratulations", "prize", "no cost",
        "once in a lifetime", "while supplies last", "best price", "lowest price", "miracle",
    ]
    /// Trigger character runs matched anywhere.
    public static let symbols = ["$$$", "100%", "!!!"]
    /// Upper-case words that are ordinary acronyms, not shouting.
    static let acronyms: Set<String> = ["HTML", "HTTP", "HTTPS", "JSON", "NASA", "SaaS", "GDPR", "CCPA", "B2B", "B2C", "UTC"]

    /// The triggers found in `text`, in list order, then `ALL CAPS: WORD` entries.
    public static func triggers(in text: String) -> [String] {
        let words = WordTokenizer.normalizedWords(text)
        var found = phrases.filter { KeywordMatcher.occurrences(of: WordTokenizer.normalizedWords($0), inWords: words) > 0 }
        found += symbols.filter { text.contains($0) }
        var seen = Set<String>()
        for word in WordTokenizer.words(text) {
            let letters = word.filter(\.isLetter)
            guard letters.count >= 4, letters.allSatisfy(\.isUppercase), !acronyms.contains(word),
                seen.insert(word).inserted
            else { continue }
            found.append("ALL CAPS: \(word)")
        }
        return found
    }
}
