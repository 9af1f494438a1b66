-- User sessions (SQLite). Keep numbering and meaning identical to migrations/postgres.

-- A token family is a token session: when it started, and the SSO (hosted-UI) session it
-- came through, by that session's id (NULL for an API sign-in). Families stored before this
-- migration take the creation time of their first refresh token.
ALTER TABLE token_families ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE token_families ADD COLUMN sso_session TEXT;
UPDATE token_families SET created_ms = COALESCE(
    (SELECT MIN(r.created_ms) FROM refresh_tokens r WHERE r.origin_jti = token_families.origin_jti), 0);

-- The hosted UI's sessions belong to a user (challenge sessions do not: NULL), so a user's
-- SSO sessions can be listed.
ALTER TABLE auth_sessions ADD COLUMN sub TEXT;
CREATE INDEX auth_sessions_by_user ON auth_sessions (pool_id, sub);
