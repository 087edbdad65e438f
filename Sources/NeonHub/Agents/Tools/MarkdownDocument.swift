/// The prose structure of a Markdown (or plain-text) document: ATX headings, paragraphs and
/// list items, with fenced code blocks skipped and link targets dropped.
struct MarkdownDocument: Sendable {
    /// One block of prose.
    struct Block: Sendable, Equatable {
        /// What the block is.
        enum Kind: Sendable, Equatable {
            /// `#` … `######` heading of this level.
            case heading(Int)
            /// A paragraph (consecutive lines joined).
            case paragraph
            /// One list item; `startsList` is true for the first item of a list.
            case listItem(startsList: Bool)
        }

        var kind: Kind
        /// The block's text with inline link targets removed.
        var text: String
    }

    /// The blocks in document order.
    private(set) var blocks: [Block] = []

    /// Parses `source`.
    init(_ source: String) {
        var pending: [String] = []
        var inFence = false
        var inList = false
        func flush() {
            if !pending.isEmpty { blocks.append(Block(kind: .paragraph, text: Self.inline(pending.joined(separator: " ")))) }
            pending.removeAll()
        }
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { flush(); inFence.toggle(); inList = false; continue }
            if inFence { continue }
            while let rest = Self.dropQuote(line) { line = rest }
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty { flush(); inList = false; continue }
            if let (level, text) = Self.heading(line) {
                flush(); inList = false
                blocks.append(Block(kind: .heading(level), text: Self.inline(text)))
            } else if let item = Self.listItem(content) {
                flush()
                blocks.append(Block(kind: .listItem(startsList: !inList), text: Self.inline(item)))
                inList = true
            } else if content.allSatisfy({ "-*_= ".contains($0) }) {
                flush(); inList = false  // horizontal rule or setext underline
            } else if inList, line.first == " " || line.first == "\t", let last = blocks.indices.last {
                blocks[last].text += " " + Self.inline(String(content))  // continuation of a list item
            } else {
                inList = false
                pending.append(String(content))
            }
        }
        flush()
    }

    /// `(level, text)` of the headings.
    var headings: [(level: Int, text: String)] {
        blocks.compactMap { if case .heading(let level) = $0.kind { (level, $0.text) } else { nil } }
    }

    /// Number of paragraphs; a whole list counts as one.
    var paragraphCount: Int {
        blocks.filter {
            switch $0.kind {
            case .paragraph, .listItem(startsList: true): true
            default: false
            }
        }.count
    }

    /// The first paragraph's text (the first list when the body starts with one), if any.
    var firstParagraph: String? {
        blocks.first { if case .heading = $0.kind { false } else { true } }?.text
    }

    private static func dropQuote(_ line: Substring) -> Substring? {
        let t = line.drop { $0 == " " }
        guard t.first == ">" else { return nil }
        return t.dropFirst()
    }

    private static func heading(_ line: Substring) -> (Int, String)? {
        let leading = line.prefix { $0 == " " }.count
        guard leading <= 3 else { return nil }
        let rest = line.dropFirst(leading)
        let hashes = rest.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let after = rest.dropFirst(hashes)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var text = after.trimmingSpaces()
        let closing = text.reversed().prefix { $0 == "#" }.count  // optional closing ###
        if closing > 0, closing == text.count || text.dropLast(closing).last == " " {
            text = text.dropLast(closing).trimmingSpaces()
        }
        return (hashes, String(text))
    }

    private static func listItem(_ content: Substring) -> String? {
        if let first = content.first, "-*+•".contains(first), content.dropFirst().first == " " {
            return String(content.dropFirst(2))
        }
        let digits = content.prefix { $0.isASCII && $0.isNumber }
        guard (1...9).contains(digits.count) else { return nil }
        let rest = content.dropFirst(digits.count)
        guard let marker = rest.first, marker == "." || marker == ")", rest.dropFirst().first == " " else { return nil }
        return String(rest.dropFirst(2))
    }

    /// Replaces `[text](url)` and `![alt](url)` by their text; anything else is kept as is.
    static func inline(_ text: String) -> String {
        guard text.contains("](") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let bang = chars[i] == "!" && i + 1 < chars.count && chars[i + 1] == "["
            if chars[i] == "[" || bang {
                let open = bang ? i + 1 : i
                if let close = chars[(open + 1)...].firstIndex(of: "]"), close + 1 < chars.count, chars[close + 1] == "(",
                    let end = chars[(close + 2)...].firstIndex(of: ")")
                {
                    out += String(chars[(open + 1)..<close])
                    i = end + 1
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
