-- The daily LLM budget as a counter every model call takes from before it is sent (an estimate)
-- and corrects after (the tokens and cost the provider reported). Before, the budget was read
-- from `llm_usage`, which a run writes when it ends: runs in flight at the same time each saw
-- the day's spend without the others', and together spent many times the budget.
-- `llm_usage` stays the record of what was spent; this table is what is enforced.
CREATE TABLE llm_daily_spend (
    tenant_id  text NOT NULL,
    agent      text NOT NULL,
    day        date NOT NULL,
    tokens     bigint NOT NULL DEFAULT 0,
    cost_usd   double precision NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent, day)
);

-- Today's spend so far, so that upgrading in the middle of a UTC day does not reset it.
INSERT INTO llm_daily_spend (tenant_id, agent, day, tokens, cost_usd)
SELECT u.tenant_id, r.agent, (now() AT TIME ZONE 'UTC')::date,
       SUM(u.input_tokens + u.output_tokens), COALESCE(SUM(u.cost_usd), 0)
FROM llm_usage u JOIN agent_runs r ON r.id = u.run_id
WHERE u.occurred_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
GROUP BY u.tenant_id, r.agent;
