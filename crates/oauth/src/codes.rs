//! Authorization codes: random, single use, five minutes, stored only as a digest with
//! everything they are bound to (client, redirect URI, PKCE challenge, nonce, scopes, user,
//! sign-in time), so any node can redeem them. Redeeming a code leaves, in the same write, a
//! marker naming the token family its tokens start: presenting it again revokes that family
//! (RFC 6749 §4.1.2), since a second presentation means someone else holds the code.

use crate::OAuth;
use crate::authorize::AuthRequest;
use crate::error::{OAuthError, OAuthResult, internal, store};
use crate::sessions::LiveSession;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognate_store::SessionRecord;
use serde::{Deserialize, Serialize};

const CODE_MS: i64 = 5 * 60_000;
/// How long a redeemed code is remembered: long past its own expiry, so a late replay is
/// still caught.
const USED_MS: i64 = 24 * 3_600_000;

/// What a code is bound to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CodeData {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub sub: String,
    pub auth_time: i64,
    /// The SSO session the code was granted from (codes issued before sessions were listed
    /// have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_session: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Used {
    origin_jti: String,
}

fn code_digest(code: &str) -> String {
    cognate_crypto::digest_hex(&[b"oauth-code", code.as_bytes()])
}

fn used_digest(code: &str) -> String {
    cognate_crypto::digest_hex(&[b"oauth-code-used", code.as_bytes()])
}

impl OAuth {
    pub(crate) async fn issue_code(&self, req: &AuthRequest, session: &LiveSession) -> OAuthResult<String> {
        let code = B64URL.encode(cognate_crypto::random::bytes::<32>());
        let data = CodeData {
            client_id: req.client.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            challenge: req.challenge.clone(),
            nonce: req.nonce.clone(),
            scopes: req.scopes.clone(),
            sub: session.sub.clone(),
            auth_time: session.auth_time,
            sso_session: Some(session.sso_session.clone()),
        };
        let record = SessionRecord {
            id_hash: code_digest(&code),
            pool_id: req.client.pool_id.clone(),
            expires_ms: self.clock.now().millis() + CODE_MS,
            data: serde_json::to_string(&data).map_err(internal)?,
        };
        self.store.insert_session(&record).await.map_err(store)?;
        Ok(code)
    }

    /// Takes the code (it can be taken once) and, in the same write, leaves the marker naming
    /// the token family its tokens will start (returned with the code's data); a code
    /// redeemed before revokes what it issued.
    pub(crate) async fn redeem_code(&self, pool_id: &str, code: &str) -> OAuthResult<(CodeData, String)> {
        let invalid = || OAuthError::invalid_grant("The authorization code is invalid or has expired.");
        let origin_jti = cognate_crypto::random::uuid_v4();
        let used = Used { origin_jti: origin_jti.clone() };
        let marker = SessionRecord {
            id_hash: used_digest(code),
            pool_id: pool_id.to_owned(),
            expires_ms: self.clock.now().millis() + USED_MS,
            data: serde_json::to_string(&used).map_err(internal)?,
        };
        let Some(record) = self.store.take_session_leaving(&code_digest(code), &marker).await.map_err(store)? else {
            self.replayed(code).await?;
            return Err(invalid());
        };
        if record.expires_ms <= self.clock.now().millis() || record.pool_id != pool_id {
            return Err(invalid());
        }
        Ok((serde_json::from_str(&record.data).map_err(internal)?, origin_jti))
    }

    async fn replayed(&self, code: &str) -> OAuthResult<()> {
        if let Some(used) = self.store.take_session(&used_digest(code)).await.map_err(store)? {
            let used: Used = serde_json::from_str(&used.data).map_err(internal)?;
            tracing::warn!("an authorization code was presented twice; revoking its tokens");
            self.idp.revoke_grant(&used.origin_jti).await.map_err(internal)?;
        }
        Ok(())
    }

    /// After the tokens of a redemption exist: if the code was presented again while they were
    /// being issued, that replay took the marker before their family existed and revoked
    /// nothing, so the family is revoked here and the exchange refused.
    pub(crate) async fn confirm_redemption(&self, code: &str, origin_jti: &str) -> OAuthResult<()> {
        if self.store.get_session(&used_digest(code)).await.map_err(store)?.is_some() {
            return Ok(());
        }
        tracing::warn!("an authorization code was presented twice while it was redeemed; revoking its tokens");
        self.idp.revoke_grant(origin_jti).await.map_err(internal)?;
        Err(OAuthError::invalid_grant("The authorization code is invalid or has expired."))
    }
}
