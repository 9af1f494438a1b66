//! SQL storage for Cognate: embedded SQLite (the default) and PostgreSQL (several stateless
//! nodes on one database). Both backends run the same SQL, generated from one macro body in
//! [`common`], against per-backend migrations with the same numbers.
//!
//! **Architecture invariant:** this is the only crate that knows SQL.

#[macro_use]
mod common;
mod postgres;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use cognate_store::Store;
use std::sync::Arc;

/// Opens the store a URL names: `postgres://…`, `sqlite::memory:` or `sqlite://path`.
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    open_with(url, PgStore::DEFAULT_MAX_CONNECTIONS).await
}

/// [`open`], with at most `pg_max_connections` connections to PostgreSQL per process.
pub async fn open_with(url: &str, pg_max_connections: u32) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect_sized(url, pg_max_connections).await?))
    } else if url == "sqlite::memory:" {
        Ok(Arc::new(SqliteStore::memory().await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(SqliteStore::open(std::path::Path::new(path)).await?))
    } else {
        anyhow::bail!("unsupported database URL (expected postgres://, sqlite:// or sqlite::memory:)")
    }
}

/// Upper bound for a prefix range scan: every string that starts with `prefix` sorts below
/// `prefix` followed by the largest code point, in both backends' byte-order collation.
fn prefix_end(prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 4);
    s.push_str(prefix);
    s.push(char::MAX);
    s
}
