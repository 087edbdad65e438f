/// The `calculator` tool: evaluates arithmetic with a recursive-descent parser (never code
/// evaluation). Supports `+ - * / % ^`, unary minus, parentheses, decimals, `sqrt abs round min
/// max log ln`, and the constants `pi` and `e`.
///
/// Tool input `{"expression": "2+3*4"}`; output `{"expression": …, "result": 14}`.
public struct Calculator: LocalTool {
    /// The longest expression accepted.
    public static let maxLength = 500
    /// The deepest nesting accepted (parentheses, function calls, unary and power chains).
    public static let maxDepth = 50

    public var name: String { "calculator" }
    public var description: String { "Evaluates an arithmetic expression: + - * / % ^, parentheses, sqrt, abs, round, min, max, log, ln, pi, e." }

    /// Creates the tool.
    public init() {}

    /// Evaluates `expression`, throwing `CalculatorError` with the position of the problem.
    public func evaluate(_ expression: String) throws(CalculatorError) -> Double {
        guard expression.count <= Self.maxLength else {
            throw CalculatorError(.inputTooLong(limit: Self.maxLength), at: Self.maxLength)
        }
        var parser = CalculatorParser(tokens: try CalculatorLexer.tokens(expression), maxDepth: Self.maxDepth)
        let value = try parser.evaluate()
        return value == 0 ? 0 : value  // no "-0" in answers
    }

    /// Runs the tool on `{"expression": String}`.
    public func run(_ input: JSONValue) throws -> JSONValue {
        let fields = try InputFields.tool(name, input)
        let expression = try fields.requiredString("expression", maxLength: 100_000)
        let result = try evaluate(expression)
        return .object(["expression": .string(expression), "result": .number(result)])
    }
}
