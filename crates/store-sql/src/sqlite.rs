//! The embedded SQLite backend: WAL journal, `synchronous=FULL` so an acknowledged write
//! survives a crash or power loss, one writer connection and a pool of readers.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{SqlSafeStr as _, Sqlite};
use std::path::Path;
use std::time::Duration;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

fn migrator() -> Migrator {
    let step = |version, name: &'static str, sql: &'static str| {
        Migration::new(version, name.into(), MigrationType::Simple, sql.into_sql_str(), false)
    };
    Migrator::with_migrations(vec![
        step(1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
        step(2, "tokens", include_str!("../migrations/sqlite/0002_tokens.sql")),
    ])
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        // SQLite admits one writer at a time; a single writer connection queues writes in the
        // pool instead of failing them with SQLITE_BUSY.
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
        migrator().run(&writer).await?;
        let readers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2) as u32;
        let reader = SqlitePoolOptions::new().max_connections(readers).connect_with(opts.read_only(true)).await?;
        Ok(SqliteStore { writer, reader })
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
        Ok(SqliteStore { writer: pool.clone(), reader: pool })
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }
}

sql_store!(SqliteStore, Sqlite, SqliteRow);
