//! Hosted-UI sessions and the sign-in form's CSRF token.
//!
//! A session is a server-side record (so `/logout` ends it on every node, and a copied
//! cookie dies with it) named by a random id inside a cookie sealed with the master key
//! (so the cookie can be neither forged nor read). The CSRF token is a random value whose
//! sealed copy sits in its own cookie: a form posted from another site, or with another
//! browser's cookie, carries a token that does not match.

use crate::OAuth;
use crate::error::{OAuthResult, internal, store};
use crate::user_sessions::sso_session_id;
use cognate_store::SessionRecord;
use serde::{Deserialize, Serialize};

const SESSION_PURPOSE: &str = "cognate hosted-ui session";
const CSRF_PURPOSE: &str = "cognate hosted-ui csrf";
/// Cognito's hosted-UI sessions last an hour.
pub const SESSION_SECONDS: i64 = 3600;

#[derive(Serialize, Deserialize)]
struct SessionCookie {
    sid: String,
    pool: String,
    exp_ms: i64,
}

/// What the session record holds. Sessions stored before user sessions existed have no
/// client or creation time.
#[derive(Serialize, Deserialize)]
pub(crate) struct SessionData {
    pub sub: String,
    pub auth_time: i64,
    /// The app client the user signed in at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_ms: Option<i64>,
    /// The SAML identity provider's session the user signed in through (single logout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml: Option<cognate_federation::SamlSession>,
}

/// A hosted-UI session that may sign its user in silently.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub sub: String,
    pub auth_time: i64,
    /// Its id as an SSO session (`sso…`), which the tokens it grants record as their origin.
    pub sso_session: String,
}

fn session_digest(sid: &str) -> String {
    cognate_crypto::digest_hex(&[b"hosted-ui-session", sid.as_bytes()])
}

impl OAuth {
    /// Starts a session for a user who signed in at `client_id`; returns the sealed cookie
    /// value and the session. The record is stored under its user, who can list it as an SSO
    /// session.
    pub(crate) async fn start_session(
        &self,
        pool_id: &str,
        client_id: &str,
        sub: &str,
        auth_time: i64,
    ) -> OAuthResult<(String, LiveSession)> {
        self.start_session_from(pool_id, client_id, sub, auth_time, None).await
    }

    /// [`Self::start_session`] for a sign-in through a SAML provider, whose session single
    /// logout will end.
    pub(crate) async fn start_session_from(
        &self,
        pool_id: &str,
        client_id: &str,
        sub: &str,
        auth_time: i64,
        saml: Option<cognate_federation::SamlSession>,
    ) -> OAuthResult<(String, LiveSession)> {
        let sid = hex::encode(cognate_crypto::random::bytes::<32>());
        let now = self.clock.now().millis();
        let exp_ms = now + SESSION_SECONDS * 1000;
        let data = SessionData {
            sub: sub.to_owned(),
            auth_time,
            client_id: Some(client_id.to_owned()),
            created_ms: Some(now),
            saml,
        };
        let data = serde_json::to_string(&data).map_err(internal)?;
        let record =
            SessionRecord { id_hash: session_digest(&sid), pool_id: pool_id.to_owned(), expires_ms: exp_ms, data };
        self.store.insert_user_session(&record, sub).await.map_err(store)?;
        let live = LiveSession { sub: sub.to_owned(), auth_time, sso_session: sso_session_id(&record.id_hash) };
        let cookie = SessionCookie { sid, pool: pool_id.to_owned(), exp_ms };
        Ok((self.master_key.seal(SESSION_PURPOSE, &serde_json::to_vec(&cookie).map_err(internal)?), live))
    }

    fn open_session_cookie(&self, cookie: &str) -> Option<SessionCookie> {
        let plain = self.master_key.open(SESSION_PURPOSE, cookie).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// The session a cookie names, if it is this pool's, unexpired, not logged out, and its
    /// user may still sign in.
    pub(crate) async fn live_session(&self, pool_id: &str, cookie: &str) -> Option<LiveSession> {
        let c = self.open_session_cookie(cookie)?;
        let now = self.clock.now().millis();
        if c.pool != pool_id || c.exp_ms <= now {
            return None;
        }
        // Read, never taken and put back: a logout between the two would be undone.
        let record = self.store.get_session(&session_digest(&c.sid)).await.ok()??;
        if record.expires_ms <= now || record.pool_id != pool_id {
            return None;
        }
        let data: SessionData = serde_json::from_str(&record.data).ok()?;
        match self.idp.hosted_user_active(pool_id, &data.sub).await {
            Ok(true) => Some(LiveSession {
                sub: data.sub,
                auth_time: data.auth_time,
                sso_session: sso_session_id(&record.id_hash),
            }),
            _ => None,
        }
    }

    /// Ends the session a cookie names (logout); an unreadable cookie ends nothing. The
    /// SAML session it came from, if any.
    pub async fn end_session(&self, cookie: Option<&str>) -> OAuthResult<Option<cognate_federation::SamlSession>> {
        let Some(c) = cookie.and_then(|c| self.open_session_cookie(c)) else { return Ok(None) };
        let record = self.store.take_session(&session_digest(&c.sid)).await.map_err(store)?;
        Ok(record.and_then(|r| serde_json::from_str::<SessionData>(&r.data).ok()).and_then(|d| d.saml))
    }

    /// The CSRF cookie to set (the browser's own when it is still readable) and the token the
    /// form carries.
    pub fn csrf_pair(&self, cookie: Option<&str>) -> (String, String) {
        if let Some(token) = cookie.and_then(|c| self.csrf_token_of(c)) {
            return (cookie.unwrap_or_default().to_owned(), token);
        }
        let token = hex::encode(cognate_crypto::random::bytes::<32>());
        (self.master_key.seal(CSRF_PURPOSE, token.as_bytes()), token)
    }

    fn csrf_token_of(&self, cookie: &str) -> Option<String> {
        String::from_utf8(self.master_key.open(CSRF_PURPOSE, cookie).ok()?).ok()
    }

    /// Whether a posted form's token matches the browser's CSRF cookie (constant time).
    pub fn csrf_ok(&self, cookie: Option<&str>, token: Option<&str>) -> bool {
        match (cookie.and_then(|c| self.csrf_token_of(c)), token) {
            (Some(expected), Some(given)) => cognate_crypto::ct_eq(expected.as_bytes(), given.as_bytes()),
            _ => false,
        }
    }
}
