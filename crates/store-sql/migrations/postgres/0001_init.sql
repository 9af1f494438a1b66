-- Cognate schema v1 (PostgreSQL). Keep numbering and meaning identical to migrations/sqlite.
-- Keys use the C collation so ordering and prefix ranges match SQLite's byte order.
CREATE TABLE settings (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE pools (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    config TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    config TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE user_groups (
    pool_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT,
    role_arn TEXT,
    precedence BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE users (
    pool_id TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (pool_id, sub)
);
CREATE UNIQUE INDEX users_by_username ON users (pool_id, username_key);

-- ListUsers filters: one row per filterable (attribute, value) of each user.
CREATE TABLE user_index (
    pool_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, name, value, sub)
);
CREATE INDEX user_index_by_user ON user_index (pool_id, sub);

-- Sign-in aliases, unique per pool.
CREATE TABLE user_aliases (
    pool_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kind, key)
);
CREATE INDEX user_aliases_by_user ON user_aliases (pool_id, sub);

CREATE TABLE group_members (
    pool_id TEXT COLLATE "C" NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub)
);
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);
