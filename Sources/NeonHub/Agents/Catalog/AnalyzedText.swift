/// The `text.analyze` tool's answer as agents read it (tolerant: a missing field reads as 0).
struct AnalyzedText: Sendable {
    var words = 0
    var sentences = 0
    var syllables = 0
    var paragraphs = 0
    var fleschReadingEase = 0.0
    var readingTimeMinutes = 0
    /// `(level, text)` per heading.
    var headings: [(level: Int, text: String)] = []
    /// `(occurrences, density percent)` per requested keyword, in order.
    var keywords: [(occurrences: Int, density: Double)] = []

    /// Runs `text.analyze` through the toolbox (so that the call is recorded) and reads the answer.
    static func analyze(_ text: String, keywords: [String] = [], toolbox: any AgentToolbox) async throws -> AnalyzedText {
        var input: [String: JSONValue] = ["text": .string(text)]
        if !keywords.isEmpty { input["keywords"] = JSONOut.strings(keywords) }
        return AnalyzedText(try await TextAnalysis().invoke(.object(input), toolbox: toolbox))
    }

    /// Reads a `text.analyze` answer.
    init(_ json: JSONValue) {
        words = Self.int(json["words"])
        sentences = Self.int(json["sentences"])
        syllables = Self.int(json["syllables"])
        paragraphs = Self.int(json["paragraphs"])
        fleschReadingEase = Self.double(json["fleschReadingEase"])
        readingTimeMinutes = Self.int(json["readingTimeMinutes"])
        if case .array(let items)? = json["headings"] {
            headings = items.compactMap {
                guard case .string(let text)? = $0["text"] else { return nil }
                return (Self.int($0["level"]), text)
            }
        }
        if case .array(let items)? = json["keywords"] {
            keywords = items.map { (Self.int($0["occurrences"]), Self.double($0["density"])) }
        }
    }

    /// Headings of `level`.
    func headingCount(level: Int) -> Int { headings.filter { $0.level == level }.count }

    private static func double(_ value: JSONValue?) -> Double {
        if case .number(let n)? = value, n.isFinite { return n }
        return 0
    }

    private static func int(_ value: JSONValue?) -> Int {
        let d = double(value)
        return abs(d) < 1e15 ? Int(d) : 0
    }
}

/// Checks shared by the agents.
enum AgentChecks {
    /// Throws unless `intent` is one of `agent.intents` (an empty intent means the default).
    static func intent(_ intent: String, of agent: some Agent) throws -> String {
        if intent.isEmpty, let first = agent.intents.first { return first }
        guard agent.intents.contains(intent) else {
            throw AgentInputError("intent: \(agent.name) handles \(agent.intents.joined(separator: ", ")), not \(intent)")
        }
        return intent
    }

    /// `text` cut at a word boundary to at most `limit` characters, with `…` when cut.
    static func truncate(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        guard limit > 1 else { return String(text.prefix(max(0, limit))) }
        let head = text.prefix(limit - 1)
        var cut = String(head.lastIndex(where: \.isWhitespace).map { head[..<$0] } ?? head)
        while let last = cut.last, last.isWhitespace || ",;:-–—".contains(last) { cut.removeLast() }
        return (cut.isEmpty ? String(head) : cut) + "…"
    }

    /// `text` with runs of whitespace collapsed to one space and ends trimmed.
    static func collapseWhitespace(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
