//! User sessions: ListUserSessions and RevokeUserSession (by access token) and their Admin
//! forms. A user's *token sessions* are their refresh-token families (one per sign-in that
//! issued a refresh token); their *SSO sessions* are their hosted-UI sessions. Tokens the
//! hosted UI grants from an SSO session record it as their origin, which is what LINKED
//! revocation follows. All four need the pool's session tracking on.
//!
//! Session ids are derived, not stored: `tkn` or `sso` and the first 25 hex digits of a
//! SHA-256 digest of what names the session (a family's `origin_jti`, a hosted-UI record's
//! key). Nothing needs a migration or a second write to keep an id, every node computes the
//! same one, and 100 bits make a collision within one user's sessions negligible. The SSO id
//! is a digest of the record's key, itself a digest of the cookie's secret, so an id never
//! leads back to a cookie that would resume the session.

use crate::OAuth;
use crate::sessions::{SESSION_SECONDS, SessionData};
use crate::settings::{internal, invalid};
use cognate_idp::page::decode as decode_page;
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{SessionRecord, TokenFamily};
use cognate_wire::idp::types::*;

/// Cognito returns a user's sessions in one page of at most this many.
const MAX_LISTED: usize = 125;

/// A token session's id: `tkn` and 25 hex digits of a digest of its family's `origin_jti`.
pub(crate) fn token_session_id(origin_jti: &str) -> String {
    session_id("tkn", b"cognate token session", origin_jti)
}

/// An SSO session's id: `sso` and 25 hex digits of a digest of its record's key.
pub(crate) fn sso_session_id(id_hash: &str) -> String {
    session_id("sso", b"cognate sso session", id_hash)
}

fn session_id(prefix: &str, purpose: &[u8], name: &str) -> String {
    let digest = cognate_crypto::digest_hex(&[purpose, name.as_bytes()]);
    format!("{prefix}{}", &digest[..25])
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// A user's active sessions of both kinds.
struct Sessions {
    tokens: Vec<TokenFamily>,
    sso: Vec<SessionRecord>,
}

/// The session a revocation names.
enum Target<'a> {
    Token(&'a TokenFamily),
    Sso(&'a SessionRecord),
}

impl Sessions {
    fn find(&self, session_id: &str) -> Option<Target<'_>> {
        if session_id.starts_with("tkn") {
            self.tokens.iter().find(|f| token_session_id(&f.origin_jti) == session_id).map(Target::Token)
        } else {
            self.sso.iter().find(|s| sso_session_id(&s.id_hash) == session_id).map(Target::Sso)
        }
    }

    /// Descriptions, newest first; `current` is the caller's family (None: an administrator).
    fn describe(&self, current: Option<&str>) -> IdpResult<Vec<SessionDescriptionType>> {
        let mut all: Vec<SessionDescriptionType> = self.tokens.iter().map(|f| describe_token(f, current)).collect();
        for record in &self.sso {
            all.push(describe_sso(record)?);
        }
        all.sort_by(|a, b| b.create_date.unwrap_or(0.0).total_cmp(&a.create_date.unwrap_or(0.0)));
        all.truncate(MAX_LISTED);
        Ok(all)
    }
}

fn describe_token(f: &TokenFamily, current: Option<&str>) -> SessionDescriptionType {
    SessionDescriptionType {
        session_id: Some(token_session_id(&f.origin_jti)),
        session_type: Some("TOKEN".into()),
        client_id: Some(f.client_id.clone()),
        create_date: (f.created_ms > 0).then(|| seconds(f.created_ms)),
        origin_session_id: f.sso_session.clone(),
        is_current_session: Some(current == Some(f.origin_jti.as_str())),
        ..Default::default()
    }
}

fn describe_sso(record: &SessionRecord) -> IdpResult<SessionDescriptionType> {
    let data: SessionData = serde_json::from_str(&record.data).map_err(internal)?;
    // Sessions started before their creation time was kept last exactly SESSION_SECONDS.
    let created_ms = data.created_ms.unwrap_or(record.expires_ms - SESSION_SECONDS * 1000);
    Ok(SessionDescriptionType {
        session_id: Some(sso_session_id(&record.id_hash)),
        session_type: Some("SSO".into()),
        client_id: data.client_id,
        create_date: Some(seconds(created_ms)),
        is_current_session: Some(false),
        ..Default::default()
    })
}

fn linked(value: Option<&str>) -> bool {
    value == Some("LINKED")
}

/// Cognito answers every session listing in one page, so no NextToken is ours to continue.
fn no_next_page(token: Option<&str>) -> IdpResult<()> {
    match decode_page(token)? {
        Some(_) => Err(invalid("Invalid pagination token.")),
        None => Ok(()),
    }
}

impl OAuth {
    /// OperationNotEnabledException unless the pool tracks sessions.
    async fn require_tracking(&self, pool_id: &str) -> IdpResult<()> {
        if self.pool_session_config(pool_id).await?.tracking {
            return Ok(());
        }
        Err(IdpError::OperationNotEnabled("User session tracking is not enabled for this user pool.".into()))
    }

    async fn sessions_of(&self, pool_id: &str, sub: &str) -> IdpResult<Sessions> {
        let now = self.now_ms();
        let tokens = self.store.active_families(pool_id, sub, now).await?;
        let sso = self.store.user_sessions(pool_id, sub, now).await?;
        Ok(Sessions { tokens, sso })
    }

    /// Revokes one of the user's sessions and, when `linked`, the sessions directly linked
    /// to it. `current` is the caller's own token session, which it may not revoke.
    async fn revoke_session(
        &self,
        pool_id: &str,
        sub: &str,
        session_id: &str,
        linked: bool,
        current: Option<&str>,
    ) -> IdpResult<()> {
        let sessions = self.sessions_of(pool_id, sub).await?;
        match sessions.find(session_id) {
            None => Err(IdpError::ResourceNotFound("Session not found.".into())),
            Some(Target::Token(f)) if current == Some(f.origin_jti.as_str()) => {
                Err(invalid("The session of the access token in the request can't be revoked."))
            }
            Some(Target::Token(f)) => {
                self.store.revoke_family(&f.origin_jti).await?;
                let parent = f.sso_session.as_deref().filter(|_| linked).and_then(|id| sessions.find(id));
                if let Some(Target::Sso(record)) = parent {
                    self.store.take_session(&record.id_hash).await?;
                }
                Ok(())
            }
            Some(Target::Sso(record)) => {
                // Ended first, so no new token session comes through it while its children go.
                self.store.take_session(&record.id_hash).await?;
                if linked {
                    for f in sessions.tokens.iter().filter(|f| f.sso_session.as_deref() == Some(session_id)) {
                        self.store.revoke_family(&f.origin_jti).await?;
                    }
                }
                Ok(())
            }
        }
    }

    pub async fn list_user_sessions(&self, req: ListUserSessionsRequest) -> IdpResult<ListUserSessionsResponse> {
        let owner = self.idp.token_owner(req.access_token.as_deref().unwrap_or_default()).await?;
        self.require_tracking(&owner.pool_id).await?;
        no_next_page(req.next_token.as_deref())?;
        let sessions = self.sessions_of(&owner.pool_id, &owner.sub).await?;
        let current = owner.origin_jti.as_deref();
        Ok(ListUserSessionsResponse { sessions: Some(sessions.describe(current)?), next_token: None })
    }

    pub async fn revoke_user_session(&self, req: RevokeUserSessionRequest) -> IdpResult<RevokeUserSessionResponse> {
        let owner = self.idp.token_owner(req.access_token.as_deref().unwrap_or_default()).await?;
        self.require_tracking(&owner.pool_id).await?;
        let session_id = req.session_id.unwrap_or_default();
        let linked = linked(req.revoke_associated_sessions.as_deref());
        let current = owner.origin_jti.as_deref();
        self.revoke_session(&owner.pool_id, &owner.sub, &session_id, linked, current).await?;
        Ok(RevokeUserSessionResponse {})
    }

    pub async fn admin_list_user_sessions(
        &self,
        req: AdminListUserSessionsRequest,
    ) -> IdpResult<AdminListUserSessionsResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        self.require_tracking(&pool_id).await?;
        no_next_page(req.next_token.as_deref())?;
        let sub = self.idp.admin_user_sub(&pool_id, req.username.as_deref().unwrap_or_default()).await?;
        let sessions = self.sessions_of(&pool_id, &sub).await?;
        Ok(AdminListUserSessionsResponse { sessions: Some(sessions.describe(None)?), next_token: None })
    }

    /// The session must be the named user's: another user's session id is not found, so an
    /// administrator's typo never revokes someone else's session.
    pub async fn admin_revoke_user_session(
        &self,
        req: AdminRevokeUserSessionRequest,
    ) -> IdpResult<AdminRevokeUserSessionResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        self.require_tracking(&pool_id).await?;
        let sub = self.idp.admin_user_sub(&pool_id, req.username.as_deref().unwrap_or_default()).await?;
        let session_id = req.session_id.unwrap_or_default();
        let linked = linked(req.revoke_associated_sessions.as_deref());
        self.revoke_session(&pool_id, &sub, &session_id, linked, None).await?;
        Ok(AdminRevokeUserSessionResponse {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(jti: &str, created_ms: i64, sso: Option<&str>) -> TokenFamily {
        TokenFamily {
            origin_jti: jti.into(),
            pool_id: "p".into(),
            client_id: "c".into(),
            sub: "s".into(),
            revoked: false,
            expires_ms: 10_000_000,
            created_ms,
            sso_session: sso.map(String::from),
        }
    }

    fn pattern_ok(id: &str) -> bool {
        id.len() == 28
            && (id.starts_with("tkn") || id.starts_with("sso"))
            && id[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }

    #[test]
    fn ids_match_cognito_pattern_and_are_stable() {
        let t = token_session_id("7d4f0c3e-5b1a-4c2d-9e8f-0a1b2c3d4e5f");
        let s = sso_session_id("abc");
        assert!(pattern_ok(&t) && t.starts_with("tkn"), "{t}");
        assert!(pattern_ok(&s) && s.starts_with("sso"), "{s}");
        assert_eq!(t, token_session_id("7d4f0c3e-5b1a-4c2d-9e8f-0a1b2c3d4e5f"));
        assert_ne!(token_session_id("a"), token_session_id("b"));
        // The same name gives different ids for the two kinds.
        assert_ne!(token_session_id("x")[3..], sso_session_id("x")[3..]);
    }

    #[test]
    fn descriptions_newest_first_with_current_and_origin() {
        let data = r#"{"sub":"s","auth_time":1,"client_id":"hc","created_ms":1500000}"#;
        let sso = SessionRecord { id_hash: "h".into(), pool_id: "p".into(), expires_ms: 9_000_000, data: data.into() };
        let sso_id = sso_session_id("h");
        let sessions = Sessions {
            tokens: vec![family("b", 2_000_000, Some(&sso_id)), family("a", 1_000_000, None)],
            sso: vec![sso],
        };
        let listed = sessions.describe(Some("a")).unwrap_or_default();
        let ids: Vec<_> = listed.iter().map(|d| d.session_type.clone().unwrap_or_default()).collect();
        assert_eq!(ids, ["TOKEN", "SSO", "TOKEN"]);
        assert_eq!(listed[0].origin_session_id.as_deref(), Some(sso_id.as_str()));
        assert_eq!(listed[1].client_id.as_deref(), Some("hc"));
        assert_eq!(listed[1].create_date, Some(1500.0));
        assert_eq!(
            listed.iter().map(|d| d.is_current_session).collect::<Vec<_>>(),
            [Some(false), Some(false), Some(true)]
        );
        let found = sessions.find(&token_session_id("b"));
        assert!(matches!(found, Some(Target::Token(f)) if f.origin_jti == "b"));
    }

    #[test]
    fn sso_sessions_from_before_kept_times_date_from_expiry() {
        let data = r#"{"sub":"s","auth_time":1}"#;
        let record = SessionRecord {
            id_hash: "h".into(),
            pool_id: "p".into(),
            expires_ms: SESSION_SECONDS * 1000 + 5000,
            data: data.into(),
        };
        let d = describe_sso(&record).unwrap_or_default();
        assert_eq!((d.create_date, d.client_id), (Some(5.0), None));
    }
}
