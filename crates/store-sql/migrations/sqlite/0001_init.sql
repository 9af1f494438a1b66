-- Cognate schema v1 (SQLite). Keep numbering and meaning identical to migrations/postgres.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    config TEXT NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    config TEXT NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE user_groups (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    role_arn TEXT,
    precedence INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, name)
) WITHOUT ROWID;

CREATE TABLE users (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (pool_id, sub)
);
CREATE UNIQUE INDEX users_by_username ON users (pool_id, username_key);

-- ListUsers filters: one row per filterable (attribute, value) of each user.
CREATE TABLE user_index (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, name, value, sub)
) WITHOUT ROWID;
CREATE INDEX user_index_by_user ON user_index (pool_id, sub);

-- Sign-in aliases, unique per pool.
CREATE TABLE user_aliases (
    pool_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, kind, key)
) WITHOUT ROWID;
CREATE INDEX user_aliases_by_user ON user_aliases (pool_id, sub);

CREATE TABLE group_members (
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);
