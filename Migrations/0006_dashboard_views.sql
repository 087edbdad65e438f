-- The health dashboard (DESIGN §5): eight read-only views, each with a tenant_id column that
-- the dashboard.* procedures filter on (the tenant comes from the caller's token, never from
-- input). Columns are documented in docs/OPERATIONS.md. No view reads a secret: of
-- encrypted_secrets only the existence of a row is used. Days and hours are UTC.

-- Per tenant × connector: the connections and how healthy they have been over 24 h.
CREATE VIEW api_connector_health_summary AS
SELECT c.tenant_id,
       c.connector,
       count(*)::int                                          AS connections_total,
       count(*) FILTER (WHERE c.status = 'active')::int       AS connections_active,
       count(*) FILTER (WHERE c.status = 'attention')::int    AS connections_attention,
       count(*) FILTER (WHERE c.status = 'revoked')::int      AS connections_revoked,
       max(c.last_health_check)                               AS last_health_check,
       COALESCE(max(h.checks), 0)::int                        AS health_checks_24h,
       max(h.ok)::float8 / NULLIF(max(h.checks), 0)           AS health_ok_ratio_24h,
       COALESCE(max(f.failures), 0)::int                      AS failed_requests_24h
FROM connections c
LEFT JOIN (
    SELECT l.tenant_id, lc.connector, count(*) AS checks, count(*) FILTER (WHERE l.status = 'ok') AS ok
    FROM connection_health_log l JOIN connections lc ON lc.id = l.connection_id
    WHERE l.checked_at > now() - interval '24 hours'
    GROUP BY l.tenant_id, lc.connector
) h ON h.tenant_id = c.tenant_id AND h.connector = c.connector
LEFT JOIN (
    SELECT tenant_id, connector, count(*) AS failures
    FROM (
        SELECT t.tenant_id, t.input ->> 'connector' AS connector
        FROM tool_executions t
        WHERE t.tool = 'connector.action' AND t.status <> 'succeeded' AND t.started_at > now() - interval '24 hours'
        UNION ALL
        SELECT a.tenant_id, j.connector
        FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id
        WHERE a.outcome IN ('retryable', 'rate_limited', 'permanent', 'unknown') AND a.started_at > now() - interval '24 hours'
    ) failed
    WHERE connector IS NOT NULL
    GROUP BY tenant_id, connector
) f ON f.tenant_id = c.tenant_id AND f.connector = c.connector
GROUP BY c.tenant_id, c.connector;

-- The latest errors, from three sources: failed publish attempts, failed health checks, and
-- connections waiting for a person (status attention). Messages were redacted when written.
CREATE VIEW api_recent_errors AS
SELECT a.tenant_id,
       'publish_attempt:' || a.id                            AS id,
       'publish_attempt'::text                               AS source,
       j.connector,
       j.connection_id,
       a.job_id,
       a.outcome                                             AS code,
       a.http_status,
       left(COALESCE(a.error ->> 'message', a.error #>> '{}', a.outcome), 2000) AS message,
       COALESCE(a.finished_at, a.started_at)                 AS occurred_at
FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id
WHERE a.outcome IN ('retryable', 'rate_limited', 'permanent', 'unknown')
UNION ALL
SELECT l.tenant_id,
       'health_check:' || l.id,
       'health_check',
       c.connector,
       l.connection_id,
       NULL::uuid,
       'health_check_failed',
       NULL::int,
       left(COALESCE(l.error, 'health check failed'), 2000),
       l.checked_at
FROM connection_health_log l JOIN connections c ON c.id = l.connection_id
WHERE l.status = 'error'
UNION ALL
SELECT c.tenant_id,
       'connection:' || c.id,
       'connection',
       c.connector,
       c.id,
       NULL::uuid,
       'needs_attention',
       NULL::int,
       left(COALESCE(c.last_error, 'connection needs attention'), 2000),
       c.updated_at
FROM connections c
WHERE c.status = 'attention';

-- Per connection that is not revoked: when its token expires and how its refreshes go.
CREATE VIEW api_token_health AS
SELECT c.tenant_id,
       c.id                                                  AS connection_id,
       c.connector,
       c.name,
       c.status,
       c.token_expires_at,
       floor(extract(epoch FROM c.token_expires_at - now()))::bigint AS seconds_until_expiry,
       c.next_refresh_at,
       c.last_refresh_at,
       c.refresh_failures,
       EXISTS (SELECT 1 FROM encrypted_secrets s WHERE s.connection_id = c.id AND s.kind = 'refresh_token') AS has_refresh_token,
       CASE
           WHEN c.status = 'attention' THEN 'attention'
           WHEN c.token_expires_at IS NULL THEN 'no_expiry'
           WHEN c.token_expires_at <= now() THEN 'expired'
           WHEN c.token_expires_at < now() + interval '24 hours' THEN 'expiring'
           ELSE 'ok'
       END                                                   AS state
FROM connections c
WHERE c.status <> 'revoked';

-- Per tenant × connector × UTC day of creation: what became of the publish and action jobs.
CREATE VIEW api_publish_performance AS
SELECT j.tenant_id,
       j.connector,
       (j.created_at AT TIME ZONE 'UTC')::date                          AS day,
       count(*)::int                                                    AS jobs_total,
       count(*) FILTER (WHERE j.status = 'succeeded')::int              AS succeeded,
       count(*) FILTER (WHERE j.status = 'dlq')::int                    AS dlq,
       count(*) FILTER (WHERE j.status = 'retrying')::int               AS retrying,
       count(*) FILTER (WHERE j.status IN ('scheduled', 'queued'))::int AS pending,
       count(*) FILTER (WHERE j.status = 'running')::int                AS running,
       count(*) FILTER (WHERE j.status = 'unknown')::int                AS unknown,
       count(*) FILTER (WHERE j.status = 'cancelled')::int              AS cancelled,
       (avg(j.attempts) FILTER (WHERE j.status IN ('succeeded', 'dlq')))::float8 AS avg_attempts,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.seconds)           AS p50_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY s.seconds)          AS p95_seconds,
       (count(*) FILTER (WHERE j.status = 'succeeded'))::float8
           / NULLIF(count(*) FILTER (WHERE j.status IN ('succeeded', 'dlq')), 0) AS success_rate
FROM publish_jobs j
LEFT JOIN LATERAL (
    -- From the first attempt (or creation, without attempts) to done: retries and back-offs
    -- count, the wait of a job scheduled for later does not. Succeeded jobs only.
    SELECT extract(epoch FROM j.finished_at - COALESCE(min(a.started_at), j.created_at))::float8 AS seconds
    FROM publish_attempts a
    WHERE a.job_id = j.id
    HAVING j.status = 'succeeded' AND j.finished_at IS NOT NULL
) s ON true
WHERE j.kind IN ('publish', 'action') AND j.connector IS NOT NULL
GROUP BY j.tenant_id, j.connector, (j.created_at AT TIME ZONE 'UTC')::date;

-- Every dead-lettered job, with what is needed to understand and replay it (redacted at write).
CREATE VIEW api_dlq_status AS
SELECT j.tenant_id,
       j.id                                                  AS job_id,
       j.kind,
       j.connector,
       j.connection_id,
       c.name                                                AS connection_name,
       j.action,
       j.attempts,
       j.max_attempts,
       j.dlq_reason,
       j.last_error,
       j.last_request,
       j.last_response,
       j.idempotency_key,
       j.created_at,
       COALESCE(j.finished_at, j.updated_at)                 AS dead_lettered_at,
       floor(extract(epoch FROM now() - j.created_at))::bigint AS age_seconds
FROM publish_jobs j
LEFT JOIN connections c ON c.id = j.connection_id AND c.tenant_id = j.tenant_id
WHERE j.status = 'dlq';

-- Per tenant × connector × UTC hour of the last 7 days: health checks and their latency.
CREATE VIEW api_health_check_trends AS
SELECT l.tenant_id,
       c.connector,
       date_trunc('hour', l.checked_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
       count(*)::int                                         AS checks,
       count(*) FILTER (WHERE l.status = 'ok')::int          AS ok,
       count(*) FILTER (WHERE l.status = 'error')::int       AS errors,
       avg(l.latency_ms)::float8                             AS avg_latency_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms) AS p95_latency_ms
FROM connection_health_log l JOIN connections c ON c.id = l.connection_id
WHERE l.checked_at >= now() - interval '7 days'
GROUP BY l.tenant_id, c.connector, date_trunc('hour', l.checked_at AT TIME ZONE 'UTC');

-- Per tenant (with at least one connection) × catalog connector: can the tenant use it now?
CREATE VIEW api_connector_readiness AS
SELECT t.tenant_id,
       p.id                                                  AS connector,
       p.name,
       p.category,
       p.wave,
       p.availability,
       p.auth_type,
       COALESCE(n.active, 0)::int                            AS connections_active,
       COALESCE(n.attention, 0)::int                         AS connections_attention,
       COALESCE(n.active, 0) > 0                             AS has_active_connection,
       p.availability <> 'disabled' AND COALESCE(n.active, 0) > 0 AS ready,
       lp.last_successful_publish_at
FROM (SELECT DISTINCT tenant_id FROM connections) t
CROSS JOIN connector_platforms p
LEFT JOIN (
    SELECT tenant_id, connector,
           count(*) FILTER (WHERE status = 'active') AS active,
           count(*) FILTER (WHERE status = 'attention') AS attention
    FROM connections GROUP BY tenant_id, connector
) n ON n.tenant_id = t.tenant_id AND n.connector = p.id
LEFT JOIN (
    SELECT tenant_id, connector, max(finished_at) AS last_successful_publish_at
    FROM publish_jobs WHERE status = 'succeeded' AND kind = 'publish'
    GROUP BY tenant_id, connector
) lp ON lp.tenant_id = t.tenant_id AND lp.connector = p.id;

-- Per tenant × UTC day: agent runs, language-model usage, publishes and webhook events. Tokens
-- and cost come from llm_usage (one row per model call); agent_run_metrics holds the same
-- numbers per run, so reading both would count them twice.
CREATE VIEW api_analytics_summary AS
SELECT tenant_id,
       day,
       count(*) FILTER (WHERE fact = 'run')::int                               AS runs_total,
       count(*) FILTER (WHERE fact = 'run' AND status = 'succeeded')::int      AS runs_succeeded,
       count(*) FILTER (WHERE fact = 'run' AND status = 'failed')::int         AS runs_failed,
       count(*) FILTER (WHERE fact = 'run' AND status = 'cancelled')::int      AS runs_cancelled,
       count(*) FILTER (WHERE fact = 'run' AND status IN ('queued', 'running'))::int AS runs_in_progress,
       count(*) FILTER (WHERE fact = 'llm')::int                               AS llm_calls,
       COALESCE(sum(tokens_in), 0)::bigint                                     AS tokens_in,
       COALESCE(sum(tokens_out), 0)::bigint                                    AS tokens_out,
       COALESCE(sum(cost_usd), 0)::float8                                      AS cost_usd,
       count(*) FILTER (WHERE fact = 'llm' AND cost_usd IS NULL)::int          AS unpriced_llm_calls,
       count(*) FILTER (WHERE fact = 'publish')::int                           AS publishes_succeeded,
       count(*) FILTER (WHERE fact = 'webhook')::int                           AS webhook_events
FROM (
    SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date AS day, 'run' AS fact, status,
           NULL::bigint AS tokens_in, NULL::bigint AS tokens_out, NULL::float8 AS cost_usd
    FROM agent_runs
    UNION ALL
    SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date, 'llm', NULL, input_tokens, output_tokens, cost_usd
    FROM llm_usage
    UNION ALL
    SELECT tenant_id, (finished_at AT TIME ZONE 'UTC')::date, 'publish', NULL, NULL, NULL, NULL
    FROM publish_jobs WHERE kind = 'publish' AND status = 'succeeded' AND finished_at IS NOT NULL
    UNION ALL
    SELECT tenant_id, (received_at AT TIME ZONE 'UTC')::date, 'webhook', NULL, NULL, NULL, NULL
    FROM webhook_events WHERE tenant_id IS NOT NULL
) facts
GROUP BY tenant_id, day;
