//! Providers' signing keys, fetched from their `jwks_uri` and kept for an hour. A token
//! naming a key the cache does not have triggers one refetch (key rotation), at most once a
//! minute per URI, so forged key ids cannot make Cognate hammer a provider.

use crate::upstream::{Upstream, UpstreamRequest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

const FRESH_MS: i64 = 3_600_000;
const REFETCH_MS: i64 = 60_000;
const MAX_KEYS: usize = 50;

/// A provider's public key, as its JWKS gives it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { x: Vec<u8>, y: Vec<u8> },
}

#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub kid: Option<String>,
    pub key: PublicKey,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<serde_json::Value>,
}

fn decode(v: &serde_json::Value, name: &str) -> Option<Vec<u8>> {
    B64URL.decode(v.get(name)?.as_str()?.trim_end_matches('=')).ok()
}

/// The signature keys of a JWKS document; others (encryption keys, unknown types) skipped.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<Key>, String> {
    let jwks: Jwks = serde_json::from_slice(body).map_err(|e| format!("the JWKS is malformed ({e})"))?;
    let mut out = Vec::new();
    for k in jwks.keys.iter().take(MAX_KEYS) {
        if k.get("use").and_then(|u| u.as_str()).is_some_and(|u| u != "sig") {
            continue;
        }
        let kid = k.get("kid").and_then(|v| v.as_str()).map(String::from);
        let key = match (k.get("kty").and_then(|v| v.as_str()), k.get("crv").and_then(|v| v.as_str())) {
            (Some("RSA"), _) => match (decode(k, "n"), decode(k, "e")) {
                (Some(n), Some(e)) => PublicKey::Rsa { n, e },
                _ => continue,
            },
            (Some("EC"), Some("P-256")) => match (decode(k, "x"), decode(k, "y")) {
                (Some(x), Some(y)) => PublicKey::P256 { x, y },
                _ => continue,
            },
            _ => continue,
        };
        out.push(Key { kid, key });
    }
    Ok(out)
}

#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<String, (i64, Vec<Key>)>>,
}

impl KeyCache {
    fn cached(&self, uri: &str) -> Option<(i64, Vec<Key>)> {
        self.entries.lock().ok()?.get(uri).cloned()
    }

    /// The keys that may have signed a token with key id `kid`: the one with that id, or
    /// every key when the token names none.
    pub(crate) async fn keys_for(
        &self,
        uri: &str,
        kid: Option<&str>,
        now_ms: i64,
        upstream: &dyn Upstream,
    ) -> Result<Vec<Key>, String> {
        let select = |keys: &[Key]| -> Vec<Key> {
            keys.iter().filter(|k| kid.is_none() || k.kid.as_deref() == kid).cloned().collect()
        };
        let cached = self.cached(uri);
        if let Some((at, keys)) = &cached {
            let found = select(keys);
            let fresh = now_ms - at < FRESH_MS;
            if fresh && (!found.is_empty() || now_ms - at < REFETCH_MS) {
                return Ok(found);
            }
        }
        let response =
            upstream.send(UpstreamRequest::get(uri)).await.map_err(|e| format!("the JWKS is unreachable ({e})"))?;
        if response.status != 200 {
            return Err(format!("the JWKS answered status {}", response.status));
        }
        let keys = parse(&response.body)?;
        let found = select(&keys);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 1000 {
                entries.clear();
            }
            entries.insert(uri.to_owned(), (now_ms, keys));
        }
        Ok(found)
    }
}
