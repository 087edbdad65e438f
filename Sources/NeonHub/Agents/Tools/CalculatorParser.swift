import Foundation

/// A recursive-descent evaluator over calculator tokens. Grammar (lowest precedence first):
///
///     expression := term (("+" | "-") term)*
///     term       := unary (("*" | "/" | "%") unary)*
///     unary      := ("-" | "+") unary | power
///     power      := primary ("^" unary)?          -- right-associative; -2^2 = -(2^2)
///     primary    := number | constant | function "(" arguments ")" | "(" expression ")"
struct CalculatorParser {
    private let tokens: [CalculatorToken]
    private var index = 0
    private var depth = 0
    private let maxDepth: Int

    /// Creates a parser over `tokens` (which end with `.end`).
    init(tokens: [CalculatorToken], maxDepth: Int) {
        self.tokens = tokens
        self.maxDepth = maxDepth
    }

    /// Evaluates the whole token stream.
    mutating func evaluate() throws(CalculatorError) -> Double {
        if case .end = current.kind { throw CalculatorError(.empty, at: 0) }
        let value = try expression()
        guard case .end = current.kind else {
            throw CalculatorError(.unexpectedToken(found: current.display, expected: "an operator or end of expression"), at: current.position)
        }
        return value
    }

    private var current: CalculatorToken { tokens[index] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func isSymbol(_ c: Character) -> Bool {
        if case .symbol(let s) = current.kind { return s == c }
        return false
    }

    private mutating func expect(_ c: Character) throws(CalculatorError) {
        guard isSymbol(c) else {
            throw CalculatorError(.unexpectedToken(found: current.display, expected: "'\(c)'"), at: current.position)
        }
        advance()
    }

    private mutating func expression() throws(CalculatorError) -> Double {
        var value = try term()
        while isSymbol("+") || isSymbol("-") {
            let plus = isSymbol("+"), position = current.position
            advance()
            let rhs = try term()
            value = try finite(plus ? value + rhs : value - rhs, at: position)
        }
        return value
    }

    private mutating func term() throws(CalculatorError) -> Double {
        var value = try unary()
        while isSymbol("*") || isSymbol("/") || isSymbol("%") {
            guard case .symbol(let op) = current.kind else { break }
            let position = current.position
            advance()
            let rhs = try unary()
            switch op {
            case "*": value = try finite(value * rhs, at: position)
            case "/":
                guard rhs != 0 else { throw CalculatorError(.divisionByZero, at: position) }
                value = try finite(value / rhs, at: position)
            default:
                guard rhs != 0 else { throw CalculatorError(.moduloByZero, at: position) }
                value = value.truncatingRemainder(dividingBy: rhs)
            }
        }
        return value
    }

    private mutating func unary() throws(CalculatorError) -> Double {
        if isSymbol("-") || isSymbol("+") {
            let negate = isSymbol("-")
            try enter()
            advance()
            let value = try unary()
            depth -= 1
            return negate ? -value : value
        }
        return try power()
    }

    private mutating func power() throws(CalculatorError) -> Double {
        let base = try primary()
        guard isSymbol("^") else { return base }
        let position = current.position
        advance()
        try enter()
        let exponent = try unary()
        depth -= 1
        let result = Foundation.pow(base, exponent)
        if result.isNaN { throw CalculatorError(.domain(function: "^", detail: "negative base with a fractional exponent"), at: position) }
        return try finite(result, at: position)
    }

    private mutating func primary() throws(CalculatorError) -> Double {
        let token = current
        switch token.kind {
        case .number(let n):
            advance()
            return n
        case .symbol("("):
            advance()
            try enter()
            let value = try expression()
            try expect(")")
            depth -= 1
            return value
        case .identifier(let name):
            advance()
            if let constant = CalculatorFunctions.constants[name] {
                if isSymbol("(") {
                    throw CalculatorError(.unexpectedToken(found: "'('", expected: "an operator after constant \(name)"), at: current.position)
                }
                return constant
            }
            guard CalculatorFunctions.isFunction(name) else { throw CalculatorError(.unknownIdentifier(name), at: token.position) }
            guard isSymbol("(") else { throw CalculatorError(.missingArguments(function: name), at: token.position) }
            advance()
            try enter()
            var arguments: [Double] = []
            if !isSymbol(")") {
                arguments.append(try expression())
                while isSymbol(",") {
                    advance()
                    arguments.append(try expression())
                }
            }
            try expect(")")
            depth -= 1
            return try finite(CalculatorFunctions.apply(name, arguments, at: token.position), at: token.position)
        case .symbol, .end:
            throw CalculatorError(.unexpectedToken(found: token.display, expected: "a number, a name or '('"), at: token.position)
        }
    }

    /// Counts one nesting level, failing past the limit.
    private mutating func enter() throws(CalculatorError) {
        depth += 1
        if depth > maxDepth { throw CalculatorError(.nestingTooDeep(limit: maxDepth), at: current.position) }
    }

    private func finite(_ x: Double, at position: Int) throws(CalculatorError) -> Double {
        guard x.isFinite else { throw CalculatorError(.notFinite, at: position) }
        return x
    }
}
