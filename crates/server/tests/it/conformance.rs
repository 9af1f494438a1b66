//! The storage conformance suite (`cognate_store::conformance`) against every backend.

use crate::common::{PgSchema, ScratchDir};
use cognate_store_sql::{PgStore, SqliteStore};

fn assert_conforms(backend: &str, failures: Vec<String>) {
    assert!(failures.is_empty(), "{backend} does not conform:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn sqlite_file_conforms() {
    let dir = ScratchDir::new("sqlite");
    let store = SqliteStore::open(&dir.0.join("c.db")).await.unwrap();
    assert_conforms("sqlite", cognate_store::conformance::run_all(&store, "s").await);
}

#[tokio::test]
async fn sqlite_memory_conforms() {
    let store = SqliteStore::memory().await.unwrap();
    assert_conforms("sqlite::memory:", cognate_store::conformance::run_all(&store, "m").await);
}

#[tokio::test]
async fn postgres_conforms() {
    let Some(schema) = PgSchema::new().await else { return };
    let store = PgStore::connect_with(schema.options()).await.unwrap();
    assert_conforms("postgres", cognate_store::conformance::run_all(&store, "p").await);
    drop(store);
    schema.drop().await;
}

/// Reopening the same file sees everything written before, and migrations are idempotent.
#[tokio::test]
async fn sqlite_reopen_keeps_data() {
    use cognate_store::SettingStore as _;
    let dir = ScratchDir::new("reopen");
    let path = dir.0.join("c.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.put_setting_if_absent("k", "v").await.unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.get_setting("k").await.unwrap().as_deref(), Some("v"));
}
