// The Drive search query language (files.list `q`) as far as the fake reads it, following
// https://developers.google.com/workspace/drive/api/guides/search-files and
// https://developers.google.com/workspace/drive/api/guides/ref-search-terms: string literals in
// single quotes (`\'` and `\\` escaped), `'<id>' in parents`, `name` and `mimeType` with `=`,
// `!=` and `contains`, `trashed` with `=` and `!=`, `createdTime` and `modifiedTime` compared
// with RFC 3339 times (UTC unless an offset is given), combined with `and`, `or`, `not` and
// parentheses. Anything else is a query the fake cannot read: Drive's 400 "Invalid Value".

import Foundation

extension GoogleDriveFake {
    /// Parses a `q` into a predicate over the fake's files; nil when it is not a query the fake reads.
    enum QueryParser {
        enum Token: Equatable {
            case string(String)
            case word(String)
            case op(String)
            case open, close
        }

        static func parse(_ text: String, root: String) -> ((File) -> Bool)? {
            guard let tokens = tokenize(text) else { return nil }
            var index = 0
            func peekWord(_ word: String) -> Bool {
                guard index < tokens.count, case .word(let found) = tokens[index] else { return false }
                return found.lowercased() == word
            }
            func or() -> ((File) -> Bool)? {
                guard var left = and() else { return nil }
                while peekWord("or") {
                    index += 1
                    guard let right = and() else { return nil }
                    let previous = left
                    left = { previous($0) || right($0) }
                }
                return left
            }
            func and() -> ((File) -> Bool)? {
                guard var left = unary() else { return nil }
                while peekWord("and") {
                    index += 1
                    guard let right = unary() else { return nil }
                    let previous = left
                    left = { previous($0) && right($0) }
                }
                return left
            }
            func unary() -> ((File) -> Bool)? {
                if peekWord("not") {
                    index += 1
                    return unary().map { inner in { !inner($0) } }
                }
                if index < tokens.count, tokens[index] == .open {
                    index += 1
                    guard let inner = or(), index < tokens.count, tokens[index] == .close else { return nil }
                    index += 1
                    return inner
                }
                guard index + 3 <= tokens.count, let found = term(Array(tokens[index..<index + 3]), root: root) else { return nil }
                index += 3
                return found
            }
            guard let predicate = or(), index == tokens.count else { return nil }
            return predicate
        }

        /// One `field operator value` (or `'<id>' in parents`) term.
        static func term(_ parts: [Token], root: String) -> ((File) -> Bool)? {
            guard parts.count == 3 else { return nil }
            switch (parts[0], parts[1], parts[2]) {
            case (.string(let id), .word(let word), .word(let field)) where word.lowercased() == "in" && field == "parents":
                let parent = id == "root" ? root : id
                return { $0.parents.contains(parent) }
            case (.word("name"), let op, .string(let value)), (.word("mimeType"), let op, .string(let value)):
                let name = parts[0] == .word("name")
                switch op {
                case .op("="): return { (name ? $0.name : $0.mimeType) == value }
                case .op("!="): return { (name ? $0.name : $0.mimeType) != value }
                case .word(let word) where word.lowercased() == "contains":
                    // `name contains` is prefix matching (documented); the fake matches at the start of each word.
                    return { file in
                        let text = (name ? file.name : file.mimeType).lowercased()
                        let needle = value.lowercased()
                        guard name else { return text.contains(needle) }
                        return text.hasPrefix(needle) || text.contains(" " + needle) || text.contains("-" + needle) || text.contains("_" + needle)
                    }
                default: return nil
                }
            case (.word("trashed"), .op(let op), .word(let flag)) where (op == "=" || op == "!=") && (flag == "true" || flag == "false"):
                let wanted = (flag == "true") == (op == "=")
                return { $0.trashed == wanted }
            case (.word(let field), .op(let op), .string(let value)) where field == "modifiedTime" || field == "createdTime":
                guard let instant = date(value) else { return nil }
                let pick: (File) -> Date = field == "modifiedTime" ? { $0.modifiedTime } : { $0.createdTime }
                switch op {
                case "=": return { pick($0) == instant }
                case "!=": return { pick($0) != instant }
                case "<": return { pick($0) < instant }
                case "<=": return { pick($0) <= instant }
                case ">": return { pick($0) > instant }
                case ">=": return { pick($0) >= instant }
                default: return nil
                }
            default: return nil
            }
        }

        /// RFC 3339 (`2024-06-04T12:00:00`, UTC unless an offset or `Z` is given; fractions allowed).
        static func date(_ text: String) -> Date? {
            let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"#
            guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
            let zoned = text.hasSuffix("Z") || text.range(of: #"[+-]\d{2}:\d{2}$"#, options: .regularExpression) != nil ? text : text + "Z"
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = zoned.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
            return formatter.date(from: zoned)
        }

        static func tokenize(_ text: String) -> [Token]? {
            var tokens: [Token] = []
            let chars = Array(text)
            var index = 0
            while index < chars.count {
                let char = chars[index]
                if char.isWhitespace {
                    index += 1
                } else if char == "(" || char == ")" {
                    tokens.append(char == "(" ? .open : .close)
                    index += 1
                } else if char == "'" {
                    var value = ""
                    index += 1
                    while index < chars.count, chars[index] != "'" {
                        if chars[index] == "\\" {
                            index += 1
                            guard index < chars.count else { return nil }
                        }
                        value.append(chars[index])
                        index += 1
                    }
                    guard index < chars.count else { return nil }
                    index += 1
                    tokens.append(.string(value))
                } else if "=!<>".contains(char) {
                    var op = String(char)
                    if index + 1 < chars.count, chars[index + 1] == "=" { op.append("=") }
                    guard ["=", "!=", "<", "<=", ">", ">="].contains(op) else { return nil }
                    tokens.append(.op(op))
                    index += op.count
                } else if char.isLetter || char.isNumber || char == "_" || char == "." {
                    var word = ""
                    while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" || chars[index] == "." {
                        word.append(chars[index])
                        index += 1
                    }
                    tokens.append(.word(word))
                } else {
                    return nil
                }
            }
            return tokens
        }
    }
}
