-- Token state (PostgreSQL). Keep numbering and meaning identical to migrations/sqlite.

-- One row per sign-in: every token minted from it shares its origin_jti. Revoking the family
-- revokes its refresh tokens and makes its access tokens fail on the user-pool API.
CREATE TABLE token_families (
    origin_jti TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    revoked BOOLEAN NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX token_families_by_user ON token_families (pool_id, sub);

-- Refresh tokens by the SHA-256 of their value; the value itself is never stored.
CREATE TABLE refresh_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    origin_jti TEXT COLLATE "C" NOT NULL,
    pool_id TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    replaced_ms BIGINT,
    data TEXT NOT NULL
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (origin_jti);

-- Challenge sessions, single-use: taking one deletes it.
CREATE TABLE auth_sessions (
    id_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    expires_ms BIGINT NOT NULL,
    data TEXT NOT NULL
);
