import Testing

@testable import NeonHub

extension AgentLogicTests {
    /// The ASCII fast paths answer exactly what `Character`'s Unicode properties answer.
    @Suite struct CharacterClassTests {
        static let samples: [Character] =
            (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
            + ["\r\n", "\u{85}", "\u{A0}", "\u{2003}", "\u{2028}", "é", "ß", "Ж", "中", "٣", "½", "🚀", "e\u{301}", "’", "—"]

        @Test func matchesTheUnicodeProperties() {
            for c in Self.samples {
                #expect(CharacterClass.isWhitespace(c) == c.isWhitespace, "isWhitespace of \(c.unicodeScalars.map(\.value))")
                #expect(CharacterClass.isLetter(c) == c.isLetter, "isLetter of \(c.unicodeScalars.map(\.value))")
                #expect(CharacterClass.isLetterOrNumber(c) == (c.isLetter || c.isNumber), "isLetterOrNumber of \(c.unicodeScalars.map(\.value))")
            }
        }
    }
}
