import Foundation

/// One declared procedure: name, kind, auth level, schemas and the type-erased body that
/// validates, decodes, runs and encodes. Everything else (routing, validation, OpenAPI,
/// metric labels, the audit of what exists) is derived from this value.
public struct Procedure: Sendable {
    /// Dotted name, e.g. `agents.getRun`.
    public let name: String
    /// Query, mutation or subscription.
    public let kind: ProcedureKind
    /// Who may call it.
    public let auth: AuthLevel
    /// One-line description for OpenAPI.
    public let summary: String
    /// Input schema.
    public let inputSchema: JSONSchema
    /// Output schema (nil: no output, answered as `{"result":{}}`).
    public let outputSchema: JSONSchema?
    /// Validates and decodes the input, runs, and returns the encoded output (nil: none).
    let invoke: @Sendable (JSONValue?, ProcedureContext) async throws -> Data?

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Declares a procedure with typed input and output.
    public static func make<I: RPCInput, O: RPCOutput>(
        _ name: String, kind: ProcedureKind, auth: AuthLevel, summary: String,
        input: I.Type, output: O.Type,
        _ body: @escaping @Sendable (I, ProcedureContext) async throws -> O
    ) -> Procedure {
        Procedure(name: name, kind: kind, auth: auth, summary: summary, inputSchema: I.schema,
                  outputSchema: O.self == NoOutput.self ? nil : O.schema) { raw, context in
            let value = raw ?? .object([:])
            let issues = I.schema.validate(value, path: [])
            if !issues.isEmpty {
                let first = issues[0]
                let where_ = first.path.isEmpty ? "input" : first.path.joined(separator: ".")
                throw RPCError(.badRequest, "Invalid input: \(where_): \(first.message)", issues: issues)
            }
            let input: I
            do {
                input = try decoder.decode(I.self, from: value.encoded())
            } catch {
                throw RPCError(.badRequest, "Invalid input: \(Self.describe(error))")
            }
            let output = try await body(input, context)
            if O.self == NoOutput.self { return nil }
            return try encoder.encode(output)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx): return (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".") + ": Required"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : path + ": ") + ctx.debugDescription
        default: return "malformed"
        }
    }
}
