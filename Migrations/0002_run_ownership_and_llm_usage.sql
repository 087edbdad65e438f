-- Which server process runs an agent run (for crash recovery across replicas), and one row
-- per language-model call with its tokens and cost (NULL cost = unknown model, never zero).

ALTER TABLE agent_runs ADD COLUMN runner_id bigint;
CREATE INDEX agent_runs_active_runner ON agent_runs (runner_id) WHERE status IN ('queued', 'running');

CREATE TABLE llm_usage (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id        uuid REFERENCES agent_runs (id) ON DELETE CASCADE,
    tenant_id     text NOT NULL,
    provider      text NOT NULL,
    model         text NOT NULL,
    input_tokens  integer NOT NULL CHECK (input_tokens >= 0),
    output_tokens integer NOT NULL CHECK (output_tokens >= 0),
    cached_tokens integer NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
    cost_usd      double precision,
    occurred_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX llm_usage_occurred ON llm_usage (occurred_at);
CREATE INDEX llm_usage_run ON llm_usage (run_id);
