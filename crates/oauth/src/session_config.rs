//! Session configuration, stored for the hosted-UI sessions to read: per pool, whether
//! server-side session tracking is on and how many token sessions a user may hold; per app
//! client, how long an SSO session is reused silently. Defaults are the model's.
//! [`TokenSessionCap`] hands the per-user cap to the user-pool domain, which applies it when a
//! sign-in starts a token session.

use crate::OAuth;
use crate::settings::{internal, invalid};
use async_trait::async_trait;
use cognate_idp::{IdpResult, TokenSessionLimit};
use cognate_store::{PoolDocRecord, Store};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const KIND: &str = "session";
/// The pool-wide document's name (client documents are named by client id).
const POOL: &str = "POOL";
const DEFAULT_MAX_PER_USER: i64 = 20;
const DEFAULT_SSO_MINUTES: i64 = 60;

/// A pool's session settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoolSessionConfig {
    pub tracking: bool,
    pub max_per_user: i64,
}

impl Default for PoolSessionConfig {
    fn default() -> Self {
        PoolSessionConfig { tracking: false, max_per_user: DEFAULT_MAX_PER_USER }
    }
}

/// An app client's session settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientSessionConfig {
    /// How long the client reuses an SSO session without a fresh sign-in; 0 never.
    pub sso_max_validity_minutes: i64,
}

impl Default for ClientSessionConfig {
    fn default() -> Self {
        ClientSessionConfig { sso_max_validity_minutes: DEFAULT_SSO_MINUTES }
    }
}

fn tracking_name(on: bool) -> String {
    if on { "ENABLED" } else { "DISABLED" }.into()
}

async fn read_doc<T: for<'de> Deserialize<'de> + Default>(
    store: &dyn Store,
    pool_id: &str,
    name: &str,
) -> IdpResult<T> {
    match store.get_pool_doc(pool_id, KIND, name).await? {
        Some(d) => serde_json::from_str(&d.doc).map_err(internal),
        None => Ok(T::default()),
    }
}

/// The pools' TokenSession.MaxPerUser, for the user-pool domain (`Idp::with_token_session_limit`):
/// a cap only while the pool tracks sessions.
pub struct TokenSessionCap {
    store: Arc<dyn Store>,
}

impl TokenSessionCap {
    pub fn new(store: Arc<dyn Store>) -> Self {
        TokenSessionCap { store }
    }
}

#[async_trait]
impl TokenSessionLimit for TokenSessionCap {
    async fn max_token_sessions(&self, pool_id: &str) -> IdpResult<Option<i64>> {
        let c: PoolSessionConfig = read_doc(self.store.as_ref(), pool_id, POOL).await?;
        Ok(c.tracking.then_some(c.max_per_user))
    }
}

impl OAuth {
    async fn read_doc<T: for<'de> Deserialize<'de> + Default>(&self, pool_id: &str, name: &str) -> IdpResult<T> {
        read_doc(self.store.as_ref(), pool_id, name).await
    }

    async fn write_doc<T: Serialize>(&self, pool_id: &str, name: &str, value: &T) -> IdpResult<()> {
        let now = self.now_ms();
        let record = PoolDocRecord {
            pool_id: pool_id.into(),
            kind: KIND.into(),
            name: name.into(),
            doc: serde_json::to_string(value).map_err(internal)?,
            created_ms: now,
            updated_ms: now,
        };
        Ok(self.store.put_pool_doc(&record).await?)
    }

    /// The pool's session settings (defaults when never set).
    pub async fn pool_session_config(&self, pool_id: &str) -> IdpResult<PoolSessionConfig> {
        self.read_doc(pool_id, POOL).await
    }

    /// The app client's session settings (defaults when never set).
    pub async fn client_session_config(&self, pool_id: &str, client_id: &str) -> IdpResult<ClientSessionConfig> {
        self.read_doc(pool_id, client_id).await
    }

    pub async fn get_user_pool_session_configuration(
        &self,
        req: GetUserPoolSessionConfigurationRequest,
    ) -> IdpResult<GetUserPoolSessionConfigurationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let c = self.pool_session_config(&pool_id).await?;
        Ok(GetUserPoolSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            user_session_tracking: Some(tracking_name(c.tracking)),
            token_session: Some(UserPoolTokenSessionConfigType { max_per_user: Some(c.max_per_user) }),
        })
    }

    pub async fn set_user_pool_session_configuration(
        &self,
        req: SetUserPoolSessionConfigurationRequest,
    ) -> IdpResult<SetUserPoolSessionConfigurationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let c = PoolSessionConfig {
            tracking: req.user_session_tracking.as_deref() == Some("ENABLED"),
            max_per_user: req.token_session.and_then(|t| t.max_per_user).unwrap_or(DEFAULT_MAX_PER_USER),
        };
        self.write_doc(&pool_id, POOL, &c).await?;
        Ok(SetUserPoolSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            user_session_tracking: Some(tracking_name(c.tracking)),
            token_session: Some(UserPoolTokenSessionConfigType { max_per_user: Some(c.max_per_user) }),
        })
    }

    pub async fn get_user_pool_client_session_configuration(
        &self,
        req: GetUserPoolClientSessionConfigurationRequest,
    ) -> IdpResult<GetUserPoolClientSessionConfigurationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let client_id = req.client_id.unwrap_or_default();
        self.require_client(&pool_id, &client_id).await?;
        let c = self.client_session_config(&pool_id, &client_id).await?;
        Ok(GetUserPoolClientSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            client_id: Some(client_id),
            sso_session: Some(ClientSSOSessionConfigType { max_validity_minutes: Some(c.sso_max_validity_minutes) }),
        })
    }

    /// Replaces the client's settings; the pool must track sessions (as Cognito requires).
    pub async fn set_user_pool_client_session_configuration(
        &self,
        req: SetUserPoolClientSessionConfigurationRequest,
    ) -> IdpResult<SetUserPoolClientSessionConfigurationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let client_id = req.client_id.unwrap_or_default();
        self.require_client(&pool_id, &client_id).await?;
        if !self.pool_session_config(&pool_id).await?.tracking {
            return Err(invalid(
                "Session tracking must be enabled for the user pool (SetUserPoolSessionConfiguration) first.",
            ));
        }
        let minutes = req.sso_session.and_then(|s| s.max_validity_minutes).unwrap_or(DEFAULT_SSO_MINUTES);
        let c = ClientSessionConfig { sso_max_validity_minutes: minutes };
        self.write_doc(&pool_id, &client_id, &c).await?;
        Ok(SetUserPoolClientSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            client_id: Some(client_id),
            sso_session: Some(ClientSSOSessionConfigType { max_validity_minutes: Some(c.sso_max_validity_minutes) }),
        })
    }
}
