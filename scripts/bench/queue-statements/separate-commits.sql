-- A worker's cycle as two transactions: the outcomes of its last claim (QueueStore.finishQuery, no
-- draft), then its next claim of 10 (QueueStore.claimQuery), which hands its jobs' ends to the next
-- cycle in :prev. After fill.sql: pgbench -n -M prepared -c 4 -j 2 -T 6 -D prev='[]' -f separate-commits.sql
-- The cycle as one transaction, as QueueWorkers runs it since OutcomeCarrier (docs/PERFORMANCE.md):
--   { echo 'BEGIN;'; cat separate-commits.sql; echo 'COMMIT;'; } > /tmp/one-commit.sql
WITH o AS (
    SELECT * FROM jsonb_to_recordset(:prev::jsonb) AS o(
        id uuid, worker text, status text, outcome text, tenant_id text, attempt int, started_at timestamptz,
        duration_ms int, is_final bool, refund int, run_after timestamptz, wait_reason text, checkpoint jsonb,
        error jsonb, request jsonb, response jsonb, http_status int, retry_after int, dlq_reason text,
        result jsonb, remote_id text, remote_url text, draft_id uuid)
), job AS (
    UPDATE publish_jobs j
    SET status = o.status, locked_by = NULL, locked_until = NULL, updated_at = now(),
        run_after = coalesce(o.run_after, j.run_after), wait_reason = o.wait_reason, attempts = j.attempts - o.refund,
        payload = CASE WHEN o.checkpoint IS NULL THEN j.payload
                       ELSE jsonb_set(j.payload, '{checkpoint}', coalesce(j.payload->'checkpoint', '{}'::jsonb) || o.checkpoint) END,
        last_error = coalesce(o.error, j.last_error), last_request = coalesce(o.request, j.last_request),
        last_response = coalesce(o.response, j.last_response), dlq_reason = o.dlq_reason,
        result = coalesce(o.result, j.result), remote_id = coalesce(o.remote_id, j.remote_id),
        remote_url = coalesce(o.remote_url, j.remote_url), finished_at = CASE WHEN o.is_final THEN now() ELSE NULL END
    FROM o
    WHERE j.id = o.id AND j.locked_by = o.worker AND j.attempts = o.attempt AND j.status = 'running'
    RETURNING j.id, o.worker, o.attempt
), attempt AS (
    INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, http_status, error, request, response,
                                  retry_after_seconds, started_at, finished_at, duration_ms)
    SELECT o.id, o.tenant_id, o.attempt, o.worker, o.outcome, o.http_status, o.error, o.request, o.response, o.retry_after,
           o.started_at, now(), o.duration_ms
    FROM o JOIN job ON job.id = o.id AND job.worker = o.worker AND job.attempt = o.attempt
)
SELECT id, worker, attempt FROM job;
WITH expired AS (
    SELECT id, status AS previous, locked_by AS previous_worker, updated_at AS previous_start, attempts AS previous_attempt
    FROM publish_jobs
    WHERE status = 'running' AND locked_until < now() AND kind IN ('action')
    ORDER BY locked_until
    LIMIT 10
    FOR UPDATE SKIP LOCKED
), ready AS (
    SELECT id, status AS previous, NULL::text AS previous_worker, NULL::timestamptz AS previous_start, NULL::int AS previous_attempt
    FROM publish_jobs
    WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown') AND run_after <= now()
      AND kind IN ('action')
    ORDER BY priority DESC, run_after
    LIMIT 10
    FOR UPDATE SKIP LOCKED
), picked AS (
    (SELECT * FROM expired) UNION ALL (SELECT * FROM ready) LIMIT 10
), claimed AS (
    UPDATE publish_jobs j
    SET status = 'running', locked_by = 'w:' || :client_id, locked_until = now() + make_interval(secs => 60),
        attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now(), wait_reason = NULL
    FROM picked WHERE j.id = picked.id
    RETURNING j.*, picked.previous, picked.previous_worker, picked.previous_start, picked.previous_attempt
), abandoned AS (
    INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, started_at, finished_at)
    SELECT id, tenant_id, previous_attempt, previous_worker, 'abandoned', previous_start, now()
    FROM claimed WHERE previous = 'running'
)
SELECT coalesce(json_agg(json_build_object('id', id, 'worker', 'w:' || :client_id, 'status', 'succeeded', 'outcome', 'succeeded', 'tenant_id', tenant_id, 'attempt', attempts, 'started_at', updated_at, 'duration_ms', 1, 'is_final', true, 'refund', 0)), '[]')::text AS prev FROM claimed \gset
