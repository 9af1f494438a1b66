//! The embedded SQLite backend: WAL journal, `synchronous=FULL` so an acknowledged write
//! survives a crash or power loss, one writer connection and a pool of readers.
//!
//! Point reads by key (a pool, a client, a user, a token family: the reads behind every
//! token check and sign-in) skip sqlx and run inline on plain rusqlite connections, see
//! [`FastReader`]. Everything else (writes, listings, counts) goes through sqlx.

use rusqlite::ToSql;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{SqlSafeStr as _, Sqlite};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    fast: Option<FastReader>,
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn migrator() -> Migrator {
    let step = |version, name: &'static str, sql: &'static str| {
        Migration::new(version, name.into(), MigrationType::Simple, sql.into_sql_str(), false)
    };
    Migrator::with_migrations(vec![
        step(1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
        step(2, "tokens", include_str!("../migrations/sqlite/0002_tokens.sql")),
        step(3, "pool_versions", include_str!("../migrations/sqlite/0003_pool_versions.sql")),
        step(4, "expiry", include_str!("../migrations/sqlite/0004_expiry.sql")),
        step(5, "oauth", include_str!("../migrations/sqlite/0005_oauth.sql")),
        step(6, "user_sessions", include_str!("../migrations/sqlite/0006_user_sessions.sql")),
    ])
}

/// The database holds password hashes and sealed secrets: it is created readable by its owner
/// only (0600), and a file left more open by an older version is narrowed. SQLite gives the
/// `-wal` and `-shm` files it creates the database file's own mode.
fn make_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        make_private(path)?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT);
        // SQLite admits one writer at a time; a single writer connection queues writes in the
        // pool instead of failing them with SQLITE_BUSY.
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
        migrator().run(&writer).await?;
        let readers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2) as u32;
        let reader = SqlitePoolOptions::new().max_connections(readers).connect_with(opts.read_only(true)).await?;
        Ok(SqliteStore { writer, reader, fast: Some(FastReader::new(path)) })
    }

    /// A throwaway in-memory database (one connection, so every query sees the same data).
    pub async fn memory() -> anyhow::Result<Self> {
        let opts = SqliteConnectOptions::new().in_memory(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        migrator().run(&pool).await?;
        // A private in-memory database is visible to its own connection only: no fast reader.
        Ok(SqliteStore { writer: pool.clone(), reader: pool, fast: None })
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn fast_reader(&self) -> Option<&FastReader> {
        self.fast.as_ref()
    }
}

/// Idle read-only connections kept for reuse; more may be open while busy.
const MAX_IDLE: usize = 16;

/// Point reads on read-only rusqlite connections, run inline on the calling task.
///
/// A read by primary key of pages in SQLite's cache takes microseconds; sqlx's SQLite driver
/// sends each query to a connection's worker thread and back, which costs tens of
/// microseconds of thread hand-offs and dominated a token check. In WAL mode readers never
/// wait for the writer, so running them inline does not stall the runtime; `busy_timeout`
/// covers the rare moments (WAL recovery) they must. Each query starts its own read
/// transaction, so it sees every write committed before it began: the same guarantees as
/// the sqlx reader pool.
pub(crate) struct FastReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl FastReader {
    fn new(path: &Path) -> Self {
        FastReader { path: path.to_path_buf(), idle: Mutex::new(Vec::new()) }
    }

    fn connection(&self) -> rusqlite::Result<rusqlite::Connection> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    fn with<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.connection().map_err(fast_error)?;
        let out = f(&conn);
        // A connection left inside a transaction (only after a failure) is not reused.
        if conn.is_autocommit()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
        out.map_err(fast_error)
    }

    /// The row `sql` finds, if any.
    pub(crate) fn one<T>(&self, sql: &str, params: &[&dyn ToSql], row: RowFn<T>) -> StoreResult<Option<T>> {
        self.with(|conn| Reads(conn).one(sql, params, row))
    }

    /// Every row `sql` finds (for small, bounded results).
    pub(crate) fn all<T>(&self, sql: &str, params: &[&dyn ToSql], row: RowFn<T>) -> StoreResult<Vec<T>> {
        self.with(|conn| conn.prepare_cached(sql)?.query_map(params, row)?.collect())
    }

    /// Several reads in one read transaction: they see one state of the database, and take
    /// the WAL read lock once instead of once each.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce(Reads<'_>) -> rusqlite::Result<T>) -> StoreResult<T> {
        self.with(|conn| {
            conn.prepare_cached("BEGIN")?.execute([])?;
            let out = f(Reads(conn));
            // Ending a read transaction cannot lose anything; its error matters only if the
            // reads succeeded.
            let end = conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
            let out = out?;
            end?;
            Ok(out)
        })
    }
}

type RowFn<T> = fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>;

/// Reads on a connection [`FastReader`] lent out.
pub(crate) struct Reads<'c>(&'c rusqlite::Connection);

impl Reads<'_> {
    pub(crate) fn one<T>(&self, sql: &str, params: &[&dyn ToSql], row: RowFn<T>) -> rusqlite::Result<Option<T>> {
        use rusqlite::OptionalExtension as _;
        self.0.prepare_cached(sql)?.query_row(params, row).optional()
    }
}

fn fast_error(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Records from rusqlite rows, with the same column mapping as the sqlx decoders.
pub(crate) mod records {
    use cognate_store::*;
    use rusqlite::{Result, Row};

    /// A pool's version from the covering index (migration 0003). SQLite's planner prefers
    /// the primary key, whose rows carry the pool's settings in overflow pages that it reads
    /// from the file on every call; naming the index keeps the check to one small page.
    pub(crate) const POOL_VERSION_SQL: &str =
        "SELECT version, created_ms FROM pools INDEXED BY pools_version WHERE id = $1";

    pub(crate) fn pool(r: &Row<'_>) -> Result<PoolRecord> {
        Ok(pool_record!(r.get, ""))
    }

    pub(crate) fn version(r: &Row<'_>) -> Result<(i64, i64)> {
        Ok((r.get("version")?, r.get("created_ms")?))
    }

    pub(crate) fn client(r: &Row<'_>) -> Result<ClientRecord> {
        Ok(client_record!(r.get))
    }

    pub(crate) fn client_and_pool(r: &Row<'_>) -> Result<(ClientRecord, PoolRecord)> {
        Ok((client_record!(r.get), pool_record!(r.get, "p_")))
    }

    pub(crate) fn group(r: &Row<'_>) -> Result<GroupRecord> {
        Ok(group_record!(r.get))
    }

    pub(crate) fn user(r: &Row<'_>) -> Result<UserRecord> {
        Ok(user_record!(r.get))
    }

    pub(crate) fn family(r: &Row<'_>) -> Result<TokenFamily> {
        Ok(family_record!(r.get))
    }

    pub(crate) fn refresh(r: &Row<'_>) -> Result<RefreshTokenRecord> {
        Ok(refresh_record!(r.get))
    }

    pub(crate) fn session(r: &Row<'_>) -> Result<SessionRecord> {
        Ok(session_record!(r.get))
    }

    pub(crate) fn domain(r: &Row<'_>) -> Result<DomainRecord> {
        Ok(domain_record!(r.get))
    }

    pub(crate) fn branding(r: &Row<'_>) -> Result<BrandingRecord> {
        Ok(branding_record!(r.get))
    }

    pub(crate) fn pool_doc(r: &Row<'_>) -> Result<PoolDocRecord> {
        Ok(pool_doc_record!(r.get))
    }
}

sql_store!(SqliteStore, Sqlite, SqliteRow);
