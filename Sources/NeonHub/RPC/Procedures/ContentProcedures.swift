import Foundation

/// The `content.*` procedures (DESIGN §4 and §9): article generation through the content
/// agent (a recorded run) into a stored draft, and the draft lifecycle.
public enum ContentProcedures {
    struct GenerateInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("topic", .string(minLength: 3, maxLength: 300)), ("primaryKeyword", .string(minLength: 2, maxLength: 100)),
                ("tone", .string(maxLength: 40)), ("audience", .string(maxLength: 200)), ("wordCount", .integer(minimum: 300, maximum: 3000)),
                ("idempotencyKey", .string(minLength: 1, maxLength: 200)),
            ], required: ["topic", "primaryKeyword"])
        let topic: String
        let primaryKeyword: String
        let tone: String?
        let audience: String?
        let wordCount: Int?
        /// The same key again (a retry after a lost answer) returns the same run and draft:
        /// no second model call, no second draft.
        let idempotencyKey: String?
    }

    struct GenerateOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [("draftId", .uuid), ("runId", .uuid), ("title", .string()), ("content", .string()), ("metadata", .anyObject)],
            required: ["draftId", "runId", "title", "content", "metadata"])
        let draftId: UUID
        let runId: UUID
        let title: String
        let content: String
        let metadata: JSONValue
    }

    struct DraftOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("runId", .nullable(.uuid)), ("title", .string()), ("content", .string()),
                ("status", .string(enumValues: DraftLifecycle.statuses)), ("version", .integer()), ("metadata", .anyObject),
                ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ], required: ["id", "title", "content", "status", "version", "metadata", "createdAt", "updatedAt"])
        let id: UUID
        let runId: UUID?
        let title: String
        let content: String
        let status: String
        let version: Int
        let metadata: JSONValue
        let createdAt: Date
        let updatedAt: Date

        init(_ d: DraftStore.Draft) {
            id = d.id; runId = d.runID; title = d.title; content = d.content; status = d.status
            version = d.version; metadata = d.metadata; createdAt = d.createdAt; updatedAt = d.updatedAt
        }
    }

    struct ListInput: RPCInput {
        static let schema = JSONSchema.object([("status", .string(enumValues: DraftLifecycle.statuses))] + PageInput.fields, required: [])
        let status: String?
        let limit: Int?
        let cursor: String?
    }

    struct UpdateInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("version", .integer(minimum: 1)), ("title", .string(minLength: 1, maxLength: 300)),
                ("content", .string(minLength: 1, maxLength: 200_000)), ("status", .string(enumValues: DraftLifecycle.statuses)),
            ], required: ["id", "version"])
        let id: UUID
        let version: Int
        let title: String?
        let content: String?
        let status: String?
    }

    /// Registers `content.generateArticle`, `content.listDrafts`, `content.getDraft`, `content.updateDraft`.
    public static func register(in registry: ProcedureRegistry, orchestrator: Orchestrator, drafts: DraftStore) {
        registry.mutation("content.generateArticle", auth: .user, summary: "Generate an article with the content agent and store it as a draft") {
            (input: GenerateInput, context) in
            let tenant = try context.tenantID()
            var brief: [String: JSONValue] = ["topic": .string(input.topic), "primaryKeyword": .string(input.primaryKeyword)]
            if let tone = input.tone { brief["tone"] = .string(tone) }
            if let audience = input.audience { brief["audience"] = .string(audience) }
            if let words = input.wordCount { brief["wordCount"] = .number(Double(words)) }
            let run = try await orchestrator.run(
                tenant: tenant, agent: "content", intent: "article", input: .object(brief), idempotencyKey: input.idempotencyKey,
                rerunsPassingFailures: true)
            // A retry that arrives while the key's first request is still writing: not a failure
            // (a 502 would send the client off to try again under a new key and pay twice).
            if run.status == "running" || run.status == "queued" {
                throw AgentError(
                    .idempotencyKeyInUse, "The article for this idempotency key is still being written (run \(run.runID)); ask again shortly",
                    retryAfterSeconds: 5)
            }
            guard run.status == "succeeded", let output = run.output, case .string(let title)? = output["title"],
                case .string(let content)? = output["content"]
            else {
                throw RunFailure(runID: run.runID, error: run.error, activity: "Article generation")
            }
            var metadata: [String: JSONValue] = ["primaryKeyword": .string(input.primaryKeyword), "topic": .string(input.topic)]
            for key in ["metaDescription", "outline", "wordCount", "model"] { if let v = output[key] { metadata[key] = v } }
            if let tone = input.tone { metadata["tone"] = .string(tone) }
            if let audience = input.audience { metadata["audience"] = .string(audience) }
            let draft = try await drafts.insert(tenant: tenant, runID: run.runID, title: title, content: content, metadata: .object(metadata))
            return GenerateOutput(draftId: draft.id, runId: run.runID, title: title, content: content, metadata: draft.metadata)
        }
        registry.query("content.listDrafts", auth: .user, summary: "Drafts of the caller's tenant, newest first") { (input: ListInput, context) in
            let page = try await drafts.list(
                tenant: try context.tenantID(), status: input.status, limit: input.limit ?? PageInput.defaultLimit, cursor: input.cursor)
            return PageOutput(page, DraftOutput.init)
        }
        registry.query("content.getDraft", auth: .user, summary: "One draft") { (input: IDInput, context) in
            guard let draft = try await drafts.get(tenant: try context.tenantID(), id: input.id) else {
                throw DraftError(.notFound, "Draft not found")
            }
            return DraftOutput(draft)
        }
        registry.mutation("content.updateDraft", auth: .user, summary: "Edit a draft or move it through its lifecycle; a stale version is a CONFLICT")
        { (input: UpdateInput, context) in
            DraftOutput(
                try await drafts.update(
                    tenant: try context.tenantID(), id: input.id, version: input.version,
                    title: input.title, content: input.content, status: input.status))
        }
    }
}
