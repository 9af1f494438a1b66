//! Challenge sessions: an opaque random value handed to the client, whose digest keys the
//! stored state. Single-use (taking deletes) and short-lived (AuthSessionValidity).

use crate::client_auth::AppClient;
use crate::{Idp, IdpError, IdpResult, error::internal};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_store::SessionRecord;
use serde::{Deserialize, Serialize};

/// What a session remembers between a challenge and its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionState {
    pub challenge: String,
    pub client_id: String,
    pub sub: String,
    pub auth_time: i64,
    /// The server's half of an SRP exchange (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srp: Option<crate::srp_auth::SrpState>,
    /// An MFA challenge's outstanding code and attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<crate::mfa::MfaState>,
    /// A custom authentication flow's progress (CUSTOM_AUTH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<crate::triggers::custom_auth::CustomState>,
}

pub(crate) fn digest(session: &str) -> String {
    cognate_crypto::digest_hex(&[b"auth-session", session.as_bytes()])
}

impl Idp {
    pub(crate) async fn new_session(
        &self,
        pool_id: &str,
        client: &AppClient,
        state: &SessionState,
    ) -> IdpResult<String> {
        // Standard base64 never starts with `-`, which command-line parsers take for a flag.
        let value = B64.encode(cognate_crypto::random::bytes::<48>());
        let record = SessionRecord {
            id_hash: digest(&value),
            pool_id: pool_id.to_owned(),
            expires_ms: self.now_ms() + client.session_validity_ms(),
            data: serde_json::to_string(state).map_err(internal)?,
        };
        self.store.insert_session(&record).await?;
        Ok(value)
    }

    /// Stores `state` again under the same session value (a retry after a wrong code).
    pub(crate) async fn restore_session(&self, value: &str, state: &SessionState, expires_ms: i64) -> IdpResult<()> {
        let pool_id = self.store.get_client(&state.client_id).await?.map(|c| c.pool_id).unwrap_or_default();
        let record = SessionRecord {
            id_hash: digest(value),
            pool_id,
            expires_ms,
            data: serde_json::to_string(state).map_err(internal)?,
        };
        Ok(self.store.insert_session(&record).await?)
    }

    /// Takes the session for `client` answering `challenge`; any mismatch voids it.
    pub(crate) async fn take_session(
        &self,
        session: Option<&str>,
        client: &AppClient,
        challenge: &str,
    ) -> IdpResult<SessionState> {
        let invalid = || IdpError::NotAuthorized("Invalid session for the user.".into());
        let record = self.store.take_session(&digest(session.ok_or_else(invalid)?)).await?.ok_or_else(invalid)?;
        if record.expires_ms <= self.now_ms() {
            return Err(IdpError::NotAuthorized("Invalid session for the user, session is expired.".into()));
        }
        let state: SessionState = serde_json::from_str(&record.data).map_err(internal)?;
        if state.client_id != client.id() || state.challenge != challenge || record.pool_id != client.record.pool_id {
            return Err(invalid());
        }
        Ok(state)
    }
}
