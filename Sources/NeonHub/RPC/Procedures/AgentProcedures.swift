import Foundation

extension Array: RPCOutput where Element: RPCOutput {
    public static var schema: JSONSchema { .array(Element.schema) }
}

/// The `agents.*` procedures (DESIGN §4 and §8).
public enum AgentProcedures {
    struct AgentInfo: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("name", .string()), ("description", .string()), ("intents", .array(.string())),
                ("circuit", .string(enumValues: ["closed", "open", "half_open"])),
            ],
            required: ["name", "description", "intents", "circuit"])
        let name: String
        let description: String
        let intents: [String]
        let circuit: String
    }

    struct RunInput: RPCInput {
        /// An agent or an intent (or both) picks the agent: the schema says so, so validation
        /// refuses a call with neither, with the same words as the published document.
        static let schema = JSONSchema.requiringAnyOf(
            ["agent", "intent"],
            .object(
                [
                    ("agent", .string(minLength: 1, maxLength: 64)), ("intent", .string(minLength: 1, maxLength: 64)),
                    ("input", .anyObject), ("idempotencyKey", .string(minLength: 1, maxLength: 200)),
                ],
                required: ["input"]))
        let agent: String?
        let intent: String?
        let input: JSONValue
        let idempotencyKey: String?
    }

    struct RunOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [("runId", .uuid), ("status", .string()), ("output", .any), ("error", .any)], required: ["runId", "status"])
        let runId: UUID
        let status: String
        let output: JSONValue?
        let error: JSONValue?
    }

    struct ListInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("agent", .string(maxLength: 64)), ("status", .string(enumValues: ["queued", "running", "succeeded", "failed", "cancelled"])),
                ("since", .dateTime), ("until", .dateTime),
            ] + PageInput.fields, required: [])
        let agent: String?
        let status: String?
        let since: Date?
        let until: Date?
        let limit: Int?
        let cursor: String?
    }

    struct RunSummaryOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("agent", .string()), ("intent", .nullable(.string())), ("status", .string()),
                ("startedAt", .nullable(.dateTime)), ("finishedAt", .nullable(.dateTime)),
                ("durationMs", .nullable(.integer())), ("createdAt", .dateTime),
            ],
            required: ["id", "agent", "status", "createdAt"])
        let id: UUID
        let agent: String
        let intent: String?
        let status: String
        let startedAt: Date?
        let finishedAt: Date?
        let durationMs: Int?
        let createdAt: Date
    }

    struct ToolOutput: Encodable, Sendable {
        let id: UUID
        let tool: String
        let status: String
        let input: JSONValue
        let output: JSONValue?
        let error: JSONValue?
        let startedAt: Date
        let durationMs: Int
        let attempt: Int
    }

    struct MetricOutput: Encodable, Sendable {
        let name: String
        let value: Double
        let unit: String
    }

    struct RunDetailOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("agent", .string()), ("intent", .nullable(.string())), ("status", .string()), ("input", .any), ("output", .any),
                ("error", .any),
                ("startedAt", .nullable(.dateTime)), ("finishedAt", .nullable(.dateTime)), ("durationMs", .nullable(.integer())),
                ("toolExecutions", .array(.anyObject)),
                ("metrics", .array(.object([("name", .string()), ("value", .number()), ("unit", .string())], required: ["name", "value", "unit"]))),
                ("traceId", .nullable(.string())),
            ], required: ["id", "agent", "status", "toolExecutions", "metrics"])
        let id: UUID
        let agent: String
        let intent: String?
        let status: String
        let input: JSONValue
        let output: JSONValue?
        let error: JSONValue?
        let startedAt: Date?
        let finishedAt: Date?
        let durationMs: Int?
        let toolExecutions: [ToolOutput]
        let metrics: [MetricOutput]
        /// The W3C trace id of the request or job that started the run: finds its log lines.
        let traceId: String?
    }

    struct EventInput: RPCInput {
        static let schema = JSONSchema.object(
            [("runId", .uuid), ("agent", .string(maxLength: 64)), ("lastEventId", .string(maxLength: 40))], required: [])
        let runId: UUID?
        let agent: String?
    }

    struct EventOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("sequence", .integer()), ("runId", .uuid), ("agent", .string()), ("type", .string(enumValues: ["status", "tool"])),
                ("status", .nullable(.string())), ("tool", .nullable(.string())), ("toolStatus", .nullable(.string())),
                ("durationMs", .nullable(.integer())), ("at", .dateTime),
            ], required: ["sequence", "runId", "agent", "type", "at"])
        let sequence: Int
        let runId: UUID
        let agent: String
        let type: String
        let status: String?
        let tool: String?
        let toolStatus: String?
        let durationMs: Int?
        let at: Date
    }

    /// Registers `agents.list`, `agents.run`, `agents.listRuns`, `agents.getRun` and `agents.onRunEvent`.
    public static func register(in registry: ProcedureRegistry, orchestrator: Orchestrator, events: RunEventBus) {
        let store = orchestrator.store
        registry.inlineQuery("agents.list", auth: .user, summary: "The agents, their intents and circuit-breaker state", input: NoInput.self) {
            _, context in
            _ = try context.requireIdentity()
            return orchestrator.catalog.map {
                AgentInfo(name: $0.agent.name, description: $0.agent.description, intents: $0.agent.intents, circuit: $0.circuit.rawValue)
            }
        }
        registry.mutation("agents.run", auth: .user, summary: "Run an agent by name or intent; the same idempotency key returns the same run") {
            (input: RunInput, context) in
            let tenant = try context.tenantID()
            let result = try await orchestrator.run(
                tenant: tenant, agent: input.agent, intent: input.intent, input: input.input, idempotencyKey: input.idempotencyKey)
            return RunOutput(runId: result.runID, status: result.status, output: result.output, error: result.error)
        }
        registry.query("agents.listRuns", auth: .user, summary: "Runs of the caller's tenant, newest first (cursor pagination)") {
            (input: ListInput, context) in
            let page = try await store.listRuns(
                tenant: try context.tenantID(), agent: input.agent, status: input.status, since: input.since, until: input.until,
                limit: input.limit ?? PageInput.defaultLimit, cursor: input.cursor)
            return PageOutput(page) {
                RunSummaryOutput(
                    id: $0.id, agent: $0.agent, intent: $0.intent, status: $0.status, startedAt: $0.startedAt,
                    finishedAt: $0.finishedAt, durationMs: $0.durationMs, createdAt: $0.createdAt)
            }
        }
        registry.query("agents.getRun", auth: .user, summary: "One run with its tool executions and metrics (sanitized)") {
            (input: IDInput, context) in
            guard let run = try await store.getRun(tenant: try context.tenantID(), id: input.id) else {
                throw AgentError(.runNotFound, "Run not found")
            }
            let s = run.summary
            return RunDetailOutput(
                id: s.id, agent: s.agent, intent: s.intent, status: s.status, input: Sanitizer.sanitize(run.input),
                output: run.output.map(Sanitizer.sanitize),
                error: run.error.map(Sanitizer.sanitize), startedAt: s.startedAt, finishedAt: s.finishedAt, durationMs: s.durationMs,
                toolExecutions: run.tools.map {
                    ToolOutput(
                        id: $0.id, tool: $0.tool, status: $0.status, input: Sanitizer.sanitize($0.input),
                        output: $0.output.map(Sanitizer.sanitize), error: $0.error.map(Sanitizer.sanitize),
                        startedAt: $0.startedAt, durationMs: $0.durationMs, attempt: $0.attempt)
                },
                metrics: run.metrics.map { MetricOutput(name: $0.name, value: $0.value, unit: $0.unit) }, traceId: run.traceID)
        }
        registry.subscription("agents.onRunEvent", auth: .user, summary: "Live status and tool events of a run or an agent (SSE)") {
            (input: EventInput, context, lastEventID) in
            let tenant = try context.tenantID()
            let stream = events.subscribe(
                tenant: tenant, runId: input.runId, agent: input.agent, afterSequence: lastEventID.flatMap(Int.init) ?? (input.runId != nil ? 0 : nil)
            )
            return AsyncThrowingStream { continuation in
                let task = Task {
                    for await e in stream {
                        continuation.yield(
                            (
                                id: String(e.sequence),
                                event: EventOutput(
                                    sequence: e.sequence, runId: e.runId, agent: e.agent, type: e.type, status: e.status,
                                    tool: e.tool, toolStatus: e.toolStatus, durationMs: e.durationMs, at: e.at)
                            ))
                        if input.runId != nil, e.type == "status", e.status != "running" { break }
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }
}
