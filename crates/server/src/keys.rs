//! The master key and the admin credentials, loaded or created at start-up.

use crate::config::{Config, MasterKeySource};
use anyhow::{Context, bail};
use cognate_crypto::MasterKey;
use cognate_store::Store;
use serde::{Deserialize, Serialize};
use std::io::Write as _;

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
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(key.as_bytes())?;
    file.sync_all()?;
    Ok(key)
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
        println!("Generated admin credentials (shown once; the secret is stored encrypted):");
        println!("  AWS_ACCESS_KEY_ID={}", stored.access_key_id);
        println!("  AWS_SECRET_ACCESS_KEY={secret}");
        return Ok((stored.access_key_id, secret));
    }
    let plain = key
        .open(&format!("admin-secret:{}", stored.access_key_id), &stored.sealed_secret)
        .map_err(|_| anyhow::anyhow!("cannot open the stored admin secret with this master key"))?;
    Ok((stored.access_key_id, String::from_utf8(plain)?))
}
