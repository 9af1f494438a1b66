//! The hosted UI's hooks into this domain: the app client's OAuth settings, password sign-in
//! and its challenges through the same path as the API (lockout, existence hiding, triggers,
//! status rules, MFA and its setup), and tokens minted for an OAuth grant (granted scopes,
//! nonce, the session's sign-in time).

use crate::auth::{Device, Step};
use crate::sessions::digest;
use crate::tokens::{OAuthGrant, Refresh};
use crate::triggers::Trigger;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal};
use cognate_store::SessionRecord;
use cognate_wire::idp::types::{
    AssociateSoftwareTokenRequest, AuthenticationResultType, GetTokensFromRefreshTokenRequest, RevokeTokenRequest,
    VerifySoftwareTokenRequest,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The challenges the hosted UI has pages for (custom and device challenges never reach it).
pub const HOSTED_CHALLENGES: [&str; 6] =
    ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP", "SELECT_MFA_TYPE", "MFA_SETUP"];

/// An app client as the authorization server sees it.
#[derive(Debug, Clone)]
pub struct HostedClient {
    pub client_id: String,
    pub pool_id: String,
    pub has_secret: bool,
    /// AllowedOAuthFlowsUserPoolClient: without it the client has no OAuth at all.
    pub oauth_enabled: bool,
    pub flows: Vec<String>,
    pub scopes: Vec<String>,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    /// SupportedIdentityProviders: `COGNITO` (the password form) and the pool's providers.
    pub identity_providers: Vec<String>,
}

/// Where a hosted-UI password sign-in ended.
#[derive(Debug, Clone, PartialEq)]
pub enum HostedSignIn {
    /// Every factor passed: the user and the sign-in time (seconds) tokens carry as `auth_time`.
    SignedIn { sub: String, auth_time: i64 },
    /// The next step is this challenge (NEW_PASSWORD_REQUIRED, an MFA challenge, ...).
    Challenge(HostedChallenge),
}

/// A challenge as the API would send it: its name, parameters and (single-use) Session.
#[derive(Debug, Clone, PartialEq)]
pub struct HostedChallenge {
    pub name: String,
    pub parameters: BTreeMap<String, String>,
    pub session: String,
}

/// What a browser's remembered-device cookie names: a hosted-UI device and its secret
/// (Cognate's extension; see `devices.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct HostedDeviceProof {
    pub device_key: String,
    pub secret: String,
}

/// A browser just remembered: what its cookie keeps, and for how long (seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct RememberedDevice {
    pub device_key: String,
    pub secret: String,
    pub max_age_s: i64,
}

/// A TOTP token being set up during sign-in (MFA_SETUP).
#[derive(Debug, Clone)]
pub struct HostedTotpSetup {
    /// The base32 secret the authenticator app takes.
    pub secret: String,
    /// The Session that answers the next step.
    pub session: String,
    /// The name authenticator apps show for the account's issuer: the pool's name.
    pub issuer: String,
}

fn hosted_step(step: Step) -> IdpResult<HostedSignIn> {
    match step {
        Step::SignedIn { sub, auth_time } => Ok(HostedSignIn::SignedIn { sub, auth_time }),
        Step::Challenge { name, parameters, session } => {
            Ok(HostedSignIn::Challenge(HostedChallenge { name, parameters, session }))
        }
        Step::Tokens(_) => Err(internal("a hosted-UI sign-in ended in API tokens")),
    }
}

/// Mistakes the user corrects on the same page: the hosted UI keeps the challenge's session
/// for another try (the API spends it), as the form is shown again.
fn correctable(e: &IdpError) -> bool {
    matches!(
        e,
        IdpError::InvalidPassword(_)
            | IdpError::PasswordHistoryViolation
            | IdpError::InvalidParameter(_)
            | IdpError::EnableSoftwareTokenMfa(_)
    )
}

/// What an authorization grant mints tokens for.
#[derive(Debug, Clone)]
pub struct HostedGrant {
    pub client_id: String,
    pub sub: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub auth_time: i64,
    /// The hosted-UI (SSO) session the grant came through, by its session id.
    pub sso_session: Option<String>,
    /// The authorization code the grant redeems, if it comes from one (the family is then
    /// stored only if the code is still unredeemed).
    pub redeem: Option<Redemption>,
}

/// An authorization code being redeemed: the new family's id, chosen beforehand; the code's
/// session key, taken in the same write that stores the family; and the marker left in its
/// place, which names the family for a replay to revoke.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub origin_jti: String,
    pub code_key: String,
    pub marker: SessionRecord,
}

/// A token response.
#[derive(Debug, Clone)]
pub struct HostedTokens {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

impl Idp {
    /// The client's OAuth settings.
    pub async fn hosted_client(&self, client_id: &str) -> IdpResult<HostedClient> {
        Ok(self.hosted_client_with_secret(client_id, None).await?.0)
    }

    /// The client's OAuth settings and whether `secret` is one of its secrets (constant
    /// time), from one read of the client: the token endpoint needs both on every call.
    pub async fn hosted_client_with_secret(
        &self,
        client_id: &str,
        secret: Option<&str>,
    ) -> IdpResult<(HostedClient, bool)> {
        let (_, client) = self.app_client(client_id).await?;
        let secret_ok = secret.is_some_and(|s| client.has_secret() && client.check_secret(Some(s)).is_ok());
        let c = &client.doc.client;
        let settings = HostedClient {
            client_id: client.id().to_owned(),
            pool_id: client.record.pool_id.clone(),
            has_secret: client.has_secret(),
            oauth_enabled: c.allowed_o_auth_flows_user_pool_client == Some(true),
            flows: c.allowed_o_auth_flows.clone().unwrap_or_default(),
            scopes: c.allowed_o_auth_scopes.clone().unwrap_or_default(),
            callback_urls: c.callback_ur_ls.clone().unwrap_or_default(),
            logout_urls: c.logout_ur_ls.clone().unwrap_or_default(),
            identity_providers: c.supported_identity_providers.clone().unwrap_or_default(),
        };
        Ok((settings, secret_ok))
    }

    /// Password sign-in for the hosted UI, whatever the client's ExplicitAuthFlows say (the
    /// hosted UI is its own way in, as in Cognito). Errors are the API's facts: wrong
    /// password, unknown user (hidden as a wrong password when the client asks), disabled,
    /// unconfirmed, locked out, trigger failures. `device`: the browser's remembered device,
    /// which replaces the MFA step when it proves itself and the pool allows it.
    pub async fn hosted_sign_in(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
        device: Option<&HostedDeviceProof>,
    ) -> IdpResult<HostedSignIn> {
        let (pool, client) = self.app_client(client_id).await?;
        let source = TokenSource::HostedAuth;
        let mut user = match self.resolve_user(&pool, username).await {
            Err(IdpError::UserNotFound) if self.has_trigger(&pool, Trigger::UserMigration) => {
                let user = self.migrate_on_sign_in(&pool, &client, username, password).await?;
                self.pre_authentication(&pool, &client, &user).await?;
                let step = self.after_first_factor(pool, &client, user, Device::Hosted, source).await?;
                return hosted_step(step);
            }
            Err(IdpError::UserNotFound) => self.sign_in_user(&pool, &client, username).await?,
            other => other?,
        };
        self.pre_authentication(&pool, &client, &user).await?;
        self.verify_password(&pool, &mut user, password).await?;
        // The API's status rules, new-password and MFA steps; only a remembered browser
        // stands in for a device (the hosted UI issues no NewDeviceMetadata).
        let device = self.browser_device(&pool, &user, device);
        hosted_step(self.after_first_factor(pool, &client, user, device, source).await?)
    }

    /// Answers a hosted-UI challenge with the API's rules (RespondToAuthChallenge's
    /// `ChallengeResponses`); the sign-in ends in a hosted-UI session, not tokens.
    pub async fn hosted_respond(
        &self,
        client_id: &str,
        challenge: &str,
        session: &str,
        mut responses: BTreeMap<String, String>,
    ) -> IdpResult<HostedSignIn> {
        if !HOSTED_CHALLENGES.contains(&challenge) {
            return Err(IdpError::NotAuthorized("Invalid session for the user.".into()));
        }
        let (pool, client) = self.app_client(client_id).await?;
        let hash = responses.get("USERNAME").and_then(|name| client.own_secret_hash(name));
        if let Some(hash) = hash {
            responses.insert("SECRET_HASH".into(), hash);
        }
        let kept = self.store.get_session(&digest(session)).await?;
        let result = self.answer(pool, &client, challenge, Some(session), responses, true).await;
        match result {
            Err(e) if challenge == "NEW_PASSWORD_REQUIRED" && correctable(&e) => {
                self.put_back(kept).await?;
                Err(e)
            }
            other => hosted_step(other?),
        }
    }

    /// MFA_SETUP's first step: a new TOTP secret for the user (AssociateSoftwareToken with
    /// the challenge's Session).
    pub async fn hosted_associate_totp(&self, client_id: &str, session: &str) -> IdpResult<HostedTotpSetup> {
        let (pool, _) = self.app_client(client_id).await?;
        let req = AssociateSoftwareTokenRequest { session: Some(session.to_owned()), ..Default::default() };
        let res = self.associate_software_token(req).await?;
        let invalid = || internal("AssociateSoftwareToken answered without a secret or session");
        Ok(HostedTotpSetup {
            secret: res.secret_code.ok_or_else(invalid)?,
            session: res.session.ok_or_else(invalid)?,
            issuer: pool.record.name.clone(),
        })
    }

    /// MFA_SETUP's second step: the code from the authenticator app (VerifySoftwareToken);
    /// the Session for answering MFA_SETUP. A wrong code leaves the session for another try.
    pub async fn hosted_verify_totp(&self, session: &str, code: &str) -> IdpResult<String> {
        let kept = self.store.get_session(&digest(session)).await?;
        let req = VerifySoftwareTokenRequest {
            session: Some(session.to_owned()),
            user_code: Some(code.to_owned()),
            ..Default::default()
        };
        match self.verify_software_token(req).await {
            Ok(res) => res.session.ok_or_else(|| internal("VerifySoftwareToken answered without a session")),
            Err(e) if correctable(&e) => {
                self.put_back(kept).await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Restores a session the API spent on a correctable mistake (unless it is back already).
    async fn put_back(&self, kept: Option<SessionRecord>) -> IdpResult<()> {
        let Some(record) = kept else { return Ok(()) };
        if self.store.get_session(&record.id_hash).await?.is_none() {
            self.store.insert_session(&record).await?;
        }
        Ok(())
    }

    /// The pool's password policy in words, for the new-password page.
    pub async fn hosted_password_rules(&self, client_id: &str) -> IdpResult<Vec<String>> {
        let (pool, _) = self.app_client(client_id).await?;
        let p = pool.doc.password_policy();
        let mut rules = vec![format!("At least {} characters", p.minimum_length.unwrap_or(8))];
        let classes = [
            (p.require_uppercase, "An uppercase letter"),
            (p.require_lowercase, "A lowercase letter"),
            (p.require_numbers, "A number"),
            (p.require_symbols, "A special character"),
        ];
        rules.extend(classes.iter().filter(|(on, _)| *on == Some(true)).map(|(_, text)| (*text).to_owned()));
        Ok(rules)
    }

    /// Whether a hosted-UI session's user may still be signed in silently.
    pub async fn hosted_user_active(&self, pool_id: &str, sub: &str) -> IdpResult<bool> {
        let record = self.store.get_user(pool_id, sub).await?;
        Ok(record.is_some_and(|u| u.enabled && matches!(u.status.as_str(), "CONFIRMED" | "EXTERNAL_PROVIDER")))
    }

    /// Mints tokens for an authorization grant: a new refresh-token family, the granted
    /// scopes, the nonce, and the hosted-UI session's sign-in time.
    pub async fn issue_hosted_tokens(&self, grant: &HostedGrant) -> IdpResult<HostedTokens> {
        let (pool, client) = self.app_client(&grant.client_id).await?;
        let gone = || IdpError::NotAuthorized("User does not exist.".into());
        let record = self.store.get_user(&pool.record.id, &grant.sub).await?.ok_or_else(gone)?;
        if !record.enabled {
            return Err(IdpError::NotAuthorized("User is disabled.".into()));
        }
        let user = User::from_record(record)?;
        let sso_session = grant.sso_session.clone();
        let oauth = OAuthGrant { scopes: grant.scopes.clone(), nonce: grant.nonce.clone(), sso_session };
        let source = TokenSource::HostedAuth;
        let refresh = match &grant.redeem {
            Some(r) => Refresh::Redeem(r.clone()),
            None => Refresh::NewFamily,
        };
        let result =
            self.mint_tokens(pool, &client, &user, grant.auth_time, refresh, None, source, Some(&oauth)).await?;
        hosted_tokens(result)
    }

    /// `grant_type=refresh_token`: the API's refresh (rotation, revocation, reuse), which
    /// keeps the scopes the refresh token was granted with.
    pub async fn hosted_refresh(&self, client_id: &str, secret: Option<&str>, token: &str) -> IdpResult<HostedTokens> {
        let req = GetTokensFromRefreshTokenRequest {
            client_id: Some(client_id.to_owned()),
            client_secret: secret.map(String::from),
            refresh_token: Some(token.to_owned()),
            ..Default::default()
        };
        let result = self.get_tokens_from_refresh_token(req).await?.authentication_result.unwrap_or_default();
        hosted_tokens(result)
    }

    /// `/oauth2/revoke`: RevokeToken's rules (refresh tokens only, the client's own family).
    pub async fn hosted_revoke(&self, client_id: &str, secret: Option<&str>, token: &str) -> IdpResult<()> {
        let req = RevokeTokenRequest {
            client_id: Some(client_id.to_owned()),
            client_secret: secret.map(String::from),
            token: Some(token.to_owned()),
            ..Default::default()
        };
        self.revoke_token(req).await.map(drop)
    }

    /// Revokes the family a grant started (an authorization code presented twice).
    pub async fn revoke_grant(&self, origin_jti: &str) -> IdpResult<()> {
        Ok(self.store.revoke_family(origin_jti).await?)
    }

    /// `/oauth2/userInfo`: the claims an access token with `openid` may read, by scope:
    /// `email` and `phone` their attributes, `profile` every attribute the client reads.
    pub async fn user_info(&self, token: &str) -> IdpResult<Map<String, Value>> {
        let access = self.check_access_for(token, true, "openid").await?;
        let client = access.client.map(|r| self.app_client_of(r)).transpose()?;
        let scopes: Vec<&str> = access.claims.scope.split(' ').collect();
        let readable = |name: &str| client.as_ref().is_none_or(|c| c.can_read(name));
        let wanted = |name: &str| match name {
            "email" | "email_verified" => scopes.contains(&"email") || scopes.contains(&"profile"),
            "phone_number" | "phone_number_verified" => scopes.contains(&"phone") || scopes.contains(&"profile"),
            _ => scopes.contains(&"profile"),
        };
        let mut claims = Map::new();
        for (name, value) in &access.user.attributes {
            if name != "sub" && !name.starts_with("dev:") && readable(name) && wanted(name) {
                claims.insert(name.clone(), json!(value));
            }
        }
        claims.insert("sub".into(), json!(access.user.record.sub));
        claims.insert("username".into(), json!(access.user.record.username));
        Ok(claims)
    }
}

fn hosted_tokens(result: AuthenticationResultType) -> IdpResult<HostedTokens> {
    let access_token = result.access_token.ok_or_else(|| internal("no access token"))?;
    Ok(HostedTokens {
        access_token,
        id_token: result.id_token,
        refresh_token: result.refresh_token,
        expires_in: result.expires_in.unwrap_or(3600),
    })
}
