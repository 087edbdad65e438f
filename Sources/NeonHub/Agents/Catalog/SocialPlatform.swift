/// A social network the social agent writes for, with its limits and conventions.
public enum SocialPlatform: String, Sendable, CaseIterable {
    /// X (formerly Twitter), LinkedIn, Instagram, Facebook and TikTok.
    case x, linkedin, instagram, facebook, tiktok

    /// The post (caption) limit in characters, as the platform counts them.
    public var characterLimit: Int {
        switch self {
        case .x: 280
        case .linkedin: 3_000
        case .instagram: 2_200
        case .facebook: 63_206
        case .tiktok: 2_200
        }
    }

    /// Where a link goes: `inline` in the text, or `bio` (links in captions are not clickable).
    public var linkPlacement: String {
        switch self {
        case .x, .linkedin, .facebook: "inline"
        case .instagram, .tiktok: "bio"
        }
    }

    /// Hashtags used when the agent derives them from the brief.
    public var suggestedHashtags: Int {
        switch self {
        case .x: 2
        case .linkedin: 3
        case .instagram: 12
        case .facebook: 2
        case .tiktok: 4
        }
    }

    /// The most hashtags used even when more are given (Instagram allows 30).
    public var maxHashtags: Int {
        switch self {
        case .x: 5
        case .linkedin: 10
        case .instagram: 30
        case .facebook: 10
        case .tiktok: 20
        }
    }

    /// The length of `text` as the platform counts it. X: every `http(s)://` link counts 23
    /// (t.co), and characters outside Latin/common punctuation ranges (CJK, emoji) count 2.
    /// Others: UTF-16 code units (never less than what users see).
    public func length(of text: String) -> Int {
        guard self == .x else { return text.utf16.count }
        var total = 0
        var token = ""
        func flush() {
            if token.hasPrefix("http://") || token.hasPrefix("https://") {
                total += 23
            } else {
                total += token.reduce(0) { $0 + Self.xWeight($1) }
            }
            token = ""
        }
        for c in text {
            if c.isWhitespace {
                flush()
                total += Self.xWeight(c)
            } else {
                token.append(c)
            }
        }
        flush()
        return total
    }

    /// twitter-text v3 weights: 1 for U+0000–10FF, 2000–200D, 2010–201F, 2032–2037; else 2.
    private static func xWeight(_ c: Character) -> Int {
        guard let v = c.unicodeScalars.first?.value else { return 1 }
        switch v {
        case 0x0000...0x10FF, 0x2000...0x200D, 0x2010...0x201F, 0x2032...0x2037: return 1
        default: return 2
        }
    }
}
