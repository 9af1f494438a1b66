//! Each pool's RSA signing keys: one for ID tokens, one for access tokens (as Cognito, two
//! JWKS entries), one for the signing certificate. Private keys are sealed under the master
//! key inside the pool document and parsed once per process. Keys are created on first use,
//! so pools that never issue tokens never pay for RSA key generation.

use crate::pool_config::PoolDoc;
use crate::pools::Pool;
use crate::{Idp, IdpError, IdpResult, error::internal};
use base64::Engine as _;
use cognate_crypto::jws::{self, Jwk, SigningKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tokens live at most a day, so a retired key stays published that long.
const RETIRED_KEY_PUBLISHED_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KeyUse {
    Id,
    Access,
    Certificate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PoolKey {
    pub kid: String,
    pub key_use: KeyUse,
    pub sealed: String,
    pub created_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_ms: Option<i64>,
}

/// Parsed private keys by kid; shared by all clones of the service.
#[derive(Default)]
pub(crate) struct KeyCache(Mutex<HashMap<String, Arc<SigningKey>>>);

fn purpose(pool_id: &str, kid: &str) -> String {
    format!("signing-key:{pool_id}:{kid}")
}

impl PoolDoc {
    pub(crate) fn active_key(&self, key_use: KeyUse) -> Option<&PoolKey> {
        self.keys.iter().filter(|k| k.key_use == key_use && k.retired_ms.is_none()).max_by_key(|k| k.created_ms)
    }

    /// Whether the JWKS still lists the key `kid` for `key_use`.
    pub(crate) fn publishes(&self, kid: &str, key_use: KeyUse, now_ms: i64) -> bool {
        self.published(now_ms).any(|k| k.kid == kid && k.key_use == key_use)
    }

    fn published(&self, now_ms: i64) -> impl Iterator<Item = &PoolKey> {
        self.keys.iter().filter(move |k| {
            k.key_use != KeyUse::Certificate && k.retired_ms.is_none_or(|r| now_ms - r < RETIRED_KEY_PUBLISHED_MS)
        })
    }
}

impl Idp {
    /// The parsed private key of `key`, from the cache or opened and parsed once.
    pub(crate) fn signing_key(&self, pool_id: &str, key: &PoolKey) -> IdpResult<Arc<SigningKey>> {
        if let Some(k) = self.keys.0.lock().map_err(internal)?.get(&key.kid) {
            return Ok(k.clone());
        }
        let der = self.master_key.open(&purpose(pool_id, &key.kid), &key.sealed).map_err(internal)?;
        let parsed = Arc::new(SigningKey::from_pkcs8(&key.kid, &der).map_err(internal)?);
        self.keys.0.lock().map_err(internal)?.insert(key.kid.clone(), parsed.clone());
        Ok(parsed)
    }

    /// The pool with an active key for every use, creating the missing ones.
    pub(crate) async fn pool_with_keys(&self, mut pool: Pool) -> IdpResult<Pool> {
        let id = pool.record.id.clone();
        for _ in 0..3 {
            let missing: Vec<KeyUse> = [KeyUse::Id, KeyUse::Access, KeyUse::Certificate]
                .into_iter()
                .filter(|u| pool.doc.active_key(*u).is_none())
                .collect();
            if missing.is_empty() {
                return Ok(pool);
            }
            for key_use in missing {
                let key = self.new_key(&pool.record.id, key_use).await?;
                pool.doc_mut().keys.push(key);
            }
            // Another node may have created keys at the same time: keep whichever was saved.
            match self.save_pool(pool).await {
                Ok(saved) => return Ok(saved),
                Err(IdpError::ConcurrentModification) => {}
                Err(e) => return Err(e),
            }
            pool = self.load_pool(&id).await?;
        }
        Err(IdpError::ConcurrentModification)
    }

    async fn new_key(&self, pool_id: &str, key_use: KeyUse) -> IdpResult<PoolKey> {
        let der = tokio::task::spawn_blocking(jws::generate_rsa_pkcs8).await.map_err(internal)?.map_err(internal)?;
        let kid = base64::engine::general_purpose::STANDARD.encode(cognate_crypto::random::bytes::<32>());
        Ok(PoolKey {
            sealed: self.master_key.seal(&purpose(pool_id, &kid), &der),
            kid,
            key_use,
            created_ms: self.now_ms(),
            retired_ms: None,
        })
    }

    /// Replaces the pool's ID and access keys; the old public keys stay in the JWKS until
    /// every token they signed has expired.
    pub async fn rotate_keys(&self, pool_id: &str) -> IdpResult<Vec<String>> {
        let mut pool = self.load_pool(pool_id).await?;
        let now = self.now_ms();
        for key in pool.doc_mut().keys.iter_mut().filter(|k| k.key_use != KeyUse::Certificate && k.retired_ms.is_none())
        {
            key.retired_ms = Some(now);
        }
        let mut kids = Vec::new();
        for key_use in [KeyUse::Id, KeyUse::Access] {
            let key = self.new_key(pool_id, key_use).await?;
            kids.push(key.kid.clone());
            pool.doc_mut().keys.push(key);
        }
        self.save_pool(pool).await?;
        Ok(kids)
    }

    /// The pool's JWKS document (`{"keys": [...]}`).
    pub async fn jwks(&self, pool_id: &str) -> IdpResult<serde_json::Value> {
        let pool = self.pool_with_keys(self.load_pool(pool_id).await?).await?;
        let now = self.now_ms();
        let keys: Vec<Jwk> =
            pool.doc.published(now).map(|k| self.signing_key(pool_id, k).map(|s| s.jwk())).collect::<IdpResult<_>>()?;
        Ok(serde_json::json!({ "keys": keys }))
    }

    /// The pool's OpenID Connect discovery document. The hosted UI endpoints live under the
    /// issuer until the OAuth provider serves them.
    pub async fn openid_configuration(&self, pool_id: &str) -> IdpResult<serde_json::Value> {
        self.load_pool(pool_id).await?;
        let iss = self.issuer(pool_id);
        Ok(serde_json::json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/oauth2/authorize"),
            "token_endpoint": format!("{iss}/oauth2/token"),
            "userinfo_endpoint": format!("{iss}/oauth2/userInfo"),
            "revocation_endpoint": format!("{iss}/oauth2/revoke"),
            "end_session_endpoint": format!("{iss}/logout"),
            "jwks_uri": format!("{iss}/.well-known/jwks.json"),
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }))
    }

    /// Signs `claims` as a token of `key_use` (RS256) with the pool's current key of that use.
    pub(crate) fn sign_claims(&self, pool: &Pool, key_use: KeyUse, claims: &serde_json::Value) -> IdpResult<String> {
        let key = pool.doc.active_key(key_use).ok_or_else(|| internal("pool has no signing key"))?;
        let body = serde_json::to_vec(claims).map_err(internal)?;
        self.signing_key(&pool.record.id, key)?.sign_jwt(&body).map_err(internal)
    }

    /// The pool a token's `iss` names, when it is one of this server's issuers.
    pub(crate) fn issuer_pool<'t>(&self, iss: &'t str) -> Option<&'t str> {
        iss.strip_prefix(self.settings.public_url.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|p| !p.contains('/'))
    }

    /// Whether `token` (parsed as `parsed`, signed with `kid`) carries the pool's signature
    /// with a key it publishes for `key_use`. A token verified before is known by its digest
    /// and spares the RSA check.
    pub(crate) fn signature_ok(
        &self,
        pool: &Pool,
        token: &str,
        parsed: &jws::Parsed,
        kid: &str,
        key_use: KeyUse,
    ) -> IdpResult<bool> {
        if !pool.doc.publishes(kid, key_use, self.now_ms()) {
            return Ok(false);
        }
        let digest = cognate_crypto::sha256(token.as_bytes());
        if self.verified.verified_with(&digest, kid) {
            return Ok(true);
        }
        let Some(key) = self.verification_key(pool, kid, key_use)? else { return Ok(false) };
        if !parsed.verify_rs256(&key) {
            return Ok(false);
        }
        self.verified.remember(digest, kid);
        Ok(true)
    }

    /// The public key that verifies tokens of `key_use` signed with `kid`, if the pool
    /// publishes it.
    pub(crate) fn verification_key(&self, pool: &Pool, kid: &str, key_use: KeyUse) -> IdpResult<Option<Jwk>> {
        let now = self.now_ms();
        let Some(key) = pool.doc.published(now).find(|k| k.kid == kid && k.key_use == key_use) else {
            return Ok(None);
        };
        Ok(Some(self.signing_key(&pool.record.id, key)?.jwk()))
    }
}
