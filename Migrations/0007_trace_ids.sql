-- The W3C trace id of the request or job that started each run (DESIGN §7, issue 16): the
-- run's log lines and outbound calls carry the same `trace_id`. Null for runs from before.
ALTER TABLE agent_runs ADD COLUMN trace_id text;
