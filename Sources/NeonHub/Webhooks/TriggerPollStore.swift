import Foundation
import Postgres

/// SQL for `trigger_polls` (migration 0011): which (connection, polling trigger) pairs are
/// due, what each remembers, and a poll's outcome — its new items stored as `webhook_events`
/// (source `poll`) with their processing jobs in the same transaction as the memory, so a
/// crash never stores an event twice or forgets one. Every statement binds its values.
struct TriggerPollStore: Sendable {
    let pool: PostgresPool

    /// A (connection, trigger) whose poll is due.
    struct Due: Sendable, Equatable {
        var connectionID: UUID
        var tenant: String
        var connector: String
        var triggerID: String
    }

    /// What a pair remembers between polls.
    struct Memory: Sendable, Equatable {
        /// The keys of the items seen lately, newest poll first.
        var seen: [String]
        /// The newest version seen.
        var watermark: String?
        /// Whether a good poll has learned what existed (until then a poll stores no events).
        var learned: Bool
    }

    /// A polling trigger a connection may be subscribed to: `filed` when `configs/triggers.json` maps it.
    struct Subscription: Sendable {
        var connector: String
        var triggerID: String
        var filed: Bool
    }

    /// Active connections' pairs that are due (never polled, or `next_poll_at` passed), the
    /// longest waiting first. A pair is subscribed when the trigger file maps it and the
    /// tenant did not turn it off, or the tenant's own `webhook_triggers` row names an agent.
    func due(_ subscriptions: [Subscription], limit: Int) async throws -> [Due] {
        let list = JSONValue.array(
            subscriptions.map { .object(["connector": .string($0.connector), "trigger_id": .string($0.triggerID), "filed": .bool($0.filed)]) })
        return try await pool.query(
            """
            SELECT c.id, c.tenant_id, c.connector, t.trigger_id
            FROM connections c
            JOIN jsonb_to_recordset(\(list)::jsonb) AS t(connector text, trigger_id text, filed boolean) ON t.connector = c.connector
            LEFT JOIN webhook_triggers w ON w.tenant_id = c.tenant_id AND w.connector = c.connector AND w.event_type = t.trigger_id
            LEFT JOIN trigger_polls p ON p.connection_id = c.id AND p.trigger_id = t.trigger_id
            WHERE c.status = 'active'
              AND CASE WHEN w.tenant_id IS NULL THEN t.filed ELSE w.enabled AND (w.agent IS NOT NULL OR t.filed) END
              AND (p.next_poll_at IS NULL OR p.next_poll_at <= now())
            ORDER BY p.next_poll_at NULLS FIRST, c.id, t.trigger_id
            LIMIT \(limit)
            """
        ).map { row in
            Due(
                connectionID: try row.decode("id", as: UUID.self), tenant: try row.decode("tenant_id", as: String.self),
                connector: try row.decode("connector", as: String.self), triggerID: try row.decode("trigger_id", as: String.self))
        }
    }

    /// What the pair remembers (nothing before its first poll).
    func memory(_ due: Due) async throws -> Memory {
        guard
            let row = try await pool.query(
                "SELECT seen, watermark, learned_at FROM trigger_polls WHERE connection_id = \(due.connectionID) AND trigger_id = \(due.triggerID)"
            ).first
        else { return Memory(seen: [], watermark: nil, learned: false) }
        var seen: [String] = []
        if case .array(let keys) = try row.decode("seen", as: JSONValue.self) {
            seen = keys.compactMap { if case .string(let k) = $0 { k } else { nil } }
        }
        return Memory(
            seen: seen, watermark: try row.decode("watermark", as: String?.self), learned: try row.decode("learned_at", as: Date?.self) != nil)
    }

    /// Stores a good poll: each fresh item as a `poll` event of the trigger with its processing
    /// job, and the new memory; the next poll after `interval`. Returns the events stored (an
    /// item whose event exists already is not stored again).
    /// `error` names accounts of a per-account poll that failed while others were read.
    func recordPoll(_ due: Due, fresh: [PolledItems.Item], memory: Memory, interval: TimeInterval, error: String? = nil) async throws -> Int {
        let seen = JSONValue.array(memory.seen.map(JSONValue.string))
        return try await pool.withTransaction { connection in
            let account = try connection.query("SELECT external_account_id FROM connections WHERE id = \(due.connectionID)").first?.decode(
                "external_account_id", as: String?.self)
            var stored = 0
            for item in fresh {
                let eventID = "poll:\(due.triggerID):\(due.connectionID.uuidString.lowercased()):\(item.key)"
                let event = ParsedWebhookEvent(
                    eventID: eventID, eventType: due.triggerID, accountID: item.accountID ?? account, payload: item.payload)
                let route = (tenant: due.tenant, connectionID: due.connectionID)
                guard
                    let rowID = try WebhookStore.insert(
                        event, connector: due.connector, route: route, headers: .object([:]), source: "poll", on: connection)
                else { continue }
                try WebhookStore.queueProcessing(rowID, connector: due.connector, eventID: eventID, route: route, on: connection)
                stored += 1
            }
            try connection.execute(
                """
                INSERT INTO trigger_polls (connection_id, trigger_id, tenant_id, connector, seen, watermark, learned_at, polls, events,
                                           last_polled_at, next_poll_at, last_error)
                VALUES (\(due.connectionID), \(due.triggerID), \(due.tenant), \(due.connector), \(seen)::jsonb, \(memory.watermark), now(), 1,
                        \(stored), now(), now() + make_interval(secs => \(interval)), \(error))
                ON CONFLICT (connection_id, trigger_id) DO UPDATE SET
                    seen = EXCLUDED.seen, watermark = EXCLUDED.watermark, learned_at = coalesce(trigger_polls.learned_at, now()),
                    polls = trigger_polls.polls + 1, events = trigger_polls.events + EXCLUDED.events,
                    last_polled_at = now(), next_poll_at = EXCLUDED.next_poll_at, last_error = EXCLUDED.last_error
                """)
            return stored
        }
    }

    /// Stores a failed poll's reason; the memory stays and the next poll is after `interval`.
    func recordFailure(_ due: Due, reason: String, interval: TimeInterval) async throws {
        try await pool.execute(
            """
            INSERT INTO trigger_polls (connection_id, trigger_id, tenant_id, connector, polls, last_polled_at, next_poll_at, last_error)
            VALUES (\(due.connectionID), \(due.triggerID), \(due.tenant), \(due.connector), 1, now(),
                    now() + make_interval(secs => \(interval)), \(reason))
            ON CONFLICT (connection_id, trigger_id) DO UPDATE SET
                polls = trigger_polls.polls + 1, last_polled_at = now(), next_poll_at = EXCLUDED.next_poll_at, last_error = EXCLUDED.last_error
            """)
    }
}
