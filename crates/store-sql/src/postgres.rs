//! The PostgreSQL backend, for several stateless Cognate nodes sharing one database.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, SqlSafeStr as _};
use std::str::FromStr;

pub struct PgStore {
    pool: PgPool,
}

fn migrator() -> Migrator {
    let step = |version, name: &'static str, sql: &'static str| {
        Migration::new(version, name.into(), MigrationType::Simple, sql.into_sql_str(), false)
    };
    Migrator::with_migrations(vec![
        step(1, "init", include_str!("../migrations/postgres/0001_init.sql")),
        step(2, "tokens", include_str!("../migrations/postgres/0002_tokens.sql")),
        step(3, "pool_versions", include_str!("../migrations/postgres/0003_pool_versions.sql")),
        step(4, "expiry", include_str!("../migrations/postgres/0004_expiry.sql")),
        step(5, "oauth", include_str!("../migrations/postgres/0005_oauth.sql")),
        step(6, "user_sessions", include_str!("../migrations/postgres/0006_user_sessions.sql")),
    ])
}

impl PgStore {
    /// Connections per process unless the operator says otherwise.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_sized(url, Self::DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects with at most `max_connections` pooled connections (every node counts against
    /// the server's `max_connections`).
    pub async fn connect_sized(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        Self::connect_with_sized(PgConnectOptions::from_str(url)?, max_connections).await
    }

    /// Connects with explicit options (tests use this to work in a schema of their own).
    pub async fn connect_with(opts: PgConnectOptions) -> anyhow::Result<Self> {
        Self::connect_with_sized(opts, Self::DEFAULT_MAX_CONNECTIONS).await
    }

    async fn connect_with_sized(opts: PgConnectOptions, max_connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new().max_connections(max_connections.max(1)).connect_with(opts).await?;
        migrator().run(&pool).await?;
        Ok(PgStore { pool })
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    /// Every read goes over the network through sqlx.
    fn fast_reader(&self) -> Option<&crate::sqlite::FastReader> {
        None
    }
}

sql_store!(PgStore, Postgres, PgRow);
