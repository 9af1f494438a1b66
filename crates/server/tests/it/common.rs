//! Helpers shared by the integration tests: scratch directories, PostgreSQL schemas, and an
//! in-process server with a clock the test controls.

use cognate_core::{Clock, ManualClock, SystemClock, Timestamp};
use cognate_crypto::PasswordParams;
use cognate_server::config::{Config, MasterKeySource};
use std::path::PathBuf;
use std::sync::Arc;

/// The PostgreSQL the tests use: `COGNATE_TEST_PG_URL` (scripts/test.sh sets it), or the
/// local default.
pub fn pg_url() -> String {
    std::env::var("COGNATE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}
pub const ADMIN_ID: &str = "AKIAITESTADMIN000001";
pub const ADMIN_SECRET: &str = "itest/secret/0000000000000000000000000000";

/// A fresh directory under the system temp dir, removed when dropped.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cognate-it-{tag}-{}", cognate_crypto::random::uuid_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL schema of its own, so test runs never see each other's rows.
pub struct PgSchema {
    pub name: String,
    admin: sqlx::PgPool,
}

impl PgSchema {
    /// A new schema, or `None` when the run was told to skip PostgreSQL
    /// (`COGNATE_TEST_SKIP_POSTGRES=1`, which scripts/test.sh announces loudly). Otherwise a
    /// PostgreSQL that does not answer fails the test.
    pub async fn new() -> Option<Self> {
        if std::env::var("COGNATE_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!("COGNATE_TEST_SKIP_POSTGRES=1: PostgreSQL test not run");
            return None;
        }
        let admin = sqlx::PgPool::connect(&pg_url()).await.expect("PostgreSQL (COGNATE_TEST_PG_URL) is required");
        let name = format!("it_{}", cognate_crypto::random::string_from(b"abcdefghijklmnopqrstuvwxyz", 12));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&admin).await.unwrap();
        Some(PgSchema { name, admin })
    }

    pub fn options(&self) -> sqlx::postgres::PgConnectOptions {
        pg_url().parse::<sqlx::postgres::PgConnectOptions>().unwrap().options([("search_path", self.name.as_str())])
    }

    pub async fn drop(self) {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&self.admin)
            .await
            .unwrap();
    }
}

pub fn config(dir: &ScratchDir) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.0.clone(),
        database_url: format!("sqlite://{}", dir.0.join("cognate.db").display()),
        database_max_connections: 16,
        public_url: None,
        tls: None,
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        master_key: MasterKeySource::DataDir,
        admin: Some((ADMIN_ID.into(), ADMIN_SECRET.into())),
        password: PasswordParams { memory_kib: 1024, iterations: 1, parallelism: 1 },
        log_json: false,
        delivery: cognate_delivery::DeliveryConfig {
            smtp_url: None,
            email_from: "no-reply@cognate.test".into(),
            sms_webhook: None,
        },
        triggers: cognate_delivery::InvokerConfig {
            lambda_endpoint: None,
            lambda_credentials: None,
            region: "us-east-1".into(),
            timeout: cognate_delivery::DEFAULT_TRIGGER_TIMEOUT,
        },
        trigger_allow: Default::default(),
        custom_sender_key: None,
        hosted_ui_domain_suffix: None,
        hosted_ui_templates: None,
        social_endpoints: Default::default(),
        identity_issuer: None,
        external_sts_endpoint: None,
        guest_session_policy: None,
        test_clock: false,
    }
}

pub fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(SystemClock.now()))
}

pub fn at(clock: &ManualClock) -> chrono::DateTime<chrono::Utc> {
    clock.now().to_datetime()
}

#[allow(dead_code)]
pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp(ms)
}
