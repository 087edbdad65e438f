-- A claim sets a job `running` and its update is never HOT (`status` is read by the partial
-- indexes), so the new row version takes an entry in every index whose predicate it meets:
-- six per claim before this migration. Two of those served nothing a running job needs
-- (docs/PERFORMANCE.md, issue 13):
--
-- - publish_jobs_unfinished (kind, status) serves the queue gauges. Running jobs are counted
--   through publish_jobs_leased (locked_until) WHERE status = 'running', which every running
--   job is in already (QueueStore.depth reads the two parts apart).
-- - publish_jobs_tenant_status (tenant_id, status, created_at) serves `publish.listJobs`
--   filtered by status. A tenant's running jobs are found through publish_jobs_leased too:
--   there are at most as many as the workers hold.
--
-- The claim's search for expired leases walked publish_jobs_unfinished's `running` entries
-- (the planner's pick while it had them), dead versions of every job claimed since the last
-- vacuum included; it now walks publish_jobs_leased from its oldest lease and stops at the
-- first one that has not expired.
DROP INDEX IF EXISTS publish_jobs_unfinished;
CREATE INDEX publish_jobs_unfinished ON publish_jobs (kind, status) WHERE status NOT IN ('succeeded', 'cancelled', 'running');

DROP INDEX IF EXISTS publish_jobs_tenant_status;
CREATE INDEX publish_jobs_tenant_status ON publish_jobs (tenant_id, status, created_at DESC) WHERE status NOT IN ('succeeded', 'running');
