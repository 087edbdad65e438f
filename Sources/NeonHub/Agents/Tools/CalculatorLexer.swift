/// One token of a calculator expression.
struct CalculatorToken: Sendable, Equatable {
    /// Token kinds.
    enum Kind: Sendable, Equatable {
        case number(Double)
        case identifier(String)
        /// One of `+ - * / % ^ ( ) ,` (Unicode `−×÷` are normalised).
        case symbol(Character)
        case end
    }

    /// The kind and value.
    var kind: Kind
    /// Character offset where the token starts.
    var position: Int

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .number(let n): return "number \(n)"
        case .identifier(let s): return "'\(s)'"
        case .symbol(let c): return "'\(c)'"
        case .end: return "end of expression"
        }
    }
}

/// Splits an expression into tokens.
enum CalculatorLexer {
    /// Tokenises `source`; the last token is always `.end`.
    static func tokens(_ source: String) throws(CalculatorError) -> [CalculatorToken] {
        let chars = Array(source)
        var tokens: [CalculatorToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c.isASCII, c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber) {
                let start = i
                i = scanNumber(chars, from: i)
                let text = String(chars[start..<i])
                guard let value = Double(text), value.isFinite else { throw CalculatorError(.invalidNumber(text), at: start) }
                tokens.append(CalculatorToken(kind: .number(value), position: start))
                continue
            }
            if c.isASCII, c.isLetter {
                let start = i
                while i < chars.count, chars[i].isASCII, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
                tokens.append(CalculatorToken(kind: .identifier(String(chars[start..<i]).lowercased()), position: start))
                continue
            }
            let symbol: Character? =
                switch c {
                case "+", "-", "*", "/", "%", "^", "(", ")", ",": c
                case "−", "–": "-"
                case "×", "·": "*"
                case "÷": "/"
                default: nil
                }
            guard let symbol else { throw CalculatorError(.unexpectedCharacter(c), at: i) }
            tokens.append(CalculatorToken(kind: .symbol(symbol), position: i))
            i += 1
        }
        tokens.append(CalculatorToken(kind: .end, position: chars.count))
        return tokens
    }

    /// Scans digits, an optional fraction and an optional exponent (`1.5e-3`); returns the end.
    private static func scanNumber(_ chars: [Character], from start: Int) -> Int {
        var i = start
        func digits() { while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 } }
        digits()
        if i < chars.count, chars[i] == "." { i += 1; digits() }
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            var j = i + 1
            if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
            if j < chars.count, chars[j].isASCII, chars[j].isNumber { i = j; digits() }
        }
        return i
    }
}
