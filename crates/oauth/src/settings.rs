//! The authorization server's deployment settings and the lookups every management
//! operation starts with (the pool, the app client).

use crate::OAuth;
use cognate_idp::{IdpError, IdpResult};

/// Operator settings of the authorization server.
#[derive(Debug, Clone, Default)]
pub struct OAuthSettings {
    /// The parent domain prefix domains are served under (`--hosted-ui-domain-suffix`):
    /// prefix `login` of a pool answers on `login.{suffix}`. Without it prefix domains are
    /// stored and described but match no Host.
    pub hosted_ui_domain_suffix: Option<String>,
}

pub(crate) fn internal(e: impl std::fmt::Display) -> IdpError {
    IdpError::Internal(e.to_string())
}

pub(crate) fn invalid(message: impl Into<String>) -> IdpError {
    IdpError::InvalidParameter(message.into())
}

impl OAuth {
    /// Fails with Cognito's ResourceNotFoundException wording unless the pool exists.
    pub(crate) async fn require_pool(&self, pool_id: &str) -> IdpResult<()> {
        match self.store.get_pool_version(pool_id).await.map_err(IdpError::from)? {
            Some(_) => Ok(()),
            None => Err(IdpError::PoolNotFound(pool_id.into())),
        }
    }

    /// Fails unless the pool exists and `client_id` is one of its app clients.
    pub(crate) async fn require_client(&self, pool_id: &str, client_id: &str) -> IdpResult<()> {
        self.require_pool(pool_id).await?;
        match self.store.get_client(client_id).await.map_err(IdpError::from)? {
            Some(c) if c.pool_id == pool_id => Ok(()),
            _ => Err(IdpError::ClientNotFound(client_id.into())),
        }
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now().millis()
    }
}
