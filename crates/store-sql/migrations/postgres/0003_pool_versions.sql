-- Pool freshness checks (PostgreSQL). Keep numbering and meaning identical to migrations/sqlite.

-- A covering index for `SELECT version, created_ms FROM pools WHERE id = $1`, asked by every
-- token check: an index-only scan does not touch the row and its settings.
CREATE INDEX pools_version ON pools (id) INCLUDE (version, created_ms);
