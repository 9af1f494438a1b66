-- Expiry indexes (PostgreSQL). Keep numbering and meaning identical to migrations/sqlite.

-- The periodic purge (`purge_expired_*`) finds what has expired by these, a batch at a
-- time, instead of scanning every row.
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_ms);
CREATE INDEX token_families_by_expiry ON token_families (expires_ms);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);
