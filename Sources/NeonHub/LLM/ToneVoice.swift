/// The wording of one tone (friendly, professional, authoritative, playful, informative): the
/// phrases the template provider chooses from so that tone shows in the text, not only in a
/// label. Templates use the slots documented on `ArticleSlots`.
struct ToneVoice: Sendable {
    /// Canonical tone name.
    let name: String
    /// Adjectives for `{adj}`.
    let adjectives: [String]
    /// Sentence openers (`Honestly, ` …) that work before statements and instructions alike.
    let connectors: [String]
    /// Opening sentences of the article; each contains `{kw}` or `{Kw}`.
    let hooks: [String]
    /// Short tone-specific sentences sprinkled into the body (no slots).
    let asides: [String]
    /// Closing calls to action.
    let callsToAction: [String]
    /// Title patterns; each contains `{KW}`.
    let titles: [String]
    /// Meta description patterns, longest first; each contains `{kw}` or `{Kw}`.
    let metaDescriptions: [String]
    /// Headings for the introduction.
    let introHeadings: [String]
    /// Headings for the conclusion.
    let conclusionHeadings: [String]

    /// The voice for a free-form tone name: synonyms map to the five voices; anything
    /// else reads as `informative`.
    static func named(_ tone: String) -> ToneVoice {
        let t = tone.lowercased()
        let table: [(words: [String], voice: ToneVoice)] = [
            (["playful", "fun", "witty", "humor", "humour", "cheeky", "quirky"], .playful),
            (["authoritative", "expert", "confident", "bold", "assertive", "definitive"], .authoritative),
            (["professional", "formal", "corporate", "business", "executive"], .professional),
            (["friendly", "casual", "warm", "conversational", "approachable", "relaxed"], .friendly),
        ]
        for entry in table where entry.words.contains(where: { t.contains($0) }) {
            return entry.voice
        }
        return .informative
    }

    /// All voices, for tests and documentation.
    static let all: [ToneVoice] = [.friendly, .professional, .authoritative, .playful, .informative]
}
