-- Rows for the dashboard view tests (Tests/NeonHubTests/Dashboard): two tenants, tenant-a
-- and tenant-b, whose rows share connectors and days so that any missing tenant filter shows.
-- {D3} and {D2} are midnight UTC three and two days ago, {H} the start of the current hour;
-- DashboardSeed substitutes them. Every expected number in the tests is derived here.
-- Rows placed relative to {H} fall anywhere between 2 h 55 min and 1 h 30 min ago, depending
-- on the minute the test runs: rows whose order the tests check against them are placed
-- within the last hour or more than 3 hours ago.

UPDATE connector_platforms SET availability = 'disabled' WHERE id = 'slack';

-- Connections. a4 is revoked; b1 needs attention; a1 has a refresh token.
INSERT INTO connections (id, tenant_id, connector, name, status, token_expires_at, next_refresh_at, last_refresh_at, refresh_failures,
                         last_error, last_health_check, updated_at) VALUES
  ('aaaaaaaa-0000-0000-0000-000000000001', 'tenant-a', 'meta', 'Acme Page', 'active', now() + interval '30 days',
   now() + interval '23 days', now() - interval '1 day', 0, NULL, {H} - interval '100 minutes', now() - interval '1 day'),
  ('aaaaaaaa-0000-0000-0000-000000000002', 'tenant-a', 'meta', 'Acme Instagram', 'attention', now() - interval '1 hour',
   NULL, now() - interval '3 days', 3, 'Refresh refused: invalid_grant', now() - interval '30 hours', now() - interval '20 minutes'),
  ('aaaaaaaa-0000-0000-0000-000000000003', 'tenant-a', 'linkedin', 'Acme LinkedIn', 'active', now() + interval '2 hours',
   now() + interval '1 hour', now() - interval '58 days', 0, NULL, {H} - interval '115 minutes', now() - interval '1 day'),
  ('aaaaaaaa-0000-0000-0000-000000000004', 'tenant-a', 'linkedin', 'Old LinkedIn', 'revoked', now() + interval '5 days',
   NULL, NULL, 0, NULL, NULL, now() - interval '9 days'),
  ('aaaaaaaa-0000-0000-0000-000000000005', 'tenant-a', 'meta', 'Meta Business', 'active', NULL,
   NULL, NULL, 0, NULL, {H} - interval '90 minutes', now() - interval '1 day'),
  ('aaaaaaaa-0000-0000-0000-000000000006', 'tenant-a', 'linkedin', 'Acme LinkedIn Org', 'active', now() - interval '10 minutes',
   now() - interval '5 minutes', now() - interval '60 days', 1, NULL, NULL, now() - interval '1 day'),
  ('aaaaaaaa-0000-0000-0000-000000000007', 'tenant-a', 'slack', 'Slack Workspace', 'active', NULL,
   NULL, NULL, 0, NULL, NULL, now() - interval '1 day'),
  ('bbbbbbbb-0000-0000-0000-000000000001', 'tenant-b', 'meta', 'Beta Page', 'attention', now() + interval '1 hour',
   NULL, NULL, 5, 'tenant-b: token revoked', {H} - interval '105 minutes', now() - interval '5 minutes'),
  ('bbbbbbbb-0000-0000-0000-000000000002', 'tenant-b', 'linkedin', 'Beta LinkedIn', 'active', now() + interval '1 hour',
   NULL, NULL, 0, NULL, NULL, now() - interval '1 day');

-- Only a count of secrets is ever read: a1 and b2 have a refresh token, a3 an access token only.
INSERT INTO encrypted_secrets (connection_id, kind, key_id, iv, ciphertext, auth_tag) VALUES
  ('aaaaaaaa-0000-0000-0000-000000000001', 'refresh_token', 'k1', decode('000000000000000000000000', 'hex'), decode('DEADBEEF', 'hex'), decode('00000000000000000000000000000000', 'hex')),
  ('aaaaaaaa-0000-0000-0000-000000000003', 'access_token', 'k1', decode('000000000000000000000000', 'hex'), decode('DEADBEEF', 'hex'), decode('00000000000000000000000000000000', 'hex')),
  ('bbbbbbbb-0000-0000-0000-000000000002', 'refresh_token', 'k1', decode('000000000000000000000000', 'hex'), decode('DEADBEEF', 'hex'), decode('00000000000000000000000000000000', 'hex'));

-- Health checks. Hour {H}-2h: meta 100, 200 ok and 300 error; linkedin 40 ok. Then one meta
-- error 30 h ago (outside 24 h, inside 7 days) and one ok 8 days ago (outside both).
INSERT INTO connection_health_log (connection_id, tenant_id, status, latency_ms, error, checked_at) VALUES
  ('aaaaaaaa-0000-0000-0000-000000000001', 'tenant-a', 'ok', 100, NULL, {H} - interval '110 minutes'),
  ('aaaaaaaa-0000-0000-0000-000000000001', 'tenant-a', 'ok', 200, NULL, {H} - interval '100 minutes'),
  ('aaaaaaaa-0000-0000-0000-000000000005', 'tenant-a', 'error', 300, 'HTTP 500 from graph.facebook.com', {H} - interval '90 minutes'),
  ('aaaaaaaa-0000-0000-0000-000000000003', 'tenant-a', 'ok', 40, NULL, {H} - interval '115 minutes'),
  ('aaaaaaaa-0000-0000-0000-000000000002', 'tenant-a', 'error', NULL, 'token expired', now() - interval '30 hours'),
  ('aaaaaaaa-0000-0000-0000-000000000001', 'tenant-a', 'ok', 10, NULL, now() - interval '8 days'),
  ('bbbbbbbb-0000-0000-0000-000000000001', 'tenant-b', 'error', 999, 'tenant-b: health failed', {H} - interval '105 minutes'),
  ('bbbbbbbb-0000-0000-0000-000000000001', 'tenant-b', 'ok', 999, NULL, {H} - interval '95 minutes');

-- Agent runs: a connector run with its tool calls (last 24 h), and the analytics days.
INSERT INTO agent_runs (id, tenant_id, agent, intent, status, created_at) VALUES
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector', 'execute_action', 'failed', now() - interval '3 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000002', 'tenant-a', 'content', NULL, 'succeeded', {D3} + interval '10 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000003', 'tenant-a', 'content', NULL, 'succeeded', {D3} + interval '11 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000004', 'tenant-a', 'seo', NULL, 'failed', {D3} + interval '12 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000005', 'tenant-a', 'content', NULL, 'running', {D2} + interval '9 hours'),
  ('bbbbbbbb-0000-0000-0002-000000000001', 'tenant-b', 'connector', 'execute_action', 'failed', now() - interval '2 hours'),
  ('bbbbbbbb-0000-0000-0002-000000000002', 'tenant-b', 'content', NULL, 'succeeded', {D3} + interval '10 hours');

INSERT INTO tool_executions (run_id, tenant_id, tool, status, input, started_at) VALUES
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector.action', 'failed', '{"connector":"meta","action":"publishPost"}', now() - interval '2 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector.action', 'timed_out', '{"connector":"meta","action":"publishPost"}', now() - interval '3 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector.action', 'succeeded', '{"connector":"meta","action":"publishPost"}', now() - interval '3 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector.action', 'failed', '{"connector":"meta","action":"publishPost"}', now() - interval '48 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'connector.action', 'failed', '{"connector":"linkedin","action":"createPost"}', now() - interval '1 hour'),
  ('aaaaaaaa-0000-0000-0002-000000000001', 'tenant-a', 'calculator', 'failed', '{"connector":"meta"}', now() - interval '1 hour'),
  ('bbbbbbbb-0000-0000-0002-000000000001', 'tenant-b', 'connector.action', 'failed', '{"connector":"meta","action":"publishPost"}', now() - interval '1 hour');

-- Model calls (tokens and cost) and the same numbers as run metrics (must not count twice).
INSERT INTO llm_usage (run_id, tenant_id, provider, model, input_tokens, output_tokens, cost_usd, occurred_at) VALUES
  ('aaaaaaaa-0000-0000-0002-000000000002', 'tenant-a', 'openai', 'gpt-4o-mini', 100, 50, 0.01, {D3} + interval '10 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000003', 'tenant-a', 'openai', 'unknown-model', 200, 100, NULL, {D3} + interval '11 hours'),
  ('aaaaaaaa-0000-0000-0002-000000000005', 'tenant-a', 'openai', 'gpt-4o-mini', 10, 5, 0.002, {D2} + interval '9 hours'),
  ('bbbbbbbb-0000-0000-0002-000000000002', 'tenant-b', 'openai', 'gpt-4o-mini', 7000, 7000, 7.0, {D3} + interval '10 hours');
INSERT INTO agent_run_metrics (run_id, tenant_id, name, value, unit) VALUES
  ('aaaaaaaa-0000-0000-0002-000000000002', 'tenant-a', 'tokens_in', 100, 'tokens'),
  ('aaaaaaaa-0000-0000-0002-000000000002', 'tenant-a', 'cost_usd', 0.01, 'usd');

-- Jobs. Day {D3}, meta (tenant-a): j1 succeeded after a retry (80 s from its first attempt),
-- j2 succeeded at once (20 s), j3 dead-lettered after 3 attempts, j4 cancelled, j5 queued,
-- j6 scheduled, j9 a health check (not a publish: excluded). Day {D2}, linkedin: j7 retrying
-- (its attempt was rate limited an hour ago). j8 (meta, created 6 h ago) dead-lettered 4 h ago.
INSERT INTO publish_jobs (id, tenant_id, kind, status, connection_id, connector, action, idempotency_key, attempts, max_attempts,
                          dlq_reason, last_error, last_request, last_response, created_at, updated_at, finished_at) VALUES
  ('aaaaaaaa-0000-0000-0001-000000000001', 'tenant-a', 'publish', 'succeeded', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a1', 2, 3, NULL, NULL, NULL, NULL, {D3} + interval '12 hours', {D3} + interval '12 hours 1 minute 30 seconds', {D3} + interval '12 hours 1 minute 30 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000002', 'tenant-a', 'publish', 'succeeded', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a2', 1, 3, NULL, NULL, NULL, NULL, {D3} + interval '13 hours', {D3} + interval '13 hours 20 seconds', {D3} + interval '13 hours 20 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000003', 'tenant-a', 'publish', 'dlq', 'aaaaaaaa-0000-0000-0000-000000000002', 'meta', 'publishPost',
   'idem-a3', 3, 3, 'max_attempts', '{"message":"invalid media"}', '{"method":"POST","url":"https://graph.facebook.com/v19.0/1/feed","headers":{"authorization":"[REDACTED]"}}',
   '{"status":400}', {D3} + interval '14 hours', {D3} + interval '14 hours 5 minutes', {D3} + interval '14 hours 5 minutes'),
  ('aaaaaaaa-0000-0000-0001-000000000004', 'tenant-a', 'publish', 'cancelled', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a4', 0, 3, NULL, NULL, NULL, NULL, {D3} + interval '15 hours', {D3} + interval '15 hours', NULL),
  ('aaaaaaaa-0000-0000-0001-000000000005', 'tenant-a', 'publish', 'queued', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a5', 0, 3, NULL, NULL, NULL, NULL, {D3} + interval '16 hours', {D3} + interval '16 hours', NULL),
  ('aaaaaaaa-0000-0000-0001-000000000006', 'tenant-a', 'publish', 'scheduled', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a6', 0, 3, NULL, NULL, NULL, NULL, {D3} + interval '17 hours', {D3} + interval '17 hours', NULL),
  ('aaaaaaaa-0000-0000-0001-000000000007', 'tenant-a', 'action', 'retrying', 'aaaaaaaa-0000-0000-0000-000000000003', 'linkedin', 'createPost',
   'idem-a7', 1, 3, NULL, '{"message":"rate limited"}', NULL, NULL, {D2} + interval '9 hours', now() - interval '1 hour', NULL),
  ('aaaaaaaa-0000-0000-0001-000000000008', 'tenant-a', 'publish', 'dlq', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a8', 2, 2, 'permanent_error', '{"message":"duplicate content"}', '{"method":"POST","headers":{"authorization":"[REDACTED]"}}',
   '{"status":400,"body":{"error":{"code":506}}}', now() - interval '6 hours', now() - interval '4 hours', now() - interval '4 hours'),
  ('aaaaaaaa-0000-0000-0001-000000000009', 'tenant-a', 'health_check', 'succeeded', 'aaaaaaaa-0000-0000-0000-000000000001', 'meta', NULL,
   'idem-a9', 1, 3, NULL, NULL, NULL, NULL, {D3} + interval '10 hours', {D3} + interval '10 hours', {D3} + interval '18 hours'),
  ('bbbbbbbb-0000-0000-0001-000000000001', 'tenant-b', 'publish', 'dlq', 'bbbbbbbb-0000-0000-0000-000000000001', 'meta', 'publishPost',
   'idem-a3', 1, 1, 'tenant-b reason', '{"message":"tenant-b: failure"}', NULL, NULL, {D3} + interval '12 hours', now() - interval '2 hours', now() - interval '2 hours'),
  ('bbbbbbbb-0000-0000-0001-000000000002', 'tenant-b', 'publish', 'succeeded', 'bbbbbbbb-0000-0000-0000-000000000002', 'linkedin', 'createPost',
   'idem-b2', 1, 1, NULL, NULL, NULL, NULL, {D3} + interval '12 hours', {D3} + interval '23 hours', {D3} + interval '23 hours');

INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, http_status, error, started_at, finished_at) VALUES
  ('aaaaaaaa-0000-0000-0001-000000000001', 'tenant-a', 1, 'w1', 'retryable', 503, '{"message":"HTTP 503 from graph.facebook.com"}', {D3} + interval '12 hours 10 seconds', {D3} + interval '12 hours 12 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000001', 'tenant-a', 2, 'w1', 'succeeded', 200, NULL, {D3} + interval '12 hours 1 minute', {D3} + interval '12 hours 1 minute 30 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000002', 'tenant-a', 1, 'w1', 'succeeded', 200, NULL, {D3} + interval '13 hours', {D3} + interval '13 hours 20 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000003', 'tenant-a', 1, 'w1', 'retryable', 502, '{"message":"bad gateway"}', {D3} + interval '14 hours', {D3} + interval '14 hours 2 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000003', 'tenant-a', 2, 'w1', 'retryable', 502, '{"message":"bad gateway"}', {D3} + interval '14 hours 2 minutes', {D3} + interval '14 hours 2 minutes 2 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000003', 'tenant-a', 3, 'w1', 'permanent', 400, '{"message":"invalid media"}', {D3} + interval '14 hours 5 minutes', {D3} + interval '14 hours 5 minutes'),
  ('aaaaaaaa-0000-0000-0001-000000000007', 'tenant-a', 1, 'w1', 'rate_limited', 429, '{"message":"rate limited"}', now() - interval '1 hour', now() - interval '1 hour' + interval '2 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000008', 'tenant-a', 1, 'w1', 'retryable', NULL, '"timeout after send"', now() - interval '5 hours', now() - interval '5 hours' + interval '2 seconds'),
  ('aaaaaaaa-0000-0000-0001-000000000008', 'tenant-a', 2, 'w1', 'permanent', 400, '{"message":"duplicate content"}', now() - interval '4 hours', now() - interval '4 hours' + interval '2 seconds'),
  ('bbbbbbbb-0000-0000-0001-000000000001', 'tenant-b', 1, 'w1', 'permanent', 400, '{"message":"tenant-b: failure"}', now() - interval '30 minutes', now() - interval '30 minutes'),
  ('bbbbbbbb-0000-0000-0001-000000000002', 'tenant-b', 1, 'w1', 'succeeded', 200, NULL, {D3} + interval '22 hours', {D3} + interval '23 hours');

-- Webhook events: two for tenant-a on {D3}, one on {D2}; one unmatched (no tenant); one for tenant-b.
INSERT INTO webhook_events (connector, event_id, tenant_id, status, received_at) VALUES
  ('meta', 'evt-a1', 'tenant-a', 'processed', {D3} + interval '8 hours'),
  ('meta', 'evt-a2', 'tenant-a', 'received', {D3} + interval '9 hours'),
  ('meta', 'evt-a3', 'tenant-a', 'processed', {D2} + interval '8 hours'),
  ('meta', 'evt-x', NULL, 'unmatched', {D3} + interval '8 hours'),
  ('linkedin', 'evt-b1', 'tenant-b', 'processed', {D3} + interval '8 hours');
