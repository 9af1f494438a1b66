//! Authorization codes: random, single use, five minutes, stored only as a digest with
//! everything they are bound to (client, redirect URI, PKCE challenge, nonce, scopes, user,
//! sign-in time), so any node can redeem them. One durable write redeems a code: it takes
//! the code, stores its tokens' family and leaves a marker naming that family, so presenting
//! the code again revokes the family (RFC 6749 §4.1.2), since a second presentation means
//! someone else holds the code. Of two presentations racing, one write wins and the other
//! revokes what it stored.

use crate::OAuth;
use crate::authorize::AuthRequest;
use crate::error::{OAuthError, OAuthResult, internal, store};
use crate::sessions::LiveSession;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognate_idp::hosted::Redemption;
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

fn invalid_code() -> OAuthError {
    OAuthError::invalid_grant("The authorization code is invalid or has expired.")
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

    /// The code's grant, read without redeeming it (its tokens' write redeems it, see
    /// [`Self::redemption`]); a code redeemed before revokes what it issued.
    pub(crate) async fn peek_code(&self, pool_id: &str, code: &str) -> OAuthResult<CodeData> {
        let Some(record) = self.store.get_session(&code_digest(code)).await.map_err(store)? else {
            self.replayed(code).await?;
            return Err(invalid_code());
        };
        if record.expires_ms <= self.clock.now().millis() || record.pool_id != pool_id {
            return Err(invalid_code());
        }
        serde_json::from_str(&record.data).map_err(internal)
    }

    /// Spends a code whose grant was refused (wrong client, redirect URI or verifier): it is
    /// single-use whatever the outcome.
    pub(crate) async fn spend_code(&self, code: &str) -> OAuthResult<()> {
        self.store.take_session(&code_digest(code)).await.map_err(store).map(drop)
    }

    /// What redeeming the code takes: the new family's id and the marker naming it, which the
    /// write that stores the tokens leaves in the code's place.
    pub(crate) fn redemption(&self, pool_id: &str, code: &str) -> OAuthResult<Redemption> {
        let origin_jti = cognate_crypto::random::uuid_v4();
        let used = Used { origin_jti: origin_jti.clone() };
        let marker = SessionRecord {
            id_hash: used_digest(code),
            pool_id: pool_id.to_owned(),
            expires_ms: self.clock.now().millis() + USED_MS,
            data: serde_json::to_string(&used).map_err(internal)?,
        };
        Ok(Redemption { origin_jti, code_key: code_digest(code), marker })
    }

    /// A redemption lost to a concurrent one (the code was presented twice at once): what
    /// the other issued is revoked, as for any replay.
    pub(crate) async fn lost_redemption(&self, code: &str) -> OAuthError {
        match self.replayed(code).await {
            Ok(()) => invalid_code(),
            Err(e) => e,
        }
    }

    async fn replayed(&self, code: &str) -> OAuthResult<()> {
        if let Some(used) = self.store.take_session(&used_digest(code)).await.map_err(store)? {
            let used: Used = serde_json::from_str(&used.data).map_err(internal)?;
            tracing::warn!("an authorization code was presented twice; revoking its tokens");
            self.idp.revoke_grant(&used.origin_jti).await.map_err(internal)?;
        }
        Ok(())
    }
}
