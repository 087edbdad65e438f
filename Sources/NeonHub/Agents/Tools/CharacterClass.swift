/// Character classes with an ASCII fast path: `Character.isWhitespace` and friends search the
/// Unicode property tables for every character, which dominated text analysis of plain prose.
/// Answers are identical to the `Character` properties (a test checks every ASCII character).
enum CharacterClass {
    /// `Character.isWhitespace` (Unicode White_Space).
    static func isWhitespace(_ c: Character) -> Bool {
        if let a = c.asciiValue { return a == 0x20 || (a >= 0x09 && a <= 0x0D) }
        return c.isWhitespace
    }

    /// `Character.isLetter`.
    static func isLetter(_ c: Character) -> Bool {
        if let a = c.asciiValue { return a | 0x20 >= 0x61 && a | 0x20 <= 0x7A }
        return c.isLetter
    }

    /// `Character.isLetter || Character.isNumber`.
    static func isLetterOrNumber(_ c: Character) -> Bool {
        if let a = c.asciiValue { return (a >= 0x30 && a <= 0x39) || (a | 0x20 >= 0x61 && a | 0x20 <= 0x7A) }
        return c.isLetter || c.isNumber
    }
}
