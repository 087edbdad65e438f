import Foundation
import Logging
import Postgres

/// Builds the queue from the configuration: the store, the publish service, the handlers of
/// every job kind (connector actions, the recurring token refresh, health checks and cleanup,
/// webhook events), the workers and the recurring schedule.
enum QueueAssembly {
    /// What the queue is made of.
    struct Parts: Sendable {
        var store: QueueStore
        var publish: PublishService
        var workers: QueueWorkers
        var recurring: RecurringJobs
    }

    static func parts(
        config: AppConfig, catalog: ConnectorCatalog, pool: PostgresPool, connectionString: String, service: ConnectorService,
        scheduler: TokenRefreshScheduler, extraHandlers: [JobKind: any JobHandler], metrics: NeonHubMetrics, logger: Logger
    ) -> Parts {
        let store = QueueStore(pool: pool)
        let publish = PublishService(
            store: store, connections: service.connections, catalog: catalog, maxAttempts: config.queueMaxAttempts, metrics: metrics)
        let connector = ConnectorJobHandler(service: service, store: store, reconciler: PostReconciler(), now: config.quotaClock)
        var handlers: [JobKind: any JobHandler] = [
            .publish: connector,
            .action: connector,
            .tokenRefresh: SingletonJobHandler(
                connectionString: connectionString, lockKey: 1,
                work: {
                    .object(["refreshed": .number(Double(try await scheduler.sweep()))])
                }, logger: logger),
            .healthCheck: SingletonJobHandler(
                connectionString: connectionString, lockKey: 2,
                work: {
                    .object(["checked": .number(Double(try await healthPass(pool: pool, service: service)))])
                }, logger: logger),
            .cleanup: SingletonJobHandler(
                connectionString: connectionString, lockKey: 3,
                work: {
                    try await cleanupPass(pool: pool, retentionDays: config.queueRetentionDays)
                }, logger: logger),
        ]
        handlers.merge(extraHandlers) { _, extra in extra }
        var settings = QueueWorkers.Settings(count: config.workers)
        settings.retryAfterCap = config.retryAfterCap
        settings.lease = config.queueLease
        settings.backoffBase = config.queueBackoffBase
        let workers = QueueWorkers(
            store: store, handlers: handlers, settings: settings, connectionString: connectionString, metrics: metrics, logger: logger)
        return Parts(store: store, publish: publish, workers: workers, recurring: RecurringJobs(store: store, metrics: metrics, logger: logger))
    }

    /// Checks active connections not checked for six hours (20 per pass), into
    /// `connection_health_log`.
    static func healthPass(pool: PostgresPool, service: ConnectorService) async throws -> Int {
        let due = try await pool.query(
            """
            SELECT id, tenant_id FROM connections
            WHERE status = 'active' AND (last_health_check IS NULL OR last_health_check < now() - interval '6 hours')
            ORDER BY last_health_check NULLS FIRST LIMIT 20
            """
        ).map { (try $0.decode("id", as: UUID.self), try $0.decode("tenant_id", as: String.self)) }
        for (id, tenant) in due { _ = try? await service.test(tenant: tenant, id: id) }
        return due.count
    }

    /// Deletes OAuth states expired more than a day ago, webhook events older than 30 days (not
    /// one a job still needs: a `dlq` job replayed later must find its event), finished system
    /// jobs older than a day and system jobs in the dead-letter queue older than a week (a
    /// recurring pass that failed leaves one a period), and — with `retentionDays` — finished tenant
    /// jobs (`succeeded`, `cancelled`; their attempts with them) that ended longer ago, in
    /// batches of `retentionBatch` for up to `retentionBudget` a pass.
    static func cleanupPass(pool: PostgresPool, retentionDays: Int? = nil) async throws -> JSONValue {
        let results = try await pool.pipeline([
            "DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'",
            """
            DELETE FROM webhook_events e WHERE e.received_at < now() - interval '30 days'
              AND NOT EXISTS (SELECT 1 FROM publish_jobs j WHERE j.webhook_event_id = e.id AND j.status NOT IN ('succeeded', 'cancelled'))
            """,
            """
            DELETE FROM publish_jobs WHERE tenant_id = \(RecurringJobs.systemTenant)
              AND ((status IN ('succeeded', 'cancelled') AND finished_at < now() - interval '1 day')
                   OR (status = 'dlq' AND finished_at < now() - interval '7 days'))
            """,
        ])
        var summary: [String: JSONValue] = [
            "oauthStates": .number(Double(results[0].affectedRows)), "webhookEvents": .number(Double(results[1].affectedRows)),
            "systemJobs": .number(Double(results[2].affectedRows)),
        ]
        if let retentionDays {
            summary["expiredJobs"] = .number(Double(try await deleteExpiredJobs(pool: pool, olderThanDays: retentionDays)))
        }
        return .object(summary)
    }

    /// Rows a retention batch deletes in one transaction.
    static let retentionBatch = 5_000
    /// How long one cleanup pass goes on deleting expired jobs (the rest waits for the next hour).
    static let retentionBudget: Duration = .seconds(300)

    /// Deletes finished tenant jobs that ended more than `days` ago, batch by batch (each its
    /// own transaction), until none is left or `retentionBudget` has passed; returns how many.
    /// The values are written into the statement (code-chosen integers), so that Postgres
    /// plans it for them rather than with a generic plan.
    private static func deleteExpiredJobs(pool: PostgresPool, olderThanDays days: Int) async throws -> Int {
        let started = ContinuousClock.now
        var deleted = 0
        while ContinuousClock.now - started < retentionBudget {
            let count = try await pool.execute(
                """
                DELETE FROM publish_jobs WHERE id IN (
                    SELECT id FROM publish_jobs
                    WHERE status IN ('succeeded', 'cancelled') AND tenant_id <> \(RecurringJobs.systemTenant)
                      AND finished_at < now() - interval '\(unescaped: "\(days)") days'
                    LIMIT \(unescaped: "\(retentionBatch)"))
                """)
            deleted += count
            if count < retentionBatch { break }
        }
        return deleted
    }
}
