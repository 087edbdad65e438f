// The `$filter` subset `SuccessFactorsFake` reads: comparisons (`eq ne gt ge lt le`),
// SuccessFactors' `in` list without parentheses (`status in 't','f'`), `and`, `or`, parentheses;
// literals 'text', integers, `true`/`false`/`null`, `datetime'…'`, `datetimeoffset'…'` and, on
// date properties, plain 'yyyy-MM-dd' strings. Sources: OData v2 URI conventions §4.5
// (https://www.odata.org/documentation/odata-version-2-0/uri-conventions/), SAP KBAs 2166571,
// 2736579, 3575859 (`in`, status values, the implicit status filter), 2735876 (the IN clause).
// Functions (`startswith`, `substringof`, …) SuccessFactors supports (KBA 3045396) are not
// implemented: the fake answers them 400 and says so.

import Foundation

extension SuccessFactorsFake {
    /// A cell of a row.
    enum Value: Equatable {
        case text(String)
        case number(Int)
        case date(Date)
        case bool(Bool)
        case null
    }

    /// A row: property name to value.
    typealias Row = [String: Value]

    /// Why a `$filter` was not read.
    enum FilterError: Error {
        case unknownProperty(String)
        case syntax(String)
        case unsupported(String)
    }

    /// A parsed `$filter`: the predicate, and what the User status rule needs to know.
    struct Filter {
        var matches: (Row) -> Bool
        var mentionsStatus = false
        var hasOr = false
    }

    /// The User status letters and the texts SuccessFactors also takes for them (KBA 2736579).
    static let statusTexts = [
        "active": "t", "inactive": "f", "active_external": "T", "inactive_external": "F", "active_external_suite": "e",
        "inactive_external_suite": "d",
    ]

    enum Token: Equatable {
        case word(String)
        case text(String)
        case number(Int)
        case dated(kind: String, text: String)
        case open, close, comma
    }

    static func tokenize(_ source: String) throws(FilterError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(source)
        var i = 0
        func quoted() throws(FilterError) -> String {
            var out = ""
            i += 1
            while i < chars.count {
                if chars[i] == "'" {
                    if i + 1 < chars.count, chars[i + 1] == "'" {
                        out.append("'")
                        i += 2
                        continue
                    }
                    i += 1
                    return out
                }
                out.append(chars[i])
                i += 1
            }
            throw .syntax("unterminated string literal")
        }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "(" {
                tokens.append(.open)
                i += 1
            } else if c == ")" {
                tokens.append(.close)
                i += 1
            } else if c == "," {
                tokens.append(.comma)
                i += 1
            } else if c == "'" {
                tokens.append(.text(try quoted()))
            } else if c.isNumber || (c == "-" && i + 1 < chars.count && chars[i + 1].isNumber) {
                var digits = String(c)
                i += 1
                while i < chars.count, chars[i].isNumber {
                    digits.append(chars[i])
                    i += 1
                }
                if i < chars.count, chars[i] == "L" || chars[i] == "l" { i += 1 }
                tokens.append(.number(Int(digits) ?? 0))
            } else if c.isLetter || c == "_" || c == "$" {
                var word = ""
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || "_/$.".contains(chars[i]) {
                    word.append(chars[i])
                    i += 1
                }
                if ["datetime", "datetimeoffset"].contains(word.lowercased()), i < chars.count, chars[i] == "'" {
                    tokens.append(.dated(kind: word.lowercased(), text: try quoted()))
                } else {
                    tokens.append(.word(word))
                }
            } else {
                throw .syntax("unexpected character '\(c)'")
            }
        }
        return tokens
    }

    /// Parses `source` against `entity`'s properties.
    static func parseFilter(_ source: String, _ entity: Entity) throws(FilterError) -> Filter {
        var parser = FilterParser(tokens: try tokenize(source), entity: entity)
        let filter = try parser.expression()
        guard parser.position == parser.tokens.count else { throw .syntax("unexpected text after position \(parser.position)") }
        return filter
    }

    struct FilterParser {
        var tokens: [Token]
        var entity: Entity
        var position = 0

        mutating func next() -> Token? {
            defer { position += 1 }
            return position < tokens.count ? tokens[position] : nil
        }

        func peekWord() -> String? {
            if position < tokens.count, case .word(let word) = tokens[position] { return word.lowercased() }
            return nil
        }

        mutating func expression() throws(FilterError) -> Filter {
            var left = try conjunction()
            while peekWord() == "or" {
                position += 1
                let right = try conjunction()
                let (a, b) = (left.matches, right.matches)
                left = Filter(matches: { a($0) || b($0) }, mentionsStatus: left.mentionsStatus || right.mentionsStatus, hasOr: true)
            }
            return left
        }

        mutating func conjunction() throws(FilterError) -> Filter {
            var left = try primary()
            while peekWord() == "and" {
                position += 1
                let right = try primary()
                let (a, b) = (left.matches, right.matches)
                left = Filter(
                    matches: { a($0) && b($0) }, mentionsStatus: left.mentionsStatus || right.mentionsStatus, hasOr: left.hasOr || right.hasOr)
            }
            return left
        }

        mutating func primary() throws(FilterError) -> Filter {
            switch next() {
            case .open:
                let inner = try expression()
                guard next() == .close else { throw .syntax("missing ')'") }
                return inner
            case .word(let name):
                if position < tokens.count, tokens[position] == .open { throw .unsupported("the function \(name)()") }
                if name.contains("/") { throw .unsupported("the navigation path \(name)") }
                if name.lowercased() == "not" { throw .unsupported("not") }
                guard let kind = entity.properties[name] else { throw .unknownProperty(name) }
                guard let op = peekWord(), ["eq", "ne", "gt", "ge", "lt", "le", "in"].contains(op) else {
                    throw .syntax("expected an operator after \(name)")
                }
                position += 1
                var literals = [try literal(kind, name)]
                if op == "in" {
                    while position < tokens.count, tokens[position] == .comma {
                        position += 1
                        literals.append(try literal(kind, name))
                    }
                }
                let isStatus = entity == .user && name == "status"
                return Filter(
                    matches: { row in
                        let cell = row[name] ?? .null
                        switch op {
                        case "eq", "in": return literals.contains(cell)
                        case "ne": return cell != literals[0]
                        default: return SuccessFactorsFake.compare(cell, literals[0], op)
                        }
                    }, mentionsStatus: isStatus)
            default:
                throw .syntax("expected a property name at position \(position)")
            }
        }

        mutating func literal(_ kind: Kind, _ name: String) throws(FilterError) -> Value {
            switch next() {
            case .text(let text):
                if entity == .user, name == "status" { return .text(SuccessFactorsFake.statusTexts[text] ?? text) }
                if kind.isDate {
                    guard let date = SuccessFactorsFake.parseLiteralDate(text) else { throw .syntax("'\(text)' is not a date") }
                    return .date(date)
                }
                return .text(text)
            case .number(let number): return .number(number)
            case .dated(_, let text):
                guard let date = SuccessFactorsFake.parseLiteralDate(text) else { throw .syntax("'\(text)' is not a date") }
                return .date(date)
            case .word(let word) where ["true", "false"].contains(word.lowercased()): return .bool(word.lowercased() == "true")
            case .word(let word) where word.lowercased() == "null": return .null
            default: throw .syntax("expected a literal for \(name)")
            }
        }
    }

    static func compare(_ a: Value, _ b: Value, _ op: String) -> Bool {
        let order: ComparisonResult
        switch (a, b) {
        case (.number(let x), .number(let y)): order = x < y ? .orderedAscending : (x == y ? .orderedSame : .orderedDescending)
        case (.date(let x), .date(let y)): order = x.compare(y)
        case (.text(let x), .text(let y)): order = x.compare(y)
        default: return false
        }
        switch op {
        case "gt": return order == .orderedDescending
        case "ge": return order != .orderedAscending
        case "lt": return order == .orderedAscending
        default: return order != .orderedDescending
        }
    }

    /// `2024-11-01`, `2024-11-01T00:00:00` (UTC), `2024-11-01T00:00:00Z` or with an offset.
    static func parseLiteralDate(_ text: String) -> Date? {
        if let date = parseInstant(text) { return date }
        if let date = parseInstant(text + "Z") { return date }
        if text.count == 10, let date = parseInstant(text + "T00:00:00Z") { return date }
        return nil
    }
}
