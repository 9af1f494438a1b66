//! The server's configuration as one typed struct, layered once at start-up: defaults, then
//! the `--config` file, then `COGNATE_*` environment variables, then flags (clap merges the
//! last two), and validated before anything starts.

use crate::cli::ServeArgs;
use anyhow::{Context, bail};
use cognate_crypto::PasswordParams;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// `--database-max-connections`: the PostgreSQL pool's size.
    pub database_max_connections: u32,
    pub public_url: Option<String>,
    /// `--tls-cert` and `--tls-key`: the listener serves HTTPS with them; plain HTTP without.
    pub tls: Option<crate::tls::TlsFiles>,
    pub region: String,
    pub account_id: String,
    /// Where the master key comes from; see [`crate::keys`].
    pub master_key: MasterKeySource,
    pub admin: Option<(String, String)>,
    pub password: PasswordParams,
    pub log_json: bool,
    pub delivery: cognate_delivery::DeliveryConfig,
    pub triggers: cognate_delivery::InvokerConfig,
    /// The hosts trigger URLs may reach (`--trigger-allow`); empty allows any.
    pub trigger_allow: cognate_idp::trigger_targets::TriggerAllowList,
    /// Base64 key for custom sender codes; checked at start-up.
    pub custom_sender_key: Option<String>,
    /// The parent domain of prefix domains (`--hosted-ui-domain-suffix`), lower-case.
    pub hosted_ui_domain_suffix: Option<String>,
    /// `--hosted-ui-templates`: the operator's templates and message bundles.
    pub hosted_ui_templates: Option<PathBuf>,
    /// `--social-endpoints`: the social providers' endpoints, read and checked at start-up.
    pub social_endpoints: cognate_federation::SocialEndpoints,
    /// `--identity-issuer`; `None`: `{public-url}/identity`.
    pub identity_issuer: Option<String>,
    /// `--external-sts-endpoint`.
    pub external_sts_endpoint: Option<String>,
    /// `--guest-session-policy`, read and checked at start-up.
    pub guest_session_policy: Option<String>,
    pub test_clock: bool,
}

#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// `COGNATE_MASTER_KEY`: base64 text.
    Inline(String),
    File(PathBuf),
    /// Generated into the data directory on first start (embedded SQLite only).
    DataDir,
}

macro_rules! layer {
    ($top:expr, $file:expr, [$($field:ident),*]) => {
        ServeArgs { config: $top.config.clone(), $($field: $top.$field.clone().or($file.$field),)* }
    };
}

/// `top` (flags and environment) over `file`, field by field.
fn layered(top: &ServeArgs, file: ServeArgs) -> ServeArgs {
    layer!(
        top,
        file,
        [
            listen,
            data_dir,
            database_url,
            database_max_connections,
            public_url,
            tls_cert,
            tls_key,
            region,
            account_id,
            master_key_file,
            admin_access_key_id,
            admin_secret_access_key,
            argon2_memory_kib,
            argon2_iterations,
            argon2_parallelism,
            log_format,
            smtp_url,
            email_from,
            sms_webhook,
            lambda_endpoint,
            lambda_access_key_id,
            lambda_secret_access_key,
            trigger_timeout_ms,
            trigger_allow,
            custom_sender_key,
            hosted_ui_domain_suffix,
            hosted_ui_templates,
            social_endpoints,
            identity_issuer,
            external_sts_endpoint,
            guest_session_policy,
            enable_test_clock
        ]
    )
}

/// `--hosted-ui-domain-suffix` as a lower-case host name (surrounding dots dropped).
fn domain_suffix(given: &str) -> anyhow::Result<String> {
    let d = given.trim().trim_matches('.').to_ascii_lowercase();
    let label_ok =
        |l: &str| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !d.split('.').all(label_ok) {
        bail!("--hosted-ui-domain-suffix: {given:?} is not a domain name");
    }
    Ok(d)
}

impl Config {
    pub fn resolve(args: &ServeArgs) -> anyhow::Result<Config> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str::<ServeArgs>(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => ServeArgs::default(),
        };
        let a = layered(args, file);
        Self::from_layered(a, std::env::var("COGNATE_MASTER_KEY").ok())
    }

    fn from_layered(a: ServeArgs, inline_key: Option<String>) -> anyhow::Result<Config> {
        let data_dir = a.data_dir.unwrap_or_else(|| PathBuf::from("./cognate-data"));
        let database_url =
            a.database_url.unwrap_or_else(|| format!("sqlite://{}", data_dir.join("cognate.db").display()));
        let master_key = match (inline_key, a.master_key_file) {
            (Some(k), _) => MasterKeySource::Inline(k),
            (None, Some(f)) => MasterKeySource::File(f),
            (None, None) if database_url.starts_with("postgres") => {
                bail!("PostgreSQL needs a master key shared by every node: set COGNATE_MASTER_KEY or --master-key-file")
            }
            (None, None) => MasterKeySource::DataDir,
        };
        let admin = match (a.admin_access_key_id, a.admin_secret_access_key) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => bail!("set both COGNATE_ADMIN_ACCESS_KEY_ID and COGNATE_ADMIN_SECRET_ACCESS_KEY, or neither"),
        };
        let lambda_credentials = match (a.lambda_access_key_id, a.lambda_secret_access_key) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => bail!("set both --lambda-access-key-id and --lambda-secret-access-key, or neither"),
        };
        let region = a.region.unwrap_or_else(|| "us-east-1".into());
        let trigger_timeout = match a.trigger_timeout_ms {
            Some(0) => bail!("--trigger-timeout-ms must be positive"),
            Some(ms) => std::time::Duration::from_millis(ms),
            None => cognate_delivery::DEFAULT_TRIGGER_TIMEOUT,
        };
        let trigger_allow = cognate_idp::trigger_targets::TriggerAllowList::parse(a.trigger_allow.unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("--trigger-allow: {e}"))?;
        let tls = match (a.tls_cert, a.tls_key) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                bail!("--tls-cert needs --tls-key (COGNATE_TLS_KEY, tls_key): set both, or neither for plain HTTP")
            }
            (None, Some(_)) => {
                bail!("--tls-key needs --tls-cert (COGNATE_TLS_CERT, tls_cert): set both, or neither for plain HTTP")
            }
        };
        let hosted_ui_domain_suffix = a.hosted_ui_domain_suffix.map(|d| domain_suffix(&d)).transpose()?;
        let social_endpoints = match &a.social_endpoints {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("--social-endpoints: reading {}", path.display()))?;
                cognate_federation::SocialEndpoints::from_json(&text)
                    .map_err(|e| anyhow::anyhow!("--social-endpoints {}: {e}", path.display()))?
            }
            None => Default::default(),
        };
        let guest_session_policy = match &a.guest_session_policy {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("--guest-session-policy: reading {}", path.display()))?;
                cognate_policy::Policy::parse(&text)
                    .map_err(|e| anyhow::anyhow!("--guest-session-policy {}: {e}", path.display()))?;
                Some(text)
            }
            None => None,
        };
        let url = |flag: &str, v: Option<String>| -> anyhow::Result<Option<String>> {
            match v {
                Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
                    bail!("{flag} must be an http(s) URL: {u}")
                }
                other => Ok(other.map(|u| u.trim_end_matches('/').to_owned())),
            }
        };
        let identity_issuer = url("--identity-issuer", a.identity_issuer)?;
        let external_sts_endpoint = url("--external-sts-endpoint", a.external_sts_endpoint)?;
        let defaults = PasswordParams::default();
        let log_json = match a.log_format.as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => bail!("unknown log format {other:?} (text or json)"),
        };
        Ok(Config {
            listen: a.listen.unwrap_or_else(|| "127.0.0.1:9229".into()),
            data_dir,
            database_url,
            database_max_connections: match a.database_max_connections {
                Some(0) => bail!("--database-max-connections must be at least 1"),
                Some(n) => n,
                None => cognate_store_sql::PgStore::DEFAULT_MAX_CONNECTIONS,
            },
            public_url: a.public_url.map(|u| u.trim_end_matches('/').to_owned()),
            tls,
            triggers: cognate_delivery::InvokerConfig {
                lambda_endpoint: a.lambda_endpoint,
                lambda_credentials,
                region: region.clone(),
                timeout: trigger_timeout,
            },
            trigger_allow,
            custom_sender_key: a.custom_sender_key,
            hosted_ui_domain_suffix,
            hosted_ui_templates: a.hosted_ui_templates,
            social_endpoints,
            identity_issuer,
            external_sts_endpoint,
            guest_session_policy,
            region,
            account_id: a.account_id.unwrap_or_else(|| "000000000000".into()),
            master_key,
            admin,
            password: PasswordParams {
                memory_kib: a.argon2_memory_kib.unwrap_or(defaults.memory_kib),
                iterations: a.argon2_iterations.unwrap_or(defaults.iterations),
                parallelism: a.argon2_parallelism.unwrap_or(defaults.parallelism),
            },
            log_json,
            delivery: cognate_delivery::DeliveryConfig {
                smtp_url: a.smtp_url,
                email_from: a.email_from.unwrap_or_else(|| "no-reply@localhost".into()),
                sms_webhook: a.sms_webhook,
            },
            test_clock: a.enable_test_clock.unwrap_or(false),
        })
    }

    /// `https` when the listener serves TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// The public URL: `--public-url`, or the scheme and the address actually listened on.
    pub fn public_url_for(&self, listen: impl std::fmt::Display) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("{}://{listen}", self.scheme()))
    }

    /// True when the store is an embedded SQLite file inside the data directory.
    pub fn uses_data_dir(&self) -> bool {
        self.database_url.starts_with("sqlite://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_layering() {
        let c = Config::from_layered(ServeArgs::default(), None).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9229");
        assert_eq!(c.region, "us-east-1");
        assert!(c.database_url.ends_with("cognate-data/cognate.db"));
        let top = ServeArgs { region: Some("eu-west-1".into()), ..Default::default() };
        let file: ServeArgs = toml::from_str("region = \"ap-south-1\"\nlisten = \"0.0.0.0:1\"").unwrap();
        let merged = layered(&top, file);
        assert_eq!(merged.region.as_deref(), Some("eu-west-1"));
        assert_eq!(merged.listen.as_deref(), Some("0.0.0.0:1"));
    }

    #[test]
    fn trigger_allow_patterns_are_layered_and_checked() {
        let file: ServeArgs = toml::from_str("trigger_allow = [\"*.example.com\", \"10.0.0.0/8\"]").unwrap();
        let merged = layered(&ServeArgs::default(), file);
        let c = Config::from_layered(merged, None).unwrap();
        assert!(c.trigger_allow.admits_resolved_names());
        let top = ServeArgs { trigger_allow: Some(vec!["127.0.0.1/32".into()]), ..Default::default() };
        let file: ServeArgs = toml::from_str("trigger_allow = [\"*.example.com\"]").unwrap();
        assert_eq!(layered(&top, file).trigger_allow, Some(vec!["127.0.0.1/32".into()]));
        assert!(Config::from_layered(ServeArgs::default(), None).unwrap().trigger_allow.is_empty());
        let bad = ServeArgs { trigger_allow: Some(vec!["10.0.0.0/99".into()]), ..Default::default() };
        assert!(Config::from_layered(bad, None).is_err());
    }

    #[test]
    fn postgres_needs_a_key_and_admin_pairs() {
        let pg = ServeArgs { database_url: Some("postgres://x".into()), ..Default::default() };
        assert!(Config::from_layered(pg, None).is_err());
        let half = ServeArgs { admin_access_key_id: Some("A".into()), ..Default::default() };
        assert!(Config::from_layered(half, None).is_err());
        assert!(toml::from_str::<ServeArgs>("nonsense = 1").is_err());
    }

    #[test]
    fn hosted_ui_domain_suffix_is_normalised_and_checked() {
        let top = ServeArgs { hosted_ui_domain_suffix: Some("Auth.Example.com.".into()), ..Default::default() };
        assert_eq!(
            Config::from_layered(top, None).unwrap().hosted_ui_domain_suffix.as_deref(),
            Some("auth.example.com")
        );
        let file: ServeArgs = toml::from_str("hosted_ui_domain_suffix = \"login.test\"").unwrap();
        assert_eq!(layered(&ServeArgs::default(), file).hosted_ui_domain_suffix.as_deref(), Some("login.test"));
        let bad = ServeArgs { hosted_ui_domain_suffix: Some("a..b/c".into()), ..Default::default() };
        assert!(Config::from_layered(bad, None).is_err());
    }

    #[test]
    fn tls_files_come_in_pairs_and_make_the_default_url_https() {
        let plain = Config::from_layered(ServeArgs::default(), None).unwrap();
        assert!(plain.tls.is_none());
        assert_eq!(plain.public_url_for("127.0.0.1:1"), "http://127.0.0.1:1");
        let file: ServeArgs = toml::from_str("tls_cert = \"/etc/c.pem\"\ntls_key = \"/etc/k.pem\"").unwrap();
        let top = ServeArgs { tls_key: Some("/run/k.pem".into()), ..Default::default() };
        let c = Config::from_layered(layered(&top, file), None).unwrap();
        let files = c.tls.clone().unwrap();
        assert_eq!((files.cert.to_str(), files.key.to_str()), (Some("/etc/c.pem"), Some("/run/k.pem")));
        assert_eq!(c.public_url_for("127.0.0.1:1"), "https://127.0.0.1:1");
        let only_cert = ServeArgs { tls_cert: Some("c.pem".into()), ..Default::default() };
        let e = Config::from_layered(only_cert, None).unwrap_err().to_string();
        assert!(e.contains("--tls-cert needs --tls-key"), "{e}");
        let only_key = ServeArgs { tls_key: Some("k.pem".into()), ..Default::default() };
        let e = Config::from_layered(only_key, None).unwrap_err().to_string();
        assert!(e.contains("--tls-key needs --tls-cert"), "{e}");
    }
}
