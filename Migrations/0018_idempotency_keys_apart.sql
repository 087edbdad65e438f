-- A job's idempotency key is held in a table of its own, written once when the job is added,
-- instead of by a unique index on publish_jobs (docs/PERFORMANCE.md, issue 13).
--
-- No update of a job is HOT: `status` is read by the partial indexes, and every claim and every
-- outcome changes it. So each one gave the job's new row version an entry in every index of
-- publish_jobs, publish_jobs_idempotency (tenant_id, idempotency_key) included: two entries per
-- job run, in an index as large as the table's whole history, each with a uniqueness check that
-- reads the row versions already under that key. The key never changes after the insert, so
-- nothing needed those entries. In a profile of the no-op benchmark's drain, index inserts
-- were a third of Postgres's time; pgbench of the workers' statements ran 1.3-2.5 times as fast
-- without this index, and the benchmark 8 % faster.
--
-- The key is now taken by the insert itself, whoever makes it (the queue, the webhook receiver,
-- a person with psql): a BEFORE INSERT trigger adds (tenant_id, idempotency_key, id) to
-- publish_job_keys, and when the tenant already holds that key it skips the job's row, as
-- `ON CONFLICT DO NOTHING` did (after waiting, as it did, for a concurrent insert of the same
-- key to commit or roll back). Deleting jobs (retention, cleanup) frees their keys in the same
-- statement; emptying the table empties the keys. `id`, `tenant_id` and `idempotency_key` of a
-- job are never updated (nothing in NeonHub does): an update that changed them would leave the
-- key held by a job that does not exist, and is refused.
--
-- The table is locked first, for the whole migration: a job added by a running process between
-- the copy of the keys and the index's drop would otherwise have no key (and the lock taken
-- later, stronger than the copy's, could deadlock with it). The previous version's `enqueue`
-- names the dropped index (`ON CONFLICT (tenant_id, idempotency_key)`) and fails once it is
-- gone: docs/QUEUE.md says how to upgrade.
LOCK TABLE publish_jobs IN ACCESS EXCLUSIVE MODE;

CREATE TABLE publish_job_keys (
    tenant_id       text NOT NULL,
    idempotency_key text NOT NULL,
    job_id          uuid NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key)
);

INSERT INTO publish_job_keys (tenant_id, idempotency_key, job_id)
SELECT tenant_id, idempotency_key, id FROM publish_jobs;

DROP INDEX IF EXISTS publish_jobs_idempotency;

CREATE FUNCTION publish_jobs_take_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO publish_job_keys (tenant_id, idempotency_key, job_id)
    VALUES (NEW.tenant_id, NEW.idempotency_key, NEW.id)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- the tenant's key belongs to another job: this row is not added
END $$;

CREATE TRIGGER publish_jobs_take_key BEFORE INSERT ON publish_jobs
    FOR EACH ROW EXECUTE FUNCTION publish_jobs_take_key();

CREATE FUNCTION publish_jobs_keep_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a job''s id, tenant_id and idempotency_key cannot change (job %)', OLD.id
        USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER publish_jobs_keep_key BEFORE UPDATE OF id, tenant_id, idempotency_key ON publish_jobs
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
                       OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key)
    EXECUTE FUNCTION publish_jobs_keep_key();

CREATE FUNCTION publish_jobs_free_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM publish_job_keys k USING gone g
    WHERE k.tenant_id = g.tenant_id AND k.idempotency_key = g.idempotency_key AND k.job_id = g.id;
    RETURN NULL;
END $$;

CREATE TRIGGER publish_jobs_free_keys AFTER DELETE ON publish_jobs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION publish_jobs_free_keys();

-- As publish_jobs_truncate_attempts (0016): a DELETE, since the same TRUNCATE may name both.
CREATE FUNCTION publish_jobs_truncate_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM publish_job_keys;
    RETURN NULL;
END $$;

CREATE TRIGGER publish_jobs_truncate_keys AFTER TRUNCATE ON publish_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION publish_jobs_truncate_keys();
