-- An attempt's row is now written once, when the attempt ends (QueueStore.finish), and a
-- running attempt is read from its job; before, the claim opened a `running` row that the
-- finish closed. Rows the old code left open belong to attempts whose worker is gone (a new
-- worker reclaims such a job and records the old attempt as `abandoned` itself): they are
-- closed as abandoned here, so that a job never lists two current attempts. A worker of the
-- old code still finishing its attempt overwrites this outcome with its own, as it always
-- did; stop old workers before new ones start (docs/QUEUE.md, "Upgrading").
UPDATE publish_attempts SET outcome = 'abandoned', finished_at = coalesce(finished_at, now()) WHERE outcome = 'running';
