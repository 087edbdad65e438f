-- 120,000 queued no-op jobs, vacuumed: run before each pgbench round of before.sql / after.sql.
TRUNCATE publish_jobs, publish_attempts;
INSERT INTO publish_jobs (tenant_id, kind, status, payload, idempotency_key, max_attempts)
SELECT 'tenant-a', 'action', 'queued', '{}', 'k' || g, 3 FROM generate_series(1, 120000) g;
VACUUM ANALYZE publish_jobs; VACUUM ANALYZE publish_attempts;

