//! The master key and the admin credentials, loaded or created at start-up.

use crate::config::{Config, MasterKeySource};
use anyhow::{Context, bail};
use cognate_crypto::MasterKey;
use cognate_store::Store;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::Path;

const KEY_CHECK: &str = "master_key_check";
const ADMIN_CREDENTIALS: &str = "admin_credentials";

/// Loads the master key, generating it into the data directory on the embedded default.
pub fn master_key(config: &Config) -> anyhow::Result<MasterKey> {
    let text = match &config.master_key {
        MasterKeySource::Inline(k) => k.clone(),
        MasterKeySource::File(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        MasterKeySource::DataDir if !config.uses_data_dir() => MasterKey::generate_base64(),
        MasterKeySource::DataDir => data_dir_key(config)?,
    };
    MasterKey::from_base64(&text).context("the master key must be base64 of 32 bytes")
}

fn data_dir_key(config: &Config) -> anyhow::Result<String> {
    let path = config.data_dir.join("master.key");
    if path.exists() {
        return std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()));
    }
    let key = MasterKey::generate_base64();
    write_private(&path, &key)?;
    Ok(key)
}

/// Creates a file only its owner can read (0600 on Unix), refusing to replace one.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// `cognate keys generate-master`: a new master key on stdout, or in a new 0600 file.
pub fn generate_master(out: Option<&Path>) -> anyhow::Result<()> {
    let key = MasterKey::generate_base64();
    match out {
        Some(path) => {
            write_private(path, &format!("{key}\n"))?;
            eprintln!("wrote a new master key to {} (mode 0600); keep a copy somewhere safe", path.display());
        }
        None => println!("{key}"),
    }
    Ok(())
}

/// Refuses to start with a master key other than the one the store's secrets were sealed
/// with: the alternative is a server that fails on every secret it reads.
pub async fn check_master_key(store: &dyn Store, key: &MasterKey) -> anyhow::Result<()> {
    let stored = store.put_setting_if_absent(KEY_CHECK, &key.seal(KEY_CHECK, b"cognate")).await?;
    if key.open(KEY_CHECK, &stored).is_err() {
        bail!("the master key does not match the one this database was created with");
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct StoredAdmin {
    access_key_id: String,
    sealed_secret: String,
}

/// The admin credentials: from the configuration, else from the store, else generated,
/// stored (secret sealed) and printed once.
pub async fn admin_credentials(
    config: &Config,
    store: &dyn Store,
    key: &MasterKey,
) -> anyhow::Result<(String, String)> {
    if let Some(pair) = &config.admin {
        return Ok(pair.clone());
    }
    let id = cognate_crypto::random::access_key_id();
    let secret = cognate_crypto::random::secret_access_key();
    let mine =
        StoredAdmin { sealed_secret: key.seal(&format!("admin-secret:{id}"), secret.as_bytes()), access_key_id: id };
    let stored_text = store.put_setting_if_absent(ADMIN_CREDENTIALS, &serde_json::to_string(&mine)?).await?;
    let stored: StoredAdmin = serde_json::from_str(&stored_text)?;
    if stored.access_key_id == mine.access_key_id {
        // stderr, so stdout keeps only the "listening" line scripts wait for; as `export`
        // lines, so they can be pasted into a shell as they are.
        eprintln!(
            "Generated admin credentials (the secret is shown only now; \
             `cognate admin-credentials --reset-secret` makes a new one):"
        );
        eprintln!("{}", export_lines(&stored.access_key_id, Some(&secret)));
        return Ok((stored.access_key_id, secret));
    }
    let plain = key
        .open(&format!("admin-secret:{}", stored.access_key_id), &stored.sealed_secret)
        .map_err(|_| anyhow::anyhow!("cannot open the stored admin secret with this master key"))?;
    Ok((stored.access_key_id, String::from_utf8(plain)?))
}

/// The stored admin access key id, if the store has admin credentials yet.
pub async fn stored_admin_key_id(store: &dyn Store) -> anyhow::Result<Option<String>> {
    let Some(text) = store.get_setting(ADMIN_CREDENTIALS).await? else {
        return Ok(None);
    };
    let stored: StoredAdmin = serde_json::from_str(&text)?;
    Ok(Some(stored.access_key_id))
}

/// Replaces the stored admin secret (keeping the access key id, or making one when the store
/// has none yet) and returns the pair. The secret itself is only ever stored sealed, so a
/// lost secret can be replaced but never read back.
pub async fn reset_admin_secret(store: &dyn Store, key: &MasterKey) -> anyhow::Result<(String, String)> {
    let id = match stored_admin_key_id(store).await? {
        Some(id) => id,
        None => cognate_crypto::random::access_key_id(),
    };
    let secret = cognate_crypto::random::secret_access_key();
    let record =
        StoredAdmin { sealed_secret: key.seal(&format!("admin-secret:{id}"), secret.as_bytes()), access_key_id: id };
    store.put_setting(ADMIN_CREDENTIALS, &serde_json::to_string(&record)?).await?;
    Ok((record.access_key_id, secret))
}

/// Paste-ready shell lines for the admin credentials.
pub fn export_lines(access_key_id: &str, secret: Option<&str>) -> String {
    let mut out = format!("export AWS_ACCESS_KEY_ID={access_key_id}");
    if let Some(secret) = secret {
        out.push_str(&format!("\nexport AWS_SECRET_ACCESS_KEY={secret}"));
    }
    out
}
