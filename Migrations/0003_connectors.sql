-- The connector registry (DESIGN §5, §7): the catalog mirrored from configs/connectors, a
-- tenant's connections, their secrets (encrypted only: no plaintext column anywhere), the
-- OAuth states of authorizations in flight, and the health-check history.

CREATE TABLE connector_platforms (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    category      text NOT NULL,
    wave          text NOT NULL,
    availability  text NOT NULL CHECK (availability IN ('stable', 'experimental', 'disabled')),
    auth_type     text NOT NULL,
    definition    jsonb NOT NULL,
    checksum      text NOT NULL,
    synced_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connections (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         text NOT NULL,
    connector         text NOT NULL REFERENCES connector_platforms (id),
    name              text NOT NULL,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'attention', 'revoked')),
    variables         jsonb NOT NULL DEFAULT '{}',
    scopes            text[] NOT NULL DEFAULT '{}',
    accounts          jsonb NOT NULL DEFAULT '[]',
    external_account_id text,
    token_expires_at  timestamptz,
    refresh_version   bigint NOT NULL DEFAULT 0,
    last_refresh_at   timestamptz,
    last_error        text,
    health_status     text,
    last_health_check timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX connections_tenant ON connections (tenant_id, created_at DESC, id DESC);
CREATE INDEX connections_expiry ON connections (token_expires_at) WHERE status <> 'revoked';
CREATE UNIQUE INDEX connections_external ON connections (tenant_id, connector, external_account_id)
    WHERE external_account_id IS NOT NULL AND status <> 'revoked';

CREATE TABLE encrypted_secrets (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    key_id        text NOT NULL,
    iv            bytea NOT NULL CHECK (length(iv) = 12),
    ciphertext    bytea NOT NULL,
    auth_tag      bytea NOT NULL CHECK (length(auth_tag) = 16),
    created_at    timestamptz NOT NULL DEFAULT now(),
    rotated_at    timestamptz,
    UNIQUE (connection_id, kind)
);

CREATE INDEX encrypted_secrets_key ON encrypted_secrets (key_id);

CREATE TABLE oauth_states (
    state          text PRIMARY KEY,
    tenant_id      text NOT NULL,
    user_id        text NOT NULL,
    connector      text NOT NULL,
    verifier_key_id text,
    verifier_sealed bytea,  -- the PKCE verifier, AES-256-GCM: iv | ciphertext | tag
    variables      jsonb NOT NULL DEFAULT '{}',
    redirect_to    text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE connection_health_log (
    id            bigserial PRIMARY KEY,
    connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    tenant_id     text NOT NULL,
    status        text NOT NULL CHECK (status IN ('ok', 'error')),
    latency_ms    integer,
    error         text,
    checked_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX connection_health_log_connection ON connection_health_log (connection_id, checked_at DESC);
