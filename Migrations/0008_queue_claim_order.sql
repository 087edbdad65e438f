-- Claims take ready jobs by priority, then run_after (QueueStore.claim), and stop after the
-- batch. The ready index is (run_after, priority DESC), not that order, so every claim read and
-- sorted every ready job: a sequential scan and a sort, 6 ms per claim with 10,000 jobs queued,
-- growing with the queue. With this index a claim walks the first few entries only.
CREATE INDEX publish_jobs_claim_order ON publish_jobs (priority DESC, run_after)
    WHERE status IN ('scheduled', 'queued', 'retrying', 'unknown');
