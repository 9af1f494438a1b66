//! App clients as seen by the public operations: found by id alone, proving themselves with
//! SECRET_HASH or the raw secret, and carrying the settings that shape sign-in and tokens.

use crate::clients::{ClientDoc, unit_seconds};
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal};
use cognate_store::ClientRecord;

pub(crate) struct AppClient {
    pub record: ClientRecord,
    pub doc: ClientDoc,
    secrets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Flow {
    UserPassword,
    AdminUserPassword,
    Refresh,
    UserSrp,
    Custom,
}

impl AppClient {
    pub fn id(&self) -> &str {
        &self.record.client_id
    }

    pub fn has_secret(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// Whether `flow` is enabled, reading both the `ALLOW_*` values and the legacy ones.
    pub fn allows(&self, flow: Flow) -> bool {
        let flows = self.doc.client.explicit_auth_flows.as_deref().unwrap_or_default();
        let has = |name: &str| flows.iter().any(|f| f == name);
        let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
        match flow {
            Flow::UserPassword => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
            Flow::AdminUserPassword => has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH"),
            Flow::Refresh => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy,
            Flow::UserSrp => has("ALLOW_USER_SRP_AUTH") || (legacy && !has("CUSTOM_AUTH_FLOW_ONLY")),
            Flow::Custom => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
        }
    }

    /// PreventUserExistenceErrors=ENABLED: unknown users look like wrong passwords.
    pub fn hides_users(&self) -> bool {
        self.doc.client.prevent_user_existence_errors.as_deref() == Some("ENABLED")
    }

    pub fn can_read(&self, attribute: &str) -> bool {
        self.doc.client.read_attributes.as_ref().is_none_or(|r| r.iter().any(|a| a == attribute))
    }

    /// Whether the client may write `attribute`. Verified flags are never client-writable:
    /// only a code proves ownership of an address.
    pub fn can_write(&self, attribute: &str) -> bool {
        !attribute.ends_with("_verified")
            && self.doc.client.write_attributes.as_ref().is_none_or(|w| w.iter().any(|a| a == attribute))
    }

    pub fn access_validity_s(&self) -> i64 {
        let c = &self.doc.client;
        let unit = c.token_validity_units.as_ref().and_then(|u| u.access_token.as_deref());
        c.access_token_validity.map_or(3600, |v| v * unit_seconds(unit.or(Some("hours"))))
    }

    pub fn id_validity_s(&self) -> i64 {
        let c = &self.doc.client;
        let unit = c.token_validity_units.as_ref().and_then(|u| u.id_token.as_deref());
        c.id_token_validity.map_or(3600, |v| v * unit_seconds(unit.or(Some("hours"))))
    }

    pub fn refresh_validity_s(&self) -> i64 {
        let c = &self.doc.client;
        let unit = c.token_validity_units.as_ref().and_then(|u| u.refresh_token.as_deref());
        c.refresh_token_validity.filter(|v| *v > 0).map_or(30 * 86_400, |v| v * unit_seconds(unit.or(Some("days"))))
    }

    pub fn session_validity_ms(&self) -> i64 {
        self.doc.client.auth_session_validity.unwrap_or(3) * 60_000
    }

    /// The grace period of refresh-token rotation, when rotation is on.
    pub fn rotation_grace_s(&self) -> Option<i64> {
        let r = self.doc.client.refresh_token_rotation.as_ref()?;
        (r.feature.as_deref() == Some("ENABLED")).then(|| r.retry_grace_period_seconds.unwrap_or(0))
    }

    pub fn revocation_enabled(&self) -> bool {
        self.doc.client.enable_token_revocation.unwrap_or(true)
    }

    /// Checks `SECRET_HASH = base64(HMAC-SHA256(secret, username ‖ clientId))`. Clients hash
    /// whichever name they hold (typed alias, internal username, sub), so each is accepted.
    pub fn check_secret_hash(&self, hash: Option<&str>, names: &[&str]) -> IdpResult<()> {
        if !self.has_secret() {
            return Ok(());
        }
        let Some(hash) = hash else {
            return Err(IdpError::NotAuthorized(format!(
                "Client {} is configured with secret but SECRET_HASH was not received",
                self.id()
            )));
        };
        let ok = self.secrets.iter().any(|secret| {
            names.iter().any(|name| {
                let expected =
                    cognate_crypto::hmac_sha256_base64(secret.as_bytes(), format!("{name}{}", self.id()).as_bytes());
                cognate_crypto::ct_eq(expected.as_bytes(), hash.as_bytes())
            })
        });
        if ok {
            Ok(())
        } else {
            Err(IdpError::NotAuthorized(format!("Unable to verify secret hash for client {}", self.id())))
        }
    }

    /// The SECRET_HASH this client's (first) secret gives `name`: the hosted UI answers
    /// challenges as the client itself, so it computes what an SDK would send.
    pub(crate) fn own_secret_hash(&self, name: &str) -> Option<String> {
        let secret = self.secrets.first()?;
        Some(cognate_crypto::hmac_sha256_base64(secret.as_bytes(), format!("{name}{}", self.id()).as_bytes()))
    }

    /// Checks a raw client secret (GetTokensFromRefreshToken, RevokeToken).
    pub fn check_secret(&self, secret: Option<&str>) -> IdpResult<()> {
        if !self.has_secret() {
            return Ok(());
        }
        let given = secret.unwrap_or_default().as_bytes();
        if self.secrets.iter().any(|s| cognate_crypto::ct_eq(s.as_bytes(), given)) {
            Ok(())
        } else {
            Err(IdpError::NotAuthorized(format!("Unable to verify secret hash for client {}", self.id())))
        }
    }
}

/// Every name a client may have hashed for `user`: the typed name, the username, the sub and
/// the user's alias values.
pub(crate) fn hash_names<'a>(typed: &'a str, user: &'a User) -> Vec<&'a str> {
    let mut names = vec![typed, user.record.username.as_str(), user.record.sub.as_str()];
    for attr in ["email", "phone_number", "preferred_username"] {
        if let Some(v) = user.attr(attr) {
            names.push(v);
        }
    }
    names
}

impl Idp {
    /// The client and its pool, for public operations that name only the client.
    pub(crate) async fn app_client(&self, client_id: &str) -> IdpResult<(Pool, AppClient)> {
        let not_found = || IdpError::ResourceNotFound(format!("User pool client {client_id} does not exist."));
        let (record, pool) = self.store.get_client_and_pool(client_id).await?.ok_or_else(not_found)?;
        Ok((self.pool_of(pool)?, self.app_client_of(record)?))
    }

    /// A client of a pool the caller already holds (access-token operations), without
    /// loading and parsing the pool a second time.
    pub(crate) async fn client_in(&self, pool: &Pool, client_id: &str) -> IdpResult<AppClient> {
        let client = self.load_app_client(client_id).await?;
        if client.record.pool_id != pool.record.id {
            return Err(IdpError::ResourceNotFound(format!("User pool client {client_id} does not exist.")));
        }
        Ok(client)
    }

    async fn load_app_client(&self, client_id: &str) -> IdpResult<AppClient> {
        let not_found = || IdpError::ResourceNotFound(format!("User pool client {client_id} does not exist."));
        let record = self.store.get_client(client_id).await?.ok_or_else(not_found)?;
        self.app_client_of(record)
    }

    pub(crate) fn app_client_of(&self, record: ClientRecord) -> IdpResult<AppClient> {
        let doc: ClientDoc = serde_json::from_str(&record.config).map_err(internal)?;
        let secrets = self.client_secrets(&record, &doc)?;
        Ok(AppClient { record, doc, secrets })
    }

    /// As [`Idp::app_client`], and the client must belong to `pool_id` (admin operations).
    pub(crate) async fn pool_client(&self, pool_id: &str, client_id: &str) -> IdpResult<(Pool, AppClient)> {
        let pool = self.load_pool(pool_id).await?;
        let client = self.client_in(&pool, client_id).await?;
        Ok((pool, client))
    }
}
