import Foundation
import Postgres

/// SQL for `webhook_events`, the `webhook_event` jobs they queue, `webhook_triggers` and the
/// publish-status updates of `publish_jobs` (DESIGN §10). Every statement binds its values.
struct WebhookStore: Sendable {
    let pool: PostgresPool

    /// What storing one event did.
    enum Stored: String, Sendable {
        /// New, routed to a connection, a job queued.
        case accepted
        /// Seen before (same connector and event id): nothing written.
        case duplicate
        /// New, but no connection has its account: stored as `unmatched`, no job.
        case unmatched
    }

    /// Stores the events of one delivery in one transaction: each routed to the newest
    /// non-revoked connection whose account matches — or, when the delivery's URL named its
    /// connection (`pinned`, verified), to that one if it is not revoked — inserted unless
    /// already there, and — when routed — queued as a `webhook_event` job in the same transaction.
    func store(connector: String, events: [ParsedWebhookEvent], headers: JSONValue, pinned: UUID? = nil) async throws -> [Stored] {
        try await pool.withTransaction { connection in
            let pinnedRoute = try pinned.flatMap { try Self.route(connector: connector, connectionID: $0, on: connection) }
            return try events.map { event in
                let route =
                    pinned != nil
                    ? pinnedRoute : try event.accountID.flatMap { try Self.route(connector: connector, accountID: $0, on: connection) }
                guard let rowID = try Self.insert(event, connector: connector, route: route, headers: headers, source: "webhook", on: connection)
                else { return .duplicate }
                guard let route else { return .unmatched }
                try Self.queueProcessing(rowID, connector: connector, eventID: event.eventID, route: route, on: connection)
                return .accepted
            }
        }
    }

    /// Inserts one event (`received` when routed, else `unmatched`) unless its connector
    /// already has its event id; its row id, or nil for a duplicate. `source` is `webhook` or `poll`.
    static func insert(
        _ event: ParsedWebhookEvent, connector: String, route: (tenant: String, connectionID: UUID)?, headers: JSONValue, source: String,
        on connection: PostgresConnection
    ) throws -> UUID? {
        try connection.query(
            """
            INSERT INTO webhook_events (connector, event_id, event_type, account_id, tenant_id, connection_id, status, payload, headers, source)
            VALUES (\(connector), \(event.eventID), \(event.eventType), \(event.accountID), \(route?.tenant), \(route?.connectionID),
                    \(route == nil ? "unmatched" : "received"), \(event.payload), \(headers), \(source))
            ON CONFLICT (connector, event_id) DO NOTHING
            RETURNING id
            """
        ).first.map { try $0.decode("id", as: UUID.self) }
    }

    /// Queues the `webhook_event` job that processes a routed event (in the caller's transaction).
    static func queueProcessing(
        _ rowID: UUID, connector: String, eventID: String, route: (tenant: String, connectionID: UUID), on connection: PostgresConnection
    ) throws {
        try connection.execute(
            """
            INSERT INTO publish_jobs (tenant_id, kind, status, webhook_event_id, connector, connection_id, idempotency_key, max_attempts)
            VALUES (\(route.tenant), 'webhook_event', 'queued', \(rowID), \(connector), \(route.connectionID),
                    'webhook:' || \(connector) || ':' || \(eventID), 5)
            ON CONFLICT DO NOTHING
            """)
    }

    /// The connection an account id routes to: `external_account_id`, an element of
    /// `accounts` with that `id` or (Instagram, under its Page) `instagramAccountId`, (Shopify)
    /// the `shop` variable with or without `.myshopify.com`, (Twilio) the `accountSid`
    /// variable, or the workspace or user its token answer named (Slack's `team_id`, TikTok's
    /// `open_id`). Active connections first, then the newest.
    static func route(connector: String, accountID: String, on connection: PostgresConnection) throws -> (tenant: String, connectionID: UUID)? {
        try connection.query(
            """
            SELECT id, tenant_id FROM connections
            WHERE connector = \(connector) AND status <> 'revoked'
              AND (external_account_id = \(accountID)
                   OR accounts @> jsonb_build_array(jsonb_build_object('id', \(accountID)::text))
                   OR accounts @> jsonb_build_array(jsonb_build_object('instagramAccountId', \(accountID)::text))
                   OR variables->>'team_id' = \(accountID) OR variables->>'open_id' = \(accountID)
                   OR variables->>'shop' = \(accountID) OR (variables->>'shop') || '.myshopify.com' = \(accountID)
                   OR variables->>'accountSid' = \(accountID))
            ORDER BY (status = 'active') DESC, created_at DESC, id DESC
            LIMIT 1
            """
        ).first.map { (try $0.decode("tenant_id", as: String.self), try $0.decode("id", as: UUID.self)) }
    }

    /// The connection `connectionID` of `connector`, unless it is revoked (or gone).
    static func route(connector: String, connectionID: UUID, on connection: PostgresConnection) throws -> (tenant: String, connectionID: UUID)? {
        try connection.query(
            "SELECT id, tenant_id FROM connections WHERE id = \(connectionID) AND connector = \(connector) AND status <> 'revoked'"
        ).first.map { (try $0.decode("tenant_id", as: String.self), try $0.decode("id", as: UUID.self)) }
    }

    /// A stored event, as the processor reads it.
    struct StoredEvent: Sendable {
        var id: UUID
        var connector: String
        var eventID: String
        var eventType: String?
        var accountID: String?
        var tenantID: String?
        var connectionID: UUID?
        var status: String
        var payload: JSONValue
        /// The run an earlier processing started (a failed one, when `status` is `failed`).
        var runID: UUID? = nil
    }

    /// The event with this row id, or nil.
    func event(id: UUID) async throws -> StoredEvent? {
        try await pool.query(
            """
            SELECT id, connector, event_id, event_type, account_id, tenant_id, connection_id, status, payload, run_id
            FROM webhook_events WHERE id = \(id)
            """
        ).first.map { row in
            StoredEvent(
                id: try row.decode("id", as: UUID.self), connector: try row.decode("connector", as: String.self),
                eventID: try row.decode("event_id", as: String.self), eventType: try row.decode("event_type", as: String?.self),
                accountID: try row.decode("account_id", as: String?.self), tenantID: try row.decode("tenant_id", as: String?.self),
                connectionID: try row.decode("connection_id", as: UUID?.self), status: try row.decode("status", as: String.self),
                payload: try row.decode("payload", as: JSONValue.self), runID: try row.decode("run_id", as: UUID?.self))
        }
    }

    /// A tenant's override of a trigger (`webhook_triggers`), or nil.
    func override(tenant: String, connector: String, eventType: String) async throws -> TriggerOverride? {
        try await pool.query(
            """
            SELECT agent, intent, enabled FROM webhook_triggers
            WHERE tenant_id = \(tenant) AND connector = \(connector) AND event_type = \(eventType)
            """
        ).first.map { row in
            TriggerOverride(
                agent: try row.decode("agent", as: String?.self), intent: try row.decode("intent", as: String?.self),
                enabled: try row.decode("enabled", as: Bool.self))
        }
    }

    /// Records how processing ended (without a run, the earlier run stays: the retry after a
    /// failed run keys its new run after it).
    func finish(id: UUID, status: String, runID: UUID?, error: String?) async throws {
        try await pool.execute(
            """
            UPDATE webhook_events SET status = \(status), run_id = coalesce(\(runID)::uuid, run_id), error = \(error), processed_at = now() WHERE id = \(id)
            """)
    }

    /// Applies a publish-status event to the tenant's publish jobs with that remote id: the
    /// event goes into `result.webhook`, a URL into `remote_url`, and a confirmed publication
    /// makes the job `succeeded` (unless it already is, or was cancelled). Returns the jobs touched.
    func applyPublishStatus(_ update: PublishStatusUpdate, tenant: String, connector: String, payload: JSONValue) async throws -> Int {
        try await pool.execute(
            """
            UPDATE publish_jobs
            SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('webhook', \(payload)::jsonb),
                remote_url = coalesce(\(update.remoteURL)::text, remote_url),
                status = CASE WHEN \(update.confirmed) AND status NOT IN ('succeeded', 'cancelled') THEN 'succeeded' ELSE status END,
                finished_at = CASE WHEN \(update.confirmed) AND status NOT IN ('succeeded', 'cancelled') THEN now() ELSE finished_at END,
                updated_at = now()
            WHERE tenant_id = \(tenant) AND connector = \(connector) AND remote_id = \(update.remoteID) AND kind = 'publish'
            """)
    }
}

/// A tenant's row of `webhook_triggers`: nil fields keep the file's agent or intent.
struct TriggerOverride: Sendable, Equatable {
    var agent: String?
    var intent: String?
    var enabled: Bool
}
