-- The token lifecycle (DESIGN §7): when each connection's token is next refreshed, how many
-- refreshes in a row have failed (the back-off), and, for an OAuth authorization in flight,
-- the connection it reconnects (a connection in `attention` is re-authorized in place).

ALTER TABLE connections
    ADD COLUMN next_refresh_at   timestamptz,
    ADD COLUMN refresh_failures  integer NOT NULL DEFAULT 0;

CREATE INDEX connections_next_refresh ON connections (next_refresh_at) WHERE status <> 'revoked' AND next_refresh_at IS NOT NULL;

ALTER TABLE oauth_states
    ADD COLUMN connection_id uuid REFERENCES connections (id) ON DELETE CASCADE;
