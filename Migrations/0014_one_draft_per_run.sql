-- One draft per run: `content.generateArticle` stores its run's article with
-- `ON CONFLICT (run_id) DO NOTHING`, so a call retried under the same idempotency key (its
-- first draft write failed after the run was recorded) returns the run's draft — written now
-- or found — instead of a second one. The plain index it replaces served the same lookups.
DROP INDEX IF EXISTS content_drafts_run;
CREATE UNIQUE INDEX content_drafts_one_per_run ON content_drafts (run_id) WHERE run_id IS NOT NULL;
