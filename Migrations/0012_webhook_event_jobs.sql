-- A webhook event's jobs, found by the event's id. The hourly cleanup deletes events older than
-- 30 days; each delete sets its jobs' `webhook_event_id` to NULL (the foreign key's ON DELETE
-- SET NULL) and the cleanup now also asks whether a job still needs its event. Without this
-- index each of those looked through the whole of `publish_jobs`. Partial: only jobs made from
-- an event have an entry, so publish jobs write nothing more.
CREATE INDEX publish_jobs_webhook_event ON publish_jobs (webhook_event_id) WHERE webhook_event_id IS NOT NULL;
