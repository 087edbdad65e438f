import Foundation
import Logging
import Postgres

/// Runs the catalog's polling triggers (DESIGN §7, §10): each pass (the recurring
/// `trigger_poll` job, a singleton) reads every due (connection, trigger) pair that someone
/// subscribed to — a trigger of `configs/triggers.json` or a tenant's `webhook_triggers` row —
/// through the connection's read action, and stores what is new or changed since that pair's
/// last poll as a `webhook_events` row (source `poll`) with its processing job. From there
/// the event goes through `WebhookEventProcessor` exactly like a pushed one: the trigger's
/// agent runs with the item as its payload. The first good poll of a pair only learns what
/// exists. A failed poll keeps the memory and records the reason in `trigger_polls.last_error`.
final class TriggerPoller: Sendable {
    /// Pairs polled per pass (the rest are due in the next, a minute later).
    static let perPass = 20
    /// Polls in flight at once.
    static let concurrency = 4
    /// A trigger that declares no interval is polled every 15 minutes.
    static let defaultInterval: TimeInterval = 900

    let store: TriggerPollStore
    let service: ConnectorService
    let subscriptions: [TriggerPollStore.Subscription]
    let metrics: NeonHubMetrics
    let logger: Logger

    /// A poller of every polling trigger in `service`'s catalog; `triggers` says which are filed.
    init(pool: PostgresPool, service: ConnectorService, triggers: TriggerCatalog, metrics: NeonHubMetrics, logger: Logger) {
        store = TriggerPollStore(pool: pool)
        self.service = service
        self.metrics = metrics
        self.logger = logger
        subscriptions = service.catalog.definitions.flatMap { definition in
            definition.runnablePollingTriggers.map { trigger in
                TriggerPollStore.Subscription(
                    connector: definition.id, triggerID: trigger.id,
                    filed: triggers.trigger(connector: definition.id, eventType: trigger.id) != nil)
            }
        }
    }

    /// What one pass did.
    struct PassResult: Sendable, Equatable {
        var polled = 0
        var events = 0
        var failed = 0

        var json: JSONValue {
            .object(["polled": .number(Double(polled)), "events": .number(Double(events)), "failed": .number(Double(failed))])
        }
    }

    /// Polls the due pairs, at most `perPass`, `concurrency` at a time.
    func pass() async throws -> PassResult {
        let due = try await store.due(subscriptions, limit: Self.perPass)
        var result = PassResult()
        await withTaskGroup(of: Int?.self) { group in
            var next = due.makeIterator()
            func add() -> Bool {
                guard let pair = next.next() else { return false }
                group.addTask { await self.poll(pair) }
                return true
            }
            for _ in 0..<Self.concurrency where !add() { break }
            while let outcome = await group.next() {
                result.polled += 1
                if let stored = outcome { result.events += stored } else { result.failed += 1 }
                _ = add()
            }
        }
        return result
    }

    /// Polls one pair: the events it stored, or nil when the poll failed.
    func poll(_ due: TriggerPollStore.Due) async -> Int? {
        let definition = service.catalog[due.connector]?.definition
        guard let trigger = definition?.triggers.first(where: { $0.id == due.triggerID }), let action = trigger.action else { return nil }
        let interval = trigger.interval.flatMap(RefreshSchedule.seconds) ?? Self.defaultInterval
        do {
            let memory = try await store.memory(due)
            let input = Self.input(trigger, action: definition?.action(action), watermark: memory.watermark)
            let connection = try await service.connection(tenant: due.tenant, id: due.connectionID)
            let output = try await service.perform(ConnectorCall(connector: due.connector, action: action, input: input), connection: connection)
                .output
            let items = PolledItems(output, spec: trigger.poll)
            let fresh = memory.learned ? items.fresh(after: memory.seen) : []
            let next = TriggerPollStore.Memory(
                seen: items.remembered(after: memory.seen), watermark: items.watermark(after: memory.watermark), learned: true)
            let stored = try await store.recordPoll(due, fresh: fresh, memory: next, interval: interval)
            metrics.recordTriggerPoll(connector: due.connector, trigger: due.triggerID, outcome: "ok", events: stored)
            return stored
        } catch {
            metrics.recordTriggerPoll(connector: due.connector, trigger: due.triggerID, outcome: "failed", events: 0)
            let reason = Self.reason(error)
            logger.warning(
                "trigger poll failed",
                metadata: [
                    "connector": "\(due.connector)", "trigger": "\(due.triggerID)", "connectionId": "\(due.connectionID)", "error": "\(reason)",
                ])
            try? await store.recordFailure(due, reason: reason, interval: interval)
            return nil
        }
    }

    /// The trigger's input, with the watermark in its `since` field (a number when the action's
    /// input schema wants one: Lever's milliseconds).
    static func input(_ trigger: ConnectorDefinition.Trigger, action: ConnectorDefinition.Action?, watermark: String?) -> JSONValue {
        var members: [String: JSONValue] = [:]
        if case .object(let given)? = trigger.input { members = given }
        if let field = trigger.poll?.since, let watermark {
            let type = action?.inputSchema["properties"]?[field]?["type"]
            let number = (type == .string("integer") || type == .string("number")) ? Double(watermark) : nil
            members[field] = number.map(JSONValue.number) ?? .string(watermark)
        }
        return .object(members)
    }

    /// A reason safe to store: the connector's own message (which never carries a secret), else the error's kind.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let e as ConnectorError: String(e.message.prefix(500))
        case let e as PostgresError where e.kind == .unavailable || e.kind == .connectionLost: "database unavailable"
        default: "poll failed (\(type(of: error)))"
        }
    }
}
