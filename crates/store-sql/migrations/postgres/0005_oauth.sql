-- The authorization server's configuration (PostgreSQL). Keep numbering and meaning identical
-- to migrations/sqlite. Rows go with their pool in `delete_pool` (no foreign keys).

-- Resource servers by (pool, identifier); scopes are the JSON list the API returns.
CREATE TABLE resource_servers (
    pool_id TEXT COLLATE "C" NOT NULL,
    identifier TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);

-- Hosted-UI domains, unique across pools; a pool has at most one of each kind.
CREATE TABLE domains (
    domain TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    custom BOOLEAN NOT NULL,
    config TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX domains_by_pool ON domains (pool_id, custom);

-- Managed-login branding styles: one per app client.
CREATE TABLE brandings (
    id TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL,
    config TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX brandings_by_client ON brandings (pool_id, client_id);

-- Documents read whole by (pool, kind, name): UI customization, session settings.
CREATE TABLE pool_documents (
    pool_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    doc TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, kind, name)
);
