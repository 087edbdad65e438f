/// An English syllable-count heuristic: vowel groups (`y` counts after the first letter), a
/// silent trailing `e` (but not `-le` after a consonant), silent `-es`/`-ed`/`-ely` endings, a few
/// vowel pairs that split (`me-di-a`, `ac-tu-al`, `ra-di-o`), and at least one per word.
public enum Syllables {
    /// The estimated syllables in one word; tokens without letters (numbers) count one.
    public static func count(_ word: String) -> Int {
        let letters = Array(word.lowercased().filter { $0.isASCII && CharacterClass.isLetter($0) })
        guard !letters.isEmpty else { return 1 }
        if letters.count <= 3 { return 1 }
        var count = 0
        var previousWasVowel = false
        for i in letters.indices {
            let vowel = isVowel(letters, i)
            if vowel && (!previousWasVowel || splits(letters, at: i)) { count += 1 }
            previousWasVowel = vowel
        }
        let n = letters.count
        let last = letters[n - 1], beforeLast = letters[n - 2]
        if last == "e", !isVowel(letters, n - 2) {
            // Silent final e (make, time), except consonant + le (table, simple).
            let consonantLE = beforeLast == "l" && n >= 3 && !isVowel(letters, n - 3)
            if !consonantLE { count -= 1 }
        } else if last == "s", beforeLast == "e", n >= 4, !isVowel(letters, n - 3) {
            // Silent e in -es (makes, times), but not after sibilants (boxes, uses, changes) or in -les (tables).
            let third = letters[n - 3], fourth = letters[n - 4]
            let sibilant = "sxzgc".contains(third) || (third == "h" && "cs".contains(fourth))
            let consonantLES = third == "l" && !isVowel(letters, n - 4)
            if !sibilant && !consonantLES { count -= 1 }
        } else if n >= 5, last == "y", beforeLast == "l", letters[n - 3] == "e", !isVowel(letters, n - 4) {
            // Silent e before -ly (lovely, completely).
            count -= 1
        } else if last == "d", beforeLast == "e", n >= 4, !isVowel(letters, n - 3), !"td".contains(letters[n - 3]) {
            // Silent e in -ed (jumped, launched), but not after t or d (wanted, needed).
            count -= 1
        }
        return max(1, count)
    }

    /// Whether `w[i]` is a vowel; `y` is one except first or before another vowel (be-yond).
    private static func isVowel(_ w: [Character], _ i: Int) -> Bool {
        let c = w[i]
        if "aeiou".contains(c) { return true }
        guard c == "y", i > 0 else { return false }
        return i + 1 >= w.count || !"aeiou".contains(w[i + 1])
    }

    /// Whether the vowel at `i` starts a new syllable although it follows a vowel.
    private static func splits(_ w: [Character], at i: Int) -> Bool {
        guard i >= 1 else { return false }
        let pair = String([w[i - 1], w[i]])
        let before: Character? = i >= 2 ? w[i - 2] : nil
        switch pair {
        case "ia": return before.map { !"ct".contains($0) } ?? true  // me-di-a, but so-cial, ini-tial
        case "io": return before.map { !"ctsx".contains($0) } ?? true  // ra-di-o, but na-tion, vi-sion
        case "ua": return before.map { !"qg".contains($0) } ?? true  // ac-tu-al, but e-qual, guard
        case "iu", "uo": return true  // me-di-um, du-o
        default: return false
        }
    }
}
