public import Foundation
public import Postgres

/// SQL for `publish_jobs` and `publish_attempts`. Claims use `FOR UPDATE SKIP LOCKED` and a
/// lease (`locked_until`); every state change after a claim checks that the worker still
/// holds the lease, so a job reclaimed from a worker presumed dead is never finished twice.
public struct QueueStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    /// A job to add.
    public struct NewJob: Sendable {
        public var tenantID: String
        public var kind: JobKind
        public var connectionID: UUID?
        public var connector: String?
        public var action: String?
        public var accountID: String?
        public var draftID: UUID?
        public var runID: UUID?
        public var webhookEventID: UUID?
        public var payload: JSONValue
        public var idempotencyKey: String
        public var contentHash: String?
        public var runAfter: Date?
        public var timeZone: String?
        public var maxAttempts: Int
        public var traceParent: String?
        public var priority: Int

        /// A job; `runAfter` nil means now.
        public init(
            tenantID: String, kind: JobKind, connectionID: UUID? = nil, connector: String? = nil, action: String? = nil,
            accountID: String? = nil, draftID: UUID? = nil, runID: UUID? = nil, webhookEventID: UUID? = nil,
            payload: JSONValue = .object([:]), idempotencyKey: String, contentHash: String? = nil, runAfter: Date? = nil,
            timeZone: String? = nil, maxAttempts: Int, traceParent: String? = nil, priority: Int = 0
        ) {
            self.tenantID = tenantID; self.kind = kind; self.connectionID = connectionID; self.connector = connector
            self.action = action; self.accountID = accountID; self.draftID = draftID; self.runID = runID
            self.webhookEventID = webhookEventID; self.payload = payload; self.idempotencyKey = idempotencyKey
            self.contentHash = contentHash; self.runAfter = runAfter; self.timeZone = timeZone; self.maxAttempts = maxAttempts
            self.traceParent = traceParent; self.priority = priority
        }
    }

    /// Adds a job, or returns the tenant's job that already has its idempotency key
    /// (`created` false). A key reused for a different job is an `idempotencyConflict`. The
    /// key is taken by the insert itself: `publish_jobs_take_key` (migration 0018) adds it to
    /// `publish_job_keys` and skips the row when the tenant holds it already (after a
    /// concurrent insert of the same key has committed), so the insert returns no row.
    /// A job without a `traceParent` stores the enqueuing request's or job's
    /// (`TraceContext.current`): the workers run it in that trace.
    public func enqueue(_ new: NewJob) async throws -> (job: QueueJob, created: Bool) {
        let future = new.runAfter.map { $0.timeIntervalSinceNow > 0.5 } ?? false
        let traceParent = new.traceParent ?? TraceContext.current?.traceparent
        let inserted = try await pool.query(
            """
            INSERT INTO publish_jobs (tenant_id, kind, status, connection_id, connector, action, account_id, draft_id, run_id, webhook_event_id,
                                      payload, idempotency_key, content_hash, run_after, time_zone, max_attempts, trace_parent, priority)
            VALUES (\(new.tenantID), \(new.kind.rawValue), \(future ? "scheduled" : "queued"), \(new.connectionID), \(new.connector), \(new.action),
                    \(new.accountID), \(new.draftID), \(new.runID), \(new.webhookEventID), \(new.payload), \(new.idempotencyKey), \(new.contentHash),
                    coalesce(\(new.runAfter)::timestamptz, now()), \(new.timeZone), \(new.maxAttempts), \(traceParent), \(new.priority))
            RETURNING \(unescaped: QueueJob.columns)
            """)
        if let row = inserted.first { return (try QueueJob(row: row), true) }
        guard let existing = try await job(tenant: new.tenantID, idempotencyKey: new.idempotencyKey) else {
            throw QueueError(.idempotencyConflict, "The idempotency key is in use")
        }
        guard existing.kind == new.kind, existing.connectionID == new.connectionID, existing.action == new.action,
            existing.accountID == new.accountID, existing.draftID == new.draftID, existing.contentHash == new.contentHash
        else {
            throw QueueError(
                .idempotencyConflict, "The idempotency key \(new.idempotencyKey) already belongs to job \(existing.id) with different content")
        }
        return (existing, false)
    }

    /// The tenant's job holding `idempotencyKey`, found through `publish_job_keys`.
    func job(tenant: String, idempotencyKey: String) async throws -> QueueJob? {
        try await pool.query(
            """
            SELECT \(unescaped: QueueJob.columns) FROM publish_jobs
            WHERE id = (SELECT job_id FROM publish_job_keys WHERE tenant_id = \(tenant) AND idempotency_key = \(idempotencyKey))
              AND tenant_id = \(tenant)
            """
        )
        .first.map(QueueJob.init(row:))
    }

    /// One of the tenant's jobs, or nil.
    public func job(tenant: String, id: UUID) async throws -> QueueJob? {
        try await pool.query("SELECT \(unescaped: QueueJob.columns) FROM publish_jobs WHERE id = \(id) AND tenant_id = \(tenant)")
            .first.map(QueueJob.init(row:))
    }

    /// A job's attempts, oldest first; a running job's current attempt last, read from the job
    /// (its row is written when it ends).
    public func attempts(tenant: String, job: UUID) async throws -> [QueueAttempt] {
        try await pool.query(
            """
            SELECT attempt, worker, outcome, http_status, error, request, response, retry_after_seconds, started_at, finished_at, duration_ms
            FROM (
                SELECT 0 AS part, id, attempt, worker, outcome, http_status, error::text AS error, request::text AS request,
                       response::text AS response, retry_after_seconds, started_at, finished_at, duration_ms
                FROM publish_attempts WHERE job_id = \(job) AND tenant_id = \(tenant)
                UNION ALL
                SELECT 1, 0, attempts, coalesce(locked_by, ''), 'running', NULL, NULL, NULL, NULL, NULL, updated_at, NULL, NULL
                FROM publish_jobs WHERE id = \(job) AND tenant_id = \(tenant) AND status = 'running'
            ) a
            ORDER BY part, id
            """
        ).map(QueueAttempt.init(row:))
    }

    /// A page of the tenant's jobs, newest first.
    public func list(tenant: String, status: String?, kind: String?, connectionID: UUID?, limit: Int, cursor: String?) async throws -> Page<QueueJob>
    {
        let after = try cursor.map(PageCursor.decode)
        let rows = try await pool.query(
            """
            SELECT \(unescaped: QueueJob.columns) FROM publish_jobs
            WHERE tenant_id = \(tenant) AND (\(status)::text IS NULL OR status = \(status)) AND (\(kind)::text IS NULL OR kind = \(kind))
              AND (\(connectionID)::uuid IS NULL OR connection_id = \(connectionID))
              AND (\(after?.key)::timestamptz IS NULL OR (created_at, id) < (\(after?.key)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
            """)
        return Page(items: try rows.prefix(limit).map(QueueJob.init(row:)), nextCursor: try PageCursor.next(after: rows, limit: limit))
    }

    /// Puts a job from the dead-letter queue back in line under the same idempotency key,
    /// with its attempts reset. A publish whose outcome was unknown and whose platform was never
    /// asked (its last attempts timed out) goes back as `unknown` where its connector can look its
    /// posts up, so the platform is checked before anything is sent again (the post may have been
    /// made); one the platform was asked about and could not tell (`outcomeUnknown`) is sent: the
    /// person replaying it has checked. Its checkpoint is kept: a publish under way at the
    /// provider is resumed, not started again (a flow whose work failed there, TikTok's
    /// FAILED, cleared its own checkpoint).
    public func retry(tenant: String, id: UUID) async throws -> QueueJob {
        let reconcilable = PostReconciler.rules.flatMap { connector, rule in rule.publishActions.map { "\(connector)/\($0)" } }.sorted()
        // A replay that asks the platform first keeps the first start (the posts since then are
        // what it looks through); one that sends again starts afresh (its first claim sets
        // `started_at`), so its long rate limits are refunded for a day again.
        let rows = try await pool.query(
            """
            UPDATE publish_jobs j SET status = r.next_status, started_at = CASE WHEN r.next_status = 'unknown' THEN j.started_at END,
                attempts = 0, run_after = now(), dlq_reason = NULL, wait_reason = NULL, finished_at = NULL, updated_at = now()
            FROM (SELECT CASE WHEN kind = 'publish' AND dlq_reason = 'outcome_unknown'
                                   AND connector || '/' || action = ANY(string_to_array(\(reconcilable.joined(separator: ",")), ','))
                                   AND coalesce(last_error->>'code', '') <> 'outcomeUnknown'
                              THEN 'unknown' ELSE 'queued' END AS next_status
                  FROM publish_jobs WHERE id = \(id)) r
            WHERE j.id = \(id) AND j.tenant_id = \(tenant) AND j.status = 'dlq'
            RETURNING \(unescaped: QueueJob.columns)
            """)
        if let row = rows.first { return try QueueJob(row: row) }
        guard let job = try await job(tenant: tenant, id: id) else { throw QueueError(.jobNotFound, "Job not found") }
        throw QueueError(.invalidState, "Only a job in the dead-letter queue can be retried (this one is \(job.status.rawValue))")
    }

    /// Cancels a job that has not started (or waits in the dead-letter queue). Not one the
    /// provider is already processing (`pending:` — TikTok publishing an uploaded video): it
    /// would go on at the provider, and the job would say it had not.
    public func cancel(tenant: String, id: UUID) async throws -> QueueJob {
        let rows = try await pool.query(
            """
            UPDATE publish_jobs SET status = 'cancelled', finished_at = now(), updated_at = now(), wait_reason = NULL
            WHERE id = \(id) AND tenant_id = \(tenant) AND status IN ('scheduled', 'queued', 'retrying', 'dlq')
              AND coalesce(wait_reason, '') NOT LIKE 'pending:%'
            RETURNING \(unescaped: QueueJob.columns)
            """)
        if let row = rows.first { return try QueueJob(row: row) }
        guard let job = try await job(tenant: tenant, id: id) else { throw QueueError(.jobNotFound, "Job not found") }
        if job.waitReason?.hasPrefix("pending:") == true {
            throw QueueError(
                .invalidState,
                "\(job.connector ?? "The provider") is already processing this job's post and it cannot be stopped from here; the job will end published or failed"
            )
        }
        throw QueueError(.invalidState, "A \(job.status.rawValue) job cannot be cancelled")
    }

    // MARK: - Workers

    /// A job claimed by a worker: the job (status `running`, `updatedAt` the claim's time) and
    /// the status it had before the claim (`running` means its previous lease expired).
    public struct Claim: Sendable {
        public var job: QueueJob
        public var previousStatus: JobStatus
        /// When the attempt started: the claim's time, as the database stored it.
        public var startedAt: Date { job.updatedAt }
    }

    /// Claims up to `limit` ready jobs of `kinds` for `worker` with a lease of `lease`;
    /// includes running jobs whose lease expired (the attempt their old worker never finished
    /// is recorded as `abandoned`). Those come first (their outcome is unknown: reconciled
    /// before anything else), then ready jobs by priority and `run_after`. Each part walks its
    /// own index in its own order (`publish_jobs_leased`, `publish_jobs_claim_order`) and stops
    /// after `limit` rows; one `WHERE … OR …` with one sort over both had to read and sort every
    /// ready job per claim.
    ///
    /// A claim writes only the jobs: the attempt's row is written once, when it ends (`finish`),
    /// and a running attempt is read from its job (`attempts`). Opening the row here and
    /// closing it at the finish wrote two row versions per job, and the insert's foreign-key
    /// check ran on the row the claim had just updated and locked: the claim and the finish
    /// both took about three times as long under four concurrent workers (pgbench of both
    /// statements, docs/PERFORMANCE.md).
    ///
    /// The kinds and the limit are written into the statement's text, not bound: with them as
    /// parameters Postgres planned the statement again at every claim (its generic plan's
    /// estimate for an unknown `LIMIT` never beat the custom plans'), which took a third of the
    /// claim's time. A worker's text never changes, so from its sixth claim on a connection
    /// Postgres keeps one generic plan.
    public func claim(worker: String, kinds: [JobKind], limit: Int, lease: Duration) async throws -> [Claim] {
        try Self.claims(from: try await pool.query(Self.claimQuery(worker: worker, kinds: kinds, limit: limit, lease: lease)))
    }

    /// The statement of `claim`.
    static func claimQuery(worker: String, kinds: [JobKind], limit: Int, lease: Duration) -> PostgresQuery {
        let kindList = "'" + kinds.map(\.rawValue).sorted().joined(separator: "','") + "'"
        let limit = "\(max(1, limit))"
        let leaseSeconds = Double(lease.components.seconds)
        return
            """
            WITH expired AS (
                SELECT id, status AS previous, locked_by AS previous_worker, updated_at AS previous_start, attempts AS previous_attempt
                FROM publish_jobs
                WHERE status = 'running' AND locked_until < now() AND kind IN (\(unescaped: kindList))
                ORDER BY locked_until
                LIMIT \(unescaped: limit)
                FOR UPDATE SKIP LOCKED
            ), ready AS (
                SELECT id, status AS previous, NULL::text AS previous_worker, NULL::timestamptz AS previous_start, NULL::int AS previous_attempt
                FROM publish_jobs
                WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown') AND run_after <= now()
                  AND kind IN (\(unescaped: kindList))
                ORDER BY priority DESC, run_after
                LIMIT \(unescaped: limit)
                FOR UPDATE SKIP LOCKED
            ), picked AS (
                (SELECT * FROM expired) UNION ALL (SELECT * FROM ready) LIMIT \(unescaped: limit)
            ), claimed AS (
                UPDATE publish_jobs j
                SET status = 'running', locked_by = \(worker), locked_until = now() + make_interval(secs => \(leaseSeconds)),
                    attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now(), wait_reason = NULL
                FROM picked WHERE j.id = picked.id
                RETURNING j.*, picked.previous, picked.previous_worker, picked.previous_start, picked.previous_attempt
            ), abandoned AS (
                INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, started_at, finished_at)
                SELECT id, tenant_id, previous_attempt, previous_worker, 'abandoned', previous_start, now()
                FROM claimed WHERE previous = 'running'
            )
            SELECT \(unescaped: QueueJob.columns), claimed.previous FROM claimed
            """
    }

    /// The claims `claimQuery`'s rows describe.
    static func claims(from rows: [PostgresRow]) throws -> [Claim] {
        try rows.map { row in
            Claim(job: try QueueJob(row: row), previousStatus: JobStatus(rawValue: try row.decode("previous", as: String.self)) ?? .queued)
        }
    }

    /// Extends a claim's lease; false when the worker no longer holds it.
    public func heartbeat(job: UUID, worker: String, lease: Duration) async throws -> Bool {
        try await heartbeat(jobs: [job], worker: worker, lease: lease).contains(job)
    }

    /// Extends the leases `worker` still holds among `jobs` (a claim's batch) in one statement;
    /// returns the jobs whose lease it held. Jobs of the batch that already finished are not
    /// touched (and not returned).
    func heartbeat(jobs: [UUID], worker: String, lease: Duration) async throws -> Set<UUID> {
        let ids = jobs.map(\.lowercasedText).joined(separator: ",")
        let rows = try await pool.query(
            """
            UPDATE publish_jobs SET locked_until = now() + make_interval(secs => \(Double(lease.components.seconds)))
            WHERE id = ANY(string_to_array(\(ids), ',')::uuid[]) AND locked_by = \(worker) AND status = 'running'
            RETURNING id
            """)
        return Set(try rows.map { try $0.decode("id", as: UUID.self) })
    }

    /// Records `remoteID` as `job`'s post unless another job of `connection` holds it already;
    /// true when it is now the job's (also when it was already). Claims on one connection are
    /// serialized by a transaction-scoped advisory lock and each reads the committed claims
    /// before it (read committed), so two reconciles never adopt the same post.
    func claimRemoteID(_ remoteID: String, job: UUID, connection: UUID) async throws -> Bool {
        let results = try await pool.pipelineTransaction([
            "SELECT pg_advisory_xact_lock(\(Self.reconcileLockNamespace), hashtext(\(connection.uuidString.lowercased())))",
            """
            UPDATE publish_jobs SET remote_id = \(remoteID), updated_at = now()
            WHERE id = \(job) AND NOT EXISTS (
                SELECT 1 FROM publish_jobs WHERE connection_id = \(connection) AND remote_id = \(remoteID) AND id <> \(job))
            """,
        ])
        return results[1].affectedRows == 1
    }

    /// The first key of the reconcile claims' advisory locks (beside the token refresher's
    /// 7346 and the recurring jobs' 7347).
    static let reconcileLockNamespace: Int32 = 7_348

    // MARK: - Gauges and quotas

    /// Jobs by kind and status (final ones excluded except `dlq`), and the age of the oldest
    /// ready job by kind. Running jobs are counted apart, through `publish_jobs_leased`: they
    /// have no entry in `publish_jobs_unfinished` (migration 0017), and one `NOT IN` over both
    /// would read the whole table.
    func depth() async throws -> (depth: [NeonHubMetrics.QueueDepthSample], oldest: [String: Double]) {
        let results = try await pool.pipeline([
            """
            SELECT kind, status, count(*)::int AS n FROM publish_jobs WHERE status NOT IN ('succeeded', 'cancelled', 'running') GROUP BY kind, status
            UNION ALL
            SELECT kind, 'running', count(*)::int FROM publish_jobs WHERE status = 'running' GROUP BY kind
            """,
            """
            SELECT kind, extract(epoch FROM now() - min(run_after))::float8 AS age FROM publish_jobs
            WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown') AND run_after <= now() GROUP BY kind
            """,
        ])
        let depth = try results[0].rows.map {
            NeonHubMetrics.QueueDepthSample(
                kind: try $0.decode("kind", as: String.self), status: try $0.decode("status", as: String.self),
                count: try $0.decode("n", as: Int.self))
        }
        var oldest: [String: Double] = [:]
        for row in results[1].rows { oldest[try row.decode("kind", as: String.self)] = max(0, try row.decode("age", as: Double.self)) }
        return (depth, oldest)
    }

    /// When the connection's learned budget opens again, if it is spent now.
    func quotaBlockedUntil(connector: String, connection: UUID) async throws -> (until: Date, source: String)? {
        try await pool.query(
            """
            SELECT resets_at, source FROM connector_quotas
            WHERE connector = \(connector) AND connection_id = \(connection) AND coalesce(remaining, 0) <= 0 AND resets_at > now()
            """
        ).first.map { (try $0.decode("resets_at", as: Date.self), try $0.decode("source", as: String.self)) }
    }

    /// Takes one call from the connection's budget, counted against the catalog's documented
    /// limit (`limit` calls per window ending at `windowEnd` when a new window starts) unless a
    /// provider's headers taught it otherwise. Returns when the budget opens again if it was
    /// already spent (the call must not be sent), nil when the call may go.
    func takeQuota(connector: String, connection: UUID, limit: Int, windowEnd: Date) async throws -> (until: Date, source: String)? {
        let row = try await pool.query(
            """
            INSERT INTO connector_quotas AS q (connector, connection_id, remaining, resets_at, source)
            VALUES (\(connector), \(connection), \(limit - 1), \(windowEnd), 'catalog')
            ON CONFLICT (connector, connection_id) DO UPDATE
            SET remaining = CASE WHEN q.resets_at <= now() THEN \(limit - 1) ELSE coalesce(q.remaining, 0) - 1 END,
                source = CASE WHEN q.resets_at <= now() THEN 'catalog' ELSE q.source END,
                resets_at = CASE WHEN q.resets_at <= now() THEN \(windowEnd) ELSE q.resets_at END,
                updated_at = now()
            RETURNING remaining, resets_at, source
            """
        ).first
        guard let row, try row.decode("remaining", as: Int.self) < 0 else { return nil }
        return (try row.decode("resets_at", as: Date.self), try row.decode("source", as: String.self))
    }

    /// Records what a provider said about the connection's budget: nothing left until `resetsAt`.
    func learnQuota(connector: String, connection: UUID, remaining: Int?, resetsAt: Date, source: String) async throws {
        try await pool.execute(
            """
            INSERT INTO connector_quotas (connector, connection_id, remaining, resets_at, source) VALUES
                (\(connector), \(connection), \(remaining), \(resetsAt), \(source))
            ON CONFLICT (connector, connection_id) DO UPDATE
            SET remaining = EXCLUDED.remaining, resets_at = EXCLUDED.resets_at, source = EXCLUDED.source, updated_at = now()
            """)
    }
}
