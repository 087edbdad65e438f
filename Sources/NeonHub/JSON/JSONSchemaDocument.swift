public import Foundation

/// A JSON Schema document (draft 2020-12) read from a file, validating JSON values against
/// it. It supports the keywords our own schemas use — `type`, `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`, `maxItems`, `enum`, `const`, `pattern`,
/// `minLength`, `maxLength`, `minimum`, `maximum`, `oneOf`, `anyOf`, `allOf`, local `$ref`
/// (`#/$defs/…`) and `format` (`date-time`, `date`, `email` and `uri` are checked; other
/// formats are annotations, as 2020-12 allows) — and refuses to load a schema that uses
/// another validation keyword, so that no rule is ever silently skipped. Annotations
/// (`title`, `description`, `$id`, `$schema`, `examples`, `default`, `contentEncoding`,
/// `contentMediaType`) are ignored.
public struct JSONSchemaDocument: Sendable {
    /// One reason a value does not conform: where (a JSON path such as `$.actions[2].kind`)
    /// and what.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        /// The JSON path of the offending value.
        public var path: String
        /// What is wrong, naming no more of the value than a short token.
        public var message: String

        public var description: String { "\(path): \(message)" }
    }

    /// A schema this validator cannot honour.
    public struct UnsupportedSchema: Error, CustomStringConvertible, Sendable {
        /// Which keyword, where.
        public var description: String
    }

    private let root: JSONValue
    private let patterns: [String: NSRegularExpressionBox]

    static let annotations: Set<String> = [
        "$schema", "$id", "title", "description", "examples", "default", "$comment", "deprecated", "contentEncoding", "contentMediaType", "readOnly",
        "writeOnly",
    ]
    static let keywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "pattern", "format",
        "minLength", "maxLength", "minimum", "maximum", "oneOf", "anyOf", "allOf", "$ref", "$defs",
    ]

    /// Loads a schema, compiling its patterns; throws when it uses an unsupported keyword.
    public init(_ schema: JSONValue) throws {
        root = schema
        var compiled: [String: NSRegularExpressionBox] = [:]
        try Self.check(schema, path: "#", patterns: &compiled)
        patterns = compiled
    }

    /// Loads a schema file.
    public init(contentsOf url: URL) throws {
        try self.init(try JSONValue.parse([UInt8](try Data(contentsOf: url))))
    }

    /// Every violation of `value` (empty when it conforms), in document order.
    public func validate(_ value: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        validate(value, against: root, path: "$", into: &violations)
        return violations
    }

    // MARK: - Validation

    private func validate(_ value: JSONValue, against schema: JSONValue, path: String, into violations: inout [Violation]) {
        guard case .object(let s) = schema else { return }  // `true` / `{}`-like: anything goes
        if case .string(let reference)? = s["$ref"] {
            if let target = resolve(reference) { validate(value, against: target, path: path, into: &violations) }
        }
        if let type = s["type"], !Self.matches(value, type: type) {
            violations.append(Violation(path: path, message: "expected \(Self.describe(type)), found \(Self.kind(of: value))"))
            return
        }
        if case .array(let options)? = s["enum"], !options.contains(value) {
            violations.append(Violation(path: path, message: "must be one of \(options.map(\.jsonText).joined(separator: ", "))"))
        }
        if let constant = s["const"], constant != value {
            violations.append(Violation(path: path, message: "must be \(constant.jsonText)"))
        }
        switch value {
        case .string(let text): validateString(text, s, path: path, into: &violations)
        case .number(let number): validateNumber(number, s, path: path, into: &violations)
        case .array(let items): validateArray(items, s, path: path, into: &violations)
        case .object(let members): validateObject(members, s, path: path, into: &violations)
        case .null, .bool: break
        }
        validateCombinators(value, s, path: path, into: &violations)
    }

    private func validateString(_ text: String, _ s: [String: JSONValue], path: String, into violations: inout [Violation]) {
        let length = text.count
        if case .number(let min)? = s["minLength"], Double(length) < min {
            violations.append(Violation(path: path, message: "shorter than \(Int(min)) characters"))
        }
        if case .number(let max)? = s["maxLength"], Double(length) > max {
            violations.append(Violation(path: path, message: "longer than \(Int(max)) characters"))
        }
        if case .string(let pattern)? = s["pattern"], let regex = patterns[pattern], !regex.matches(text) {
            violations.append(Violation(path: path, message: "does not match \(pattern)"))
        }
        if case .string(let format)? = s["format"], let valid = Self.formats[format], !valid(text) {
            violations.append(Violation(path: path, message: "is not a valid \(format)"))
        }
    }

    private func validateNumber(_ number: Double, _ s: [String: JSONValue], path: String, into violations: inout [Violation]) {
        if case .number(let min)? = s["minimum"], number < min {
            violations.append(Violation(path: path, message: "less than \(min.jsonNumberText)"))
        }
        if case .number(let max)? = s["maximum"], number > max {
            violations.append(Violation(path: path, message: "greater than \(max.jsonNumberText)"))
        }
    }

    private func validateArray(_ items: [JSONValue], _ s: [String: JSONValue], path: String, into violations: inout [Violation]) {
        if case .number(let min)? = s["minItems"], Double(items.count) < min {
            violations.append(Violation(path: path, message: "fewer than \(Int(min)) items"))
        }
        if case .number(let max)? = s["maxItems"], Double(items.count) > max {
            violations.append(Violation(path: path, message: "more than \(Int(max)) items"))
        }
        if let itemSchema = s["items"] {
            for (index, item) in items.enumerated() {
                validate(item, against: itemSchema, path: "\(path)[\(index)]", into: &violations)
            }
        }
    }

    private func validateObject(_ members: [String: JSONValue], _ s: [String: JSONValue], path: String, into violations: inout [Violation]) {
        if case .array(let required)? = s["required"] {
            for case .string(let name) in required where members[name] == nil {
                violations.append(Violation(path: path, message: "missing required property \"\(name)\""))
            }
        }
        var properties: [String: JSONValue] = [:]
        if case .object(let declared)? = s["properties"] { properties = declared }
        for name in members.keys.sorted() {
            let member = members[name]!
            let memberPath = Self.memberPath(path, name)
            if let schema = properties[name] {
                validate(member, against: schema, path: memberPath, into: &violations)
            } else if let additional = s["additionalProperties"] {
                if additional == .bool(false) {
                    violations.append(Violation(path: memberPath, message: "unknown property"))
                } else {
                    validate(member, against: additional, path: memberPath, into: &violations)
                }
            }
        }
    }

    private func validateCombinators(_ value: JSONValue, _ s: [String: JSONValue], path: String, into violations: inout [Violation]) {
        if case .array(let all)? = s["allOf"] {
            for schema in all { validate(value, against: schema, path: path, into: &violations) }
        }
        if case .array(let any)? = s["anyOf"], !any.contains(where: { conforms(value, to: $0) }) {
            violations.append(Violation(path: path, message: "matches none of the allowed forms"))
        }
        if case .array(let one)? = s["oneOf"] {
            let matching = one.filter { conforms(value, to: $0) }.count
            if matching != 1 {
                violations.append(
                    Violation(
                        path: path, message: matching == 0 ? "matches none of the allowed forms" : "matches more than one of the exclusive forms"))
            }
        }
    }

    private func conforms(_ value: JSONValue, to schema: JSONValue) -> Bool {
        var scratch: [Violation] = []
        validate(value, against: schema, path: "$", into: &scratch)
        return scratch.isEmpty
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var current: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") {
            current = current?[String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return current
    }

    // MARK: - Loading

    private static func check(_ schema: JSONValue, path: String, patterns: inout [String: NSRegularExpressionBox]) throws {
        switch schema {
        case .bool: return
        case .object(let s):
            for (keyword, value) in s {
                guard keywords.contains(keyword) || annotations.contains(keyword) else {
                    throw UnsupportedSchema(description: "unsupported keyword \"\(keyword)\" at \(path)")
                }
                switch keyword {
                case "properties", "$defs":
                    guard case .object(let children) = value else { continue }
                    for (name, child) in children { try check(child, path: "\(path)/\(keyword)/\(name)", patterns: &patterns) }
                case "items", "additionalProperties":
                    try check(value, path: "\(path)/\(keyword)", patterns: &patterns)
                case "oneOf", "anyOf", "allOf":
                    guard case .array(let options) = value else { continue }
                    for (index, option) in options.enumerated() { try check(option, path: "\(path)/\(keyword)/\(index)", patterns: &patterns) }
                case "pattern":
                    guard case .string(let pattern) = value else { continue }
                    guard let regex = NSRegularExpressionBox(pattern) else {
                        throw UnsupportedSchema(description: "invalid pattern at \(path): \(pattern)")
                    }
                    patterns[pattern] = regex
                case "$ref":
                    guard case .string(let reference) = value, reference.hasPrefix("#/") else {
                        throw UnsupportedSchema(description: "only local $ref is supported at \(path)")
                    }
                default: continue
                }
            }
        default:
            throw UnsupportedSchema(description: "a schema must be an object or a boolean at \(path)")
        }
    }

    // MARK: - Helpers

    private static let dateTimePattern = NSRegularExpressionBox(
        #"^\d{4}-\d{2}-\d{2}[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"#)!

    private static func isFullDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// The formats checked; any other `format` is an annotation.
    static let formats: [String: @Sendable (String) -> Bool] = [
        // RFC 3339 §5.6 `date-time` and `full-date`.
        "date-time": { text in
            guard dateTimePattern.matches(text), let tee = text.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
            return isFullDate(String(text[..<tee]))
        },
        "date": { isFullDate($0) },
        "email": { text in
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
        },
        "uri": { text in URL(string: text)?.scheme != nil && !text.contains(" ") },
    ]

    private static func matches(_ value: JSONValue, type: JSONValue) -> Bool {
        switch type {
        case .string(let name): return matches(value, typeName: name)
        case .array(let names): return names.contains { if case .string(let n) = $0 { matches(value, typeName: n) } else { false } }
        default: return true
        }
    }

    private static func matches(_ value: JSONValue, typeName: String) -> Bool {
        switch (typeName, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let n)): n == n.rounded(.towardZero) && n.isFinite
        default: false
        }
    }

    private static func describe(_ type: JSONValue) -> String {
        switch type {
        case .string(let name): name
        case .array(let names): names.compactMap { if case .string(let n) = $0 { n } else { nil } }.joined(separator: " or ")
        default: "any"
        }
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private static func memberPath(_ path: String, _ name: String) -> String {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "$" }
        return plain ? "\(path).\(name)" : "\(path)[\(JSONValue.string(name).jsonText)]"
    }
}

/// A compiled ECMA-262-style pattern (searched, not anchored, as JSON Schema specifies).
struct NSRegularExpressionBox: @unchecked Sendable {
    // NSRegularExpression is immutable once created and documented as thread-safe.
    private let regex: NSRegularExpression

    init?(_ pattern: String) {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.regex = regex
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

extension Double {
    /// The number as JSON writes it (no trailing `.0` for integers).
    var jsonNumberText: String { JSONValue.number(self).jsonText }
}
