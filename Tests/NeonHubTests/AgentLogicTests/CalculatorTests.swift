import Foundation
import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct CalculatorTests {
        let calc = Calculator()

        @Test(arguments: [
            ("2+3*4^2/8", 8.0),  // 4^2 = 16; 3*16 = 48; 48/8 = 6; 2+6 = 8
            ("-(2^2)", -4),
            ("-2^2", -4),  // unary minus binds looser than ^
            ("2^3^2", 512),  // right-associative: 2^(3^2)
            ("(2^3)^2", 64),
            ("2^-1", 0.5),
            ("10-4-3", 3),  // left-associative
            ("100/10/5", 2),
            ("7 % 3", 1),
            ("-7 % 3", -1),  // truncating remainder, like most languages
            ("2 * (3 + 4)", 14),
            ("1.5 + .25", 1.75),
            ("3 × 4 ÷ 2 − 1", 5),  // Unicode operators
            ("--3", 3),
            ("1e3 + 1", 1001),
        ])
        func arithmetic(_ expression: String, _ expected: Double) throws {
            #expect(try calc.evaluate(expression) == expected)
        }

        @Test func functionsAndConstants() throws {
            #expect(try calc.evaluate("sqrt(16) + abs(-3)") == 7)
            #expect(try calc.evaluate("round(2.5)") == 3)
            #expect(try calc.evaluate("round(-2.5)") == -3)
            #expect(try calc.evaluate("round(3.14159, 2)") == 3.14)
            #expect(try calc.evaluate("min(4, 2, 8) + max(1, 9)") == 11)
            #expect(try calc.evaluate("log(1000)") == 3)
            #expect(try calc.evaluate("log(8, 2)") == 3)
            #expect(abs(try calc.evaluate("ln(e^2)") - 2) < 1e-12)
            #expect(abs(try calc.evaluate("2*pi") - 2 * Double.pi) < 1e-12)
            #expect(try calc.evaluate("SQRT(9)") == 3)  // names are case-insensitive
        }

        @Test func errorsNameTheProblemAndPosition() {
            #expect(throws: CalculatorError(.divisionByZero, at: 1)) { try calc.evaluate("1/0") }
            #expect(throws: CalculatorError(.divisionByZero, at: 2)) { try calc.evaluate("5 / (2-2)") }
            #expect(throws: CalculatorError(.moduloByZero, at: 2)) { try calc.evaluate("5 % 0") }
            #expect(throws: CalculatorError(.unknownIdentifier("foo"), at: 0)) { try calc.evaluate("foo(1)") }
            #expect(throws: CalculatorError(.unknownIdentifier("x"), at: 4)) { try calc.evaluate("2 + x") }
            #expect(throws: CalculatorError(.unexpectedCharacter("$"), at: 2)) { try calc.evaluate("2 $ 3") }
            #expect(throws: CalculatorError(.empty, at: 0)) { try calc.evaluate("   ") }
            #expect(throws: CalculatorError(.missingArguments(function: "sqrt"), at: 0)) { try calc.evaluate("sqrt 4") }
            #expect(throws: CalculatorError(.wrongArgumentCount(function: "sqrt", expected: "1", found: 2), at: 0)) {
                try calc.evaluate("sqrt(4, 2)")
            }
            #expect(throws: CalculatorError(.domain(function: "sqrt", detail: "argument must not be negative"), at: 0)) {
                try calc.evaluate("sqrt(-1)")
            }
            #expect(throws: CalculatorError(.notFinite, at: 2)) { try calc.evaluate("10^400") }
        }

        @Test func syntaxErrors() {
            for bad in ["2 +", "(1 + 2", "1 + 2)", "2 3", "*2", "()", "max()", "1,2"] {
                #expect(throws: CalculatorError.self, "\(bad)") { try calc.evaluate(bad) }
            }
            do {
                _ = try calc.evaluate("(1 + 2")
                Issue.record("expected an error")
            } catch {
                #expect(error.position == 6)
                if case .unexpectedToken(let found, let expected) = error.kind {
                    #expect(found == "end of expression")
                    #expect(expected == "')'")
                } else {
                    Issue.record("unexpected kind \(error.kind)")
                }
            }
        }

        @Test func limitsOnLengthAndNesting() throws {
            let fifty = String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50)
            #expect(try calc.evaluate(fifty) == 1)
            let fiftyOne = "(" + fifty + ")"
            #expect(throws: CalculatorError.self) { try calc.evaluate(fiftyOne) }
            do { _ = try calc.evaluate(fiftyOne) } catch { #expect(error.kind == .nestingTooDeep(limit: 50)) }
            let long = Array(repeating: "1", count: 251).joined(separator: "+")  // 501 characters
            #expect(throws: CalculatorError(.inputTooLong(limit: 500), at: 500)) { try calc.evaluate(long) }
        }

        @Test func toolThroughToolboxIsRecorded() async throws {
            let toolbox = RecordingToolbox()
            let output = try await calc.invoke(.object(["expression": .string("2+3*4")]), toolbox: toolbox)
            #expect(output["result"] == .number(14))
            #expect(toolbox.toolNames == ["calculator"])
            #expect(toolbox.calls.first?.input == .object(["expression": .string("2+3*4")]))

            await #expect(throws: CalculatorError.self) {
                _ = try await calc.invoke(.object(["expression": .string("1/0")]), toolbox: toolbox)
            }
            #expect(toolbox.calls.last?.error?.contains("division by zero") == true)
            #expect(throws: ToolInputError.self) { try calc.run(.object([:])) }
            #expect(LocalTools.tool(named: "calculator") is Calculator)
            #expect(Set(LocalTools.all.map(\.name)) == ["calculator", "datetime", "text.analyze"])
        }
    }
}
