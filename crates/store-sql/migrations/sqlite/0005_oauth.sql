-- The authorization server's configuration (SQLite). Keep numbering and meaning identical to
-- migrations/postgres. Rows go with their pool in `delete_pool` (no foreign keys).

-- Resource servers by (pool, identifier); scopes are the JSON list the API returns.
CREATE TABLE resource_servers (
    pool_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) WITHOUT ROWID;

-- Hosted-UI domains, unique across pools; a pool has at most one of each kind.
CREATE TABLE domains (
    domain TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    custom INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX domains_by_pool ON domains (pool_id, custom);

-- Managed-login branding styles: one per app client.
CREATE TABLE brandings (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    config TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX brandings_by_client ON brandings (pool_id, client_id);

-- Documents read whole by (pool, kind, name): UI customization, session settings.
CREATE TABLE pool_documents (
    pool_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kind, name)
) WITHOUT ROWID;
