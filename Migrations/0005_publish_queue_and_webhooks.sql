-- The publish queue and webhook events (DESIGN §10): jobs claimed with FOR UPDATE SKIP LOCKED
-- and a lease, one row per attempt, webhook deliveries deduplicated by the provider's event
-- id, and where a published draft went.

CREATE TABLE publish_jobs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       text NOT NULL,              -- '_system' for schedules (refresh, health, cleanup)
    kind            text NOT NULL CHECK (kind IN ('publish', 'action', 'token_refresh', 'health_check', 'webhook_event', 'cleanup')),
    status          text NOT NULL CHECK (status IN ('scheduled', 'queued', 'running', 'succeeded', 'retrying', 'unknown', 'dlq', 'cancelled')),
    connection_id   uuid REFERENCES connections (id) ON DELETE SET NULL,
    connector       text,
    action          text,
    account_id      text,
    draft_id        uuid REFERENCES content_drafts (id) ON DELETE SET NULL,
    run_id          uuid REFERENCES agent_runs (id) ON DELETE SET NULL,  -- the run that scheduled it
    webhook_event_id uuid,
    payload         jsonb NOT NULL DEFAULT '{}',
    idempotency_key text NOT NULL,
    content_hash    text,
    priority        integer NOT NULL DEFAULT 0,
    run_after       timestamptz NOT NULL DEFAULT now(),
    time_zone       text,                        -- the IANA zone runAt was given in
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
    locked_by       text,
    locked_until    timestamptz,
    wait_reason     text,                        -- why a job that could run does not yet (backoff, retry_after, quota)
    last_error      jsonb,
    last_request    jsonb,                       -- redacted
    last_response   jsonb,                       -- redacted
    dlq_reason      text,
    remote_id       text,
    remote_url      text,
    result          jsonb,
    trace_parent    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);

CREATE UNIQUE INDEX publish_jobs_idempotency ON publish_jobs (tenant_id, idempotency_key);
CREATE INDEX publish_jobs_ready ON publish_jobs (run_after, priority DESC)
    WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown');
CREATE INDEX publish_jobs_leased ON publish_jobs (locked_until) WHERE status = 'running';
CREATE INDEX publish_jobs_tenant_created ON publish_jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX publish_jobs_tenant_status ON publish_jobs (tenant_id, status, created_at DESC);
CREATE INDEX publish_jobs_connection ON publish_jobs (connection_id, created_at DESC) WHERE connection_id IS NOT NULL;
CREATE INDEX publish_jobs_draft ON publish_jobs (draft_id) WHERE draft_id IS NOT NULL;

CREATE TABLE publish_attempts (
    id            bigserial PRIMARY KEY,
    job_id        uuid NOT NULL REFERENCES publish_jobs (id) ON DELETE CASCADE,
    tenant_id     text NOT NULL,
    attempt       integer NOT NULL,
    worker        text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('running', 'succeeded', 'retryable', 'rate_limited', 'permanent', 'unknown',
                                                   'reconciled_found', 'reconciled_missing', 'deferred', 'abandoned')),
    http_status   integer,
    error         jsonb,
    request       jsonb,                         -- redacted
    response      jsonb,                         -- redacted
    retry_after_seconds integer,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    duration_ms   integer
);

CREATE INDEX publish_attempts_job ON publish_attempts (job_id, id);
CREATE INDEX publish_attempts_tenant_started ON publish_attempts (tenant_id, started_at DESC);

-- Workers LISTEN on neonhub_jobs; a job that becomes ready wakes one (polling is the fallback).
CREATE FUNCTION publish_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('neonhub_jobs', NEW.kind);
    RETURN NULL;
END
$$;

CREATE TRIGGER publish_jobs_ready
    AFTER INSERT OR UPDATE OF status, run_after ON publish_jobs
    FOR EACH ROW WHEN (NEW.status IN ('scheduled', 'queued', 'retrying', 'unknown'))
    EXECUTE FUNCTION publish_jobs_notify();

CREATE TABLE webhook_events (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    connector      text NOT NULL,
    event_id       text NOT NULL,               -- the provider's id, or the body's SHA-256 when it sends none
    event_type     text,
    account_id     text,                        -- the provider account that routed it (shop domain, page id, team id…)
    tenant_id      text,                        -- null while unmatched
    connection_id  uuid REFERENCES connections (id) ON DELETE SET NULL,
    status         text NOT NULL CHECK (status IN ('received', 'processed', 'unmatched', 'ignored', 'failed')),
    payload        jsonb NOT NULL DEFAULT '{}',
    headers        jsonb NOT NULL DEFAULT '{}', -- the provider's headers, signatures removed
    run_id         uuid REFERENCES agent_runs (id) ON DELETE SET NULL,
    error          text,
    received_at    timestamptz NOT NULL DEFAULT now(),
    processed_at   timestamptz,
    UNIQUE (connector, event_id)
);

CREATE INDEX webhook_events_tenant_received ON webhook_events (tenant_id, received_at DESC);
CREATE INDEX webhook_events_received ON webhook_events (received_at);

ALTER TABLE publish_jobs
    ADD CONSTRAINT publish_jobs_webhook_event FOREIGN KEY (webhook_event_id) REFERENCES webhook_events (id) ON DELETE SET NULL;

-- Per-tenant trigger overrides of configs/triggers.json.
CREATE TABLE webhook_triggers (
    tenant_id   text NOT NULL,
    connector   text NOT NULL,
    event_type  text NOT NULL,
    agent       text,
    intent      text,
    enabled     boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, connector, event_type)
);

-- Budgets learned from providers' rate-limit headers, shared by every process.
CREATE TABLE connector_quotas (
    connector     text NOT NULL,
    connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    remaining     integer,
    resets_at     timestamptz NOT NULL,
    source        text NOT NULL,                -- which header taught it (retry-after, x-ratelimit, x-app-usage…)
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, connection_id)
);

ALTER TABLE content_drafts
    ADD COLUMN published_url text,
    ADD COLUMN published_at  timestamptz;
