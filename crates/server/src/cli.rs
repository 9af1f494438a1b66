//! Command-line arguments. Every `serve` option can also come from `COGNATE_<NAME>` in the
//! environment or from the TOML file given with `--config`; see [`crate::config`].

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "cognate", version, about = "A self-hosted identity service that speaks Amazon Cognito's protocols.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
}

/// The same struct is read from the `--config` file, so a file key is spelled like its option.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeArgs {
    /// TOML configuration file (keys as the long option names, with `_` for `-`).
    #[arg(long, env = "COGNATE_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9229].
    #[arg(long, env = "COGNATE_LISTEN")]
    pub listen: Option<String>,
    /// Directory of the embedded SQLite database and generated key [default: ./cognate-data].
    #[arg(long, env = "COGNATE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL, `sqlite::memory:` for a throwaway store.
    #[arg(long, env = "COGNATE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Externally visible base URL, used in token issuers and links [default: http://<listen>].
    #[arg(long, env = "COGNATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Region used in ids and ARNs [default: us-east-1].
    #[arg(long, env = "COGNATE_REGION")]
    pub region: Option<String>,
    /// Account id used in ARNs [default: 000000000000].
    #[arg(long, env = "COGNATE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// File holding the master key (base64 of 32 bytes).
    #[arg(long, env = "COGNATE_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Admin access key id for SigV4-signed calls (generated on first start when absent).
    #[arg(long, env = "COGNATE_ADMIN_ACCESS_KEY_ID")]
    pub admin_access_key_id: Option<String>,
    /// Admin secret access key (with --admin-access-key-id).
    #[arg(long, env = "COGNATE_ADMIN_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub admin_secret_access_key: Option<String>,
    /// argon2id memory in KiB [default: 19456].
    #[arg(long, env = "COGNATE_ARGON2_MEMORY_KIB")]
    pub argon2_memory_kib: Option<u32>,
    /// argon2id passes [default: 2].
    #[arg(long, env = "COGNATE_ARGON2_ITERATIONS")]
    pub argon2_iterations: Option<u32>,
    /// argon2id lanes [default: 1].
    #[arg(long, env = "COGNATE_ARGON2_PARALLELISM")]
    pub argon2_parallelism: Option<u32>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "COGNATE_LOG_FORMAT")]
    pub log_format: Option<String>,
}
