import Foundation

/// Builds one post per platform from the same parts and fits it within the platform's
/// limit: hashtags are dropped first, then the hook, then the body is cut at a word boundary
/// with an ellipsis.
struct SocialComposer: Sendable {
    /// A composed post.
    struct Post: Sendable {
        var platform: SocialPlatform
        var text: String
        var hashtags: [String]
        var linkPlacement: String
        var truncated: Bool

        var json: JSONValue {
            .object([
                "platform": .string(platform.rawValue),
                "text": .string(text),
                "hashtags": JSONOut.strings(hashtags),
                "characterCount": JSONOut.int(platform.length(of: text)),
                "limit": JSONOut.int(platform.characterLimit),
                "linkPlacement": .string(linkPlacement),
                "truncated": .bool(truncated),
            ])
        }
    }

    var body: String
    var hook: String
    var link: String?
    var tone: String
    var derivedTags: [String]
    var givenTags: [String]?

    /// The post for `platform`.
    func post(for platform: SocialPlatform) -> Post {
        let limit = platform.characterLimit
        var tags =
            givenTags.map { Array($0.prefix(platform.maxHashtags)) }
            ?? Array(derivedTags.prefix(platform.suggestedHashtags))
        var hook = hook
        let cta = callToAction(for: platform)
        let fullBody = platform == .x ? AgentChecks.collapseWhitespace(body) : Self.paragraphs(body)
        func assemble(_ body: String) -> String {
            [hook, body, cta, tags.joined(separator: " ")].filter { !$0.isEmpty }.joined(separator: "\n\n")
        }
        // Room for the body: what the other parts leave, keeping at least a useful sentence.
        let wanted = min(platform.length(of: fullBody), 80)
        var room = limit - (platform.length(of: assemble("x")) - 1)
        while room < wanted, !tags.isEmpty || !hook.isEmpty {
            if !tags.isEmpty { tags.removeLast() } else { hook = "" }
            room = limit - (platform.length(of: assemble("x")) - 1)
        }
        let fitted = Self.fit(fullBody, within: max(0, room), measure: platform.length(of:))
        var text = assemble(fitted)
        while platform.length(of: text) > limit { text.removeLast() }  // unreachable in practice; a hard guarantee
        let placement = link == nil ? "none" : platform.linkPlacement
        return Post(platform: platform, text: text, hashtags: tags, linkPlacement: placement, truncated: fitted != fullBody)
    }

    /// The closing line: the link inline, "link in bio" where captions cannot link.
    private func callToAction(for platform: SocialPlatform) -> String {
        guard let link else { return "" }
        if platform.linkPlacement == "bio" { return "Link in bio." }
        let casual = ["casual", "friendly", "playful", "fun", "witty"].contains(tone)
        switch platform {
        case .x: return link
        default: return (casual ? "Check it out: " : "Learn more: ") + link
        }
    }

    /// The brief's paragraphs, each on one line, separated by blank lines.
    static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n")
            .map(AgentChecks.collapseWhitespace)
            .filter { !$0.isEmpty }
            .joined(separator: "\n\n")
    }

    /// The longest word-boundary prefix of `text` that fits `limit`, ending with an ellipsis
    /// unless it ends a sentence (the whole text when it fits).
    static func fit(_ text: String, within limit: Int, measure: (String) -> Int) -> String {
        if measure(text) <= limit { return text }
        let boundaries = text.indices.filter { text[$0].isWhitespace }
        func candidate(_ end: String.Index) -> String {
            var head = String(text[..<end])
            while let last = head.last, last.isWhitespace || ",;:-–—".contains(last) { head.removeLast() }
            return head.last.map { ".!?".contains($0) } == true ? head : head + "…"  // a whole sentence needs no ellipsis
        }
        var low = 0, high = boundaries.count - 1, best: String?
        while low <= high {
            let mid = (low + high) / 2
            let c = candidate(boundaries[mid])
            if measure(c) <= limit, c != "…", !c.isEmpty {
                best = c
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        if let best { return best }
        // Not even the first word fits: cut characters.
        var head = ""
        for ch in text {
            if measure(head + String(ch) + "…") > limit { break }
            head.append(ch)
        }
        return head.isEmpty ? "" : head + "…"
    }
}
