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
    /// Manage signing keys and the master key.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Show the admin access key id as a paste-ready `export` line; with --reset-secret,
    /// store a new secret and print both lines (restart the server to use it).
    AdminCredentials {
        /// Replace the stored admin secret with a new one and print it.
        #[arg(long)]
        reset_secret: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Replace a pool's token signing keys. Old public keys stay in the JWKS until the
    /// tokens they signed have expired.
    Rotate {
        /// The user pool id.
        #[arg(long)]
        pool: String,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Print a new master key (base64 of 32 random bytes), or write it to a file (mode 0600).
    /// Every node of one database must be given the same key.
    GenerateMaster {
        /// Write the key to this file (created with mode 0600; never overwritten).
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
    /// Most connections this node opens to PostgreSQL; every node counts against the
    /// database's `max_connections` [default: 16].
    #[arg(long, env = "COGNATE_DATABASE_MAX_CONNECTIONS", value_name = "N")]
    pub database_max_connections: Option<u32>,
    /// Externally visible base URL, used in token issuers and links
    /// [default: http://<listen>, or https://<listen> with --tls-cert].
    #[arg(long, env = "COGNATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// PEM certificate chain (leaf first): the listener then serves HTTPS only (HTTP/1.1 and
    /// HTTP/2). Needs --tls-key; both files are re-read on SIGHUP [default: plain HTTP].
    #[arg(long, env = "COGNATE_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert: PKCS#8, PKCS#1 RSA or SEC1 EC.
    #[arg(long, env = "COGNATE_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
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
    /// SMTP server for email: `smtp://[user:pass@]host[:port]`, `smtps://…` for TLS
    /// (without it, emails are written to the log).
    #[arg(long, env = "COGNATE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Default sender address [default: no-reply@localhost]; a pool's EmailConfiguration.From wins.
    #[arg(long, env = "COGNATE_EMAIL_FROM")]
    pub email_from: Option<String>,
    /// URL that receives SMS messages as JSON POSTs (without it, SMS are written to the log).
    #[arg(long, env = "COGNATE_SMS_WEBHOOK", hide_env_values = true)]
    pub sms_webhook: Option<String>,
    /// Lambda Invoke API endpoint for triggers configured as a function ARN or name
    /// (http(s) URL triggers are POSTed to directly).
    #[arg(long, env = "COGNATE_LAMBDA_ENDPOINT")]
    pub lambda_endpoint: Option<String>,
    /// Access key id that signs (SigV4) Lambda Invoke requests; unsigned without it.
    #[arg(long, env = "COGNATE_LAMBDA_ACCESS_KEY_ID")]
    pub lambda_access_key_id: Option<String>,
    /// Secret access key for --lambda-access-key-id.
    #[arg(long, env = "COGNATE_LAMBDA_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub lambda_secret_access_key: Option<String>,
    /// How long a trigger may take, in milliseconds [default: 5000, as Cognito].
    #[arg(long, env = "COGNATE_TRIGGER_TIMEOUT_MS")]
    pub trigger_timeout_ms: Option<u64>,
    /// Hosts trigger URLs may reach (repeatable): `host[:port]`, `*.domain[:port]`, `10.0.0.0/8` [default: any].
    #[arg(long, env = "COGNATE_TRIGGER_ALLOW", value_delimiter = ',', value_name = "PATTERN")]
    pub trigger_allow: Option<Vec<String>>,
    /// Key (base64 of 32 bytes) that encrypts the codes custom sender triggers receive
    /// (AES-256-GCM; see README).
    #[arg(long, env = "COGNATE_CUSTOM_SENDER_KEY", hide_env_values = true)]
    pub custom_sender_key: Option<String>,
    /// Parent domain of the hosted UI's prefix domains: a pool whose domain prefix is `login`
    /// answers on `login.<suffix>` (e.g. `auth.example.com`) [default: none; prefix domains then
    /// match no host, custom domains still do].
    #[arg(long, env = "COGNATE_HOSTED_UI_DOMAIN_SUFFIX", value_name = "DOMAIN")]
    pub hosted_ui_domain_suffix: Option<String>,
    /// Directory of hosted-UI templates that replace the built-in ones of the same name, and of
    /// message bundles (`locales/<lang>.json`); checked at start-up.
    #[arg(long, env = "COGNATE_HOSTED_UI_TEMPLATES", value_name = "DIR")]
    pub hosted_ui_templates: Option<PathBuf>,
    /// JSON file of replacement endpoints for the social identity providers, by type
    /// (`{"Google": {"issuer": …, "authorization_endpoint": …, "token_endpoint": …,
    /// "userinfo_endpoint": …, "jwks_uri": …}, "Facebook": {…}}`), for a mirror or a local
    /// stand-in [default: the providers' public endpoints].
    #[arg(long, env = "COGNATE_SOCIAL_ENDPOINTS", value_name = "FILE")]
    pub social_endpoints: Option<PathBuf>,
    /// The issuer of identity-pool OpenID tokens; its discovery document and JWKS are served
    /// under this URL's path [default: `{public-url}/identity`].
    #[arg(long, env = "COGNATE_IDENTITY_ISSUER", value_name = "URL")]
    pub identity_issuer: Option<String>,
    /// An STS whose AssumeRoleWithWebIdentity GetCredentialsForIdentity asks for credentials
    /// with Cognate's identity token (AWS, SeaweedFS, MinIO, Ceph RGW), instead of minting
    /// them [default: Cognate's own STS].
    #[arg(long, env = "COGNATE_EXTERNAL_STS_ENDPOINT", value_name = "URL")]
    pub external_sts_endpoint: Option<String>,
    /// JSON policy file: the session policy guests' credentials carry [default: Cognito's
    /// AmazonCognitoUnAuthedIdentitiesSessionPolicy].
    #[arg(long, env = "COGNATE_GUEST_SESSION_POLICY", value_name = "FILE")]
    pub guest_session_policy: Option<PathBuf>,
    /// Serve `POST /_cognate/test/clock` so tests can move the server's clock forward.
    /// Never enable this in production.
    #[arg(long, env = "COGNATE_ENABLE_TEST_CLOCK", num_args = 0..=1, default_missing_value = "true")]
    pub enable_test_clock: Option<bool>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "COGNATE_LOG_FORMAT")]
    pub log_format: Option<String>,
}
