-- One claim and one finish per transaction, as QueueStore wrote them before migration 0010 (the
-- attempt row opened at the claim, closed at the finish). pgbench -n -M prepared -c 4 -j 2 -f before.sql
WITH expired AS (
    SELECT id, status AS previous FROM publish_jobs
    WHERE status = 'running' AND locked_until < now() AND kind = ANY(string_to_array('action', ','))
    ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED
), ready AS (
    SELECT id, status AS previous FROM publish_jobs
    WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown') AND run_after <= now() AND kind = ANY(string_to_array('action', ','))
    ORDER BY priority DESC, run_after LIMIT 1 FOR UPDATE SKIP LOCKED
), picked AS (
    (SELECT id, previous FROM expired) UNION ALL (SELECT id, previous FROM ready) LIMIT 1
), claimed AS (
    UPDATE publish_jobs j
    SET status = 'running', locked_by = 'w:' || :client_id, locked_until = now() + make_interval(secs => 60),
        attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now(), wait_reason = NULL
    FROM picked WHERE j.id = picked.id
    RETURNING j.*, picked.previous
), abandoned AS (
    UPDATE publish_attempts a SET outcome = 'abandoned', finished_at = now()
    FROM claimed WHERE a.job_id = claimed.id AND claimed.previous = 'running' AND a.outcome = 'running'
), opened AS (
    INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome)
    SELECT id, tenant_id, attempts, 'w:' || :client_id, 'running' FROM claimed
    RETURNING id AS attempt_id, job_id
)
SELECT claimed.id AS job_id, opened.attempt_id FROM claimed JOIN opened ON opened.job_id = claimed.id \gset
WITH job AS (
    UPDATE publish_jobs
    SET status = 'succeeded', locked_by = NULL, locked_until = NULL, updated_at = now(),
        run_after = run_after, wait_reason = NULL, attempts = attempts - 0,
        last_error = last_error, dlq_reason = NULL, result = result, remote_id = remote_id, remote_url = remote_url,
        finished_at = now()
    WHERE id = :job_id AND locked_by = 'w:' || :client_id AND status = 'running'
    RETURNING id
), attempt AS (
    UPDATE publish_attempts a
    SET outcome = 'succeeded', http_status = NULL, error = NULL, request = NULL, response = NULL, retry_after_seconds = NULL,
        finished_at = now(), duration_ms = 1
    FROM job WHERE a.id = :attempt_id
    RETURNING a.id
)
SELECT count(*)::int AS finished FROM job;
