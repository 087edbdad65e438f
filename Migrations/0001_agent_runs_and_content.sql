-- Agent runs, their tool executions and metrics, and content drafts.
-- gen_random_uuid() is built in since PostgreSQL 13 (no pgcrypto needed).

CREATE TABLE agent_runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       text NOT NULL,
    agent           text NOT NULL,
    intent          text,
    status          text NOT NULL
                    CONSTRAINT agent_runs_status_check
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    input           jsonb NOT NULL DEFAULT '{}'::jsonb,
    output          jsonb,
    error           jsonb,
    idempotency_key text,
    started_at      timestamptz,
    finished_at     timestamptz,
    duration_ms     integer CHECK (duration_ms IS NULL OR duration_ms >= 0),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX agent_runs_tenant_idempotency_key
    ON agent_runs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX agent_runs_tenant_created ON agent_runs (tenant_id, created_at DESC, id DESC);
CREATE INDEX agent_runs_tenant_agent_created ON agent_runs (tenant_id, agent, created_at DESC);
CREATE INDEX agent_runs_tenant_status_created ON agent_runs (tenant_id, status, created_at DESC);
CREATE INDEX agent_runs_running ON agent_runs (started_at) WHERE status = 'running';

CREATE TABLE tool_executions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id      uuid NOT NULL REFERENCES agent_runs (id) ON DELETE CASCADE,
    tenant_id   text NOT NULL,
    tool        text NOT NULL,
    status      text NOT NULL
                CONSTRAINT tool_executions_status_check
                CHECK (status IN ('succeeded', 'failed', 'timed_out')),
    input       jsonb,
    output      jsonb,
    error       jsonb,
    attempt     integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    started_at  timestamptz NOT NULL,
    duration_ms integer CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE INDEX tool_executions_run_started ON tool_executions (run_id, started_at);

CREATE TABLE agent_run_metrics (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id     uuid NOT NULL REFERENCES agent_runs (id) ON DELETE CASCADE,
    tenant_id  text NOT NULL,
    name       text NOT NULL,
    value      double precision NOT NULL,
    unit       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX agent_run_metrics_run ON agent_run_metrics (run_id);

CREATE TABLE content_drafts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  text NOT NULL,
    run_id     uuid REFERENCES agent_runs (id) ON DELETE SET NULL,
    title      text NOT NULL,
    content    text NOT NULL,
    status     text NOT NULL DEFAULT 'draft'
               CONSTRAINT content_drafts_status_check
               CHECK (status IN ('draft', 'in_review', 'approved', 'published', 'archived')),
    version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX content_drafts_tenant_created ON content_drafts (tenant_id, created_at DESC, id DESC);
CREATE INDEX content_drafts_tenant_status_created ON content_drafts (tenant_id, status, created_at DESC);
CREATE INDEX content_drafts_run ON content_drafts (run_id) WHERE run_id IS NOT NULL;
