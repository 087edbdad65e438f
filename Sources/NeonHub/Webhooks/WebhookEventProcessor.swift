public import Foundation
public import Logging
public import Postgres

/// Processes one stored webhook event, off the request path: the queue worker calls
/// `process(eventRowID:)` for every `webhook_event` job. It applies publish-status events to
/// the publish jobs they confirm, looks up the trigger for the event type (the file's, with
/// the tenant's `webhook_triggers` override), runs the trigger's agent through the
/// orchestrator with the event in its input, and records the outcome on the event row:
/// `processed` (with `run_id`), `ignored` (no enabled trigger, or its condition is false) or
/// `failed` (with a safe error). Calling it again for an event already handled does nothing;
/// a retry after a thrown error reuses the run (idempotency key `webhook:<connector>:<id>`).
/// A run that failed for a passing reason (a provider or the model unavailable, a tool timing
/// out: its stored error says `transient`) fails the job, which the queue retries with a new
/// run (keyed after the failed one), so an outage does not lose the event's work.
public final class WebhookEventProcessor: Sendable {
    let store: WebhookStore
    let triggers: TriggerCatalog
    let orchestrator: Orchestrator
    let logger: Logger

    /// A processor over the database, the trigger catalog and the orchestrator.
    public init(pool: PostgresPool, triggers: TriggerCatalog, orchestrator: Orchestrator, logger: Logger) {
        store = WebhookStore(pool: pool)
        self.triggers = triggers
        self.orchestrator = orchestrator
        self.logger = logger
    }

    /// Processes the event stored under `eventRowID` (`webhook_events.id`, the job's
    /// `webhook_event_id`). Throws `WebhookError(.eventNotFound)` for an unknown id, and the
    /// underlying error when the database or the orchestrator failed (the event is marked
    /// `failed`; retrying the job is safe).
    public func process(eventRowID: UUID) async throws {
        guard let event = try await store.event(id: eventRowID) else {
            throw WebhookError(.eventNotFound, "no webhook event \(eventRowID)")
        }
        guard event.status == "received" || event.status == "failed", let tenant = event.tenantID else { return }
        var touchedJobs = 0
        if let connector = WebhookConnector(rawValue: event.connector),
            let update = PublishStatusUpdate.from(connector: connector, eventType: event.eventType, payload: event.payload)
        {
            touchedJobs = try await store.applyPublishStatus(update, tenant: tenant, connector: event.connector, payload: event.payload)
        }
        guard let trigger = try await resolveTrigger(event, tenant: tenant),
            trigger.when?.holds(for: event.payload) ?? true
        else {
            try await store.finish(id: event.id, status: touchedJobs > 0 ? "processed" : "ignored", runID: nil, error: nil)
            return
        }
        let input = Self.input(trigger, event: event)
        // After a failed run, a new one: the key names the run it follows.
        var key = "webhook:\(event.connector):\(event.eventID)"
        if event.status == "failed", let failedRun = event.runID { key += ":after:\(failedRun.uuidString.lowercased())" }
        let result: Orchestrator.Result
        do {
            result = try await orchestrator.run(
                tenant: tenant, agent: trigger.agent, intent: trigger.intent, input: input, idempotencyKey: key)
        } catch {
            let message = Self.safeMessage(error)
            logger.warning(
                "webhook event processing failed", metadata: ["eventRowId": "\(event.id)", "connector": "\(event.connector)", "error": "\(message)"])
            try? await store.finish(id: event.id, status: "failed", runID: nil, error: message)
            throw error
        }
        if result.status == "running" || result.status == "queued" {
            // The key's run is still ending (its end is being stored again after a database
            // failure): the job is tried again later and finds it ended.
            throw WebhookError(.agentRunFailed, "the \(trigger.agent) agent's run \(result.runID) is still running; it is tried again")
        }
        let succeeded = result.status == "succeeded"
        try await store.finish(
            id: event.id, status: succeeded ? "processed" : "failed", runID: result.runID,
            error: succeeded ? nil : "the \(trigger.agent) agent's run \(result.runID) failed")
        if !succeeded, result.error?["transient"] == .bool(true) {
            throw WebhookError(.agentRunFailed, "the \(trigger.agent) agent's run \(result.runID) failed for a passing reason; it is tried again")
        }
    }

    /// The file's trigger with the tenant's override applied; nil when there is none or it is disabled.
    func resolveTrigger(_ event: WebhookStore.StoredEvent, tenant: String) async throws -> TriggerCatalog.Trigger? {
        guard let eventType = event.eventType else { return nil }
        let base = triggers.trigger(connector: event.connector, eventType: eventType)
        guard let override = try await store.override(tenant: tenant, connector: event.connector, eventType: eventType) else { return base }
        guard override.enabled else { return nil }
        guard let agent = override.agent ?? base?.agent else { return nil }
        return TriggerCatalog.Trigger(
            connector: event.connector, eventType: eventType, agent: agent,
            intent: override.intent ?? (override.agent == nil ? base?.intent : nil),
            when: base?.when, input: base?.input ?? .object([:]))
    }

    /// The run's input: the rendered template plus `webhookEvent` (so the run records which event caused it).
    static func input(_ trigger: TriggerCatalog.Trigger, event: WebhookStore.StoredEvent) -> JSONValue {
        var members: [String: JSONValue] = [:]
        if case .object(let rendered) = TriggerCatalog.render(trigger.input, payload: event.payload) { members = rendered }
        members["webhookEvent"] = .object([
            "id": .string(event.id.uuidString.lowercased()), "eventId": .string(event.eventID), "connector": .string(event.connector),
            "type": event.eventType.map(JSONValue.string) ?? .null, "accountId": event.accountID.map(JSONValue.string) ?? .null,
        ])
        return .object(members)
    }

    /// A message for the event row that carries no payload data or secrets.
    static func safeMessage(_ error: any Error) -> String {
        switch error {
        case let e as AgentError: String(e.message.prefix(300))
        case let e as WebhookError: e.message
        case let e as PostgresError where e.kind == .unavailable || e.kind == .connectionLost: "database unavailable"
        default: "processing failed (\(type(of: error)))"
        }
    }
}
