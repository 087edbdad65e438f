public import Foundation
import Postgres

/// Schedules connector work on the queue for a tenant (`publish.schedule`, the social agent's
/// posts): checks the connection and action, resolves `runAt` in its time zone, derives the
/// idempotency key when none is given (tenant + draft + connection + account + action +
/// content hash), and adds the job — or returns the job that already has that key.
public struct PublishService: Sendable {
    let store: QueueStore
    let connections: ConnectionStore
    let catalog: ConnectorCatalog
    let maxAttempts: Int
    let metrics: NeonHubMetrics

    /// What to schedule.
    public struct Request: Sendable {
        public var tenantID: String
        public var connectionID: UUID
        public var action: String
        public var accountID: String?
        public var input: JSONValue
        public var draftID: UUID?
        public var runAt: String?
        public var timeZone: String?
        public var idempotencyKey: String?
        public var runID: UUID?
        public var traceParent: String?

        /// A request; everything optional may be nil.
        public init(
            tenantID: String, connectionID: UUID, action: String, accountID: String? = nil, input: JSONValue = .object([:]),
            draftID: UUID? = nil, runAt: String? = nil, timeZone: String? = nil, idempotencyKey: String? = nil,
            runID: UUID? = nil, traceParent: String? = nil
        ) {
            self.tenantID = tenantID; self.connectionID = connectionID; self.action = action; self.accountID = accountID
            self.input = input; self.draftID = draftID; self.runAt = runAt; self.timeZone = timeZone
            self.idempotencyKey = idempotencyKey; self.runID = runID; self.traceParent = traceParent
        }
    }

    /// Adds the job (`created` false when its idempotency key already had one).
    public func schedule(_ request: Request) async throws -> (job: QueueJob, created: Bool) {
        guard let connection = try await connections.get(tenant: request.tenantID, id: request.connectionID) else {
            throw QueueError(.referenceNotFound, "Connection not found")
        }
        guard connection.status != "revoked" else { throw QueueError(.invalidJob, "The connection was disconnected") }
        guard let entry = catalog[connection.connector], let action = entry.definition.actions.first(where: { $0.id == request.action }) else {
            throw QueueError(.invalidJob, "\(connection.connector) has no action '\(request.action)'")
        }
        var input = request.input
        if let draft = request.draftID {
            let rows = try await store.pool.query("SELECT content FROM content_drafts WHERE id = \(draft) AND tenant_id = \(request.tenantID)")
            guard let row = rows.first else { throw QueueError(.referenceNotFound, "Draft not found") }
            // A draft's text fills the post's text field when the input leaves it out.
            if let field = PostReconciler.rules[connection.connector]?.textField, case .object(var members) = input, members[field] == nil {
                members[field] = .string(try row.decode("content", as: String.self))
                input = .object(members)
            }
        }
        if let schema = entry.inputSchemas[action.id] {
            let violations = schema.validate(input)
            guard violations.isEmpty else {
                throw QueueError(
                    .invalidJob,
                    "Invalid input for \(connection.connector).\(action.id): " + violations.prefix(5).map(\.description).joined(separator: "; "))
            }
        }
        let runAfter = try request.runAt.map { try ScheduleTime.resolve(runAt: $0, timeZone: request.timeZone) }
        let contentHash = SHA256Digest.hex(Array(input.jsonText.utf8))
        let kind: JobKind = action.kind == "write" ? .publish : .action
        let key =
            request.idempotencyKey ?? "auto:"
            + SHA256Digest.hex(
                Array(
                    [
                        request.tenantID, request.draftID?.uuidString ?? "", connection.id.uuidString,
                        request.accountID ?? "", request.action, contentHash,
                    ].joined(separator: "\u{1F}").utf8))
        let added = try await store.enqueue(
            QueueStore.NewJob(
                tenantID: request.tenantID, kind: kind, connectionID: connection.id, connector: connection.connector, action: request.action,
                accountID: request.accountID, draftID: request.draftID, runID: request.runID, payload: .object(["input": input]),
                idempotencyKey: key, contentHash: contentHash, runAfter: runAfter, timeZone: request.timeZone, maxAttempts: maxAttempts,
                traceParent: request.traceParent))
        if added.created { metrics.recordJobAdded(kind: kind.rawValue) }
        return added
    }
}
