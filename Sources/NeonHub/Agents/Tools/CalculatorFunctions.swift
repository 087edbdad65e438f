import Foundation

/// The calculator's named constants and functions.
enum CalculatorFunctions {
    /// `pi` and `e`.
    static let constants: [String: Double] = ["pi": Double.pi, "e": M_E]

    /// Argument counts per function (`min`/`max` take one or more).
    private static let arity: [String: ClosedRange<Int>] = [
        "sqrt": 1...1, "abs": 1...1, "round": 1...2, "min": 1...100, "max": 1...100,
        "log": 1...2, "ln": 1...1,
    ]

    /// Whether `name` is a function.
    static func isFunction(_ name: String) -> Bool { arity[name] != nil }

    /// Applies function `name` (`round(x, digits)`, `log(x)` base 10, `log(x, base)`).
    static func apply(_ name: String, _ args: [Double], at position: Int) throws(CalculatorError) -> Double {
        guard let range = arity[name] else { throw CalculatorError(.unknownIdentifier(name), at: position) }
        guard range.contains(args.count) else {
            let expected =
                range.count == 1
                ? "\(range.lowerBound)"
                : range.upperBound >= 100 ? "at least \(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)"
            throw CalculatorError(.wrongArgumentCount(function: name, expected: expected, found: args.count), at: position)
        }
        let x = args[0]
        func domain(_ detail: String) -> CalculatorError { CalculatorError(.domain(function: name, detail: detail), at: position) }
        switch name {
        case "sqrt":
            guard x >= 0 else { throw domain("argument must not be negative") }
            return x.squareRoot()
        case "abs": return Swift.abs(x)
        case "round":
            guard args.count == 2 else { return x.rounded(.toNearestOrAwayFromZero) }
            guard args[1] == args[1].rounded(), (0...15).contains(args[1]) else { throw domain("digits must be an integer from 0 to 15") }
            let scale = Foundation.pow(10, args[1])
            return (x * scale).rounded(.toNearestOrAwayFromZero) / scale
        case "min": return args.min() ?? x
        case "max": return args.max() ?? x
        case "ln":
            guard x > 0 else { throw domain("argument must be positive") }
            return Foundation.log(x)
        default:  // log
            guard x > 0 else { throw domain("argument must be positive") }
            guard args.count == 2 else { return Foundation.log10(x) }
            guard args[1] > 0, args[1] != 1 else { throw domain("base must be positive and not 1") }
            return Foundation.log(x) / Foundation.log(args[1])
        }
    }
}
