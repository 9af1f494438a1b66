//! Starts the real server in-process on an embedded SQLite data directory, with admin
//! credentials the benchmark signs with, and owns that directory for the run.

use crate::client::SignedClient;
use anyhow::Context;
use cognate_core::{Clock, SystemClock};
use cognate_crypto::PasswordParams;
use cognate_server::Running;
use cognate_server::cli::ServeArgs;
use cognate_server::config::{Config, MasterKeySource};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const REGION: &str = "us-east-1";
const ADMIN_KEY_ID: &str = "AKIACOGNATEBENCH0001";
const ADMIN_SECRET: &str = "cognate-bench-secret-access-key-000000001";

/// The data directory of one run: a fresh one under `target/bench-data/` (removed at the end
/// unless kept), or one the user named (always kept, and reusable by the next run).
pub struct DataDir {
    pub path: PathBuf,
    remove: bool,
}

impl DataDir {
    pub fn choose(named: Option<PathBuf>, keep: bool, bench: &str) -> anyhow::Result<DataDir> {
        if let Some(path) = named {
            std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
            return Ok(DataDir { path, remove: false });
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        let root = std::fs::canonicalize(&root)?;
        let path = root.join(format!("{bench}-{}-{}", std::process::id(), SystemClock.now().millis()));
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(DataDir { path, remove: !keep })
    }

    pub fn database(&self) -> PathBuf {
        self.path.join("cognate.db")
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.database().display())
    }

    /// Size of the database file and of its write-ahead log.
    pub fn database_size(&self) -> (u64, u64) {
        let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        (size(self.database()), size(self.path.join("cognate.db-wal")))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Name of the server runtime's threads, by which [`crate::machine::server_cpu`] tells the
/// server's CPU time from the requesters'.
pub const SERVER_THREADS: &str = "cognate-srv";

/// A started server, a client holding its admin credentials, and its Argon2id parameters.
/// The server runs on a runtime of its own, so its threads can be told apart.
pub struct BenchServer {
    pub running: Running,
    pub client: SignedClient,
    pub password: PasswordParams,
    /// Kept for the server's lifetime; dropped last.
    _runtime: ServerRuntime,
}

/// The server's runtime; it is shut down without waiting (the benchmark is ending).
pub struct ServerRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ServerRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

pub async fn start(dir: &DataDir) -> anyhow::Result<BenchServer> {
    // The server's own defaults for everything not set here (e-mails and SMS are logged).
    let args = ServeArgs {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path.clone()),
        database_url: Some(dir.database_url()),
        region: Some(REGION.into()),
        admin_access_key_id: Some(ADMIN_KEY_ID.into()),
        admin_secret_access_key: Some(ADMIN_SECRET.into()),
        ..ServeArgs::default()
    };
    let mut config = Config::resolve(&args)?;
    // Resolving reads COGNATE_MASTER_KEY; the benchmark's data directory holds its own key.
    config.master_key = MasterKeySource::DataDir;
    let password = config.password;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name(SERVER_THREADS)
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    let started = runtime.spawn(async move { cognate_server::start(config, Arc::new(SystemClock)).await });
    let running = started.await?.context("starting the server")?;
    let client = SignedClient::new(&running.public_url, running.admin.clone(), REGION)?;
    Ok(BenchServer { running, client, password, _runtime: ServerRuntime(Some(runtime)) })
}
