import Foundation

/// A JSON Schema (2020-12 subset) describing a procedure's input or output. The same value
/// validates incoming JSON (with field paths in the issues) and is published in OpenAPI.
public indirect enum JSONSchema: Sendable {
    /// A string; `pattern` is an ECMA-262 regular expression (anchor it to match it whole).
    case string(minLength: Int? = nil, maxLength: Int? = nil, enumValues: [String]? = nil, format: String? = nil, pattern: String? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    case array(JSONSchema, maxItems: Int? = nil)
    /// An object with known properties (`required` lists the mandatory ones).
    case object([(String, JSONSchema)], required: [String], additionalProperties: Bool = false)
    /// Any JSON object (free-form).
    case anyObject
    /// Any JSON value.
    case any
    /// The wrapped schema or `null`.
    case nullable(JSONSchema)
    /// The wrapped object schema, with at least one of `fields` present (not null): JSON
    /// Schema's `anyOf` of `required` sets, e.g. `agents.run` names an agent or an intent.
    case requiringAnyOf([String], JSONSchema)

    /// A UUID string.
    public static let uuid = JSONSchema.string(format: "uuid")
    /// An ISO 8601 timestamp string.
    public static let dateTime = JSONSchema.string(format: "date-time")
    /// A schema for a type with no input.
    public static let empty = JSONSchema.object([], required: [])

    /// Published on every free-form string: PostgreSQL text cannot hold U+0000, so validation
    /// refuses it (an ECMA-262 pattern, as JSON Schema uses).
    static let noNULPattern = #"^[^\u0000]*$"#

    /// The largest integer magnitude an `.integer` accepts: JavaScript's safe integers, so
    /// every accepted value survives a trip through the frontend (and a `Double`).
    public static let maxSafeInteger = 9_007_199_254_740_991

    /// Whether a call may leave its input out (absent, `{}` and `null` mean the same).
    public var acceptsNoInput: Bool { validate(.object([:])).isEmpty }

    /// The schema as a JSON-compatible dictionary.
    public var jsonObject: [String: Any] {
        switch self {
        case .string(let minLength, let maxLength, let enumValues, let format, let pattern):
            var o: [String: Any] = ["type": "string"]
            if let minLength { o["minLength"] = minLength }
            if let maxLength { o["maxLength"] = maxLength }
            if let enumValues { o["enum"] = enumValues }
            if let format { o["format"] = format }
            if let pattern { o["pattern"] = pattern } else if enumValues == nil, format == nil { o["pattern"] = Self.noNULPattern }
            return o
        case .integer(let minimum, let maximum):
            return ["type": "integer", "minimum": minimum ?? -Self.maxSafeInteger, "maximum": maximum ?? Self.maxSafeInteger]
        case .number(let minimum, let maximum):
            var o: [String: Any] = ["type": "number"]
            if let minimum { o["minimum"] = minimum }
            if let maximum { o["maximum"] = maximum }
            return o
        case .boolean:
            return ["type": "boolean"]
        case .array(let items, let maxItems):
            var o: [String: Any] = ["type": "array", "items": items.jsonObject]
            if let maxItems { o["maxItems"] = maxItems }
            return o
        case .object(let properties, let required, let additional):
            var props: [String: Any] = [:]
            // Validation reads `null` as absent, so an optional property also takes `null`
            // (as tRPC clients send an unset cursor).
            for (name, schema) in properties { props[name] = required.contains(name) ? schema.jsonObject : schema.orNullJSONObject }
            var o: [String: Any] = ["type": "object", "properties": props, "additionalProperties": additional]
            if !required.isEmpty { o["required"] = required }
            return o
        case .anyObject:
            return ["type": "object"]
        case .any:
            return [:]
        case .nullable(let inner):
            return ["anyOf": [inner.jsonObject, ["type": "null"]]]
        case .requiringAnyOf(let fields, let inner):
            var o = inner.jsonObject
            o["anyOf"] = fields.map { ["required": [$0], "properties": [$0: ["not": ["type": "null"]]]] }
            return o
        }
    }

    /// The schema, or `null`: `"type": [t, "null"]` where a single type says it all.
    var orNullJSONObject: [String: Any] {
        switch self {
        case .nullable, .any:
            return jsonObject
        default:
            var o = jsonObject
            guard let type = o["type"] as? String else { return ["anyOf": [o, ["type": "null"]]] }
            o["type"] = [type, "null"]
            if let values = o["enum"] as? [String] { o["enum"] = values.map { $0 as Any } + [NSNull()] }
            return o
        }
    }
}

/// One validation problem: where (`path`, e.g. `["input", "limit"]`) and what.
public struct ValidationIssue: Sendable, Equatable, Codable {
    /// Field path from the input root.
    public var path: [String]
    /// What is wrong.
    public var message: String
}

extension JSONSchema {
    /// Validates a value (nil = absent); returns every issue with its field path.
    public func validate(_ value: JSONValue?, path: [String] = []) -> [ValidationIssue] {
        func issue(_ message: String) -> [ValidationIssue] { [ValidationIssue(path: path, message: message)] }
        guard let value, value != .null else {
            if case .nullable = self { return [] }
            if case .any = self { return [] }
            return issue("Required")
        }
        switch self {
        case .string(let minLength, let maxLength, let enumValues, let format, let pattern):
            guard case .string(let s) = value else { return issue("Expected string") }
            // PostgreSQL text cannot hold NUL; refuse it here rather than fail later.
            if s.utf8.contains(0) { return issue("Must not contain NUL characters") }
            let length = s.count
            if let minLength, length < minLength { return issue("Must be at least \(minLength) characters") }
            if let maxLength, length > maxLength { return issue("Must be at most \(maxLength) characters") }
            if let enumValues, !enumValues.contains(s) { return issue("Must be one of: \(enumValues.joined(separator: ", "))") }
            if format == "uuid", UUID(uuidString: s) == nil { return issue("Invalid uuid") }
            if format == "date-time", (try? Date(s, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) == nil,
                (try? Date(s, strategy: Date.ISO8601FormatStyle())) == nil
            {
                return issue("Invalid ISO 8601 date-time")
            }
            if let pattern, s.range(of: pattern, options: .regularExpression) == nil { return issue("Must match \(pattern)") }
            return []
        case .integer(let minimum, let maximum):
            guard case .number(let n) = value, n == n.rounded() else { return issue("Expected integer") }
            if abs(n) > Double(Self.maxSafeInteger) { return issue("Must be between -\(Self.maxSafeInteger) and \(Self.maxSafeInteger)") }
            if let minimum, n < Double(minimum) { return issue("Must be >= \(minimum)") }
            if let maximum, n > Double(maximum) { return issue("Must be <= \(maximum)") }
            return []
        case .number(let minimum, let maximum):
            guard case .number(let n) = value else { return issue("Expected number") }
            if let minimum, n < minimum { return issue("Must be >= \(minimum)") }
            if let maximum, n > maximum { return issue("Must be <= \(maximum)") }
            return []
        case .boolean:
            guard case .bool = value else { return issue("Expected boolean") }
            return []
        case .array(let items, let maxItems):
            guard case .array(let a) = value else { return issue("Expected array") }
            if let maxItems, a.count > maxItems { return issue("Must have at most \(maxItems) items") }
            return a.enumerated().flatMap { items.validate($0.element, path: path + [String($0.offset)]) }
        case .object(let properties, let required, let additional):
            guard case .object(let o) = value else { return issue("Expected object") }
            var issues: [ValidationIssue] = []
            for (name, schema) in properties {
                if let v = o[name], v != .null || required.contains(name) {
                    issues += schema.validate(v, path: path + [name])
                } else if required.contains(name) {
                    issues.append(ValidationIssue(path: path + [name], message: "Required"))
                }
            }
            if !additional {
                let known = Set(properties.map(\.0))
                for key in o.keys.sorted() where !known.contains(key) {
                    issues.append(ValidationIssue(path: path + [key], message: "Unknown field"))
                }
            }
            return issues
        case .anyObject:
            if case .object = value { return [] }
            return issue("Expected object")
        case .any:
            return []
        case .nullable(let inner):
            return inner.validate(value, path: path)
        case .requiringAnyOf(let fields, let inner):
            var issues = inner.validate(value, path: path)
            if case .object(let o) = value, !fields.contains(where: { o[$0].map { $0 != .null } ?? false }) {
                issues.append(ValidationIssue(path: path, message: "Give one of: \(fields.joined(separator: ", "))"))
            }
            return issues
        }
    }
}
