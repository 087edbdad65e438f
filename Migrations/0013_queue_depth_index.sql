-- The queue gauges (`neonhub_queue_depth`, read every 5 s by every serve and worker process)
-- count the jobs not finished, by kind and status. Without an index that statement read the
-- whole of `publish_jobs`, which grows with every post kept (QUEUE_RETENTION_DAYS is unset by
-- default). Partial: a finished job has no entry, so the table's bulk costs nothing here.
CREATE INDEX publish_jobs_unfinished ON publish_jobs (kind, status) WHERE status NOT IN ('succeeded', 'cancelled');
