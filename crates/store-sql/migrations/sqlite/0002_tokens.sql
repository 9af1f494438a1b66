-- Token state (SQLite). Keep numbering and meaning identical to migrations/postgres.

-- One row per sign-in: every token minted from it shares its origin_jti. Revoking the family
-- revokes its refresh tokens and makes its access tokens fail on the user-pool API.
CREATE TABLE token_families (
    origin_jti TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    revoked INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX token_families_by_user ON token_families (pool_id, sub);

-- Refresh tokens by the SHA-256 of their value; the value itself is never stored.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    origin_jti TEXT NOT NULL,
    pool_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    replaced_ms INTEGER,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (origin_jti);

-- Challenge sessions, single-use: taking one deletes it.
CREATE TABLE auth_sessions (
    id_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
