-- pgbench script: one agent-run transaction = 1 agent_runs insert, 2 tool_executions
-- inserts and 3 agent_run_metrics inserts, the same work as `neonhub bench-db`.
--
--   pgbench -n -f scripts/bench/db-transaction.sql -c 8 -j 2 -T 10 -M prepared "$DATABASE_URL"
--
-- The run id is derived from random numbers (md5 → uuid) so that every statement can
-- use it in any protocol mode (-M simple, extended or prepared).
\set a random(1, 2000000000)
\set b random(1, 2000000000)
BEGIN;
INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, idempotency_key, started_at)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'content-writer', 'draft_post', 'running', '{"topic": "benchmark"}', NULL, now());
INSERT INTO tool_executions (run_id, tenant_id, tool, status, input, output, started_at, duration_ms)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'web_search', 'succeeded', '{"q": "benchmark"}', '{"hits": 3}', now(), 120);
INSERT INTO tool_executions (run_id, tenant_id, tool, status, input, output, started_at, duration_ms)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'llm_generate', 'succeeded', '{"prompt": "write"}', '{"tokens": 512}', now(), 900);
INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'tokens_in', 128, 'tokens');
INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'tokens_out', 512, 'tokens');
INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit)
    VALUES (md5('run-' || CAST(:client_id AS text) || '-' || CAST(:a AS text) || '-' || CAST(:b AS text))::uuid,
            'bench', 'latency', 1020, 'ms');
COMMIT;
