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
            let read = try await read(action, input: input, trigger: trigger, connection: connection)
            let items = read.items
            let fresh = memory.learned ? items.fresh(after: memory.seen) : []
            let next = TriggerPollStore.Memory(
                seen: items.remembered(after: memory.seen), watermark: items.watermark(after: memory.watermark), learned: true)
            let stored = try await store.recordPoll(due, fresh: fresh, memory: next, interval: interval, error: read.failures)
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

    /// Accounts read per poll of a trigger that acts as one account (the rest wait for a
    /// reconnect that lists fewer; each is one request to the provider per interval).
    static let accountsPerPoll = 25

    /// Reads the trigger's action once, or once per account of the connection when the action
    /// acts as one (`pollsEachAccount`: Xero organisations, Trello boards), one after another.
    /// An account that fails does not hold back the others: its reason is returned in
    /// `failures`, and its remembered keys stay, so nothing is lost or stored twice. Only when
    /// every account fails is the poll a failure.
    func read(_ action: String, input: JSONValue, trigger: ConnectorDefinition.Trigger, connection: ConnectionStore.Connection) async throws
        -> (items: PolledItems, failures: String?)
    {
        let call = ConnectorCall(connector: connection.connector, action: action, input: input)
        guard service.catalog[connection.connector]?.definition.pollsEachAccount(trigger) == true else {
            return (PolledItems(try await service.perform(call, connection: connection).output, spec: trigger.poll), nil)
        }
        var accounts: [String] = []
        if case .array(let listed) = connection.accounts { accounts = listed.compactMap { JSONPath.text($0["id"]) } }
        guard !accounts.isEmpty else { throw ConnectorError(.invalidInput, "The connection lists no accounts to poll; reconnect it") }
        var items: [PolledItems.Item] = []
        var failures: [(account: String, error: any Error)] = []
        for account in accounts.prefix(Self.accountsPerPoll) {
            var asAccount = call
            asAccount.accountID = account
            do {
                items += PolledItems(try await service.perform(asAccount, connection: connection).output, spec: trigger.poll, account: account).items
            } catch {
                failures.append((account, error))
            }
        }
        if let first = failures.first, failures.count == min(accounts.count, Self.accountsPerPoll) { throw first.error }
        let said = failures.map { "account \($0.account.prefix(64)): \(Self.reason($0.error))" }.joined(separator: "; ")
        return (PolledItems(items: items), failures.isEmpty ? nil : String(said.prefix(500)))
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
