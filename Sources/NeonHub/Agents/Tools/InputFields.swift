import Foundation

/// Typed, validated access to the members of a JSON object given to a tool or an agent.
/// Wrong types and missing required fields become errors that name the field.
struct InputFields: Sendable {
    /// The object's members.
    let members: [String: JSONValue]
    /// Turns a message (`field: problem`) into the error to throw.
    let makeError: @Sendable (String) -> any Error

    /// Wraps `value`, which must be a JSON object.
    init(_ value: JSONValue, makeError: @escaping @Sendable (String) -> any Error) throws {
        guard case .object(let members) = value else { throw makeError("input: expected a JSON object") }
        self.members = members
        self.makeError = makeError
    }

    /// Fields for an agent: errors are `AgentInputError` (answered as BAD_REQUEST).
    static func agent(_ value: JSONValue) throws -> InputFields {
        try InputFields(value) { AgentInputError($0) }
    }

    /// Fields for a tool: errors are `ToolInputError` naming the tool.
    static func tool(_ name: String, _ value: JSONValue) throws -> InputFields {
        try InputFields(value) { ToolInputError(tool: name, $0) }
    }

    /// An optional string (`null` counts as absent); blank strings count as absent too.
    func string(_ key: String, maxLength: Int = 100_000) throws -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard s.count <= maxLength else { throw makeError("\(key): longer than \(maxLength) characters") }
            return s.allSatisfy(\.isWhitespace) ? nil : s
        default: throw makeError("\(key): expected a string")
        }
    }

    /// A required, non-blank string.
    func requiredString(_ key: String, maxLength: Int = 100_000) throws -> String {
        guard let s = try string(key, maxLength: maxLength) else { throw makeError("\(key): required") }
        return s
    }

    /// An optional integer (a JSON number without a fraction).
    func int(_ key: String) throws -> Int? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard n == n.rounded(), abs(n) < 1e12 else { throw makeError("\(key): expected an integer") }
            return Int(n)
        default: throw makeError("\(key): expected an integer")
        }
    }

    /// An optional integer within `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let n = try int(key) else { return nil }
        guard range.contains(n) else {
            throw makeError("\(key): must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return n
    }

    /// An optional boolean.
    func bool(_ key: String) throws -> Bool? {
        switch members[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw makeError("\(key): expected a boolean")
        }
    }

    /// An optional array of strings.
    func strings(_ key: String, maxCount: Int = 1_000) throws -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            guard items.count <= maxCount else { throw makeError("\(key): more than \(maxCount) items") }
            return try items.map {
                guard case .string(let s) = $0 else { throw makeError("\(key): expected an array of strings") }
                return s
            }
        default: throw makeError("\(key): expected an array of strings")
        }
    }
}

/// Small constructors for JSON output, so that agents and tools read clearly.
enum JSONOut {
    /// An integer as a JSON number.
    static func int(_ n: Int) -> JSONValue { .number(Double(n)) }

    /// A number rounded to `places` decimals (stable output for reports).
    static func rounded(_ x: Double, places: Int = 2) -> JSONValue {
        let scale = pow10(places)
        return .number((x * scale).rounded() / scale)
    }

    /// `x` with `places` decimals for messages, e.g. `0.4`.
    static func format(_ x: Double, places: Int = 1) -> String {
        String(format: "%.\(max(0, min(places, 6)))f", x)
    }

    /// An array of strings.
    static func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }

    /// 10 to the power `n` for small `n`.
    private static func pow10(_ n: Int) -> Double {
        (0..<max(0, n)).reduce(1.0) { acc, _ in acc * 10 }
    }
}
