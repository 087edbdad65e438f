/// One line of `neonhub connectors smoke`: a check of a connector and how it went.
public struct SmokeResult: Sendable, Equatable {
    /// How a check went.
    public enum Outcome: String, Sendable {
        case pass, fail, skip
    }

    /// The connector id.
    public var connector: String
    /// `testConnection`, `read`, or `config` (the entry itself is unusable).
    public var check: String
    /// The action that ran, if any.
    public var action: String?
    /// pass, fail or skip.
    public var outcome: Outcome
    /// Wall time of the check.
    public var latencyMs: Int?
    /// `ok, 2 items`, or what went wrong (never a credential).
    public var message: String

    /// The results as an aligned text table.
    public static func table(_ results: [SmokeResult]) -> String {
        let rows =
            [["connector", "check", "outcome", "latency", "message"]]
            + results.map {
                [
                    $0.connector, $0.check + ($0.action.map { " (\($0))" } ?? ""), $0.outcome.rawValue, $0.latencyMs.map { "\($0) ms" } ?? "-",
                    $0.message,
                ]
            }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            (0..<4).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }.joined(separator: "  ") + "  " + row[4]
        }.joined(separator: "\n")
    }

    /// The results as JSON: `{"summary": {pass, fail, skip}, "results": [...]}`.
    public static func json(_ results: [SmokeResult]) -> JSONValue {
        var summary: [String: JSONValue] = ["pass": .number(0), "fail": .number(0), "skip": .number(0)]
        for result in results {
            if case .number(let n)? = summary[result.outcome.rawValue] { summary[result.outcome.rawValue] = .number(n + 1) }
        }
        return .object([
            "summary": .object(summary),
            "results": .array(
                results.map { result in
                    .object([
                        "connector": .string(result.connector), "check": .string(result.check),
                        "action": result.action.map(JSONValue.string) ?? .null,
                        "outcome": .string(result.outcome.rawValue), "latencyMs": result.latencyMs.map { .number(Double($0)) } ?? .null,
                        "message": .string(result.message),
                    ])
                }),
        ])
    }
}
