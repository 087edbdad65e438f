/// Deterministic subject lines, preheaders and bodies for an email campaign.
struct EmailCopy: Sendable {
    /// The campaign description (goal or product), whitespace collapsed.
    var campaign: String
    var audience: String?
    var tone: String

    /// The short product/goal phrase the subject lines are built on: the campaign's first
    /// clause without a leading "launch of", "promote", … and at most 40 characters.
    var phrase: String {
        let clause = campaign.split(whereSeparator: { ".!?;:,\n".contains($0) }).first.map(String.init) ?? campaign
        var words = clause.split(separator: " ").map(String.init)
        let lead = [
            "promote", "promoting", "announce", "announcing", "launch", "launching", "introduce",
            "introducing", "launch of", "announcement of", "promotion of", "campaign for",
        ]
        for prefix in lead.sorted(by: { $0.count > $1.count }) {
            let parts = prefix.split(separator: " ").map(String.init)
            if words.count > parts.count, words.prefix(parts.count).map({ $0.lowercased() }) == parts {
                words.removeFirst(parts.count)
                break
            }
        }
        var result = ""
        for word in words {
            guard result.isEmpty || result.count + word.count + 1 <= 40 else { break }
            result += result.isEmpty ? word : " " + word
        }
        return result.isEmpty ? "our latest update" : String(result.prefix(60))
    }

    /// The phrase as it reads mid-sentence ("Our new app" → "our new app").
    var inlinePhrase: String {
        let p = phrase
        let first = p.split(separator: " ").first.map(String.init) ?? p
        let determiners: Set<String> = ["Our", "The", "A", "An", "Your", "New", "This"]
        return determiners.contains(first) ? p.prefix(1).lowercased() + p.dropFirst() : p
    }

    /// Subject line `variant` (1–5).
    func subject(_ variant: Int) -> String {
        let p = inlinePhrase
        let capitalized = phrase.prefix(1).uppercased() + phrase.dropFirst()
        switch variant {
        case 1:
            switch tone {
            case "professional", "formal": return "\(capitalized): what's new and why it matters"
            case "urgent": return "Don't miss it: \(p) ends soon"
            case "playful", "fun": return "Psst… \(p) just landed"
            default: return "\(capitalized) is here — see what's new"
            }
        case 2: return "Introducing \(p), made for \(audience ?? "you")"
        case 3: return audience.map { "\(Self.capitalizedFirst($0)), meet \(p)" } ?? "Meet \(p): a quick tour"
        case 4: return "A first look at \(p) (2-minute read)"
        default: return "What \(p) means for you this season"
        }
    }

    /// Preheader for `variant`: a line that extends the subject, at most 100 characters.
    func preheader(_ variant: Int) -> String {
        let first = campaign.split(whereSeparator: { ".!?\n".contains($0) }).first.map(String.init) ?? campaign
        let lines = [
            AgentChecks.collapseWhitespace(first),
            "Everything you need to know in two minutes.",
            audience.map { "Built for \($0)." } ?? "Built for teams like yours.",
            "See what's new and how to get started.",
            "A quick read with one clear next step.",
        ]
        return AgentChecks.truncate(lines[(variant - 1) % lines.count], to: 100)
    }

    /// Plain-text body for `variant`, with `{{first_name}}` and `{{cta_url}}` merge tags.
    func body(_ variant: Int) -> String {
        let greeting: String
        let signOff: String
        switch tone {
        case "professional", "formal": (greeting, signOff) = ("Hello {{first_name}},", "Best regards,\nThe team")
        case "playful", "fun": (greeting, signOff) = ("Hey {{first_name}}!", "Cheers,\nThe team")
        default: (greeting, signOff) = ("Hi {{first_name}},", "Best,\nThe team")
        }
        let openings = [
            "We have news we think you'll like.",
            "Here's a quick update from our team.",
            audience.map { "We built this with \($0) in mind." } ?? "We built this with you in mind.",
            "You asked, and we listened.",
            "Something new has arrived.",
        ]
        let ctas = ["See the details", "Take a look", "Explore it now", "Read the full story", "Get started"]
        let i = (variant - 1) % openings.count
        return [greeting, openings[i], campaign, "\(ctas[i]): {{cta_url}}", signOff].joined(separator: "\n\n")
    }

    private static func capitalizedFirst(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}
