-- Two per-job costs of the queue's workers, each paid for something nothing needed
-- (docs/PERFORMANCE.md, issue 13).
--
-- 1. publish_attempts.job_id referenced publish_jobs through a foreign key. Every attempt row
--    (one per attempt, written by the finish) ran the key's check: a query per row that locks
--    the job's row FOR KEY SHARE, about 5 % of Postgres's time in `neonhub bench queue`. Attempt
--    rows are written only in the statement that updates their job under its lease (the finish),
--    or by the claim that takes the job over (an abandoned attempt), so the check could never
--    fail. What the key still gave, ON DELETE CASCADE, is kept by a statement trigger: deleting
--    jobs deletes their attempts, in the same statement's transaction (and a trigger on TRUNCATE
--    empties them with the jobs).
ALTER TABLE publish_attempts DROP CONSTRAINT IF EXISTS publish_attempts_job_id_fkey;

CREATE FUNCTION publish_jobs_delete_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM publish_attempts a USING gone g WHERE a.job_id = g.id;
    RETURN NULL;
END $$;

CREATE TRIGGER publish_jobs_delete_attempts AFTER DELETE ON publish_jobs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION publish_jobs_delete_attempts();

-- TRUNCATE fires no DELETE trigger; with the key, `TRUNCATE publish_jobs CASCADE` emptied the
-- attempts too (and without CASCADE it was refused): emptying the jobs empties their attempts.
-- A DELETE, not a TRUNCATE: `TRUNCATE publish_jobs, publish_attempts` is refused if its trigger
-- truncates a table the same statement is truncating.
CREATE FUNCTION publish_jobs_truncate_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM publish_attempts;
    RETURN NULL;
END $$;

CREATE TRIGGER publish_jobs_truncate_attempts AFTER TRUNCATE ON publish_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION publish_jobs_truncate_attempts();

-- 2. publish_jobs_tenant_status (tenant_id, status, created_at) took a new entry at every finish
--    (a finish changes `status`, so its update is never HOT), and held one for every job ever
--    succeeded: the bulk of the table, growing with the queue's history. With 1,000,000 finished
--    jobs kept it was 109 MB, and the workers ran a fifth slower than on an empty table. A
--    tenant's succeeded jobs are most of its jobs (`publish_jobs_tenant_created` finds them in
--    order); its unfinished, dead-lettered and cancelled ones keep this index.
DROP INDEX IF EXISTS publish_jobs_tenant_status;
CREATE INDEX publish_jobs_tenant_status ON publish_jobs (tenant_id, status, created_at DESC) WHERE status <> 'succeeded';
