/// Why an expression could not be evaluated, with the character offset (0-based) where the
/// problem was found.
public struct CalculatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: Sendable, Equatable {
        /// Nothing to evaluate.
        case empty
        /// More than `Calculator.maxLength` characters.
        case inputTooLong(limit: Int)
        /// Parentheses nested deeper than `Calculator.maxDepth`.
        case nestingTooDeep(limit: Int)
        /// A character that is not part of the language.
        case unexpectedCharacter(Character)
        /// A token in the wrong place (the description says what was expected).
        case unexpectedToken(found: String, expected: String)
        /// A name that is neither a constant nor a function.
        case unknownIdentifier(String)
        /// A function called with the wrong number of arguments.
        case wrongArgumentCount(function: String, expected: String, found: Int)
        /// A function name used without parentheses.
        case missingArguments(function: String)
        /// `x / 0`.
        case divisionByZero
        /// `x % 0`.
        case moduloByZero
        /// An argument outside a function's domain, e.g. `sqrt(-1)`.
        case domain(function: String, detail: String)
        /// An infinite or NaN result (overflow).
        case notFinite
        /// A malformed number literal.
        case invalidNumber(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// Character offset into the expression (0-based).
    public var position: Int

    /// Creates an error.
    public init(_ kind: Kind, at position: Int) {
        self.kind = kind
        self.position = position
    }

    public var description: String {
        let what: String
        switch kind {
        case .empty: what = "empty expression"
        case .inputTooLong(let limit): what = "expression longer than \(limit) characters"
        case .nestingTooDeep(let limit): what = "parentheses nested deeper than \(limit)"
        case .unexpectedCharacter(let c): what = "unexpected character '\(c)'"
        case .unexpectedToken(let found, let expected): what = "expected \(expected), found \(found)"
        case .unknownIdentifier(let name): what = "unknown identifier '\(name)'"
        case .wrongArgumentCount(let f, let expected, let found):
            what = "\(f) takes \(expected) argument(s), got \(found)"
        case .missingArguments(let f): what = "\(f) is a function; call it as \(f)(…)"
        case .divisionByZero: what = "division by zero"
        case .moduloByZero: what = "modulo by zero"
        case .domain(let f, let detail): what = "\(f): \(detail)"
        case .notFinite: what = "result is not a finite number"
        case .invalidNumber(let text): what = "invalid number '\(text)'"
        }
        return "\(what) at position \(position)"
    }
}
