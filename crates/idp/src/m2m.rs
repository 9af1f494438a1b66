//! The authorization server's hook for machine-to-machine tokens (the client_credentials
//! grant): an app client proven by its secret, and an access token signed with the pool's
//! current key. The grant's rules (flows, scopes, claims) are `cognate-oauth`'s.

use crate::signing_keys::KeyUse;
use crate::{Idp, IdpError, IdpResult};
use serde_json::Value;

/// An app client that proved itself with one of its secrets.
#[derive(Debug, Clone)]
pub struct M2mClient {
    pub pool_id: String,
    pub client_id: String,
    /// AllowedOAuthFlowsUserPoolClient.
    pub oauth_enabled: bool,
    pub flows: Vec<String>,
    pub scopes: Vec<String>,
    /// The client's access-token lifetime in seconds.
    pub access_validity_s: i64,
}

impl Idp {
    /// The client `client_id` when `secret` is one of its secrets, else `None` (also for an
    /// unknown client or one without a secret). Secrets are compared in constant time so the
    /// answer's timing does not reveal how much of a guess was right.
    pub async fn m2m_client(&self, client_id: &str, secret: &str) -> IdpResult<Option<M2mClient>> {
        let (pool, client) = match self.app_client(client_id).await {
            Ok(found) => found,
            Err(IdpError::ResourceNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if !client.has_secret() || client.check_secret(Some(secret)).is_err() {
            return Ok(None);
        }
        let c = &client.doc.client;
        Ok(Some(M2mClient {
            pool_id: pool.record.id.to_string(),
            client_id: client.id().to_string(),
            oauth_enabled: c.allowed_o_auth_flows_user_pool_client == Some(true),
            flows: c.allowed_o_auth_flows.clone().unwrap_or_default(),
            scopes: c.allowed_o_auth_scopes.clone().unwrap_or_default(),
            access_validity_s: client.access_validity_s(),
        }))
    }

    /// The `iss` of the pool's tokens.
    pub fn token_issuer(&self, pool_id: &str) -> String {
        self.issuer(pool_id)
    }

    /// A machine token for `client_id`: the pool's version 3 PreTokenGeneration function may
    /// change `claims` (its claims and `scope`) first; then it is signed as
    /// [`Self::sign_access_token`] does. Returns the token and the claims it carries.
    pub async fn issue_m2m_token(
        &self,
        pool_id: &str,
        client_id: &str,
        mut claims: Value,
    ) -> IdpResult<(String, Value)> {
        let pool = self.pool_with_keys(self.load_pool(pool_id).await?).await?;
        self.pre_token_generation_m2m(&pool, client_id, &mut claims).await?;
        let token = self.sign_claims(&pool, KeyUse::Access, &claims)?;
        Ok((token, claims))
    }

    /// Signs `claims` as an access token (RS256) with the pool's current access-token key,
    /// creating the pool's keys on first use.
    pub async fn sign_access_token(&self, pool_id: &str, claims: &Value) -> IdpResult<String> {
        let pool = self.pool_with_keys(self.load_pool(pool_id).await?).await?;
        self.sign_claims(&pool, KeyUse::Access, claims)
    }
}
