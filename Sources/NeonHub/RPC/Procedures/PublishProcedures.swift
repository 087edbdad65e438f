import Foundation

/// The `publish.*` procedures over the tenant's queue (DESIGN §10): schedule a connector
/// action (now or at a local time in an IANA zone), list and open jobs with their attempt
/// history, replay a job from the dead-letter queue, cancel one that has not run.
enum PublishProcedures {
    static let statuses = JobStatus.allCases.map(\.rawValue)

    struct JobOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("kind", .string(enumValues: JobKind.allCases.map(\.rawValue))), ("status", .string(enumValues: statuses)),
                ("connectionId", .nullable(.uuid)), ("connector", .nullable(.string())), ("action", .nullable(.string())),
                ("accountId", .nullable(.string())), ("draftId", .nullable(.uuid)), ("runId", .nullable(.uuid)),
                ("idempotencyKey", .string()), ("runAfter", .dateTime), ("timeZone", .nullable(.string())),
                ("attempts", .integer(minimum: 0)), ("maxAttempts", .integer(minimum: 1)), ("waitReason", .nullable(.string())),
                ("lastError", .nullable(.anyObject)), ("dlqReason", .nullable(.string())), ("remoteId", .nullable(.string())),
                ("remoteUrl", .nullable(.string())), ("createdAt", .dateTime), ("updatedAt", .dateTime), ("finishedAt", .nullable(.dateTime)),
            ], required: ["id", "kind", "status", "idempotencyKey", "runAfter", "attempts", "maxAttempts", "createdAt", "updatedAt"])
        let id: UUID
        let kind: String
        let status: String
        let connectionId: UUID?
        let connector: String?
        let action: String?
        let accountId: String?
        let draftId: UUID?
        let runId: UUID?
        let idempotencyKey: String
        let runAfter: Date
        let timeZone: String?
        let attempts: Int
        let maxAttempts: Int
        let waitReason: String?
        let lastError: JSONValue?
        let dlqReason: String?
        let remoteId: String?
        let remoteUrl: String?
        let createdAt: Date
        let updatedAt: Date
        let finishedAt: Date?

        init(_ job: QueueJob) {
            id = job.id; kind = job.kind.rawValue; status = job.status.rawValue; connectionId = job.connectionID; connector = job.connector
            action = job.action; accountId = job.accountID; draftId = job.draftID; runId = job.runID; idempotencyKey = job.idempotencyKey
            runAfter = job.runAfter; timeZone = job.timeZone; attempts = job.attempts; maxAttempts = job.maxAttempts; waitReason = job.waitReason
            lastError = job.lastError; dlqReason = job.dlqReason; remoteId = job.remoteID; remoteUrl = job.remoteURL
            createdAt = job.createdAt; updatedAt = job.updatedAt; finishedAt = job.finishedAt
        }
    }

    struct ScheduledOutput: RPCOutput {
        static var schema: JSONSchema { .object([("job", JobOutput.schema), ("created", .boolean)], required: ["job", "created"]) }
        let job: JobOutput
        let created: Bool
    }

    struct AttemptOutput: Encodable, Sendable {
        static let schema = JSONSchema.object(
            [
                ("attempt", .integer(minimum: 0)), ("worker", .string()), ("outcome", .string()), ("httpStatus", .nullable(.integer())),
                ("error", .nullable(.anyObject)), ("request", .nullable(.anyObject)), ("response", .nullable(.anyObject)),
                ("retryAfterSeconds", .nullable(.integer())), ("startedAt", .dateTime), ("finishedAt", .nullable(.dateTime)),
                ("durationMs", .nullable(.integer())),
            ], required: ["attempt", "worker", "outcome", "startedAt"])
        let attempt: Int
        let worker: String
        let outcome: String
        let httpStatus: Int?
        let error: JSONValue?
        let request: JSONValue?
        let response: JSONValue?
        let retryAfterSeconds: Int?
        let startedAt: Date
        let finishedAt: Date?
        let durationMs: Int?

        init(_ a: QueueAttempt) {
            attempt = a.attempt; worker = a.worker; outcome = a.outcome; httpStatus = a.httpStatus; error = a.error; request = a.request
            response = a.response; retryAfterSeconds = a.retryAfterSeconds; startedAt = a.startedAt; finishedAt = a.finishedAt;
            durationMs = a.durationMs
        }
    }

    struct JobDetailOutput: RPCOutput {
        static var schema: JSONSchema {
            .object(
                [
                    ("job", JobOutput.schema), ("input", .any), ("result", .any), ("lastRequest", .nullable(.anyObject)),
                    ("lastResponse", .nullable(.anyObject)), ("attempts", .array(AttemptOutput.schema)),
                ], required: ["job", "attempts"])
        }
        let job: JobOutput
        let input: JSONValue?
        let result: JSONValue?
        let lastRequest: JSONValue?
        let lastResponse: JSONValue?
        let attempts: [AttemptOutput]
    }

    struct ScheduleInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("connectionId", .uuid), ("action", .string(minLength: 1, maxLength: 64)), ("accountId", .string(minLength: 1, maxLength: 256)),
                ("input", .anyObject), ("draftId", .uuid), ("runAt", .string(minLength: 16, maxLength: 40)),
                ("timeZone", .string(minLength: 1, maxLength: 64)), ("idempotencyKey", .string(minLength: 1, maxLength: 200)),
            ], required: ["connectionId", "action"])
        let connectionId: UUID
        let action: String
        let accountId: String?
        let input: JSONValue?
        let draftId: UUID?
        let runAt: String?
        let timeZone: String?
        let idempotencyKey: String?
    }

    struct ListInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("status", .string(enumValues: statuses)), ("kind", .string(enumValues: JobKind.allCases.map(\.rawValue))), ("connectionId", .uuid),
            ] + PageInput.fields, required: [])
        let status: String?
        let kind: String?
        let connectionId: UUID?
        let limit: Int?
        let cursor: String?
    }

    static func register(in registry: ProcedureRegistry, publish: PublishService, store: QueueStore) {
        registry.mutation(
            "publish.schedule", auth: .user,
            summary: "Queues a connector action on a connection, now or at runAt (local time in timeZone, DST handled); idempotent by key"
        ) { (input: ScheduleInput, context) in
            let added = try await publish.schedule(
                PublishService.Request(
                    tenantID: try context.tenantID(), connectionID: input.connectionId, action: input.action, accountID: input.accountId,
                    input: input.input ?? .object([:]), draftID: input.draftId, runAt: input.runAt, timeZone: input.timeZone,
                    idempotencyKey: input.idempotencyKey))
            return ScheduledOutput(job: JobOutput(added.job), created: added.created)
        }
        registry.query("publish.listJobs", auth: .user, summary: "The tenant's queue jobs, newest first") { (input: ListInput, context) in
            let page = try await store.list(
                tenant: try context.tenantID(), status: input.status, kind: input.kind, connectionID: input.connectionId,
                limit: input.limit ?? PageInput.defaultLimit, cursor: input.cursor)
            return PageOutput(page, JobOutput.init)
        }
        registry.query("publish.getJob", auth: .user, summary: "One job with its attempt history and why it waits") { (input: IDInput, context) in
            let tenant = try context.tenantID()
            guard let job = try await store.job(tenant: tenant, id: input.id) else { throw QueueError(.jobNotFound, "Job not found") }
            let attempts = try await store.attempts(tenant: tenant, job: job.id)
            return JobDetailOutput(
                job: JobOutput(job), input: job.payload["input"], result: job.result, lastRequest: job.lastRequest,
                lastResponse: job.lastResponse, attempts: attempts.map(AttemptOutput.init))
        }
        registry.mutation("publish.retry", auth: .user, summary: "Replays a dead-letter job under the same idempotency key") {
            (input: IDInput, context) in
            JobOutput(try await store.retry(tenant: try context.tenantID(), id: input.id))
        }
        registry.mutation("publish.cancel", auth: .user, summary: "Cancels a job that has not run (or waits in the dead-letter queue)") {
            (input: IDInput, context) in
            JobOutput(try await store.cancel(tenant: try context.tenantID(), id: input.id))
        }
    }
}
