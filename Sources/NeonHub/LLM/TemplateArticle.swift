import Foundation

/// An article as the template provider writes it; its JSON is the `jsonOutput` answer to an
/// `.article` task (`title`, `metaDescription`, `outline`, `sections`).
struct TemplateArticle: Codable, Sendable, Equatable {
    /// One H2 section.
    struct Section: Codable, Sendable, Equatable {
        var heading: String
        /// Paragraphs separated by blank lines.
        var body: String
    }

    var title: String
    var metaDescription: String
    var outline: [String]
    var sections: [Section]

    /// The JSON text (stable key order).
    func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Markdown: `# title`, then `## heading` and the body of each section.
    func markdown() -> String {
        var text = "# \(title)\n"
        for section in sections {
            text += "\n## \(section.heading)\n\n\(section.body)\n"
        }
        return text
    }

    /// Words in all section bodies (headings excluded).
    var bodyWordCount: Int {
        sections.reduce(0) { $0 + Self.wordCount($1.body) }
    }

    /// Whitespace-separated words in `text`.
    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }
}

extension TemplateArticle {
    /// A flat JSON object of strings (stable key order).
    static func jsonObject(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
