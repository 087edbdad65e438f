-- Polling triggers run (docs/QUEUE.md, "Polling triggers"): a recurring `trigger_poll` job
-- reads each subscribed polling trigger of each active connection when it is due, and what is
-- new or changed since the last poll is stored as an event beside the webhooks' events and
-- processed by the same triggers. `trigger_polls` is each (connection, trigger)'s memory.
ALTER TABLE publish_jobs DROP CONSTRAINT publish_jobs_kind_check;
ALTER TABLE publish_jobs ADD CONSTRAINT publish_jobs_kind_check
    CHECK (kind IN ('publish', 'action', 'token_refresh', 'health_check', 'webhook_event', 'cleanup', 'trigger_poll'));

-- Where an event came from: a provider's delivery, or a poll of its API.
ALTER TABLE webhook_events ADD COLUMN source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'poll'));

CREATE TABLE trigger_polls (
    connection_id  uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    trigger_id     text NOT NULL,
    tenant_id      text NOT NULL,
    connector      text NOT NULL,
    seen           jsonb NOT NULL DEFAULT '[]',  -- keys (id, or id@version) of the items seen lately, newest first, bounded
    watermark      text,                         -- the newest version seen, passed as the action's `since` input
    learned_at     timestamptz,                  -- the first good poll, which learned what existed and stored no events
    polls          integer NOT NULL DEFAULT 0,
    events         integer NOT NULL DEFAULT 0,   -- events stored from this trigger, all polls
    last_polled_at timestamptz,
    next_poll_at   timestamptz NOT NULL,
    last_error     text,                         -- the provider's or our reason when the last poll failed; null after a good one
    PRIMARY KEY (connection_id, trigger_id)
);
CREATE INDEX trigger_polls_due ON trigger_polls (next_poll_at);
