import Foundation

/// An article as the model answered it, read tolerantly: JSON `{title, metaDescription,
/// outline, sections: [{heading, body}]}` (possibly inside a code fence), or else Markdown
/// whose first `#` line is the title.
struct ArticleDraft: Sendable, Equatable {
    var title: String
    var metaDescription: String
    var outline: [String]
    /// The assembled Markdown: `# title`, then `## heading` and body per section.
    var markdown: String
    /// `json` or `markdown`: how the answer was read.
    var format: String

    /// Reads `answer`; `fallbackTitle` is used when the answer names no title.
    static func read(_ answer: String, fallbackTitle: String) -> ArticleDraft {
        let text = stripFence(answer.trimmingCharacters(in: .whitespacesAndNewlines))
        if let object = jsonObject(text), let draft = fromJSON(object, fallbackTitle: fallbackTitle) { return draft }
        return fromMarkdown(text, fallbackTitle: fallbackTitle)
    }

    private static func fromJSON(_ object: [String: JSONValue], fallbackTitle: String) -> ArticleDraft? {
        func string(_ value: JSONValue?) -> String? {
            switch value {
            case .string(let s)?: return s.trimmingCharacters(in: .whitespacesAndNewlines)
            case .array(let items)?:
                let parts = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
                return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
            default: return nil
            }
        }
        let title = string(object["title"]).map(stripHashes).flatMap { $0.isEmpty ? nil : $0 }
        var sections: [(heading: String, body: String)] = []
        if case .array(let items)? = object["sections"] {
            for item in items {
                let heading = stripHashes(string(item["heading"]) ?? string(item["title"]) ?? "")
                let body = string(item["body"]) ?? string(item["content"]) ?? string(item) ?? ""
                if !heading.isEmpty || !body.isEmpty { sections.append((heading, body)) }
            }
        }
        if sections.isEmpty, let body = string(object["content"]) ?? string(object["body"]) ?? string(object["markdown"]) {
            var draft = fromMarkdown(body, fallbackTitle: title ?? fallbackTitle)
            if let meta = string(object["metaDescription"]), !meta.isEmpty { draft.metaDescription = meta }
            draft.format = "json"
            return draft
        }
        guard title != nil || !sections.isEmpty else { return nil }
        let finalTitle = title ?? fallbackTitle
        var markdown = "# \(finalTitle)"
        for section in sections {
            markdown += section.heading.isEmpty ? "\n\n\(section.body)" : "\n\n## \(section.heading)\n\n\(section.body)"
        }
        var outline: [String] = []
        if case .array(let items)? = object["outline"] {
            outline = items.compactMap { if case .string(let s) = $0 { stripHashes(s) } else { nil } }.filter { !$0.isEmpty }
        }
        if outline.isEmpty { outline = sections.map(\.heading).filter { !$0.isEmpty } }
        let meta =
            string(object["metaDescription"]).flatMap { $0.isEmpty ? nil : $0 }
            ?? deriveMeta(MarkdownDocument(markdown).firstParagraph ?? finalTitle)
        return ArticleDraft(title: finalTitle, metaDescription: meta, outline: outline, markdown: markdown, format: "json")
    }

    private static func fromMarkdown(_ text: String, fallbackTitle: String) -> ArticleDraft {
        let document = MarkdownDocument(text)
        let h1 = document.headings.first { $0.level == 1 }?.text
        let title = h1 ?? fallbackTitle
        let markdown = h1 == nil ? "# \(title)\n\n\(text)" : text
        return ArticleDraft(
            title: title,
            metaDescription: deriveMeta(document.firstParagraph ?? title),
            outline: document.headings.filter { $0.level == 2 }.map(\.text),
            markdown: markdown, format: "markdown")
    }

    /// A meta description from a paragraph: whitespace collapsed, at most 155 characters.
    static func deriveMeta(_ paragraph: String) -> String {
        AgentChecks.truncate(AgentChecks.collapseWhitespace(paragraph), to: 155)
    }

    private static func jsonObject(_ text: String) -> [String: JSONValue]? {
        if case .object(let o)? = try? JSONValue.parse(Array(text.utf8)) { return o }
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close,
            case .object(let o)? = try? JSONValue.parse(Array(text[open...close].utf8))
        else { return nil }
        return o
    }

    private static func stripFence(_ text: String) -> String {
        guard text.hasPrefix("```") else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeFirst()
        if let last = lines.last, last.trimmingCharacters(in: .whitespaces) == "```" { lines.removeLast() }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func stripHashes(_ s: String) -> String {
        String(s.drop { $0 == "#" || $0 == " " }).trimmingCharacters(in: .whitespaces)
    }
}
