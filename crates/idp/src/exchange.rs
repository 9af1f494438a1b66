//! Token exchange's hooks (RFC 8693; the rules are `cognate-oauth`'s `token_exchange.rs`):
//! the exchanging app client's settings, the full check of a Cognito ID or access token
//! presented as a subject or actor, the claims of a derived ID token, and its signature.

use crate::client_auth::AppClient;
use crate::signing_keys::KeyUse;
use crate::tokens::attribute_claim;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult};
use cognate_store::UserRecord;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Which of a pool's tokens a presented token must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    fn claim(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }

    fn key_use(self) -> KeyUse {
        match self {
            TokenUse::Access => KeyUse::Access,
            TokenUse::Id => KeyUse::Id,
        }
    }

    fn label(self) -> &'static str {
        match self {
            TokenUse::Access => "Access Token",
            TokenUse::Id => "ID Token",
        }
    }
}

/// The app client asking for an exchange.
#[derive(Debug, Clone)]
pub struct ExchangeClient {
    pub pool_id: String,
    pub client_id: String,
    pub has_secret: bool,
    /// ExplicitAuthFlows (`ALLOW_TOKEN_EXCHANGE_*` among them).
    pub auth_flows: Vec<String>,
    /// AllowedOAuthScopes.
    pub scopes: Vec<String>,
    pub access_validity_s: i64,
    pub id_validity_s: i64,
    /// The attributes the client may read (`None`: all of them).
    read_attributes: Option<Vec<String>>,
}

/// A token that passed every check: signature, pool, expiry, use, revocation, user.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub pool_id: String,
    pub sub: String,
    /// The user's name; `None` for a machine (client_credentials) access token.
    pub username: Option<String>,
    /// The user's attributes (empty for a machine token).
    pub attributes: BTreeMap<String, String>,
    /// Every claim, as signed.
    pub claims: Map<String, Value>,
}

impl VerifiedToken {
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// The token's user, who must still exist and be enabled: its name and attributes.
fn user(record: Option<UserRecord>) -> IdpResult<(Option<String>, BTreeMap<String, String>)> {
    let record = record.ok_or(IdpError::NotAuthorized("User does not exist.".into()))?;
    if !record.enabled {
        return Err(IdpError::NotAuthorized("User is disabled.".into()));
    }
    let user = User::from_record(record)?;
    Ok((Some(user.record.username), user.attributes))
}

fn exchange_client(client: &AppClient) -> ExchangeClient {
    let c = &client.doc.client;
    ExchangeClient {
        pool_id: client.record.pool_id.clone(),
        client_id: client.id().to_owned(),
        has_secret: client.has_secret(),
        auth_flows: c.explicit_auth_flows.clone().unwrap_or_default(),
        scopes: c.allowed_o_auth_scopes.clone().unwrap_or_default(),
        access_validity_s: client.access_validity_s(),
        id_validity_s: client.id_validity_s(),
        read_attributes: c.read_attributes.clone(),
    }
}

impl Idp {
    /// The client's exchange settings and whether `secret` is one of its secrets (compared
    /// in constant time, so timing does not reveal how much of a guess was right).
    pub async fn exchange_client(&self, client_id: &str, secret: Option<&str>) -> IdpResult<(ExchangeClient, bool)> {
        let (_, client) = self.app_client(client_id).await?;
        let secret_ok = secret.is_some_and(|s| client.has_secret() && client.check_secret(Some(s)).is_ok());
        Ok((exchange_client(&client), secret_ok))
    }

    /// Verifies a token this server issued, as [`Idp::check_access`] does an access token,
    /// for either use and without a scope requirement: the signature with the keys of the
    /// pool its issuer names (so no pool accepts another's tokens), the key published for
    /// `token_use`, expiry, the family not revoked, the user present and enabled. A machine
    /// access token (client_credentials: no user, no family) passes without a user only when
    /// `allow_machine`.
    pub async fn verify_token(
        &self,
        token: &str,
        token_use: TokenUse,
        allow_machine: bool,
    ) -> IdpResult<VerifiedToken> {
        let label = token_use.label();
        let invalid = || IdpError::NotAuthorized(format!("Invalid {label}"));
        let parsed = cognate_crypto::jws::parse(token).map_err(|_| invalid())?;
        let claims: Map<String, Value> = serde_json::from_slice(&parsed.payload).map_err(|_| invalid())?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let (iss, sub) = text("iss").zip(text("sub")).ok_or_else(invalid)?;
        let pool_id = self.issuer_pool(iss).ok_or_else(invalid)?;
        let origin_jti = text("origin_jti");
        let check = self.store.access_check(pool_id, None, origin_jti, sub).await?;
        let pool = match self.pool_at(pool_id, check.pool_version).await {
            Ok(p) => p,
            Err(IdpError::PoolNotFound(_)) => return Err(invalid()),
            Err(e) => return Err(e),
        };
        let kid = parsed.kid.as_deref().ok_or_else(invalid)?;
        if text("token_use") != Some(token_use.claim())
            || !self.signature_ok(&pool, token, &parsed, kid, token_use.key_use())?
        {
            return Err(invalid());
        }
        if claims.get("exp").and_then(Value::as_i64).is_none_or(|exp| exp <= self.now_ms() / 1000) {
            return Err(IdpError::NotAuthorized(format!("{label} has expired")));
        }
        if origin_jti.is_some() && check.family.is_none_or(|f| f.revoked) {
            return Err(IdpError::NotAuthorized(format!("{label} has been revoked")));
        }
        let machine = token_use == TokenUse::Access
            && origin_jti.is_none()
            && text("username").is_none()
            && text("client_id") == Some(sub);
        let (username, attributes) = if machine && allow_machine { (None, BTreeMap::new()) } else { user(check.user)? };
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        Ok(VerifiedToken { pool_id, sub, username, attributes, claims })
    }

    /// The attribute claims an ID token issued to `client` carries for the user of
    /// `verified` (the attributes the client may read, `sub` always), as sign-in mints them.
    pub fn id_token_attributes(&self, client: &ExchangeClient, verified: &VerifiedToken) -> Map<String, Value> {
        let readable = |name: &str| client.read_attributes.as_ref().is_none_or(|r| r.iter().any(|a| a == name));
        verified
            .attributes
            .iter()
            .filter(|(name, _)| !name.starts_with("dev:") && (readable(name) || name.as_str() == "sub"))
            .map(|(name, value)| (name.clone(), attribute_claim(name, value)))
            .collect()
    }

    /// Signs `claims` as an ID token (RS256) with the pool's current ID-token key, creating
    /// the pool's keys on first use.
    pub async fn sign_id_token(&self, pool_id: &str, claims: &Value) -> IdpResult<String> {
        let pool = self.pool_with_keys(self.load_pool(pool_id).await?).await?;
        self.sign_claims(&pool, KeyUse::Id, claims)
    }
}
