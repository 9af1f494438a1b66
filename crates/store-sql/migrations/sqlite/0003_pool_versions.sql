-- Pool freshness checks (SQLite). Keep numbering and meaning identical to migrations/postgres.

-- A covering index for `SELECT version, created_ms FROM pools WHERE id = ?`: every token
-- check asks it, and without the index SQLite walks the settings' overflow pages to reach
-- `version`, which is stored after them.
CREATE INDEX pools_version ON pools (id, version, created_ms);
