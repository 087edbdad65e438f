// The `$filter` subset `Dynamics365Fake` evaluates, as Dataverse documents it
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/filter-rows):
// comparison operators `eq ne gt ge lt le` against string (single quotes, `''` for a quote),
// number, `null`, GUID and date literals; the functions `contains`, `startswith` and
// `endswith`; `and`, `or`, `not` and parentheses. String comparisons ignore case, as
// Dataverse's default collation does (assumed). Unknown columns are the documented
// "Could not find a property named …" error; anything else the fake cannot read is answered
// as a syntax error (assumed wording).

import Foundation

extension Dynamics365Fake {
    /// A parsed `$filter`: `parse()` gives the predicate over rows or throws the error reply.
    struct ODataFilter {
        enum Token: Equatable {
            case word(String)
            case string(String)
            case open
            case close
            case comma
        }

        let text: String
        let table: Table
        var tokens: [Token] = []
        var index = 0

        init(_ text: String, table: Table) {
            self.text = text
            self.table = table
        }

        func syntaxError() -> ReplyError {
            ReplyError(reply: Dynamics365Fake.queryError("Syntax error at position \(min(index, tokens.count)) in '\(text)'."))
        }

        mutating func parse() throws -> (Row) -> Bool {
            tokens = try tokenize()
            let predicate = try orExpression()
            guard index == tokens.count else { throw syntaxError() }
            return predicate
        }

        func tokenize() throws -> [Token] {
            var tokens: [Token] = []
            var characters = Array(text)[...]
            while let character = characters.first {
                switch character {
                case " ": characters = characters.dropFirst()
                case "(": tokens.append(.open); characters = characters.dropFirst()
                case ")": tokens.append(.close); characters = characters.dropFirst()
                case ",": tokens.append(.comma); characters = characters.dropFirst()
                case "'":
                    characters = characters.dropFirst()
                    var value = ""
                    var closed = false
                    while let next = characters.first {
                        characters = characters.dropFirst()
                        if next == "'" {
                            if characters.first == "'" {
                                value.append("'")
                                characters = characters.dropFirst()
                                continue
                            }
                            closed = true
                            break
                        }
                        value.append(next)
                    }
                    guard closed else { throw syntaxError() }
                    tokens.append(.string(value))
                default:
                    let word = characters.prefix { !" (),'".contains($0) }
                    guard !word.isEmpty else { throw syntaxError() }
                    tokens.append(.word(String(word)))
                    characters = characters.dropFirst(word.count)
                }
            }
            return tokens
        }

        mutating func next() -> Token? {
            guard index < tokens.count else { return nil }
            defer { index += 1 }
            return tokens[index]
        }

        func peekWord() -> String? {
            guard index < tokens.count, case .word(let word) = tokens[index] else { return nil }
            return word.lowercased()
        }

        mutating func orExpression() throws -> (Row) -> Bool {
            var left = try andExpression()
            while peekWord() == "or" {
                index += 1
                let right = try andExpression()
                let previous = left
                left = { previous($0) || right($0) }
            }
            return left
        }

        mutating func andExpression() throws -> (Row) -> Bool {
            var left = try unary()
            while peekWord() == "and" {
                index += 1
                let right = try unary()
                let previous = left
                left = { previous($0) && right($0) }
            }
            return left
        }

        mutating func unary() throws -> (Row) -> Bool {
            if peekWord() == "not" {
                index += 1
                let inner = try unary()
                return { !inner($0) }
            }
            return try primary()
        }

        func checked(_ name: String) throws -> String {
            guard table.columns[name] != nil else {
                throw ReplyError(reply: Dynamics365Fake.queryError(Dynamics365Fake.unknownProperty(name, table)))
            }
            return name
        }

        mutating func primary() throws -> (Row) -> Bool {
            guard let token = next() else { throw syntaxError() }
            switch token {
            case .open:
                let inner = try orExpression()
                guard next() == .close else { throw syntaxError() }
                return inner
            case .word(let word) where ["contains", "startswith", "endswith"].contains(word.lowercased()):
                guard next() == .open, case .word(let name)? = next(), next() == .comma, case .string(let value)? = next(), next() == .close else {
                    throw syntaxError()
                }
                let column = try checked(name)
                let function = word.lowercased()
                let needle = value.lowercased()
                return { row in
                    guard case .text(let text)? = row[column] else { return false }
                    let haystack = text.lowercased()
                    switch function {
                    case "contains": return haystack.contains(needle)
                    case "startswith": return haystack.hasPrefix(needle)
                    default: return haystack.hasSuffix(needle)
                    }
                }
            case .word(let name):
                let column = try checked(name)
                guard let op = peekWord(), ["eq", "ne", "gt", "ge", "lt", "le"].contains(op) else { throw syntaxError() }
                index += 1
                let literal: Cell
                switch next() {
                case .string(let value)?: literal = .text(value)
                case .word(let word)?:
                    if word.lowercased() == "null" {
                        literal = .null
                    } else if let number = Int(word) {
                        literal = .int(number)
                    } else if let number = Double(word) {
                        literal = .number(number)
                    } else if UUID(uuidString: word) != nil || word.first?.isNumber == true {
                        literal = .text(word.lowercased())  // a GUID, a date or a timestamp
                    } else {
                        throw syntaxError()
                    }
                default: throw syntaxError()
                }
                return { row in Self.compare(row[column] ?? .null, op, literal) }
            default:
                throw syntaxError()
            }
        }

        static func compare(_ value: Cell, _ op: String, _ literal: Cell) -> Bool {
            let order: ComparisonResult
            switch (value, literal) {
            case (.null, .null): order = .orderedSame
            case (.null, _), (_, .null): return op == "ne"
            case (.text(let a), .text(let b)): order = a.lowercased().compare(b.lowercased())
            case (.int(let a), .int(let b)): order = a == b ? .orderedSame : (a < b ? .orderedAscending : .orderedDescending)
            default:
                let a = Double("\(value.json)") ?? .nan
                let b = Double("\(literal.json)") ?? .nan
                guard !a.isNaN, !b.isNaN else { return false }
                order = a == b ? .orderedSame : (a < b ? .orderedAscending : .orderedDescending)
            }
            switch op {
            case "eq": return order == .orderedSame
            case "ne": return order != .orderedSame
            case "gt": return order == .orderedDescending
            case "ge": return order != .orderedAscending
            case "lt": return order == .orderedAscending
            default: return order != .orderedDescending
            }
        }
    }
}
