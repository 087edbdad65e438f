-- One claim and one finish per transaction, as QueueStore writes them since migration 0010 (the
-- attempt row written once, when it ends). pgbench -n -M prepared -c 4 -j 2 -f after.sql
WITH expired AS (
    SELECT id, status AS previous, locked_by AS previous_worker, updated_at AS previous_start, attempts AS previous_attempt FROM publish_jobs
    WHERE status = 'running' AND locked_until < now() AND kind = ANY(string_to_array('action', ','))
    ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED
), ready AS (
    SELECT id, status AS previous, NULL::text AS previous_worker, NULL::timestamptz AS previous_start, NULL::int AS previous_attempt FROM publish_jobs
    WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown') AND run_after <= now() AND kind = ANY(string_to_array('action', ','))
    ORDER BY priority DESC, run_after LIMIT 1 FOR UPDATE SKIP LOCKED
), picked AS (
    (SELECT * FROM expired) UNION ALL (SELECT * FROM ready) LIMIT 1
), claimed AS (
    UPDATE publish_jobs j
    SET status = 'running', locked_by = 'w:' || :client_id, locked_until = now() + make_interval(secs => 60),
        attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now(), wait_reason = NULL
    FROM picked WHERE j.id = picked.id
    RETURNING j.*, picked.previous, picked.previous_worker, picked.previous_start, picked.previous_attempt
), abandoned AS (
    INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, started_at, finished_at)
    SELECT id, tenant_id, previous_attempt, previous_worker, 'abandoned', previous_start, now() FROM claimed WHERE previous = 'running'
)
SELECT claimed.id AS job_id, claimed.updated_at AS claimed_at FROM claimed \gset
WITH job AS (
    UPDATE publish_jobs
    SET status = 'succeeded', locked_by = NULL, locked_until = NULL, updated_at = now(),
        run_after = run_after, wait_reason = NULL, attempts = attempts - 0,
        last_error = last_error, dlq_reason = NULL, result = result, remote_id = remote_id, remote_url = remote_url,
        finished_at = now()
    WHERE id = :job_id AND locked_by = 'w:' || :client_id AND status = 'running'
    RETURNING id, tenant_id, attempts
), attempt AS (
    INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, started_at, finished_at, duration_ms)
    SELECT id, tenant_id, attempts, 'w:' || :client_id, 'succeeded', (:claimed_at)::timestamptz, now(), 1 FROM job
    RETURNING id
)
SELECT count(*)::int AS finished FROM job;
