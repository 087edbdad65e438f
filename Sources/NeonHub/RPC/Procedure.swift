public import Foundation

/// One declared procedure: name, kind, auth level, schemas and the type-erased body that
/// validates, decodes, runs and encodes. Everything else (routing, validation, OpenAPI,
/// metric labels, the audit of what exists) is derived from this value. A class: every call
/// hands it around, and a reference is one retain where the struct was a dozen.
public final class Procedure: Sendable {
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
    /// Validates and decodes the input, runs, and returns the call's result envelope
    /// (`{"result":{"data":<output>}}`, or `{"result":{}}` without output).
    let invoke: @Sendable (JSONValue?, ProcedureContext) async throws -> [UInt8]
    /// The same for a body that never suspends: run inline on the connection's event loop,
    /// without a `Task` (nil for async bodies).
    let invokeInline: (@Sendable (JSONValue?, ProcedureContext) throws -> [UInt8])?
    /// For subscriptions: validates the input and opens the event stream (given the last
    /// event id the client saw, for resumption).
    let subscribe: (@Sendable (JSONValue?, ProcedureContext, String?) async throws -> AsyncThrowingStream<SubscriptionEvent, any Error>)?

    init(
        name: String, kind: ProcedureKind, auth: AuthLevel, summary: String, inputSchema: JSONSchema, outputSchema: JSONSchema?,
        invoke: @escaping @Sendable (JSONValue?, ProcedureContext) async throws -> [UInt8],
        invokeInline: (@Sendable (JSONValue?, ProcedureContext) throws -> [UInt8])? = nil,
        subscribe: (@Sendable (JSONValue?, ProcedureContext, String?) async throws -> AsyncThrowingStream<SubscriptionEvent, any Error>)? = nil
    ) {
        self.name = name
        self.kind = kind
        self.auth = auth
        self.summary = summary
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.invoke = invoke
        self.invokeInline = invokeInline
        self.subscribe = subscribe
    }

    /// Declares a procedure with typed input and output.
    public static func make<I: RPCInput, O: RPCOutput>(
        _ name: String, kind: ProcedureKind, auth: AuthLevel, summary: String,
        input: I.Type, output: O.Type,
        _ body: @escaping @Sendable (I, ProcedureContext) async throws -> O
    ) -> Procedure {
        Procedure(
            name: name, kind: kind, auth: auth, summary: summary, inputSchema: I.schema,
            outputSchema: O.self == NoOutput.self ? nil : O.schema,
            invoke: { raw, context in
                let input = try decodeInput(I.self, raw)
                return try resultEnvelope(try await body(input, context))
            })
    }

    /// Declares a procedure whose body never suspends (pure computation on its input): it runs
    /// inline on the connection's event loop, so it must stay cheap and must not block.
    public static func makeInline<I: RPCInput, O: RPCOutput>(
        _ name: String, kind: ProcedureKind, auth: AuthLevel, summary: String,
        input: I.Type, output: O.Type,
        answerWithoutInput: O? = nil, _ body: @escaping @Sendable (I, ProcedureContext) throws -> O
    ) -> Procedure {
        // Encoded once: a call without input (absent, or `{}`) gets these bytes, never re-encoded.
        let fixed = answerWithoutInput.flatMap { try? resultEnvelope($0) }
        let inline: @Sendable (JSONValue?, ProcedureContext) throws -> [UInt8] = { raw, context in
            if let fixed, raw == nil || raw == .object([:]) { return fixed }
            return try resultEnvelope(try body(try decodeInput(I.self, raw), context))
        }
        return Procedure(
            name: name, kind: kind, auth: auth, summary: summary, inputSchema: I.schema,
            outputSchema: O.self == NoOutput.self ? nil : O.schema,
            invoke: { raw, context in try inline(raw, context) }, invokeInline: inline)
    }

    /// Declares a subscription: each event of the stream is sent as one SSE message.
    public static func makeSubscription<I: RPCInput, E: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type, event: E.Type,
        _ body: @escaping @Sendable (I, ProcedureContext, String?) async throws -> AsyncThrowingStream<(id: String?, event: E), any Error>
    ) -> Procedure {
        Procedure(
            name: name, kind: .subscription, auth: auth, summary: summary, inputSchema: I.schema, outputSchema: E.schema,
            invoke: { _, _ in throw RPCError(.methodNotSupported, "\(name) is a subscription: open it as Server-Sent Events") },
            subscribe: { raw, context, lastEventID in
                let input = try decodeInput(I.self, raw)
                let events = try await body(input, context, lastEventID)
                return AsyncThrowingStream { continuation in
                    let task = Task {
                        do {
                            for try await item in events {
                                continuation.yield(SubscriptionEvent(id: item.id, data: Data(try FastJSONEncoder.encode(item.event))))
                            }
                            continuation.finish()
                        } catch {
                            continuation.finish(throwing: error)
                        }
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            })
    }

    private static let resultPrefix = Array(#"{"result":{"data":"#.utf8)
    private static let emptyResult = Array(#"{"result":{}}"#.utf8)

    /// `{"result":{"data":<output>}}` encoded in one buffer, or `{"result":{}}` for `NoOutput`.
    static func resultEnvelope<O: RPCOutput>(_ output: O) throws -> [UInt8] {
        if O.self == NoOutput.self { return emptyResult }
        var envelope = try FastJSONEncoder.encode(output, after: resultPrefix)
        envelope.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "}")])
        return envelope
    }

    /// Most validation issues an error lists (then one saying how many more there were).
    static let maxIssues = 20

    /// Validates raw JSON against the input schema, then decodes it.
    static func decodeInput<I: RPCInput>(_ type: I.Type, _ raw: JSONValue?) throws -> I {
        if I.self == NoInput.self, raw == nil || raw == .object([:]) || raw == .null {
            return NoInput() as! I  // checked just above; skips a JSON round trip
        }
        let value = raw ?? .object([:])
        let issues = I.schema.validate(value, path: [])
        if !issues.isEmpty {
            let first = issues[0]
            let location = first.path.isEmpty ? "input" : first.path.joined(separator: ".")
            // The first `maxIssues`: a megabyte of unknown fields must not become a multi-megabyte answer.
            var listed = Array(issues.prefix(Self.maxIssues))
            if issues.count > Self.maxIssues {
                listed.append(ValidationIssue(path: [], message: "\(issues.count - Self.maxIssues) more issues not listed"))
            }
            throw RPCError(.badRequest, "Invalid input: \(location): \(first.message)", issues: listed)
        }
        do {
            return try JSONValueDecoder.decode(I.self, from: value)
        } catch {
            throw RPCError(.badRequest, "Invalid input: \(Self.describe(error))")
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

/// One event of a subscription: an optional id (for `Last-Event-ID` resumption) and the
/// encoded JSON data.
public struct SubscriptionEvent: Sendable {
    /// Event id, if the stream is resumable.
    public var id: String?
    /// JSON bytes of the event.
    public var data: Data
}
